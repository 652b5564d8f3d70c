// Google Cloud Storage's CORS formats: the JSON bucket `cors` list and the XML API's <CorsConfig>, to and from S3 rules.

import type { CorsConfiguration, CorsRule } from '../../core/model.js';
import { STORED_RULES_PROFILE } from '../../core/validate.js';
import { isPlainObject } from '../../core/values.js';
import {
  checkLimits,
  jsonValueOf,
  clampMaxAge,
  configurationOf,
  dropId,
  FormatError,
  JsonFields,
  prettyJson,
  ruleSurvives,
  s3MethodsOf,
  warningCollector,
  withoutOriginPatterns,
  type Converted,
  type CorsFormat,
  type DialectFormats,
} from '../codec.js';
import { containerElements, readXmlDocument, valueText, xmlElement, xmlInteger, XmlSyntaxError, type XmlElement } from '../xml.js';
import { GCS_ANY_METHOD, GCS_PROFILE } from './profile.js';

const TITLE = 'Google Cloud Storage';

/** One entry of a bucket's `cors` list, as GCS holds it. */
export interface GcsCorsEntry {
  readonly origin: readonly string[];
  readonly method: readonly string[];
  readonly responseHeader?: readonly string[];
  readonly maxAgeSeconds?: number;
}

const ENTRY_KEYS = ['origin', 'method', 'responseHeader', 'maxAgeSeconds'];

function entriesOfJson(value: unknown): GcsCorsEntry[] {
  const fields = new JsonFields('gcs-json');
  // A bucket resource (`gcloud storage buckets describe --format=json`) carries the list under `cors`.
  const list = isPlainObject(value) ? value.cors : value;
  if (Array.isArray(list) && list.length === 0) throw new FormatError('gcs-json', ['an empty list removes a bucket\'s CORS configuration in GCS; S3 has no empty configuration (delete the rules instead)']);
  return fields.list(list, 'the cors list').map((item, index) => {
    const where = `entry ${index + 1}`;
    const entry = fields.object(item, where, ENTRY_KEYS);
    return {
      origin: fields.strings(entry.origin, `${where} origin`, true)!,
      method: fields.strings(entry.method, `${where} method`, true)!,
      responseHeader: fields.strings(entry.responseHeader, `${where} responseHeader`, false),
      maxAgeSeconds: fields.integer(entry.maxAgeSeconds, `${where} maxAgeSeconds`, false),
    };
  });
}

/** The child elements named `item` of the list element `name` of a `<Cors>` entry. */
function xmlList(entry: XmlElement, name: string, item: string): string[] | undefined {
  const lists = containerElements(entry).filter((element) => element.name === name);
  if (lists.length === 0) return undefined;
  return lists.flatMap((list) =>
    containerElements(list).map((element) => {
      if (element.name !== item) throw new FormatError('gcs-xml', [`<${name}> holds only <${item}> elements, not <${element.name}>`]);
      return valueText(element);
    }),
  );
}

const XML_ENTRY_ELEMENTS = ['Origins', 'Methods', 'ResponseHeaders', 'MaxAgeSec'];

function entryOfXml(entry: XmlElement, index: number): GcsCorsEntry {
  const where = `<Cors> ${index + 1}`;
  if (entry.name !== 'Cors') throw new FormatError('gcs-xml', [`<CorsConfig> holds only <Cors> elements, not <${entry.name}>`]);
  for (const element of containerElements(entry)) if (!XML_ENTRY_ELEMENTS.includes(element.name)) throw new FormatError('gcs-xml', [`${where}: unknown element <${element.name}> (expected ${XML_ENTRY_ELEMENTS.join(', ')})`]);
  const origin = xmlList(entry, 'Origins', 'Origin');
  const method = xmlList(entry, 'Methods', 'Method');
  if (origin === undefined || method === undefined) throw new FormatError('gcs-xml', [`${where} must have <Origins> and <Methods>`]);
  const maxAge = containerElements(entry).find((element) => element.name === 'MaxAgeSec');
  const maxAgeSeconds = maxAge === undefined ? undefined : xmlInteger(valueText(maxAge), 2147483647);
  if (maxAge !== undefined && maxAgeSeconds === undefined) throw new FormatError('gcs-xml', [`${where} <MaxAgeSec> must be an integer`]);
  return { origin, method, responseHeader: xmlList(entry, 'ResponseHeaders', 'ResponseHeader'), maxAgeSeconds };
}

