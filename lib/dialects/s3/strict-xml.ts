// Strict XML for S3's request and response bodies, whatever their schema: a reader hardened against hostile input
// (XML 1.0 characters, declaration, names, comments, entities, depth; no DTD) over fast-xml-parser, and escaping.
// The CORS schema on top of it is xml.ts.

import type { XMLParser } from 'fast-xml-parser';
import { documentText } from './document.js';
import { S3Errors } from './errors.js';
import { isPortableText, isTextChar } from '../../core/text.js';
import { onFirstUse } from '../../on-first-use.js';

/** S3's XML namespace; the root may carry it as `xmlns` or carry no namespace at all. */
export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A valid document nests three elements deep (CORSConfiguration › CORSRule › value); deeper is refused before parsing. */
const MAX_ELEMENT_DEPTH = 8;

/** Every way a body fails to be a document of the expected schema is S3's `MalformedXML`. */
export const malformed = () => S3Errors.malformedXml();

const fastXmlParser = onFirstUse<typeof import('fast-xml-parser')>('fast-xml-parser');

let parser: XMLParser | undefined;

/** The parser, made on the first document read (fast-xml-parser loads then). */
const xmlParser = (): XMLParser => (parser ??= new (fastXmlParser().XMLParser)({
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
}));

/** A node of fast-xml-parser's `preserveOrder` output: `{ name: children, ':@'?: attributes }`. */
export type XmlNode = Record<string, unknown>;

export const isXmlSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Throws unless every character is an XML 1.0 `Char` (§2.2): TAB, LF, CR, U+0020–U+D7FF,
 * U+E000–U+FFFD and U+10000–U+10FFFF (surrogates only as pairs). Checked on the whole text, so no
 * value, comment, instruction or attribute can hold a character a serialised GetBucketCors body could
 * not carry back.
 */
function checkXmlChars(text: string): void {
  if (!isPortableText(text)) throw malformed();
}

/**
 * Cheap structural pre-scan: refuses any `<!…>` other than comments and CDATA (so DOCTYPE and ENTITY
 * declarations never reach a parser), comments holding `--`, processing instructions whose target is
 * not a name, an XML declaration anywhere but at the very start or declaring anything but UTF-8
 * XML 1.0, and any nesting deeper than {@link MAX_ELEMENT_DEPTH}, so hostile documents fail fast
 * without deep recursion.
 */
