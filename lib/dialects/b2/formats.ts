// Backblaze B2's native CORS rules (b2_update_bucket corsRules), to and from S3 rules.

import type { CorsConfiguration, CorsMethod, CorsRule } from '../../core/model.js';
import { isPlainObject } from '../../core/values.js';
import { ruleLabel } from '../../core/wording.js';
import { checkLimits, jsonValueOf, clampMaxAge, configurationOf, JsonFields, prettyJson, ruleSurvives, warningCollector, type Converted, type CorsFormat, type DialectFormats } from '../codec.js';
import { B2_MAX_RULE_BYTES, B2_NATIVE_OPERATIONS, B2_PROFILE, B2_S3_OPERATIONS, isB2RuleName } from './profile.js';

const TITLE = 'Backblaze B2';
const FORMAT = 'b2-json';

/** One B2 CORS rule (the B2 API's names). */
export interface B2CorsRule {
  readonly corsRuleName: string;
  readonly allowedOrigins: readonly string[];
  readonly allowedOperations: readonly string[];
  readonly allowedHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAgeSeconds: number;
}

const RULE_KEYS = ['corsRuleName', 'allowedOrigins', 'allowedOperations', 'allowedHeaders', 'exposeHeaders', 'maxAgeSeconds'];
const METHOD_OF_OPERATION = new Map(Object.entries(B2_S3_OPERATIONS).map(([method, operation]) => [operation, method as CorsMethod]));

/** The rules list: bare (`b2 bucket update --cors-rules`) or a `b2_update_bucket` body's `corsRules`. */
const rulesList = (value: unknown): unknown => (isPlainObject(value) ? value.corsRules : value);

function rulesOfJson(value: unknown): B2CorsRule[] {
  const fields = new JsonFields(FORMAT);
  return fields.list(rulesList(value), 'the corsRules list').map((item, index) => {
    const where = `corsRules ${index + 1}`;
    const rule = fields.object(item, where, RULE_KEYS);
    return {
      corsRuleName: fields.text(rule.corsRuleName, `${where} corsRuleName`, true)!,
      allowedOrigins: fields.strings(rule.allowedOrigins, `${where} allowedOrigins`, true)!,
      allowedOperations: fields.strings(rule.allowedOperations, `${where} allowedOperations`, true)!,
      allowedHeaders: fields.strings(rule.allowedHeaders, `${where} allowedHeaders`, false),
      exposeHeaders: fields.strings(rule.exposeHeaders, `${where} exposeHeaders`, false),
      maxAgeSeconds: fields.integer(rule.maxAgeSeconds, `${where} maxAgeSeconds`, true)!,
    };
  });
}

/**
 * B2 rules as S3 rules (express-bucket-cors/docs/behaviour.md §23.5): `corsRuleName` is the ID; `s3_get` … `s3_delete`
 * are GET … DELETE; the native operations (`b2_download_file_by_name`, `b2_upload_part`, …) have no
 * S3 method and are dropped (`operation-dropped`), as are unknown ones.
 */
export function b2RulesToS3(b2Rules: readonly B2CorsRule[]): Converted<CorsConfiguration> {
  const { warnings, warn } = warningCollector(FORMAT);
  const rules: CorsRule[] = [];
  b2Rules.forEach((b2, index) => {
    const methods: CorsMethod[] = [];
    for (const operation of b2.allowedOperations) {
      const method = METHOD_OF_OPERATION.get(operation);
      if (method !== undefined) methods.push(method);
      else warn('operation-dropped', index, `operation ${JSON.stringify(operation)} dropped: ${B2_NATIVE_OPERATIONS.includes(operation) ? "it is B2's native API, which no S3 method stands for" : 'B2 has no such operation'}`);
    }
    if (!ruleSurvives(b2.allowedOrigins, methods, index, warn)) return;
    rules.push({
      ID: b2.corsRuleName,
      AllowedOrigins: [...b2.allowedOrigins],
      AllowedMethods: [...new Set(methods)],
      ...(b2.allowedHeaders === undefined ? {} : { AllowedHeaders: [...b2.allowedHeaders] }),
      ...(b2.exposeHeaders === undefined ? {} : { ExposeHeaders: [...b2.exposeHeaders] }),
      MaxAgeSeconds: b2.maxAgeSeconds,
    });
  });
  return { value: configurationOf(FORMAT, rules, warnings), warnings };
}

