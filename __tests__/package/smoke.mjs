// Smoke test of the installed package, run by any Node binary (the oldest one `engines` allows): both builds,
// a PutBucketCors with x-amz-checksum-crc32 (what current SDKs send), GetBucketCors, a preflight and an actual request
// whose target each build reads from the other's middleware.
// Uses only what Node 20.0 has (no fetch, no zlib.crc32). With REDIS_URL the rules live in Redis (ioredis), else in memory.
// Prints one JSON line `{ "ok": true, ... }` and exits 0, or prints the failure and exits 1.

import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import * as esm from 'express-bucket-cors';

const require = createRequire(import.meta.url);
const cjs = require('express-bucket-cors');

const ORIGIN = 'https://app.example';
const BODY = `<CORSConfiguration><CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
/** Base64 of the big-endian CRC-32 of BODY (computed once with zlib.crc32 of a newer Node). */
const BODY_CRC32 = 'jV87kQ==';

function fail(message) {
  throw new Error(message);
}

/** One request on loopback; resolves `{ status, headers, body }`. */
function send(port, method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A connect-style chain without Express: middleware, router, then a 404 object handler that names the
 * bucket `other` (the other build) reads with requestTarget: both builds share the recorded target.
 */
function serve(lib, store, other) {
  const cors = lib.bucketCors({ store, logger: { warn() {}, error: console.error } });
  const router = lib.corsRouter({ store, authorize: () => true, logger: { warn() {}, error: console.error } });
  const server = createServer((req, res) => {
    const last = () => {
      res.setHeader('x-target-bucket', other.requestTarget(req)?.bucket ?? '-');
      res.statusCode = 404;
      res.end('no such object');
    };
    const failed = (error) => {
      console.error(error);
      res.statusCode = 500;
      res.end();
    };
    cors(req, res, (error) => (error ? failed(error) : router(req, res, (error2) => (error2 ? failed(error2) : last()))));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, cors })));
}

async function exercise(name, lib, other, makeStore, bucket) {
  const store = makeStore(lib);
  const { server, cors } = await serve(lib, store, other);
  const { port } = server.address();
  try {
    const wrong = await send(port, 'PUT', `/${bucket}?cors`, { 'x-amz-checksum-crc32': 'AAAAAA==', 'content-type': 'application/xml' }, BODY);
    if (wrong.status !== 400 || !wrong.body.includes('<Code>BadDigest</Code>')) fail(`${name}: a wrong CRC-32 gave ${wrong.status} ${wrong.body}`);
    const put = await send(port, 'PUT', `/${bucket}?cors`, { 'x-amz-checksum-crc32': BODY_CRC32, 'content-type': 'application/xml' }, BODY);
    if (put.status !== 200) fail(`${name}: PUT ?cors gave ${put.status} ${put.body}`);
    const get = await send(port, 'GET', `/${bucket}?cors`);
    if (get.status !== 200 || !get.body.includes(`<AllowedOrigin>${ORIGIN}</AllowedOrigin>`)) fail(`${name}: GET ?cors gave ${get.status} ${get.body}`);
    const preflight = await send(port, 'OPTIONS', `/${bucket}/a.txt`, { origin: ORIGIN, 'access-control-request-method': 'GET' });
    if (preflight.status !== 200 || preflight.headers['access-control-allow-origin'] !== ORIGIN) fail(`${name}: preflight gave ${preflight.status} ${preflight.body}`);
    const actual = await send(port, 'GET', `/${bucket}/a.txt`, { origin: ORIGIN });
    if (actual.status !== 404 || actual.headers['access-control-allow-origin'] !== ORIGIN) fail(`${name}: actual GET gave ${actual.status} without CORS headers`);
    if (actual.headers['x-target-bucket'] !== bucket) fail(`${name}: the other build's requestTarget read ${actual.headers['x-target-bucket']}, not ${bucket}`);
  } finally {
    cors.close();
    await new Promise((resolve) => server.close(resolve));
    await store.close?.();
  }
}

const redisUrl = process.env.REDIS_URL;
const clients = [];
/** A store per build: the Redis store on its own ioredis client when REDIS_URL is set. */
const makeStore = (lib) => {
  if (redisUrl === undefined || redisUrl === '') return new lib.MemoryRuleStore();
  const { Redis } = require('ioredis');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  client.on('error', (error) => console.error('redis:', error.message));
  clients.push(client);
  return new lib.RedisRuleStore({ client });
};

try {
  if (cjs.bucketCors === esm.bucketCors) fail('the CommonJS and ES module builds are the same module');
  const suffix = process.pid.toString(36);
  await exercise('esm', esm, cjs, makeStore, `smoke-esm-${suffix}`);
  await exercise('cjs', cjs, esm, makeStore, `smoke-cjs-${suffix}`);
  console.log(JSON.stringify({ ok: true, node: process.version, store: clients.length > 0 ? 'redis' : 'memory' }));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
}
