// The CORS schema of PutBucketCors / GetBucketCors XML: CORSConfiguration › CORSRule › value elements, read
// into the neutral model (element names from the rule-field table) and written back in S3's order. The strict
// XML underneath is strict-xml.ts.

import { checkMaxAgeSeconds, MIN_MAX_AGE_SECONDS } from './document.js';
import { childElements, elementText, malformed, nodeName, parseXmlRoot, S3_XML_NAMESPACE, xmlElement, xmlInteger, type XmlNode } from './strict-xml.js';
import { buildRule, RULE_FIELDS_BY_ITEM, RULE_FIELDS_IN_WIRE_ORDER, type RuleDraft } from '../../core/fields.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';

/** `MaxAgeSeconds` as a 32-bit signed integer: optional sign, digits, surrounding whitespace allowed (xs:int). */
function parseMaxAge(raw: string): number {
  const value = xmlInteger(raw, -MIN_MAX_AGE_SECONDS);
  if (value === undefined) throw malformed();
  return checkMaxAgeSeconds(value, malformed);
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
 * schema (`MalformedXML`): invalid UTF-8, characters XML 1.0 excludes (NUL and other C0 controls
 * except TAB/LF/CR, U+FFFE, U+FFFF, lone surrogates; raw or as references), a comment holding `--`, an
 * XML declaration other than version 1.0 in UTF-8, DOCTYPE/entity declarations, a root other than
 * `CORSConfiguration`, unknown elements or attributes, child elements inside values, a repeated `ID` or
 * `MaxAgeSeconds`, a `MaxAgeSeconds` that is not a 32-bit integer, or no `CORSRule`. Child order is
 * free. Rule-level checks (required origins/methods, limits, values) are `validateCorsConfiguration`'s.
 */
export function parseCorsXml(body: string | Uint8Array): CorsConfiguration {
  const rules = childElements(parseXmlRoot(body, 'CORSConfiguration'), 'CORSConfiguration').map((child) => {
    if (nodeName(child) !== 'CORSRule') throw malformed();
    return parseRule(child);
  });
  if (rules.length === 0) throw malformed(); // express-bucket-cors/docs/behaviour.md T05: `<CORSConfiguration/>`
  return { CORSRules: rules };
}

/**
 * S3's GetBucketCors body: XML declaration, namespaced `CORSConfiguration`, rules in stored order,
 * values escaped and otherwise verbatim, absent optional elements omitted (`MaxAgeSeconds` 0 kept).
 * Element order inside a rule is the SDK model's (the rule-field table's): ID, AllowedHeader,
 * AllowedMethod, AllowedOrigin, ExposeHeader, MaxAgeSeconds. UNVERIFIED (express-bucket-cors/docs/behaviour.md §4, §15.5):
 * AWS's wire order; clients parse by name.
 */
export function serializeCorsXml(config: CorsConfiguration): string {
  let xml = `<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="${S3_XML_NAMESPACE}">`;
  for (const rule of config.CORSRules) {
    xml += '<CORSRule>';
    for (const field of RULE_FIELDS_IN_WIRE_ORDER) {
      const value = rule[field.key];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value as readonly string[]) xml += xmlElement(field.item, item);
      else xml += xmlElement(field.item, String(value));
    }
    xml += '</CORSRule>';
  }
  return `${xml}</CORSConfiguration>`;
}
