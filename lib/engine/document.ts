// lib/engine/document.ts
// Turns a PutBucketCors body into text: the 64 KB cap first, then strict UTF-8 decoding.

import { MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error } from './errors.js';

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
