// lib/dialects/s3/xml.ts
// PutBucketCors / GetBucketCors XML: a strict parser hardened against hostile input, and S3's serialiser.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { checkMaxAgeSeconds, documentText, MIN_MAX_AGE_SECONDS } from './document.js';
import { escapeXml } from './error-xml.js';
import { S3Errors } from './errors.js';
import { buildRule, RULE_FIELDS_BY_ITEM, RULE_FIELDS_IN_WIRE_ORDER, type RuleDraft } from '../../core/fields.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';

/** S3's XML namespace; the root may carry it as `xmlns` or carry no namespace at all. */
const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A valid document nests three elements deep (CORSConfiguration › CORSRule › value); deeper is refused before parsing. */
const MAX_ELEMENT_DEPTH = 8;

const malformed = () => S3Errors.malformedXml();

const parser = new XMLParser({
  preserveOrder: true, // keeps mixed content and repeated elements visible, so the schema checks below are exact
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false, // entities are decoded by decodeText (predefined and numeric only)
  htmlEntities: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  textNodeName: '#text',
});

/** A node of fast-xml-parser's `preserveOrder` output: `{ name: children, ':@'?: attributes }`. */
type XmlNode = Record<string, unknown>;

const isXmlSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Cheap structural pre-scan: refuses any `<!…>` other than comments and CDATA (so DOCTYPE and ENTITY
 * declarations never reach a parser) and any nesting deeper than {@link MAX_ELEMENT_DEPTH}, so hostile
 * documents fail fast without deep recursion.
 */
function preScan(text: string): void {
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1) {
    const next = text.charCodeAt(i + 1);
    let end: number;
    if (text.startsWith('<!--', i)) end = after(text, '-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) end = after(text, ']]>', i + 9);
    else if (next === 0x21 /* ! */) throw malformed();
    else if (next === 0x3f /* ? */) end = after(text, '?>', i + 2);
    else {
      end = tagEnd(text, i + 1) + 1;
      if (next === 0x2f /* / */) depth--;
      else if (text.charCodeAt(end - 2) !== 0x2f /* self-closing */ && ++depth > MAX_ELEMENT_DEPTH) throw malformed();
    }
    i = text.indexOf('<', end);
  }
}

/** Index just past the first `token` at or after `from`; an unterminated construct is malformed. */
function after(text: string, token: string, from: number): number {
  const at = text.indexOf(token, from);
  if (at === -1) throw malformed();
  return at + token.length;
}

/** Index of the `>` closing the tag that starts before `from`, skipping quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (quote !== 0) {
      if (code === quote) quote = 0;
    } else if (code === 0x22 || code === 0x27) quote = code;
    else if (code === 0x3e) return i;
  }
  throw malformed();
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function isXmlChar(code: number): boolean {
  return code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Parses the digits of a character reference; NaN when any is not a digit of `radix`. */
function parseDigits(digits: string, radix: 10 | 16): number {
  if (digits.length === 0 || digits.length > 8) return NaN;
  let value = 0;
  for (let i = 0; i < digits.length; i++) {
    const code = digits.charCodeAt(i);
    let digit = -1;
    if (code >= 0x30 && code <= 0x39) digit = code - 0x30;
    else if (radix === 16 && code >= 0x61 && code <= 0x66) digit = code - 0x57;
    else if (radix === 16 && code >= 0x41 && code <= 0x46) digit = code - 0x37;
    if (digit === -1) return NaN;
    value = value * radix + digit;
  }
  return value;
}

/**
 * Character data as XML defines it: line ends normalised to LF, the five predefined entities and
 * numeric character references decoded. Any other entity is refused (no DTD can define one).
 */