/** A rule's size as B2 counts it: the UTF-8 bytes of all its strings. */
const ruleBytes = (rule: B2CorsRule): number =>
  [rule.corsRuleName, ...rule.allowedOrigins, ...rule.allowedOperations, ...(rule.allowedHeaders ?? []), ...(rule.exposeHeaders ?? [])].reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);

/** The ID as `corsRuleName` when B2 takes it (and no earlier rule has it); otherwise `s3-rule-<n>`, with an `id-renamed`. */
function ruleName(rule: CorsRule, index: number, taken: Set<string>, warn: ReturnType<typeof warningCollector>['warn']): string {
  if (rule.ID !== undefined && isB2RuleName(rule.ID) && !taken.has(rule.ID)) return rule.ID;
  let name = `s3-rule-${index + 1}`;
  for (let n = 2; taken.has(name); n++) name = `s3-rule-${index + 1}-${n}`;
  warn('id-renamed', index, `${rule.ID === undefined ? 'no ID' : `ID ${JSON.stringify(rule.ID)} is not a B2 rule name (6–50 letters, digits or -, unique, not b2-…)`}: corsRuleName ${name} written`);
  return name;
}

/**
 * S3 rules as B2 rules: methods become the S3-API operations (GET → `s3_get`, …), which cover what
 * those methods do through B2's S3 API and nothing of its native API; a missing max age is written
 * as 0 and one outside 0–86,400 clamped. Throws past 100 rules or a rule of 1,000 bytes or more.
 */
export function s3ToB2Rules(configuration: CorsConfiguration): Converted<B2CorsRule[]> {
  const { warnings, warn } = warningCollector(FORMAT);
  const taken = new Set<string>();
  const rules = configuration.CORSRules.map((rule, index): B2CorsRule => {
    const corsRuleName = ruleName(rule, index, taken, warn);
    taken.add(corsRuleName);
    if (rule.MaxAgeSeconds === undefined) warn('max-age-added', index, 'maxAgeSeconds 0 written: B2 requires one (S3 sent no Access-Control-Max-Age)');
    return {
      corsRuleName,
      allowedOrigins: [...rule.AllowedOrigins],
      allowedOperations: rule.AllowedMethods.map((method) => B2_S3_OPERATIONS[method]!),
      ...(rule.AllowedHeaders === undefined ? {} : { allowedHeaders: [...rule.AllowedHeaders] }),
      ...(rule.ExposeHeaders === undefined ? {} : { exposeHeaders: [...rule.ExposeHeaders] }),
      maxAgeSeconds: clampMaxAge(rule.MaxAgeSeconds ?? 0, B2_PROFILE.maxAgeSeconds, index, warn, TITLE),
    };
  });
  const oversized = rules.flatMap((rule, index) => (ruleBytes(rule) >= B2_MAX_RULE_BYTES ? [`${ruleLabel(index, undefined)} holds ${ruleBytes(rule)} bytes of strings; B2 takes less than ${B2_MAX_RULE_BYTES}`] : []));
  const written = rules.map((rule) => ({ ID: rule.corsRuleName, AllowedOrigins: rule.allowedOrigins, AllowedMethods: rule.allowedOperations, MaxAgeSeconds: rule.maxAgeSeconds }));
  checkLimits(FORMAT, TITLE, { CORSRules: written }, B2_PROFILE, oversized);
  return { value: rules, warnings };
}

export const B2_JSON_FORMAT: CorsFormat = {
  name: FORMAT,
  syntax: 'json',
  description: 'Backblaze B2 native CORS rules (b2 bucket update --cors-rules, b2_update_bucket corsRules)',
  shape: '[{"corsRuleName":"…","allowedOrigins":[…],"allowedOperations":["s3_get",…],"allowedHeaders":[…],"exposeHeaders":[…],"maxAgeSeconds":3600}]',
  recognizes(document) {
    const list = rulesList(jsonValueOf(document));
    return Array.isArray(list) && isPlainObject(list[0]) && ('corsRuleName' in list[0] || 'allowedOperations' in list[0]);
  },
  read: (document) => b2RulesToS3(rulesOfJson(jsonValueOf(document))),
  write(configuration) {
    const { value, warnings } = s3ToB2Rules(configuration);
    return { value: prettyJson(value), warnings };
  },
};

/** Backblaze B2: operation-scoped rules, first match wins; `b2` means its native JSON. */
export const B2_FORMATS: DialectFormats = {
  name: 'b2',
  title: TITLE,
  profile: B2_PROFILE,
  selection: 'first-match',
  formats: [B2_JSON_FORMAT],
};