function entriesOfXml(text: string): GcsCorsEntry[] {
  try {
    return containerElements(readXmlDocument(text, ['CorsConfig'])).map(entryOfXml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new FormatError('gcs-xml', ['not well-formed XML with root <CorsConfig> (or it holds a DOCTYPE, an entity or characters XML cannot carry)']);
    throw error;
  }
}

/**
 * GCS entries as S3 rules (express-bucket-cors/docs/behaviour.md §23.5): `responseHeader` becomes both AllowedHeaders and
 * ExposeHeaders (GCS answers preflights and exposes from that one list); `"*"` among the methods
 * becomes S3's five (`method-wildcard-expanded`); PATCH, OPTIONS and other methods are dropped, as are
 * origins with a `*` inside (GCS compares them literally, so they never match).
 */
export function gcsEntriesToS3(entries: readonly GcsCorsEntry[], format: string): Converted<CorsConfiguration> {
  const { warnings, warn } = warningCollector(format);
  const rules: CorsRule[] = [];
  entries.forEach((entry, index) => {
    const origins = withoutOriginPatterns(entry.origin, index, warn, TITLE);
    let methods = entry.method;
    if (methods.includes(GCS_ANY_METHOD)) {
      warn('method-wildcard-expanded', index, `method "*" written as ${STORED_RULES_PROFILE.methods.join(', ')}: the methods S3 rules can allow`);
      methods = STORED_RULES_PROFILE.methods;
    }
    const kept = s3MethodsOf(methods, index, warn, TITLE);
    if (!ruleSurvives(origins, kept, index, warn)) return;
    const headers = entry.responseHeader ?? [];
    const exposed = headers.filter((name) => !name.includes('*'));
    for (const name of headers) if (name.includes('*')) warn('expose-header-dropped', index, `responseHeader ${JSON.stringify(name)} kept in AllowedHeaders only: S3 ExposeHeaders take no wildcard`);
    const rule: CorsRule = { AllowedOrigins: origins, AllowedMethods: [...new Set(kept)] };
    rules.push({
      ...rule,
      ...(entry.responseHeader === undefined ? {} : { AllowedHeaders: [...headers], ExposeHeaders: exposed }),
      ...(entry.maxAgeSeconds === undefined ? {} : { MaxAgeSeconds: entry.maxAgeSeconds }),
    });
  });
  return { value: configurationOf(format, rules, warnings), warnings };
}

/** One list in order, without names equal but for case. */
function union(first: readonly string[], second: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...first, ...second].filter((name) => !seen.has(name.toLowerCase()) && seen.add(name.toLowerCase()));
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => (a ?? []).length === (b ?? []).length && (a ?? []).every((value, i) => value === b![i]);

/**
 * S3 rules as GCS entries: IDs dropped; origin patterns dropped; AllowedHeaders and ExposeHeaders
 * merged into `responseHeader` (`headers-merged` unless they are the same list); a negative max age
 * written as 0. What is left must fit {@link GCS_PROFILE}.
 */
export function s3ToGcsEntries(configuration: CorsConfiguration, format: string): Converted<GcsCorsEntry[]> {
  const { warnings, warn } = warningCollector(format);
  const entries: GcsCorsEntry[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    dropId(rule.ID, index, warn, TITLE);
    const origin = withoutOriginPatterns(rule.AllowedOrigins, index, warn, TITLE);
    if (!ruleSurvives(origin, rule.AllowedMethods, index, warn)) return;
    if (!sameList(rule.AllowedHeaders, rule.ExposeHeaders))
      warn('headers-merged', index, 'AllowedHeaders and ExposeHeaders written as one responseHeader list (GCS has no separate lists): both sides now allow and expose their union');
    const headers = union(rule.ExposeHeaders ?? [], rule.AllowedHeaders ?? []);
    entries.push({
      origin,
      method: [...rule.AllowedMethods],
      ...(rule.AllowedHeaders === undefined && rule.ExposeHeaders === undefined ? {} : { responseHeader: headers }),
      ...(rule.MaxAgeSeconds === undefined ? {} : { maxAgeSeconds: clampMaxAge(rule.MaxAgeSeconds, GCS_PROFILE.maxAgeSeconds, index, warn, TITLE) }),
    });
  });
  const written = entries.map((entry) => ({ AllowedOrigins: entry.origin, AllowedMethods: entry.method, MaxAgeSeconds: entry.maxAgeSeconds }));
  checkLimits(format, TITLE, { CORSRules: written }, GCS_PROFILE);
  return { value: entries, warnings };
}

