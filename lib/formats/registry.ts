// The one list of dialects whose CORS formats can be read and written, and lookups by name.

import { AZURE_FORMATS } from '../dialects/azure/index.js';
import { B2_FORMATS } from '../dialects/b2/index.js';
import type { CorsFormat, DialectFormats } from '../dialects/codec.js';
import { GCS_FORMATS } from '../dialects/gcs/index.js';
import { MEDIASTORE_FORMATS } from '../dialects/mediastore/formats.js';
import { R2_FORMATS } from '../dialects/r2/index.js';
import { S3_FORMATS } from '../dialects/s3/formats.js';
import { ConversionError } from './errors.js';

/**
 * Every registered dialect, in detection order (S3's first: its shapes win where two look alike).
 * Adding a dialect is its folder under lib/dialects/ plus its import and entry here (express-bucket-cors/docs/behaviour.md §23.6).
 */
export const DIALECTS: readonly DialectFormats[] = Object.freeze([S3_FORMATS, GCS_FORMATS, AZURE_FORMATS, B2_FORMATS, R2_FORMATS, MEDIASTORE_FORMATS]);

/** A format with the dialect it belongs to. */
export interface RegisteredFormat {
  readonly format: CorsFormat;
  readonly dialect: DialectFormats;
}

/** Every format of every dialect, in detection order. */
export const FORMATS: readonly RegisteredFormat[] = Object.freeze(DIALECTS.flatMap((dialect) => dialect.formats.map((format) => ({ format, dialect }))));

const BY_NAME: ReadonlyMap<string, RegisteredFormat> = new Map([
  ...DIALECTS.map((dialect) => [dialect.name, { format: dialect.formats[0]!, dialect }] as const),
  ...FORMATS.flatMap((entry) => [entry.format.name, ...(entry.format.aliases ?? [])].map((name) => [name, entry] as const)),
]);

/** Every name {@link formatNamed} takes: dialect names (their default format), format names, aliases. */
export const FORMAT_NAMES: readonly string[] = Object.freeze([...BY_NAME.keys()]);

/** The format called `name` (a format, an alias, or a dialect for its default format); a `ConversionError` (`unknown-format`) otherwise. */
export function formatNamed(name: string): RegisteredFormat {
  const entry = BY_NAME.get(name);
  if (entry !== undefined) return entry;
  const near = FORMAT_NAMES.filter((candidate) => candidate.startsWith(name.split('-')[0]!.toLowerCase()));
  throw new ConversionError('unknown-format', [`unknown format ${JSON.stringify(name)}${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}: use one of ${FORMAT_NAMES.join(', ')}`]);
}