function decodeText(raw: string): string {
  const text = raw.includes('\r') ? raw.replaceAll('\r\n', '\n').replaceAll('\r', '\n') : raw;
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = text.indexOf(';', amp);
    if (semi === -1) throw malformed();
    const name = text.slice(amp + 1, semi);
    let decoded: string | undefined = PREDEFINED_ENTITIES[name];
    if (decoded === undefined && name.startsWith('#')) {
      const code = name.startsWith('#x') ? parseDigits(name.slice(2), 16) : parseDigits(name.slice(1), 10);
      if (isXmlChar(code)) decoded = String.fromCodePoint(code);
    }
    if (decoded === undefined) throw malformed();
    out += text.slice(from, amp) + decoded;
    from = semi + 1;
    amp = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

/** The element name of a node (its one key besides `:@`), or `#text` / `#cdata`. */
function nodeName(node: XmlNode): string {
  for (const key in node) if (key !== ':@') return key;
  throw malformed();
}

/** Only `xmlns` equal to S3's namespace is accepted. UNVERIFIED (docs/behaviour.md §3.1, §15.2): AWS's answer to another namespace. */
function checkAttributes(node: XmlNode): void {
  const attributes = node[':@'];
  if (attributes === undefined) return;
  for (const [name, value] of Object.entries(attributes as Record<string, unknown>)) {
    if (name !== 'xmlns' || typeof value !== 'string' || decodeText(value) !== S3_XML_NAMESPACE) throw malformed();
  }
}

/** The child elements of a container element; whitespace between them is fine, other text is not. */
function childElements(node: XmlNode, name: string): XmlNode[] {
  checkAttributes(node);
  const elements: XmlNode[] = [];
  for (const child of node[name] as XmlNode[]) {
    const childName = nodeName(child);
    if (childName === '#text') {
      if (!isBlank(String(child['#text']))) throw malformed();
    } else if (childName === '#cdata') throw malformed();
    else elements.push(child);
  }
  return elements;
}

/** The text of a value element, verbatim (not trimmed); child elements make it malformed. */
function elementText(node: XmlNode, name: string): string {
  checkAttributes(node);
  let text = '';
  for (const child of node[name] as XmlNode[]) {
    const childName = nodeName(child);
    if (childName === '#text') text += decodeText(String(child['#text']));
    else if (childName === '#cdata') for (const part of child['#cdata'] as XmlNode[]) text += String(part['#text'] ?? '');
    else throw malformed();
  }
  return text;
}

/** `MaxAgeSeconds` as a 32-bit signed integer: optional sign, digits, surrounding whitespace allowed (xs:int). */
function parseMaxAge(raw: string): number {
  let start = 0;
  let end = raw.length;
  while (start < end && isXmlSpace(raw.charCodeAt(start))) start++;
  while (end > start && isXmlSpace(raw.charCodeAt(end - 1))) end--;
  let negative = false;
  const sign = raw.charCodeAt(start);
  if (sign === 0x2d || sign === 0x2b) {
    negative = sign === 0x2d;
    start++;
  }
  if (start === end) throw malformed();
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) throw malformed();
    value = value * 10 + (code - 0x30);
    // Stop before the digits outgrow exact arithmetic: this is out of range with either sign.
    if (value > -MIN_MAX_AGE_SECONDS) throw malformed();
  }
  return checkMaxAgeSeconds(negative ? -value : value, malformed);
}

function parseRule(node: XmlNode): CorsRule {
  // AllowedOrigin and AllowedMethod are always present (possibly empty) so validation can report them missing.
  const draft: Record<string, unknown> = { AllowedOrigins: [], AllowedMethods: [] };
  for (const child of childElements(node, 'CORSRule')) {
    const name = nodeName(child);
    const field = RULE_FIELDS_BY_ITEM.get(name);
    if (field === undefined) throw malformed();
    const text = elementText(child, name);
    if (field.kind === 'list') ((draft[field.key] ??= []) as string[]).push(text);
    else if (draft[field.key] !== undefined) throw malformed(); // a repeated ID or MaxAgeSeconds
    else draft[field.key] = field.kind === 'integer' ? parseMaxAge(text) : text;
  }
  return buildRule(draft as RuleDraft);
}

/**
 * Parses a PutBucketCors XML body into the configuration model, values verbatim. Refuses bodies over
 * 65,536 bytes (`MaxMessageLengthExceeded`) and anything that is not a well-formed document of S3's
 * schema (`MalformedXML`): invalid UTF-8, DOCTYPE/entity declarations, a root other than
 * `CORSConfiguration`, unknown elements or attributes, child elements inside values, a repeated `ID` or
 * `MaxAgeSeconds`, a `MaxAgeSeconds` that is not a 32-bit integer, or no `CORSRule`. Child order is
 * free. Rule-level checks (required origins/methods, limits, values) are `validateCorsConfiguration`'s.
 */
export function parseCorsXml(body: string | Uint8Array): CorsConfiguration {
  const text = documentText(body, malformed);
  preScan(text);
  if (XMLValidator.validate(text, { allowBooleanAttributes: false }) !== true) throw malformed();
  let document: XmlNode[];
  try {
    document = parser.parse(text) as XmlNode[];
  } catch {
    throw malformed();
  }
  const roots = document.filter((node) => nodeName(node) !== '#text' || !isBlank(String(node['#text'])));
  if (roots.length !== 1 || nodeName(roots[0]!) !== 'CORSConfiguration') throw malformed();
  const rules = childElements(roots[0]!, 'CORSConfiguration').map((child) => {
    if (nodeName(child) !== 'CORSRule') throw malformed();
    return parseRule(child);
  });
  if (rules.length === 0) throw malformed(); // docs/behaviour.md T05: `<CORSConfiguration/>`
  return { CORSRules: rules };
}

const element = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;

/**
 * S3's GetBucketCors body: XML declaration, namespaced `CORSConfiguration`, rules in stored order,
 * values escaped and otherwise verbatim, absent optional elements omitted (`MaxAgeSeconds` 0 kept).
 * Element order inside a rule is the SDK model's (the rule-field table's): ID, AllowedHeader,
 * AllowedMethod, AllowedOrigin, ExposeHeader, MaxAgeSeconds. UNVERIFIED (docs/behaviour.md §4, §15.5):
 * AWS's wire order; clients parse by name.
 */
export function serializeCorsXml(config: CorsConfiguration): string {
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="${S3_XML_NAMESPACE}">`;
  for (const rule of config.CORSRules) {
    xml += '<CORSRule>';
    for (const field of RULE_FIELDS_IN_WIRE_ORDER) {
      const value = rule[field.key];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) xml += element(field.item, item);
      else xml += element(field.item, String(value));
    }
    xml += '</CORSRule>';
  }
  return `${xml}</CORSConfiguration>`;
}