function preScan(text: string): void {
  let depth = 0;
  let i = text.indexOf('<');
  while (i !== -1) {
    const next = text.charCodeAt(i + 1);
    let end: number;
    if (text.startsWith('<!--', i)) end = commentEnd(text, i + 4);
    else if (text.startsWith('<![CDATA[', i)) end = after(text, ']]>', i + 9);
    else if (next === 0x21 /* ! */) throw malformed();
    else if (next === 0x3f /* ? */) end = processingInstructionEnd(text, i);
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

/** Index just past the comment whose text starts at `from`: its first `--` must be its `-->` (XML 1.0 §2.5). */
function commentEnd(text: string, from: number): number {
  const dashes = text.indexOf('--', from);
  if (dashes === -1 || text.charCodeAt(dashes + 2) !== 0x3e /* > */) throw malformed();
  return dashes + 3;
}

/**
 * Index just past the processing instruction at `start` (XML 1.0 §2.6): its target must be a name,
 * and a target spelled `xml` in any case is the XML declaration, allowed only as `<?xml` at index 0.
 */
function processingInstructionEnd(text: string, start: number): number {
  const end = after(text, '?>', start + 2);
  const close = end - 2;
  let targetEnd = start + 2;
  while (targetEnd < close && !isXmlSpace(text.charCodeAt(targetEnd))) targetEnd++;
  const target = text.slice(start + 2, targetEnd);
  if (!isXmlName(target)) throw malformed();
  if (target.length === 3 && target.toLowerCase() === 'xml') {
    if (start !== 0 || target !== 'xml') throw malformed();
    checkXmlDeclaration(text.slice(targetEnd, close));
  }
  return end;
}

/**
 * The pseudo-attributes of an XML declaration (XML 1.0 §2.8), in the only order allowed: `version`
 * (required), `encoding`, `standalone`. Only version `1.0` is read: a 1.1 document has other character
 * and line-end rules, so reading it as 1.0 would store something its author did not write. Only the
 * encoding `UTF-8` is read, its name compared case-insensitively (§4.3.3); `utf8` is no IANA name or
 * alias and is refused like every encoding this parser does not decode.
 */
function checkXmlDeclaration(declaration: string): void {
  const version = pseudoAttribute(declaration, 0, 'version');
  if (version === undefined || version.value !== '1.0') throw malformed();
  let at = version.end;
  const encoding = pseudoAttribute(declaration, at, 'encoding');
  if (encoding !== undefined) {
    if (encoding.value.toLowerCase() !== 'utf-8') throw malformed();
    at = encoding.end;
  }
  const standalone = pseudoAttribute(declaration, at, 'standalone');
  if (standalone !== undefined) {
    if (standalone.value !== 'yes' && standalone.value !== 'no') throw malformed();
    at = standalone.end;
  }
  if (!isBlank(declaration.slice(at))) throw malformed();
}

/**
 * Reads `S name S? = S? "value"` (or single quotes) at `from`: the value and the index after its
 * closing quote, or `undefined` when the next name is not `name`.
 */
function pseudoAttribute(text: string, from: number, name: string): { value: string; end: number } | undefined {
  let i = from;
  if (!isXmlSpace(text.charCodeAt(i))) return undefined;
  while (isXmlSpace(text.charCodeAt(i))) i++;
  if (!text.startsWith(name, i)) return undefined;
  i += name.length;
  while (isXmlSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x3d /* = */) throw malformed();
  i++;
  while (isXmlSpace(text.charCodeAt(i))) i++;
  const quote = text.charAt(i);
  if (quote !== '"' && quote !== "'") throw malformed();
  const closing = text.indexOf(quote, i + 1);
  if (closing === -1) throw malformed();
  return { value: text.slice(i + 1, closing), end: closing + 1 };
}

/** XML 1.0 §2.3 `NameStartChar`, by code point. */
function isNameStartChar(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x3a || code === 0x5f ||
    (code >= 0xc0 && code <= 0xd6) || (code >= 0xd8 && code <= 0xf6) || (code >= 0xf8 && code <= 0x2ff) ||
    (code >= 0x370 && code <= 0x37d) || (code >= 0x37f && code <= 0x1fff) || code === 0x200c || code === 0x200d ||
    (code >= 0x2070 && code <= 0x218f) || (code >= 0x2c00 && code <= 0x2fef) || (code >= 0x3001 && code <= 0xd7ff) ||
    (code >= 0xf900 && code <= 0xfdcf) || (code >= 0xfdf0 && code <= 0xfffd) || (code >= 0x10000 && code <= 0xeffff)
  );
}

/** XML 1.0 §2.3 `NameChar`, by code point. */
function isNameChar(code: number): boolean {
  return (
    isNameStartChar(code) || code === 0x2d || code === 0x2e || (code >= 0x30 && code <= 0x39) || code === 0xb7 ||
    (code >= 0x300 && code <= 0x36f) || code === 0x203f || code === 0x2040
  );
}

/** True when `s` is an XML 1.0 `Name` (`s` holds XML characters only, so surrogates come in pairs). */
function isXmlName(s: string): boolean {
  if (s.length === 0) return false;
  let first = true;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (!(first ? isNameStartChar(code) : isNameChar(code))) return false;
    first = false;
  }
  return true;
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
      if (isTextChar(code)) decoded = String.fromCodePoint(code);
    }
    if (decoded === undefined) throw malformed();
    out += text.slice(from, amp) + decoded;
    from = semi + 1;
    amp = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

