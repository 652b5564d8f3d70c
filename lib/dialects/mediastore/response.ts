// Writes MediaStore's JSON 1.1 answers on plain node:http responses.

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MediaStoreError } from './errors.js';

/** The media type of every control-plane body. */
export const AMZ_JSON_1_1 = 'application/x-amz-json-1.1';

/** Sends `body` as JSON with a fresh `x-amzn-RequestId`. */
export function sendMediaStoreJson(res: ServerResponse, status: number, body: unknown, contentType = AMZ_JSON_1_1): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('x-amzn-RequestId', randomUUID());
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Answers with `error` as MediaStore does: `{"__type": …, "Message": …}`, plus `x-amzn-ErrorType`. HEAD gets no body. */
export function sendMediaStoreError(req: IncomingMessage, res: ServerResponse, error: MediaStoreError, contentType = AMZ_JSON_1_1): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of error.headers) res.setHeader(name, value);
  res.setHeader('x-amzn-ErrorType', error.type);
  if (req.method === 'HEAD') {
    res.statusCode = error.status;
    res.setHeader('x-amzn-RequestId', randomUUID());
    res.end();
    return;
  }
  sendMediaStoreJson(res, error.status, { __type: error.type, Message: error.message }, contentType);
}
