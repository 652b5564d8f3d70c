// Azure Storage's CORS formats: service-properties XML <Cors><CorsRule> (comma lists) and ARM/Bicep JSON corsRules, to and from S3 rules.

import type { CorsConfiguration, CorsRule } from '../../core/model.js';
import { isPlainObject } from '../../core/values.js';
import { ruleLabel } from '../../core/wording.js';
import {
  checkLimits,
  jsonValueOf,
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
import { AZURE_LIMITS, AZURE_PROFILE } from './profile.js';

const TITLE = 'Azure Storage';

/** One CORS rule as Azure holds it (the ARM model's names); every member is required there. */
export interface AzureCorsRule {
  readonly allowedOrigins: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeInSeconds: number;
}

const RULE_KEYS = ['allowedOrigins', 'allowedMethods', 'allowedHeaders', 'exposedHeaders', 'maxAgeInSeconds'] as const;
/** The XML element of each member: the same name, capitalised. */
const elementOf = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

/** A header name with one `*` at its end: Azure's prefixed header (`x-ms-meta*`). */
const isPrefixed = (name: string) => name.length > 1 && name.indexOf('*') === name.length - 1;

/** The rules list of ARM JSON: `{corsRules}`, `{cors:{corsRules}}` or a storage resource's `{properties:{cors:{corsRules}}}`. */
function armRulesList(value: unknown): unknown {
  const properties = isPlainObject(value) && isPlainObject(value.properties) ? value.properties : value;
  const cors = isPlainObject(properties) && isPlainObject(properties.cors) ? properties.cors : properties;
  return isPlainObject(cors) ? cors.corsRules : undefined;
}

function rulesOfJson(value: unknown): AzureCorsRule[] {
  const fields = new JsonFields('azure-json');
  return fields.list(armRulesList(value), 'corsRules').map((item, index) => {
    const where = `corsRules ${index + 1}`;
    const rule = fields.object(item, where, RULE_KEYS);
    const list = (key: (typeof RULE_KEYS)[number]) => fields.strings(rule[key], `${where} ${key}`, true)!;
    return { allowedOrigins: list('allowedOrigins'), allowedMethods: list('allowedMethods'), allowedHeaders: list('allowedHeaders'), exposedHeaders: list('exposedHeaders'), maxAgeInSeconds: fields.integer(rule.maxAgeInSeconds, `${where} maxAgeInSeconds`, true)! };
  });
}

/** A comma list as Azure writes it: items trimmed, empties dropped. */
const commaList = (text: string): string[] => text.split(',').map((item) => item.trim()).filter((item) => item !== '');

function ruleOfXml(element: XmlElement, index: number): AzureCorsRule {
  const where = `<CorsRule> ${index + 1}`;
  if (element.name !== 'CorsRule') throw new FormatError('azure-xml', [`<Cors> holds only <CorsRule> elements, not <${element.name}>`]);
  const values = new Map<string, string>();
  for (const child of containerElements(element)) {
    if (!RULE_KEYS.map(elementOf).includes(child.name) || values.has(child.name)) throw new FormatError('azure-xml', [`${where}: unexpected or repeated <${child.name}>`]);
    values.set(child.name, valueText(child));
  }
  const missing = RULE_KEYS.map(elementOf).filter((name) => !values.has(name));
  if (missing.length > 0) throw new FormatError('azure-xml', [`${where} must have ${missing.map((name) => `<${name}>`).join(', ')} (Azure requires every element)`]);
  const maxAgeInSeconds = xmlInteger(values.get('MaxAgeInSeconds')!, 2147483647);
  if (maxAgeInSeconds === undefined) throw new FormatError('azure-xml', [`${where} <MaxAgeInSeconds> must be an integer`]);
  const list = (key: string) => commaList(values.get(elementOf(key))!);
  return { allowedOrigins: list('allowedOrigins'), allowedMethods: list('allowedMethods'), allowedHeaders: list('allowedHeaders'), exposedHeaders: list('exposedHeaders'), maxAgeInSeconds };
}

function rulesOfXml(text: string): AzureCorsRule[] {
  try {
    let root = readXmlDocument(text, ['Cors', 'StorageServiceProperties']);
    // A whole Set Service Properties body: only its <Cors> matters here.
    if (root.name === 'StorageServiceProperties') {
      const cors = containerElements(root).find((element) => element.name === 'Cors');
      if (cors === undefined) throw new FormatError('azure-xml', ['<StorageServiceProperties> has no <Cors> element']);
      root = cors;
    }
    return containerElements(root).map(ruleOfXml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new FormatError('azure-xml', ['not well-formed XML with root <Cors> or <StorageServiceProperties> (or it holds a DOCTYPE, an entity or characters XML cannot carry)']);
    throw error;
  }
}

/**
 * Azure rules as S3 rules (express-bucket-cors/docs/behaviour.md §23.5): MERGE, OPTIONS, PATCH and other methods S3 has
 * not are dropped; exposed headers with a `*` (S3 ExposeHeaders take none) are dropped; a prefixed
 * allowed header (`x-ms-meta*`) is an S3 pattern as it is; empty header lists are left out.
 */
export function azureRulesToS3(azureRules: readonly AzureCorsRule[], format: string): Converted<CorsConfiguration> {
  if (azureRules.length === 0) throw new FormatError(format, ['no CorsRule: in Azure that deletes every rule; S3 has no empty configuration (delete the rules instead)']);
  const { warnings, warn } = warningCollector(format);
  const rules: CorsRule[] = [];
  azureRules.forEach((azure, index) => {
    const origins = withoutOriginPatterns(azure.allowedOrigins, index, warn, TITLE);
    const methods = s3MethodsOf(azure.allowedMethods, index, warn, TITLE);
    if (!ruleSurvives(origins, methods, index, warn)) return;
    const exposed = azure.exposedHeaders.filter((name) => !name.includes('*'));
    for (const name of azure.exposedHeaders) if (name.includes('*')) warn('expose-header-dropped', index, `exposed header ${JSON.stringify(name)} dropped: S3 ExposeHeaders take no wildcard`);
    rules.push({
      AllowedOrigins: origins,
      AllowedMethods: methods,
      ...(azure.allowedHeaders.length === 0 ? {} : { AllowedHeaders: [...azure.allowedHeaders] }),
      ...(exposed.length === 0 ? {} : { ExposeHeaders: exposed }),
      MaxAgeSeconds: azure.maxAgeInSeconds,
    });
  });
  return { value: configurationOf(format, rules, warnings), warnings };
}

/** Problems with Azure's limits beyond the profile: header kinds per list, and the 2 KiB of rule text. */
function limitProblems(rules: readonly AzureCorsRule[]): string[] {
  const problems: string[] = [];
  let characters = 0;
  rules.forEach((rule, index) => {
    for (const key of ['allowedHeaders', 'exposedHeaders'] as const) {
      const prefixed = rule[key].filter(isPrefixed).length;
      const literal = rule[key].length - prefixed;
      if (literal > AZURE_LIMITS.literalHeaders || prefixed > AZURE_LIMITS.prefixedHeaders)
        problems.push(`${ruleLabel(index, undefined)} ${key}: ${literal} literal and ${prefixed} prefixed headers, more than Azure's ${AZURE_LIMITS.literalHeaders} and ${AZURE_LIMITS.prefixedHeaders}`);
    }
    for (const key of RULE_KEYS) characters += key === 'maxAgeInSeconds' ? String(rule[key]).length : rule[key].join(',').length;
  });
  if (characters > AZURE_LIMITS.ruleTextCharacters) problems.push(`the rules hold ${characters} characters of values, more than Azure's ${AZURE_LIMITS.ruleTextCharacters} (2 KiB)`);
  return problems;
}

/** An S3 header list with what Azure cannot express dropped: patterns other than a prefix, names with a comma. */
function azureHeaders(names: readonly string[] | undefined, index: number, warn: ReturnType<typeof warningCollector>['warn']): string[] {
  return (names ?? []).filter((name) => {
    if (name === '*' || !name.includes('*') || isPrefixed(name)) return true;
    warn('header-dropped', index, `allowed header ${JSON.stringify(name)} dropped: Azure takes literal names, "*", or a prefix ending in "*"`);
    return false;
  });
}

/**
 * S3 rules as Azure rules: IDs dropped; origin patterns (and origins holding a comma, which a comma
 * list cannot carry) dropped; a missing max age written as 0 (`max-age-added`: Azure requires one).
 * What is left must fit {@link AZURE_PROFILE} and {@link AZURE_LIMITS}, or this throws.
 */
export function s3ToAzureRules(configuration: CorsConfiguration, format: string): Converted<AzureCorsRule[]> {
  const { warnings, warn } = warningCollector(format);
  const rules: AzureCorsRule[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    dropId(rule.ID, index, warn, TITLE);
    const origins = withoutOriginPatterns(rule.AllowedOrigins, index, warn, TITLE).filter((origin) => {
      if (!origin.includes(',') && origin.trim() === origin && origin !== '') return true;
      warn('origin-dropped', index, `origin ${JSON.stringify(origin)} dropped: Azure's comma-separated lists cannot carry it`);
      return false;
    });
    if (!ruleSurvives(origins, rule.AllowedMethods, index, warn)) return;
    if (rule.MaxAgeSeconds === undefined) warn('max-age-added', index, 'MaxAgeInSeconds 0 written: Azure requires one (S3 sent no Access-Control-Max-Age)');
    rules.push({
      allowedOrigins: origins,
      allowedMethods: [...rule.AllowedMethods],
      allowedHeaders: azureHeaders(rule.AllowedHeaders, index, warn),
      exposedHeaders: [...(rule.ExposeHeaders ?? [])],
      maxAgeInSeconds: rule.MaxAgeSeconds ?? 0,
    });
  });
  const written = rules.map((rule) => ({ AllowedOrigins: rule.allowedOrigins, AllowedMethods: rule.allowedMethods, AllowedHeaders: rule.allowedHeaders, ExposeHeaders: rule.exposedHeaders, MaxAgeSeconds: rule.maxAgeInSeconds }));
  checkLimits(format, TITLE, { CORSRules: written }, AZURE_PROFILE, limitProblems(rules));
  return { value: rules, warnings };
}

export const AZURE_XML_FORMAT: CorsFormat = {
  name: 'azure-xml',
  syntax: 'xml',
  description: 'Azure Storage XML, the <Cors> of a Set Blob/File/Queue/Table Service Properties body',
  shape: '<Cors><CorsRule><AllowedOrigins>a,b</AllowedOrigins><AllowedMethods>GET,PUT</AllowedMethods><AllowedHeaders>…</AllowedHeaders><ExposedHeaders>…</ExposedHeaders><MaxAgeInSeconds>200</MaxAgeInSeconds></CorsRule></Cors>',
  recognizes: (document) => document.syntax === 'xml' && (document.root === 'Cors' || document.root === 'StorageServiceProperties'),
  read: (document) => azureRulesToS3(rulesOfXml(document.syntax === 'xml' ? document.text : ''), 'azure-xml'),
  write(configuration) {
    const { value, warnings } = s3ToAzureRules(configuration, 'azure-xml');
    let xml = '<?xml version="1.0" encoding="utf-8"?>\n<StorageServiceProperties><Cors>';
    for (const rule of value) {
      xml += '<CorsRule>';
      for (const key of RULE_KEYS) xml += xmlElement(elementOf(key), key === 'maxAgeInSeconds' ? String(rule[key]) : rule[key].join(','));
      xml += '</CorsRule>';
    }
    return { value: `${xml}</Cors></StorageServiceProperties>\n`, warnings };
  },
};

export const AZURE_JSON_FORMAT: CorsFormat = {
  name: 'azure-json',
  syntax: 'json',
  description: 'Azure ARM / Bicep JSON, a blob service\'s cors.corsRules (also accepted: {"cors":{…}} or a resource\'s {"properties":{"cors":{…}}})',
  shape: '{"corsRules":[{"allowedOrigins":[…],"allowedMethods":[…],"allowedHeaders":[…],"exposedHeaders":[…],"maxAgeInSeconds":200}]}',
  recognizes: (document) => Array.isArray(armRulesList(jsonValueOf(document))) && !isB2List(armRulesList(jsonValueOf(document))),
  read: (document) => azureRulesToS3(rulesOfJson(jsonValueOf(document)), 'azure-json'),
  write(configuration) {
    const { value, warnings } = s3ToAzureRules(configuration, 'azure-json');
    return { value: prettyJson({ corsRules: value }), warnings };
  },
};

/** B2's `b2_update_bucket` body also names its list `corsRules`: its rules carry `corsRuleName`. */
const isB2List = (list: unknown): boolean => Array.isArray(list) && isPlainObject(list[0]) && 'corsRuleName' in list[0];

/** Azure Storage: one service's rules, picked on origin and method alone; `azure` alone means the XML. */
export const AZURE_FORMATS: DialectFormats = {
  name: 'azure',
  title: TITLE,
  profile: AZURE_PROFILE,
  selection: 'origin-and-method',
  formats: [AZURE_XML_FORMAT, AZURE_JSON_FORMAT],
};