/** The element name of a node (its one key besides `:@`), or `#text` / `#cdata`. */
export function nodeName(node: XmlNode): string {
  for (const key in node) if (key !== ':@') return key;
  throw malformed();
}

/** Only `xmlns` equal to S3's namespace is accepted. UNVERIFIED (express-bucket-cors/docs/behaviour.md §3.1, §15.2): AWS's answer to another namespace. */
function checkAttributes(node: XmlNode): void {
  const attributes = node[':@'];
  if (attributes === undefined) return;
  for (const [name, value] of Object.entries(attributes as Record<string, unknown>)) {
    if (name !== 'xmlns' || typeof value !== 'string' || decodeText(value) !== S3_XML_NAMESPACE) throw malformed();
  }
}

/** The child elements of a container element; whitespace between them is fine, other text is not. */
export function childElements(node: XmlNode, name: string): XmlNode[] {
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

/** Text between tags, decoded; `]]>` may only end a CDATA section (XML 1.0 §2.4 CharData). */
function characterData(raw: string): string {
  if (raw.includes(']]>')) throw malformed();
  return decodeText(raw);
}

/** The text of a value element, verbatim (not trimmed); child elements make it malformed. */
export function elementText(node: XmlNode, name: string): string {
  checkAttributes(node);
  let text = '';
  for (const child of node[name] as XmlNode[]) {
    const childName = nodeName(child);
    if (childName === '#text') text += characterData(String(child['#text']));
    else if (childName === '#cdata') for (const part of child['#cdata'] as XmlNode[]) text += String(part['#text'] ?? '');
    else throw malformed();
  }
  return text;
}

/**
 * Reads `body` as one strict XML document and returns its root element, checked to be named `root`.
 * Refuses (`MalformedXML`) invalid UTF-8, characters XML 1.0 excludes (raw or as references), a
 * comment holding `--`, an XML declaration other than version 1.0 in UTF-8, DOCTYPE and entity
 * declarations, nesting deeper than {@link MAX_ELEMENT_DEPTH}, anything not well-formed, and a root
 * of another name or more than one. Bodies over 65,536 bytes are `MaxMessageLengthExceeded`.
 */
export function parseXmlRoot(body: string | Uint8Array, root: string): XmlNode {
  const text = documentText(body, malformed);
  checkXmlChars(text);
  preScan(text);
  if (fastXmlParser().XMLValidator.validate(text, { allowBooleanAttributes: false }) !== true) throw malformed();
  let document: XmlNode[];
  try {
    document = xmlParser().parse(text) as XmlNode[];
  } catch {
    throw malformed();
  }
  const roots = document.filter((node) => nodeName(node) !== '#text' || !isBlank(String(node['#text'])));
  if (roots.length !== 1 || nodeName(roots[0]!) !== root) throw malformed();
  return roots[0]!;
}

// CR as a reference: parsers turn a raw CR (and CRLF) into LF, so a value with CR would not read back the same.
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/**
 * Escapes text for an XML element or attribute: the five markup characters as entities, CR as `&#13;`
 * (tab and LF stay literal). Characters XML 1.0 cannot carry at all (C0 controls other than
 * tab/LF/CR, lone surrogates, U+FFFE/U+FFFF) become U+FFFD so the document stays well-formed.
 */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const escaped = XML_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff)
      out += '\uFFFD';
    else out += ch;
  }
  return out;
}

/** `<name>value</name>`, the value escaped. */
export const xmlElement = (name: string, value: string): string => `<${name}>${escapeXml(value)}</${name}>`;

/**
 * A decimal integer written in an element (XML Schema's integer types): optional surrounding
 * whitespace and sign, digits; `undefined` for anything else or a magnitude above `limit`.
 */
export function xmlInteger(raw: string, limit: number): number | undefined {
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
  if (start === end) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return undefined;
    value = value * 10 + (code - 0x30);
    // Stop before the digits outgrow exact arithmetic.
    if (value > limit) return undefined;
  }
  return negative && value !== 0 ? -value : value;
}
