// MediaStore's CorsPolicy JSON as the format registry sees it (import and convert: the service has ended).

import { buildRule } from '../../core/fields.js';
import type { CorsConfiguration, CorsRule } from '../../core/model.js';
import { configurationOf, dropId, FormatError, jsonValueOf, prettyJson, ruleSurvives, warningCollector, type CorsFormat, type DialectFormats } from '../codec.js';
import { CorsConversionError, s3ConfigurationToMediaStorePolicy } from './convert.js';
import { isMediaStoreError } from './errors.js';
import { parseCorsPolicy } from './policy.js';
import { MEDIASTORE_PROFILE } from './profile.js';

const TITLE = 'MediaStore';
const FORMAT = 'mediastore-json';

/**
 * S3 rules MediaStore can hold: IDs dropped, POST dropped (`method-dropped`), a missing AllowedHeaders
 * written as `[]` (the same meaning: no request headers). Anything else its profile refuses throws.
 */
function writePolicy(configuration: CorsConfiguration) {
  const { warnings, warn } = warningCollector(FORMAT);
  const rules: CorsRule[] = [];
  configuration.CORSRules.forEach((rule, index) => {
    dropId(rule.ID, index, warn, TITLE);
    const methods = rule.AllowedMethods.filter((method) => MEDIASTORE_PROFILE.methods.includes(method));
    for (const method of rule.AllowedMethods) if (!methods.includes(method)) warn('method-dropped', index, `method ${method} dropped: ${TITLE} allows only ${MEDIASTORE_PROFILE.methods.join(', ')}`);
    if (ruleSurvives(rule.AllowedOrigins, methods, index, warn)) rules.push(buildRule({ ...rule, ID: undefined, AllowedMethods: methods, AllowedHeaders: rule.AllowedHeaders ?? [] }));
  });
  try {
    return { value: prettyJson(s3ConfigurationToMediaStorePolicy(configurationOf(FORMAT, rules, warnings)).policy), warnings };
  } catch (error) {
    if (error instanceof CorsConversionError) throw new FormatError(FORMAT, error.problems);
    throw error;
  }
}

export const MEDIASTORE_JSON_FORMAT: CorsFormat = {
  name: FORMAT,
  aliases: ['mediastore'],
  syntax: 'json',
  description: 'AWS Elemental MediaStore JSON, the CorsPolicy list (aws mediastore put-cors-policy --cors-policy); detected as s3-console, which it is a subset of',
  shape: '[{"AllowedOrigins":[…],"AllowedMethods":[…],"AllowedHeaders":[…],"MaxAgeSeconds":3000}]',
  recognizes: () => false,
  read(document) {
    try {
      return { value: parseCorsPolicy(jsonValueOf(document)), warnings: [] };
    } catch (error) {
      if (isMediaStoreError(error)) throw new FormatError(FORMAT, [`MediaStore would refuse it: ${error.type}: ${error.message}`], error.type);
      throw error;
    }
  },
  write: writePolicy,
};

/** AWS Elemental MediaStore (ended 13 Nov 2025: kept for import and conversion). */
export const MEDIASTORE_FORMATS: DialectFormats = {
  name: 'mediastore',
  title: TITLE,
  profile: MEDIASTORE_PROFILE,
  selection: 'first-match',
  formats: [MEDIASTORE_JSON_FORMAT],
};
