// Writes S3 responses (errors, request ids) on plain node:http responses; used by the middleware and the router.

import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderS3ErrorXml, type RequestIds } from './error-xml.js';
import type { S3Error } from './errors.js';

const REQUEST_ID_HEADER = 'x-amz-request-id';
const HOST_ID_HEADER = 'x-amz-id-2';

/** Random bytes behind one request id (16 hex characters) and one host id (76 base64 characters). */
const REQUEST_ID_BYTES = 8;
const HOST_ID_BYTES = 57;
/**
 * Ids are cut from one random buffer refilled when used up (as `crypto.randomUUID` does): a
 * `randomBytes` call per id cost about a third of a whole preflight. No byte is used twice.
 */
const idPool = Buffer.allocUnsafe((REQUEST_ID_BYTES + HOST_ID_BYTES) * 128);
let idPoolOffset = idPool.length;

/** `length` fresh random bytes from {@link idPool}, encoded. */
function randomId(length: number, encoding: 'hex' | 'base64'): string {
  if (idPoolOffset + length > idPool.length) {
    randomFillSync(idPool);
    idPoolOffset = 0;
  }
  const start = idPoolOffset;
  idPoolOffset += length;
  return idPool.toString(encoding, start, start + length);
}

/**
 * The response's `x-amz-request-id` and `x-amz-id-2`: the ones the host server already set, or new
 * ones (set on the response) in S3's shapes: 16 upper-case hex characters, and 76 base64 characters.
 */
export function ensureRequestIds(res: ServerResponse): RequestIds {
  let requestId = res.getHeader(REQUEST_ID_HEADER);
  let hostId = res.getHeader(HOST_ID_HEADER);
  if (typeof requestId !== 'string' && !res.headersSent) {
    requestId = randomId(REQUEST_ID_BYTES, 'hex').toUpperCase();
    res.setHeader(REQUEST_ID_HEADER, requestId);
  }
  if (typeof hostId !== 'string' && !res.headersSent) {
    hostId = randomId(HOST_ID_BYTES, 'base64');
    res.setHeader(HOST_ID_HEADER, hostId);
  }
  return { requestId: String(requestId ?? ''), hostId: String(hostId ?? '') };
}

/**
 * Answers with `error` as S3 does: its status, `Content-Type: application/xml`, the error's own
 * headers, request ids, and the XML envelope. HEAD requests get the headers without a body.
 */
export function sendS3Error(req: IncomingMessage, res: ServerResponse, error: S3Error): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const ids = ensureRequestIds(res);
  const body = renderS3ErrorXml(error, ids);
  res.statusCode = error.status;
  for (const [name, value] of error.headers) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}
