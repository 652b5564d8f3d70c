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
/** Ids made per refill of the pools. */
const IDS_PER_REFILL = 128;

/**
 * Ids are cut from strings of fresh random bytes encoded 128 ids at a time and refilled when used up
 * (as `crypto.randomUUID` does): a `randomBytes` call per id cost about a third of a whole preflight,
 * and encoding each id on its own a twentieth. Both encodings split evenly (8 bytes are 16 hex
 * characters, 57 bytes 76 base64 characters without padding), so each id is a slice; none is used twice.
 */
class IdPool {
  private readonly bytes: Buffer;
  private text = '';
  private offset = 0;

  constructor(
    idBytes: number,
    private readonly encode: (bytes: Buffer) => string,
  ) {
    this.bytes = Buffer.allocUnsafe(idBytes * IDS_PER_REFILL);
  }

  next(): string {
    if (this.offset === this.text.length) {
      this.text = this.encode(randomFillSync(this.bytes));
      this.offset = 0;
    }
    const start = this.offset;
    this.offset += this.text.length / IDS_PER_REFILL;
    return this.text.slice(start, this.offset);
  }
}

const requestIds = new IdPool(REQUEST_ID_BYTES, (bytes) => bytes.toString('hex').toUpperCase());
const hostIds = new IdPool(HOST_ID_BYTES, (bytes) => bytes.toString('base64'));

/**
 * The response's `x-amz-request-id` and `x-amz-id-2`: the ones the host server already set, or new
 * ones (set on the response) in S3's shapes: 16 upper-case hex characters, and 76 base64 characters.
 */
export function ensureRequestIds(res: ServerResponse): RequestIds {
  let requestId = res.getHeader(REQUEST_ID_HEADER);
  let hostId = res.getHeader(HOST_ID_HEADER);
  if (typeof requestId !== 'string' && !res.headersSent) {
    requestId = requestIds.next();
    res.setHeader(REQUEST_ID_HEADER, requestId);
  }
  if (typeof hostId !== 'string' && !res.headersSent) {
    hostId = hostIds.next();
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
