// The Express apps under test: one trivial object route, behind a different CORS layer in each variant.

import cors from 'cors';
import express from 'express';
import Redis from 'ioredis';
import { CORS_PACKAGE_OPTIONS, NAIVE_KEY_PREFIX, S3_ACTUAL_RESPONSE_HEADERS } from './fixtures.mjs';

/**
 * Variants in the order the report lists them. `noop-middleware` is a calibration: what any
 * `app.use` layer costs Express before the middleware does anything; `floor` is the least any
 * S3-exact CORS layer does (see {@link floorCors}).
 */
export const VARIANTS = /** @type {const} */ (['bare', 'noop-middleware', 'floor', 'cors-package', 'naive-redis', 'memory', 'redis']);

/** Variants that send no CORS headers at all. */
export const CORS_FREE_VARIANTS = new Set(['bare', 'noop-middleware']);

/** @typedef {(typeof VARIANTS)[number]} Variant */
/** @typedef {{ app: import('express').Express, close: () => Promise<void> }} BenchApp */

/**
 * The route every variant serves: a small object body, as an object server's GET would.
 * @param {import('express').Express} app
 */
function addObjectRoute(app) {
  app.get('/:bucket/*key', (_req, res) => {
    res.type('application/octet-stream').send('object body\n');
  });
}

/**
 * A hand-written middleware of the kind this library replaces: reads the bucket's rules from Redis
 * on every request, parses them, and compares origins and methods in place.
 * @param {Redis} client
 * @returns {import('express').RequestHandler}
 */
function naiveRedisCors(client) {
  return async (req, res, next) => {
    const bucket = req.path.split('/')[1] ?? '';
    const json = await client.get(NAIVE_KEY_PREFIX + bucket);
    const origin = req.headers.origin;
    if (json !== null && origin !== undefined) {
      /** @type {import('express-bucket-cors').CorsConfiguration} */
      const configuration = JSON.parse(json);
      const rule = configuration.CORSRules.find((r) => r.AllowedMethods.includes(req.method) && r.AllowedOrigins.some((o) => o === '*' || o === origin));
      if (rule !== undefined) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        if (rule.ExposeHeaders?.length) res.setHeader('Access-Control-Expose-Headers', rule.ExposeHeaders.join(', '));
        res.vary('Origin');
      }
    }
    next();
  };
}

/**
 * The floor for S3's answers: the bucket from the path, one Map lookup, and the six headers
 * `bucketCors` sends (S3's names and values) through `res.setHeader`, with no rule evaluation at all.
 * @param {string} bucket  the one bucket it knows
 * @returns {import('express').RequestHandler}
 */
function floorCors(bucket) {
  const headersByBucket = new Map([[bucket, S3_ACTUAL_RESPONSE_HEADERS]]);
  return (req, res, next) => {
    const url = req.url;
    const headers = headersByBucket.get(url.slice(1, url.indexOf('/', 1)));
    if (headers !== undefined && req.headers.origin !== undefined) for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * Builds one variant's app. `redisUrl` is needed by `naive-redis` and `redis`; `memory` puts
 * `configuration` into its store for `bucket` itself, the others expect Redis to be seeded. `admin`
 * adds this library's `?cors` router (with everyone authorized) in front of the `redis` variant;
 * `cache` gives the `redis` variant's bucketCors cache options (default: the library's).
 * @param {Variant} variant
 * @param {{ redisUrl?: string, bucket: string, configuration: import('express-bucket-cors').CorsConfiguration, admin?: boolean, cache?: import('express-bucket-cors').RuleCacheOptions }} options
 * @returns {Promise<BenchApp>}
 */
export async function createApp(variant, { redisUrl, bucket, configuration, admin = false, cache }) {
  const app = express();
  /** @type {Array<() => unknown>} */
  const closers = [];
  switch (variant) {
    case 'bare':
      break;
    case 'noop-middleware':
      app.use((_req, _res, next) => next());
      break;
    case 'floor':
      app.use(floorCors(bucket));
      break;
    case 'cors-package':
      app.use(cors(CORS_PACKAGE_OPTIONS));
      break;
    case 'naive-redis': {
      const client = new Redis(/** @type {string} */ (redisUrl));
      closers.push(() => client.quit());
      app.use(naiveRedisCors(client));
      break;
    }
    case 'memory': {
      const { bucketCors, MemoryRuleStore } = await import('express-bucket-cors');
      const store = new MemoryRuleStore();
      await store.put(bucket, configuration);
      const middleware = bucketCors({ store });
      closers.push(() => middleware.close());
      app.use(middleware);
      break;
    }
    case 'redis': {
      const { bucketCors, RedisRuleStore } = await import('express-bucket-cors');
      const client = new Redis(/** @type {string} */ (redisUrl));
      // The store reports its failures itself; without a listener ioredis prints every outage as "Unhandled error event".
      client.on('error', () => {});
      // The health check's PUBLISH every 2 s would count among the measured commands.
      const store = new RedisRuleStore({ client, healthCheckIntervalMs: Infinity });
      const middleware = bucketCors({ store, ...(cache !== undefined && { cache }) });
      closers.push(() => client.quit(), () => store.close?.(), () => middleware.close());
      if (admin) {
        const { corsRouter } = await import('express-bucket-cors/s3');
        app.use(corsRouter({ store, authorize: () => true }));
      }
      app.use(middleware);
      break;
    }
    default:
      throw new TypeError(`unknown variant ${String(variant)}; use one of ${VARIANTS.join(', ')}`);
  }
  addObjectRoute(app);
  return {
    app,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
