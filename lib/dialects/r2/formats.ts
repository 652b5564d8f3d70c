// Cloudflare R2's CORS formats: the REST API / wrangler {"rules":[{"allowed":{…}}]} and the dashboard's S3-console list.

import type { CorsConfiguration, CorsMethod, CorsRule } from '../../core/model.js';
import { isPlainObject } from '../../core/values.js';
import { checkLimits, jsonValueOf, clampMaxAge, configurationOf, FormatError, JsonFields, prettyJson, ruleSurvives, warningCollector, type Converted, type CorsFormat, type DialectFormats } from '../codec.js';
import { S3_CONSOLE_FORMAT } from '../s3/formats.js';
import { hasPortWildcard, R2_PROFILE } from './profile.js';

const TITLE = 'Cloudflare R2';

/** One rule of R2's REST API (and `wrangler r2 bucket cors set --file`). */
export interface R2CorsRule {
  readonly id?: string;
  readonly allowed: { readonly origins: readonly string[]; readonly methods: readonly string[]; readonly headers?: readonly string[] };
  readonly exposeHeaders?: readonly string[];
  readonly maxAgeSeconds?: number;
}

function rulesOfJson(value: unknown): CorsConfiguration {
  const fields = new JsonFields('r2-json');
  const top = fields.object(value, 'the document', ['rules']);
  const rules = fields.list(top.rules, 'rules').map((item, index): CorsRule => {
    const where = `rules ${index + 1}`;
    const rule = fields.object(item, where, ['id', 'allowed', 'exposeHeaders', 'maxAgeSeconds']);
    const allowed = fields.object(rule.allowed ?? fields.fail(`${where} allowed`, 'an object (it is required)'), `${where} allowed`, ['origins', 'methods', 'headers']);
    const id = fields.text(rule.id, `${where} id`, false);
    const headers = fields.strings(allowed.headers, `${where} allowed.headers`, false);
    const expose = fields.strings(rule.exposeHeaders, `${where} exposeHeaders`, false);
    const maxAge = fields.integer(rule.maxAgeSeconds, `${where} maxAgeSeconds`, false);
    return {
      ...(id === undefined ? {} : { ID: id }),
      AllowedOrigins: fields.strings(allowed.origins, `${where} allowed.origins`, true)!,
      // Checked as PutBucketCors checks them once read (parseConfiguration).
      AllowedMethods: fields.strings(allowed.methods, `${where} allowed.methods`, true) as CorsMethod[],
      ...(headers === undefined ? {} : { AllowedHeaders: headers }),
      ...(expose === undefined ? {} : { ExposeHeaders: expose }),
      ...(maxAge === undefined ? {} : { MaxAgeSeconds: maxAge }),
    };
  });
  if (rules.length === 0) throw new FormatError('r2-json', ['an empty rules list: S3 has no empty configuration (delete the rules instead)']);
  return { CORSRules: rules };
}

/**
 * S3 rules within R2's limits: origins with the wildcard in the port dropped (R2 refuses them); max
 * ages clamped to 0–86,400. Throws for anything else R2's profile refuses.
 */
export function s3WithinR2(configuration: CorsConfiguration, format: string): Converted<CorsConfiguration> {
  const { warnings, warn } = warningCollector(format);
  const rules: CorsRule[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    const origins = rule.AllowedOrigins.filter((origin) => {
      if (!hasPortWildcard(origin)) return true;
      warn('origin-dropped', index, `origin ${JSON.stringify(origin)} dropped: ${TITLE} refuses a wildcard in the port`);
      return false;
    });
    if (!ruleSurvives(origins, rule.AllowedMethods, index, warn)) return;
    rules.push({ ...rule, AllowedOrigins: origins, ...(rule.MaxAgeSeconds === undefined ? {} : { MaxAgeSeconds: clampMaxAge(rule.MaxAgeSeconds, R2_PROFILE.maxAgeSeconds, index, warn, TITLE) }) });
  });
  const value = configurationOf(format, rules, warnings);
  checkLimits(format, TITLE, value, R2_PROFILE);
  return { value, warnings };
}

export const R2_JSON_FORMAT: CorsFormat = {
  name: 'r2-json',
  syntax: 'json',
  description: "Cloudflare R2's REST API and wrangler shape {\"rules\":[{\"allowed\":{…}}]} (wrangler r2 bucket cors set --file)",
  shape: '{"rules":[{"id":"…","allowed":{"origins":[…],"methods":[…],"headers":[…]},"exposeHeaders":[…],"maxAgeSeconds":3600}]}',
  recognizes: (document) => isPlainObject(jsonValueOf(document)) && 'rules' in (jsonValueOf(document) as object),
  read: (document) => ({ value: rulesOfJson(jsonValueOf(document)), warnings: [] }),
  write(configuration) {
    const { value, warnings } = s3WithinR2(configuration, 'r2-json');
    const rules: R2CorsRule[] = value.CORSRules.map((rule) => ({
      ...(rule.ID === undefined ? {} : { id: rule.ID }),
      allowed: { origins: rule.AllowedOrigins, methods: rule.AllowedMethods, ...(rule.AllowedHeaders === undefined ? {} : { headers: rule.AllowedHeaders }) },
      ...(rule.ExposeHeaders === undefined ? {} : { exposeHeaders: rule.ExposeHeaders }),
      ...(rule.MaxAgeSeconds === undefined ? {} : { maxAgeSeconds: rule.MaxAgeSeconds }),
    }));
    return { value: prettyJson({ rules }), warnings };
  },
};

/** The R2 dashboard's JSON editor: the S3 console's list, within R2's limits. Detected as `s3-console`; named to write it. */
export const R2_DASHBOARD_FORMAT: CorsFormat = {
  ...S3_CONSOLE_FORMAT,
  name: 'r2-dashboard',
  aliases: [],
  description: "Cloudflare R2's dashboard editor: the S3 console's list [{\"AllowedOrigins\":[…],…}] within R2's limits",
  recognizes: () => false,
  write(configuration) {
    const { value, warnings } = s3WithinR2(configuration, 'r2-dashboard');
    return { value: S3_CONSOLE_FORMAT.write(value).value, warnings };
  },
};

/** Cloudflare R2: first match wins, as S3; `r2` means the REST / wrangler JSON. */
export const R2_FORMATS: DialectFormats = {
  name: 'r2',
  title: TITLE,
  profile: R2_PROFILE,
  selection: 'first-match',
  formats: [R2_JSON_FORMAT, R2_DASHBOARD_FORMAT],
};
