// The one table of configuration file formats the command reads and writes, with content detection.

import { describeRuleViolation, findRuleViolation, type CorsConfiguration } from '../core/index.js';
import { CorsConversionError, isMediaStoreError, MediaStoreErrors, parseCorsPolicy, s3ConfigurationToMediaStorePolicy } from '../dialects/mediastore/index.js';
import { isS3Error, parseCorsJson, parseCorsXml, S3_PROFILE, s3ErrorFor, serializeCorsJson, serializeCorsXml } from '../dialects/s3/index.js';
import { ConversionError, detectFormat as detectRegistered, FORMAT_NAMES as REGISTERED_FORMAT_NAMES, parseConfiguration, writeConfiguration as writeRegistered } from '../formats/index.js';
import type { ConversionWarning } from '../dialects/codec.js';
import { CliError, EXIT_REFUSED, EXIT_USAGE } from './output.js';

/** A file format of CORS configurations. */
export interface ConfigurationFormat {
  /** The name `--format` and `--to` take. */
  readonly name: string;
  readonly description: string;
  /** Whether `text` (BOM and leading whitespace removed) looks like this format. */
  readonly detect: (text: string) => boolean;
  /**
   * Parses a document as its API reads a request body (its size limit, strict UTF-8, a leading BOM
   * dropped); throws the dialect's error for a malformed or refused one.
   */
  readonly parse: (body: Uint8Array) => CorsConfiguration;
  /**
   * Writes a configuration as a document, with notes on what was left out (MediaStore has no rule
   * IDs); throws a `CorsConversionError` when the format cannot express it.
   */
  readonly serialize: (configuration: CorsConfiguration) => { readonly document: string; readonly notes: readonly string[] };
}

const pretty = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A MediaStore policy document: the `CorsPolicy` list (what `aws mediastore put-cors-policy --cors-policy` takes). */
function parseMediaStorePolicy(body: Uint8Array): CorsConfiguration {
  let text: string;
  try {
    text = strictUtf8.decode(body); // drops a leading BOM, as the S3 formats do
  } catch {
    throw MediaStoreErrors.serialization('The policy is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw MediaStoreErrors.serialization(`The policy is not valid JSON: ${(error as Error).message}`);
  }
  return parseCorsPolicy(value);
}

/**
 * Every format, in detection order. MediaStore JSON joins here once its dialect exists
 * (`lib/dialects/mediastore/`): one row, and `convert --to` and detection pick it up.
 */
export const FORMATS: readonly ConfigurationFormat[] = [
  { name: 'xml', description: 'S3 XML, the PutBucketCors body', detect: (text) => text.startsWith('<'), parse: parseCorsXml, serialize: (configuration) => ({ document: `${serializeCorsXml(configuration)}\n`, notes: [] }) },
  {
    name: 'json',
    description: 'S3 JSON, the AWS SDK and `aws s3api put-bucket-cors` shape {"CORSRules":[…]}',
    detect: (text) => text.startsWith('{'),
    parse: parseCorsJson,
    serialize: (configuration) => ({ document: pretty(JSON.parse(serializeCorsJson(configuration))), notes: [] }),
  },
  {
    name: 'mediastore',
    description: 'MediaStore JSON, the CorsPolicy list [{"AllowedOrigins":[…],…}]',
    detect: (text) => text.startsWith('['),
    parse: parseMediaStorePolicy,
    serialize: (configuration) => {
      const { policy, dropped } = s3ConfigurationToMediaStorePolicy(configuration);
      return { document: pretty(policy), notes: dropped };
    },
  },
];

/**
 * The names `--format` / `--to` accept: every registered format (lib/formats), this table's three
 * among them as aliases (`xml`, `json`, `mediastore`), which keep the wording below.
 */
export const FORMAT_NAMES: readonly string[] = REGISTERED_FORMAT_NAMES;

/** The registered formats this table reads itself, by their registered names. */
const OWN_FORMAT_OF: ReadonlyMap<string, string> = new Map([['s3-xml', 'xml'], ['s3-json', 'json'], ['xml', 'xml'], ['json', 'json'], ['mediastore', 'mediastore'], ['mediastore-json', 'mediastore']]);

/** A conversion error as the command reports it: an unknown or unrecognisable format is a usage error (2), anything else a refusal (1). */
export function cliErrorOf(error: unknown, source: string): unknown {
  if (!(error instanceof ConversionError)) return error;
  const usage = error.code === 'unknown-format' || error.code === 'unrecognized';
  const hint = error.code === 'unrecognized' ? `\n  (or pass --format ${FORMAT_NAMES.join('|')})` : '';
  return new CliError(`${source}: ${error.problems.join('\n  ')}${hint}`, usage ? EXIT_USAGE : EXIT_REFUSED, error.code);
}

/** Conversion warnings as lines: `warning <code>: <format> <message>`. */
export const conversionWarningLines = (warnings: readonly ConversionWarning[]): string[] => warnings.map((warning) => `warning ${warning.code}: ${warning.format} ${warning.message}`);

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
  if (format === undefined) throw new CliError(`cannot tell the format of the file (it starts with none of < { [): pass --format ${FORMAT_NAMES.join('|')}`);
  return format;
}

