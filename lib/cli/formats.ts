// lib/cli/formats.ts
// The one table of configuration file formats the command reads and writes, with content detection.

import { describeRuleViolation, findRuleViolation, type CorsConfiguration } from '../core/index.js';
import { isS3Error, parseCorsJson, parseCorsXml, S3_PROFILE, s3ErrorFor, serializeCorsJson, serializeCorsXml } from '../dialects/s3/index.js';
import { CliError, EXIT_REFUSED } from './output.js';

/** A file format of CORS configurations. */
export interface ConfigurationFormat {
  /** The name `--format` and `--to` take. */
  readonly name: string;
  readonly description: string;
  /** Whether `text` (BOM and leading whitespace removed) looks like this format. */
  readonly detect: (text: string) => boolean;
  /** Parses a document; throws the dialect's error for a malformed one. */
  readonly parse: (text: string) => CorsConfiguration;
  /** Writes a configuration as a document. */
  readonly serialize: (configuration: CorsConfiguration) => string;
}

/**
 * Every format, in detection order. MediaStore JSON joins here once its dialect exists
 * (`lib/dialects/mediastore/`): one row, and `convert --to` and detection pick it up.
 */
export const FORMATS: readonly ConfigurationFormat[] = [
  { name: 'xml', description: 'S3 XML, the PutBucketCors body', detect: (text) => text.startsWith('<'), parse: parseCorsXml, serialize: serializeCorsXml },
  {
    name: 'json',
    description: 'S3 JSON, the AWS SDK and `aws s3api put-bucket-cors` shape {"CORSRules":[…]}',
    detect: (text) => text.startsWith('{'),
    parse: parseCorsJson,
    serialize: (configuration) => `${JSON.stringify(JSON.parse(serializeCorsJson(configuration)), null, 2)}\n`,
  },
];

/** The names `--format` / `--to` accept. */
export const FORMAT_NAMES: readonly string[] = FORMATS.map((format) => format.name);

/** The format called `name`; a usage error otherwise. */
export function formatNamed(name: string): ConfigurationFormat {
  const format = FORMATS.find((candidate) => candidate.name === name);
  if (format === undefined) throw new CliError(`unknown format ${JSON.stringify(name)}: use ${FORMAT_NAMES.join(' or ')}`);
  return format;
}

/** The format of `text` by its content; a usage error when none fits. */
export function detectFormat(text: string): ConfigurationFormat {
  const start = text.trimStart();
  const format = FORMATS.find((candidate) => candidate.detect(start));
  if (format === undefined) throw new CliError(`cannot tell the format of the file (it starts with neither < nor {): pass --format ${FORMAT_NAMES.join('|')}`);
  return format;
}

/**
 * Parses `text` (format forced by `formatName`, else detected) and validates it as PutBucketCors does;
 * a malformed or invalid configuration is a refusal (exit code 1) carrying S3's error code.
 */
export function readConfiguration(text: string, formatName: string | undefined, source: string): { configuration: CorsConfiguration; format: ConfigurationFormat } {
  const format = formatName === undefined ? detectFormat(text) : formatNamed(formatName);
  let configuration: CorsConfiguration;
  try {
    configuration = format.parse(text);
  } catch (error) {
    if (isS3Error(error)) throw new CliError(`${source}: S3 would refuse it: ${error.code}: ${error.message}`, EXIT_REFUSED);
    throw error;
  }
  const violation = findRuleViolation(configuration, S3_PROFILE);
  if (violation !== undefined) {
    const error = s3ErrorFor(violation);
    throw new CliError(`${source}: S3 would refuse it: ${error.code}: ${describeRuleViolation(violation)}`, EXIT_REFUSED);
  }
  return { configuration, format };
}
