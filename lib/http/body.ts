// Reads an admin request's body under a size cap without buffering more, or takes one a body parser already read.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** The client went away before its body arrived whole: there is nobody left to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('The client aborted the request before its body was complete');
    this.name = 'RequestAbortedError';
  }
}

/**
 * Another body parser (e.g. `express.json()` or `express.urlencoded()`) consumed the request and left
 * something other than the raw bytes: the integrity headers can no longer be checked.
 */
export class BodyConsumedError extends Error {
  constructor(found: string) {
    super(
      `The request body was already consumed by another body parser, which left ${found} instead of the raw bytes, ` +
        'so its Content-MD5/x-amz-checksum-* cannot be verified. Mount corsRouter() before that parser, ' +
        'or use express.raw() / express.text() (which keep the bytes) for ?cors requests.',
    );
    this.name = 'BodyConsumedError';
  }
}

/**
 * How long, after an error response, the rest of an unread body is read and thrown away before the
 * connection is destroyed. Closing at once with request bytes unread makes the kernel send a TCP
 * reset, and clients may then lose the response they were sent (the "lingering close" problem).
 */
const LINGER_MS = 5000;

const ignore = (): void => {};

/** What a body parser that ran earlier left on the request (`req.body`), if it consumed the stream. */
function parsedBody(req: IncomingMessage): { readonly body: unknown } | undefined {
  // body-parser marks the requests it read with `_body`; anything else that read the stream ended it.
  const consumed = (req as { _body?: unknown })._body === true || req.readableEnded;
  return consumed ? { body: (req as { body?: unknown }).body } : undefined;
}

const describe = (value: unknown): string =>
  value === undefined || value === null ? 'no body' : Array.isArray(value) ? 'an array' : `a parsed ${typeof value}`;

function capped(body: Buffer, limit: number, tooLarge: () => unknown): Buffer {
  if (body.length > limit) throw tooLarge();
  return body;
}

/**
 * The raw request body, at most `limit` bytes.
 *
 * - A `Content-Length` over the limit is refused before reading anything; a streamed body is refused
 *   as soon as more than `limit` bytes have arrived, and reading stops there (nothing more is kept).
 *   Both reject with `tooLarge()` (the dialect's error, e.g. S3's MaxMessageLengthExceeded); call
 *   {@link discardUnreadBody} before answering.
 * - A body an earlier parser already read is used when it left the bytes: a Buffer (`express.raw()`)
 *   as is, a string (`express.text()`) encoded back to UTF-8. Anything else (a parsed JSON object,
 *   url-encoded fields) rejects with {@link BodyConsumedError}: re-serializing would not give back the
 *   bytes the checksum was computed over.
 * - A client that aborts mid-body rejects with {@link RequestAbortedError}.
 */
export function readRequestBody(req: IncomingMessage, limit: number, tooLarge: () => unknown): Promise<Buffer> {
  const earlier = parsedBody(req);
  if (earlier !== undefined) {
    const { body } = earlier;
    if (Buffer.isBuffer(body)) return Promise.resolve().then(() => capped(body, limit, tooLarge));
    if (typeof body === 'string') return Promise.resolve().then(() => capped(Buffer.from(body, 'utf8'), limit, tooLarge));
    return Promise.reject(new BodyConsumedError(describe(body)));
  }
  if (Number(req.headers['content-length']) > limit) return Promise.reject(tooLarge());
  if (req.destroyed) return Promise.reject(new RequestAbortedError());

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.pause();
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onClose = (): void => {
      stop();
      reject(new RequestAbortedError());
    };
    // An aborted request emits 'error' only when someone listens, then 'close'; keep one listener for good.
    req.on('error', ignore);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}

/**
 * Makes sure a request whose body was not read to the end does not hold its connection: once the
 * response has been sent, the remaining bytes are read and discarded (never stored) so the client
 * can take in the response and the connection can be reused; if the body has not ended
 * {@link LINGER_MS} ms later, the connection is destroyed. Call it before answering early.
 */
export function discardUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || req.destroyed) return;
  res.once('finish', () => {
    if (req.readableEnded || req.destroyed) return;
    req.on('error', ignore);
    const timer = setTimeout(() => req.socket?.destroy(), LINGER_MS);
    timer.unref();
    const done = (): void => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

/**
 * Watches the body of a request this library passes on without reading it, to learn what the
 * handler that answers it was sent (e.g. the container a MediaStore DeleteContainer names). Returns a
 * function giving, once the response has been sent: what an earlier body parser left on the request
 * (`req.body`: a Buffer, a string, a parsed object), else the bytes seen while the next handler read
 * the stream with `'data'` listeners (body-parser, `pipe()`), else `undefined` (the body was not read
 * that way, or it was larger than `limit` bytes). The stream is never read, paused or resumed here.
 */
export function watchRequestBody(req: IncomingMessage, limit: number): () => unknown {
  const earlier = parsedBody(req);
  if (earlier !== undefined) return () => earlier.body;
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  const onData = (chunk: Buffer | string): void => {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += bytes.length;
    if (size > limit) chunks.length = 0;
    else chunks.push(bytes);
  };
  const onEnd = (): void => {
    ended = true;
  };
  // Listening only once the next handler does: a 'data' listener of our own would start the flow and lose its bytes.
  const onNewListener = (event: string | symbol): void => {
    if (event !== 'data') return;
    req.off('newListener', onNewListener);
    req.on('data', onData);
    req.once('end', onEnd);
  };
  req.on('newListener', onNewListener);
  return () => {
    req.off('newListener', onNewListener);
    req.off('data', onData);
    req.off('end', onEnd);
    if (!ended || size > limit) return parsedBody(req)?.body;
    return Buffer.concat(chunks, size);
  };
}