const isGcsEntry = (value: unknown): boolean => isPlainObject(value) && ('origin' in value || 'method' in value);

export const GCS_JSON_FORMAT: CorsFormat = {
  name: 'gcs-json',
  syntax: 'json',
  description: 'Google Cloud Storage JSON, the bucket cors list (gcloud storage buckets update --cors-file, gsutil cors set)',
  shape: '[{"origin":[…],"method":[…],"responseHeader":[…],"maxAgeSeconds":3600}] (or a bucket resource {"cors":[…]})',
  recognizes(document) {
    const value = jsonValueOf(document);
    const list = isPlainObject(value) ? value.cors : value;
    return Array.isArray(list) && isGcsEntry(list[0]);
  },
  read: (document) => gcsEntriesToS3(entriesOfJson(jsonValueOf(document)), 'gcs-json'),
  write(configuration) {
    const { value, warnings } = s3ToGcsEntries(configuration, 'gcs-json');
    return { value: prettyJson(value), warnings };
  },
};

const xmlListOf = (name: string, item: string, values: readonly string[]) => `<${name}>${values.map((value) => xmlElement(item, value)).join('')}</${name}>`;

export const GCS_XML_FORMAT: CorsFormat = {
  name: 'gcs-xml',
  syntax: 'xml',
  description: "Google Cloud Storage XML API, the PUT /?cors body <CorsConfig>",
  shape: '<CorsConfig><Cors><Origins><Origin>…</Origin></Origins><Methods><Method>…</Method></Methods><ResponseHeaders>…</ResponseHeaders><MaxAgeSec>3600</MaxAgeSec></Cors></CorsConfig>',
  recognizes: (document) => document.syntax === 'xml' && document.root === 'CorsConfig',
  read: (document) => gcsEntriesToS3(entriesOfXml(document.syntax === 'xml' ? document.text : ''), 'gcs-xml'),
  write(configuration) {
    const { value, warnings } = s3ToGcsEntries(configuration, 'gcs-xml');
    let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<CorsConfig>';
    for (const entry of value) {
      xml += `<Cors>${xmlListOf('Origins', 'Origin', entry.origin)}${xmlListOf('Methods', 'Method', entry.method)}`;
      if (entry.responseHeader !== undefined) xml += xmlListOf('ResponseHeaders', 'ResponseHeader', entry.responseHeader);
      if (entry.maxAgeSeconds !== undefined) xml += xmlElement('MaxAgeSec', String(entry.maxAgeSeconds));
      xml += '</Cors>';
    }
    return { value: `${xml}</CorsConfig>\n`, warnings };
  },
};

/** Google Cloud Storage: rules picked on origin and method alone; `gcs` alone means the JSON list. */
export const GCS_FORMATS: DialectFormats = {
  name: 'gcs',
  title: TITLE,
  profile: GCS_PROFILE,
  selection: 'origin-and-method',
  formats: [GCS_JSON_FORMAT, GCS_XML_FORMAT],
};
