// What the XML and JSON parsers share: the body as text (64 KB cap, strict UTF-8) and the MaxAgeSeconds range.

import { MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error } from './errors.js';
import { S3_PROFILE } from './profile.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as a string. Throws `MaxMessageLengthExceeded` when it is longer than
 * {@link MAX_CORS_DOCUMENT_BYTES} (65,536 bytes; exactly that many is fine) before looking at it, and
 * `malformed()` when bytes are not valid UTF-8. A leading byte-order mark is dropped.
 */
export function documentText(body: string | Uint8Array, malformed: () => S3Error): string {
  if (typeof body === 'string') {
    if (Buffer.byteLength(body, 'utf8') > MAX_CORS_DOCUMENT_BYTES) throw S3Errors.maxMessageLengthExceeded();
    return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  }
  if (body.byteLength > MAX_CORS_DOCUMENT_BYTES) throw S3Errors.maxMessageLengthExceeded();
  try {
    return strictUtf8.decode(body);
  } catch {
    throw malformed();
  }
}

/** Smallest and largest `MaxAgeSeconds` (S3 types it xs:int, a 32-bit signed integer). */
export const [MIN_MAX_AGE_SECONDS, MAX_MAX_AGE_SECONDS] = S3_PROFILE.maxAgeSeconds;

/** `value` as a `MaxAgeSeconds` (-0 as 0); throws `malformed()` unless it is an integer within the xs:int range. */
export function checkMaxAgeSeconds(value: unknown, malformed: () => S3Error): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_MAX_AGE_SECONDS || value > MAX_MAX_AGE_SECONDS) throw malformed();
  return value === 0 ? 0 : value;
}
