// bench/middleware-ns.mjs
// Middleware cost without sockets or load generator: ns per call on the same real request objects, ours vs the cors package.

import { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import Redis from 'ioredis';
import { ACTUAL_HEADERS, BUCKET, CORS_PACKAGE_OPTIONS, OBJECT_PATH, ORIGIN, THREE_RULES } from './fixtures.mjs';
import { importLibrary } from './library.mjs';
import { nsPerCall } from './timing.mjs';

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
 * A batch runner for a connect-style middleware: calls it `iterations` times on one request/response
 * pair and resolves once `next` has been called as often (at once when the middleware is synchronous).
 * @param {(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void} middleware
 * @returns {(iterations: number) => void | Promise<void>}
 */
function callMany(middleware) {
  const { req, res } = actualRequest();
  return (iterations) => {
    let calls = 0;
    /** @type {() => void} */
    let allCalled = () => {};
    /** @param {unknown} [error] */
    const next = (error) => {
      if (error !== undefined) throw error;
      if (++calls === iterations) allCalled();
    };
    for (let i = 0; i < iterations; i += 1) middleware(req, res, next);
    if (calls === iterations) return undefined;
    return new Promise((resolve) => {
      allCalled = resolve;
    });
  };
}

/**
 * This library's middleware (Redis store, bucket cached) and the cors package, each checked to answer
 * with the matching origin before timing.
 * @param {{ redisUrl: string, batches: number, iterations: number }} options
 * @returns {Promise<{ middleware_ns_actual: number, cors_package_ns_actual: number }>}
 */
export async function middlewareNs({ redisUrl, batches, iterations }) {
  const [{ bucketCors }, { RedisRuleStore }] = await Promise.all([importLibrary('http/middleware.js'), importLibrary('store/redis.js')]);
  const client = new Redis(redisUrl);
  const store = new RedisRuleStore({ client });
  await store.put(BUCKET, THREE_RULES);
  const ours = bucketCors({ store });
  const theirs = cors(CORS_PACKAGE_OPTIONS);
  for (const [name, middleware] of /** @type {const} */ ([['bucketCors', ours], ['cors', theirs]])) {
    const { req, res } = actualRequest();
    await new Promise((resolve, reject) => middleware(req, res, (/** @type {unknown} */ error) => (error ? reject(error) : resolve(undefined))));
    if (res.getHeader('access-control-allow-origin') !== ORIGIN) throw new Error(`${name} did not allow ${ORIGIN}: ${JSON.stringify(res.getHeaders())}`);
  }
  const ns = await nsPerCall(
    [
      { name: 'ours', run: callMany(ours) },
      { name: 'cors', run: callMany(theirs) },
    ],
    { batches, iterations },
  );
  ours.close();
  await store.close?.();
  await client.quit();
  return { middleware_ns_actual: ns.ours.median, cors_package_ns_actual: ns.cors.median };
}
