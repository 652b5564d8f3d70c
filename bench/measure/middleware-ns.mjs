// Middleware cost without sockets or load generator: ns per call on the same real request objects, ours vs the cors package.

import { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import Redis from 'ioredis';
import { ACTUAL_HEADERS, BUCKET, CORS_PACKAGE_OPTIONS, OBJECT_PATH, ORIGIN, THREE_RULES } from '../harness/fixtures.mjs';
import { nsPerCall } from '../harness/timing.mjs';

/**
 * An actual GET with a matching Origin as Node's HTTP server would build it, minus the socket.
 * @returns {{ req: IncomingMessage, res: ServerResponse }}
 */
function actualRequest() {
  const req = new IncomingMessage(/** @type {any} */ (null));
  req.method = 'GET';
  req.url = OBJECT_PATH;
  req.headers = { host: '127.0.0.1', ...ACTUAL_HEADERS };
  return { req, res: new ServerResponse(req) };
}

/**
 * A timed case for a connect-style middleware: each call gets a fresh request/response pair, built
 * before timing (a response that already carries the headers would make `vary` and `setHeader` do
 * different work); the batch ends once `next` has been called for every pair (at once when the
 * middleware is synchronous).
 * @param {string} name
 * @param {(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void} middleware
 * @returns {import('../harness/timing.mjs').TimedCase<Array<{ req: IncomingMessage, res: ServerResponse }>>}
 */
function callEach(name, middleware) {
  return {
    name,
    prepare: (iterations) => Array.from({ length: iterations }, actualRequest),
    run(pairs) {
      let calls = 0;
      /** @type {(value?: unknown) => void} */
      let allCalled = () => {};
      /** @param {unknown} [error] */
      const next = (error) => {
        if (error !== undefined) throw error;
        if (++calls === pairs.length) allCalled();
      };
      for (const { req, res } of pairs) middleware(req, res, next);
      if (calls === pairs.length) return undefined;
      return new Promise((resolve) => {
        allCalled = resolve;
      });
    },
  };
}

/**
 * This library's middleware (Redis store, bucket cached) and the cors package, each checked to answer
 * with the matching origin before timing; and, as the floor for S3's header set, a middleware that
 * only sets the very headers ours sent, with `res.setHeader`.
 * @param {{ redisUrl: string, batches: number, iterations: number }} options
 * @returns {Promise<{ middleware_ns_actual: number, cors_package_ns_actual: number, headers_only_ns_actual: number }>}
 */
export async function middlewareNs({ redisUrl, batches, iterations }) {
  const { bucketCors, RedisRuleStore } = await import('express-bucket-cors');
  const client = new Redis(redisUrl);
  const store = new RedisRuleStore({ client, healthCheckIntervalMs: Infinity });
  await store.put(BUCKET, THREE_RULES);
  const ours = bucketCors({ store });
  const theirs = cors(CORS_PACKAGE_OPTIONS);
  /** @type {Array<[string, string]>} */
  let oursSent = [];
  for (const [name, middleware] of /** @type {const} */ ([['bucketCors', ours], ['cors', theirs]])) {
    const { req, res } = actualRequest();
    await new Promise((resolve, reject) => middleware(req, res, (/** @type {unknown} */ error) => (error ? reject(error) : resolve(undefined))));
    if (res.getHeader('access-control-allow-origin') !== ORIGIN) throw new Error(`${name} did not allow ${ORIGIN}: ${JSON.stringify(res.getHeaders())}`);
    if (middleware === ours) oursSent = Object.entries(res.getHeaders()).map(([header, value]) => [header, String(value)]);
  }
  /** @type {Parameters<typeof callEach>[1]} */
  const headersOnly = (_req, res, next) => {
    for (const [header, value] of oursSent) res.setHeader(header, value);
    next();
  };
  const ns = await nsPerCall([callEach('ours', ours), callEach('cors', theirs), callEach('headers', headersOnly)], { batches, iterations });
  ours.close();
  await store.close?.();
  await client.quit();
  return { middleware_ns_actual: ns.ours.median, cors_package_ns_actual: ns.cors.median, headers_only_ns_actual: ns.headers.median };
}
