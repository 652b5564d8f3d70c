// S3's three configuration formats as the format registry sees them: the XML body, the AWS CLI's JSON, the console's list.

import type { CorsConfiguration } from '../../core/model.js';
import { closestName } from '../../core/suggest.js';
import { isPlainObject } from '../../core/values.js';
import { FormatError, jsonValueOf, prettyJson, type CorsFormat, type DialectFormats } from '../codec.js';
import { isS3Error } from './errors.js';
import { corsConfigurationOf, parseCorsJson, parseCorsRulesJson, rulesInWireOrder, serializeCorsJson } from './json.js';
import { S3_PROFILE } from './profile.js';
import { parseCorsXml, serializeCorsXml } from './xml.js';

/** Runs an S3 parser, its S3Error as a {@link FormatError} carrying S3's code. */
function readWith(format: string, parse: () => CorsConfiguration): { value: CorsConfiguration; warnings: [] } {
  try {
    return { value: parse(), warnings: [] };
  } catch (error) {
    if (isS3Error(error)) throw new FormatError(format, [`S3 would refuse it: ${error.code}: ${error.message}`], error.code);
    throw error;
  }
}

/** Whether a JSON value is a list whose first rule has S3's capitalised keys. */
const isS3RuleList = (value: unknown): boolean => Array.isArray(value) && value.length > 0 && isPlainObject(value[0]) && ('AllowedOrigins' in value[0] || 'AllowedMethods' in value[0]);

/** A near miss of `{"CORSRules":…}` S3's reader names (the SDK's `CORSConfiguration` wrapper, a misspelt `CORSRules`). */
const isNearS3Document = (value: unknown): boolean => isPlainObject(value) && Object.keys(value).some((key) => key === 'CORSConfiguration' || closestName(key, ['CORSRules']) !== undefined);

export const S3_JSON_FORMAT: CorsFormat = {
  name: 's3-json',
  aliases: ['json'],
  syntax: 'json',
  description: 'S3 JSON, the AWS CLI / SDK shape {"CORSRules":[…]} (aws s3api put-bucket-cors --cors-configuration)',
  shape: '{"CORSRules":[{"AllowedOrigins":[…],"AllowedMethods":[…],…}]}',
  recognizes: (document) => { const value = jsonValueOf(document); return isPlainObject(value) && 'CORSRules' in value; },
  resembles: (document) => isNearS3Document(jsonValueOf(document)),
  // Text is read as a PutBucketCors body (its 64 KB limit); a parsed value (a bucket of an export file) as it is.
  read: (document) => readWith('s3-json', () => (document.text === undefined ? corsConfigurationOf(jsonValueOf(document)) : parseCorsJson(document.text))),
  write: (configuration) => ({ value: prettyJson(JSON.parse(serializeCorsJson(configuration))), warnings: [] }),
};

export const S3_XML_FORMAT: CorsFormat = {
  name: 's3-xml',
  aliases: ['xml'],
  syntax: 'xml',
  description: 'S3 XML, the PutBucketCors body <CORSConfiguration>',
  shape: '<CORSConfiguration><CORSRule><AllowedOrigin>…</AllowedOrigin><AllowedMethod>…</AllowedMethod>…</CORSRule></CORSConfiguration>',
  recognizes: (document) => document.syntax === 'xml' && document.root === 'CORSConfiguration',
  read: (document) => readWith('s3-xml', () => parseCorsXml(document.syntax === 'xml' ? document.text : '')),
  write: (configuration) => ({ value: `${serializeCorsXml(configuration)}\n`, warnings: [] }),
};

export const S3_CONSOLE_FORMAT: CorsFormat = {
  name: 's3-console',
  syntax: 'json',
  description: "the S3 console's bare list of rules [{\"AllowedOrigins\":[…],…}] (also Cloudflare R2's dashboard, Wasabi's and DigitalOcean's editors)",
  shape: '[{"AllowedOrigins":[…],"AllowedMethods":[…],"AllowedHeaders":[…],"ExposeHeaders":[…],"MaxAgeSeconds":3000}]',
  recognizes: (document) => isS3RuleList(jsonValueOf(document)),
  read: (document) => readWith('s3-console', () => parseCorsRulesJson(jsonValueOf(document))),
  write: (configuration) => ({ value: prettyJson(rulesInWireOrder(configuration)), warnings: [] }),
};

/** Amazon S3's formats; `s3` alone means the CLI's JSON. */
export const S3_FORMATS: DialectFormats = {
  name: 's3',
  title: 'Amazon S3',
  profile: S3_PROFILE,
  selection: 'first-match',
  formats: [S3_JSON_FORMAT, S3_XML_FORMAT, S3_CONSOLE_FORMAT],
};
