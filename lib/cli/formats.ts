// The command's files through the one format registry (lib/formats): a configuration read with its API's
// error code, written with what it loses, and the bucket files export writes and import reads (express-bucket-cors/docs/behaviour.md §22.4).

import type { CorsConfiguration } from '../core/index.js';
import type { ConversionWarning } from '../dialects/codec.js';
import { convert, ConversionError, FORMAT_NAMES, formatNamed, writeConfiguration as writeRegistered, type RegisteredFormat } from '../formats/index.js';
import { CliError, EXIT_REFUSED, EXIT_USAGE } from './output.js';

export { FORMAT_NAMES };

/** A conversion error as the command reports it: an unknown or unrecognisable format is a usage error (2), anything else a refusal (1) with the API's code. */
export function cliErrorOf(error: unknown, source: string): unknown {
  if (!(error instanceof ConversionError)) return error;
  const usage = error.code === 'unknown-format' || error.code === 'unrecognized';
  const hint = error.code === 'unrecognized' ? `\n  (or pass --format ${FORMAT_NAMES.join('|')})` : '';
  return new CliError(`${source}: ${error.problems.join('\n  ')}${hint}`, usage ? EXIT_USAGE : EXIT_REFUSED, error.apiCode ?? error.code);
}

/** Conversion warnings as lines: `warning <code>: <where><format> <message>`. */
export const conversionWarningLines = (warnings: readonly ConversionWarning[], where = ''): string[] => warnings.map((warning) => `warning ${warning.code}: ${where}${warning.format} ${warning.message}`);

/** `configuration` written in `formatName`, with what it lost as warning lines; a refusal (exit code 1) past the format's limits. */
export function writeConfiguration(configuration: CorsConfiguration, formatName: string): { document: string; notes: readonly string[] } {
  try {
    const { document, warnings } = writeRegistered(configuration, formatName);
    return { document, notes: conversionWarningLines(warnings) };
  } catch (error) {
    throw cliErrorOf(error, formatName);
  }
}

/**
 * Reads a configuration file (format `formatName`, else detected) as `parseConfiguration` does: its
 * API's reader (strict UTF-8, a BOM dropped), then PutBucketCors's checks; `warnings` are what reading
 * another provider's rules as S3's lost (`selection-differs` included). A malformed or invalid file is
 * a refusal (exit code 1) carrying the API's error code (`MalformedJSON`, `ValidationException`…).
 */
export function readConfiguration(body: Uint8Array, formatName: string | undefined, source: string): { configuration: CorsConfiguration; format: string; warnings: readonly ConversionWarning[] } {
  try {
    const { configuration, from, warnings } = convert(body, { from: formatName, to: 's3-json' });
    return { configuration, format: from, warnings };
  } catch (error) {
    throw cliErrorOf(error, source);
  }
}

/** What `export` writes and `import` reads: each bucket's configuration, in `format` when named (else S3's SDK JSON). */
export interface BucketFile {
  /** A registered format name; absent: each value is `{"CORSRules":[…]}` (import detects each value's format). */
  readonly format?: string;
  /** Bucket → the format's document: its JSON value, or for an XML format the document as a string. */
  readonly buckets: Readonly<Record<string, unknown>>;
}

/** A bucket that could not be written in the format, and why. */
export interface SkippedBucket {
  readonly bucket: string;
  readonly error: string;
}

/** A record without a prototype: a bucket called `__proto__` is a key like any other. */
const bucketRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * The bucket file of `configurations` in `formatName` (none: the stored S3 configurations as they are).
 * Each bucket's losses are warning lines naming it; a bucket past the format's limits is `skipped`.
 */
export function bucketFileOf(configurations: Readonly<Record<string, CorsConfiguration>>, formatName: string | undefined): { file: BucketFile; warnings: string[]; skipped: SkippedBucket[] } {
  if (formatName === undefined) return { file: { buckets: configurations }, warnings: [], skipped: [] };
  const { format } = registered(formatName);
  const buckets = bucketRecord<unknown>();
  const warnings: string[] = [];
  const skipped: SkippedBucket[] = [];
  for (const [bucket, configuration] of Object.entries(configurations)) {
    try {
      const written = writeRegistered(configuration, format.name);
      buckets[bucket] = format.syntax === 'xml' ? written.document : JSON.parse(written.document);
      warnings.push(...conversionWarningLines(written.warnings, `bucket ${bucket}, `));
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      skipped.push({ bucket, error: error.problems.join('; ') });
    }
  }
  return { file: { format: format.name, buckets }, warnings, skipped };
}

/** The registered format `name` (given by `source`); a usage error otherwise. */
function registered(name: string, source = '--format'): RegisteredFormat {
  try {
    return formatNamed(name);
  } catch (error) {
    throw cliErrorOf(error, source);
  }
}

/** One bucket of a bucket file, read: its S3 configuration and what reading it lost (warning lines naming it). */
export interface ImportedBucket {
  readonly bucket: string;
  readonly configuration: CorsConfiguration;
  readonly warnings: readonly string[];
}

/** The format a bucket file is read in: `--format`, which must agree with the file's own `format`, else the file's; `undefined` to detect each value. */
function importFormat(file: Partial<BucketFile>, formatName: string | undefined, source: string): string | undefined {
  if (file.format !== undefined && typeof file.format !== 'string') throw new CliError(`${source}: "format" must be a format name: ${FORMAT_NAMES.join(', ')}`);
  const own = file.format === undefined ? undefined : registered(file.format, `${source}: "format"`).format.name;
  const named = formatName === undefined ? undefined : registered(formatName).format.name;
  if (own !== undefined && named !== undefined && own !== named) throw new CliError(`${source} holds ${own} (its "format"), not ${named} as --format says`);
  return named ?? own;
}

/** A bucket of a bucket file that could not be read, and why. */
export interface UnreadableImport {
  readonly bucket: string;
  readonly error: CliError;
}

/**
 * The buckets of a parsed bucket file, each read in the file's format (or `formatName`; else detected)
 * and checked as PutBucketCors does, with its losses (conversion warnings, `selection-differs`
 * included), or the refusal naming it when its value has the wrong shape. Nothing is stored by this.
 */
export function bucketFileEntries(parsed: unknown, formatName: string | undefined, source: string): Array<ImportedBucket | UnreadableImport> {
  const file = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<BucketFile>;
  const { buckets } = file;
  if (typeof buckets !== 'object' || buckets === null || Array.isArray(buckets))
    throw new CliError(`${source} must hold {"buckets":{"<bucket>":{"CORSRules":[…]}}}, or {"format":"<format>","buckets":{"<bucket>":<that format's document>}}, as export writes`);
  const format = importFormat(file, formatName, source);
  return Object.entries(buckets).map(([bucket, value]) => {
    try {
      const { configuration, warnings } = convert(value, { from: format, to: 's3-json' });
      return { bucket, configuration, warnings: conversionWarningLines(warnings, `bucket ${bucket}, `) };
    } catch (error) {
      const refusal = cliErrorOf(error, `${source}, bucket ${bucket}`);
      if (!(refusal instanceof CliError)) throw refusal;
      return { bucket, error: refusal };
    }
  });
}

/** {@link bucketFileEntries}, refusing the whole file at its first unreadable bucket. */
export function readBucketFile(parsed: unknown, formatName: string | undefined, source: string): ImportedBucket[] {
  return bucketFileEntries(parsed, formatName, source).map((entry) => {
    if ('error' in entry) throw entry.error;
    return entry;
  });
}