/** `configuration` written in `formatName`; a refusal (exit code 1) when that format cannot express it. */
export function writeConfiguration(configuration: CorsConfiguration, formatName: string): { document: string; notes: readonly string[] } {
  const own = OWN_FORMAT_OF.get(formatName);
  try {
    if (own !== undefined) return formatNamed(own).serialize(configuration);
    const { document, warnings } = writeRegistered(configuration, formatName);
    return { document, notes: conversionWarningLines(warnings) };
  } catch (error) {
    if (error instanceof CorsConversionError) throw new CliError(error.message, EXIT_REFUSED);
    throw cliErrorOf(error, formatName);
  }
}

/**
 * Parses `body` (format forced by `formatName`, else detected) and validates it as PutBucketCors does;
 * a malformed or invalid configuration is a refusal (exit code 1) carrying the dialect's error code.
 * S3 answers every structural violation with `MalformedXML`, also for JSON bodies: for a file that is
 * not XML the message names the violation alone.
 */
export function readConfiguration(body: Uint8Array, formatName: string | undefined, source: string): { configuration: CorsConfiguration; format: { readonly name: string }; warnings: readonly ConversionWarning[] } {
  let own: string | undefined;
  try {
    own = OWN_FORMAT_OF.get(formatName ?? registeredOrOwn(body));
    if (own === undefined) {
      const parsed = parseConfiguration(body, { format: formatName });
      return { configuration: parsed.configuration, format: parsed.format, warnings: parsed.warnings };
    }
  } catch (error) {
    throw cliErrorOf(error, source);
  }
  const format = formatNamed(own);
  let configuration: CorsConfiguration;
  try {
    configuration = format.parse(body);
  } catch (error) {
    if (isS3Error(error)) throw new CliError(`${source}: S3 would refuse it: ${error.code}: ${error.message}`, EXIT_REFUSED, error.code);
    if (isMediaStoreError(error)) throw new CliError(`${source}: MediaStore would refuse it: ${error.type}: ${error.message}`, EXIT_REFUSED, error.type);
    if (error instanceof CliError) throw new CliError(`${source}: ${error.message}`, error.exitCode, error.code);
    throw error;
  }
  const violation = findRuleViolation(configuration, S3_PROFILE);
  if (violation !== undefined) {
    const { code } = s3ErrorFor(violation);
    const named = code === 'MalformedXML' && format.name !== 'xml' ? '' : `${code}: `;
    const advice = violation.code === 'no-rules' ? " (to remove a bucket's rules: bucket-cors delete BUCKET)" : '';
    throw new CliError(`${source}: S3 would refuse it: ${named}${describeRuleViolation(violation)}${advice}`, EXIT_REFUSED, named === '' ? violation.code : code);
  }
  return { configuration, format, warnings: [] };
}

/**
 * The registered format `body` has; when none, this table's guess by the first character (so that a
 * near-miss `{…}` or `<…>`, or bytes that are not UTF-8, get S3's own error naming the field).
 */
function registeredOrOwn(body: Uint8Array): string {
  try {
    return detectRegistered(body).format.name;
  } catch (error) {
    // Not UTF-8, not JSON, or no registered shape: the dialect's own error says what is wrong.
    if (error instanceof ConversionError && (error.code === 'unrecognized' || error.code === 'malformed')) return detectFormat(new TextDecoder().decode(body.subarray(0, DETECTION_BYTES))).name;
    throw error;
  }
}

/** Bytes decoded to detect a format: enough to pass leading whitespace. */
const DETECTION_BYTES = 4_096;
