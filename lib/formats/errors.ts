// The one error reading, writing and converting configurations throws, with a stable code.

import type { ConversionWarning } from '../dialects/codec.js';

/**
 * Why a configuration could not be read, written or converted:
 * - `unknown-format`: no format has that name;
 * - `unrecognized`: the document fits none of the registered shapes (the problems list them);
 * - `malformed`: it has a format's shape but breaks it (the problems name the field);
 * - `invalid`: it reads, but S3 (PutBucketCors) would refuse the rules;
 * - `limits`: the target format cannot hold the rules (too many, too large, a value it refuses);
 * - `lossy`: a `strict` conversion would lose something (`warnings` lists each loss).
 */
export type ConversionErrorCode = 'unknown-format' | 'unrecognized' | 'malformed' | 'invalid' | 'limits' | 'lossy';

export class ConversionError extends Error {
  readonly code: ConversionErrorCode;
  /** One line each. */
  readonly problems: readonly string[];
  /** The losses of a refused `strict` conversion; empty otherwise. */
  readonly warnings: readonly ConversionWarning[];
  /**
   * For `malformed` and `invalid`: the error code the provider's API answers the document with (S3's
   * `MalformedXML`, `MalformedJSON`, `InvalidRequest`…; MediaStore's `ValidationException`), when known.
   */
  readonly apiCode: string | undefined;

  constructor(code: ConversionErrorCode, problems: readonly string[], warnings: readonly ConversionWarning[] = [], apiCode?: string) {
    super(problems.join('; '));
    this.name = 'ConversionError';
    this.code = code;
    this.problems = problems;
    this.warnings = warnings;
    this.apiCode = apiCode;
  }
}

/** True for a {@link ConversionError} (also across duplicated copies of this package). */
export function isConversionError(value: unknown): value is ConversionError {
  return value instanceof ConversionError || (value instanceof Error && value.name === 'ConversionError' && typeof (value as ConversionError).code === 'string');
}
