// defaultRules and serviceRules (deployment-level rules S3 lacks), and decision events on diagnostics_channel.

import express from 'express';
import diagnosticsChannel from 'node:diagnostics_channel';
import request from 'supertest';
import { mediaStoreDialect } from 'express-bucket-cors/mediastore';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { DIAGNOSTICS_CHANNELS, type CorsDecisionEvent, bucketCors, type BucketCorsOptions, MemoryRuleStore } from 'express-bucket-cors';

const ORIGIN = 'https://console.example';
const DEFAULT_RULES: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'HEAD'], MaxAgeSeconds: 60 }] };
const SERVICE_RULES: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'], ExposeHeaders: ['x-amz-request-id'] }] };

function appWith(options: BucketCorsOptions) {
  const cors = bucketCors(options);
  const app = express();
  app.use(cors);
  app.use((_req, res) => void res.status(200).send('served'));
  return { app, store: cors.store };
}

describe('defaultRules', () => {
  test('apply to buckets without a configuration, and only to them', async () => {
    const { app, store } = appWith({ defaultRules: DEFAULT_RULES, bucketExists: (bucket) => bucket !== 'missing' });
    await store.put('own', { CORSRules: [{ AllowedOrigins: ['https://other.example'], AllowedMethods: ['GET'] }] });
    const preflight = (path: string) => request(app).options(path).set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
    const defaulted = await preflight('/plain/k');
    expect(defaulted.status).toBe(200);
    expect(defaulted.headers['access-control-max-age']).toBe('60');
    expect((await request(app).get('/plain/k').set('Origin', ORIGIN)).headers['access-control-allow-origin']).toBe(ORIGIN);
    // A bucket with its own rules uses them alone; a bucket that does not exist is still refused as such.
    expect((await preflight('/own/k')).status).toBe(403);
    expect((await preflight('/missing/k')).text).toContain('CORSResponse: Bucket not found');
  });

  test('are linted at construction like bucket rules: warnings go to the logger', () => {
    const logger = { warn: jest.fn(), error: jest.fn() };
    bucketCors({ logger, defaultRules: { CORSRules: [{ AllowedOrigins: ['https://app.example/'], AllowedMethods: ['GET'] }] } });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^express-bucket-cors: `defaultRules` origin-never-matches: /));
  });

  test("get the dialect's lint advice too: S3's warns of uploads the AWS SDKs cannot finish", () => {
    const logger = { warn: jest.fn(), error: jest.fn() };
    bucketCors({ logger, defaultRules: { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['PUT'] }] } });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^express-bucket-cors: `defaultRules` upload-without-etag: /));
  });

  test('are off by default (S3 parity) and validated at construction against the dialect', () => {
    // @ts-expect-error: 'get' is not a CorsMethod; JavaScript callers get the same refusal at run time
    expect(() => bucketCors({ defaultRules: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }] } })).toThrow(
      'bucketCors: `defaultRules` is not a valid CORS configuration for the s3 dialect: rule 1: AllowedMethods holds the unsupported method "get".',
    );
    expect(() => bucketCors({ dialect: mediaStoreDialect, serviceRules: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] } })).toThrow(
      'bucketCors: `serviceRules` is not a valid CORS configuration for the mediastore dialect: rule 1: AllowedHeaders is required.',
    );
  });

  test('refuse unknown fields, in a rule or at the top, with the field they were probably meant to be', () => {
    const misspelt = { AllowedOrigins: ['*'], AllowedMethods: ['GET'], Exposeheaders: ['ETag'] };
    expect(() => bucketCors({ defaultRules: { CORSRules: [misspelt] } as never })).toThrow(
      'bucketCors: `defaultRules` is not a valid CORS configuration for the s3 dialect: rule 1: unknown key "Exposeheaders" (did you mean "ExposeHeaders"?); a rule\'s keys are ID, AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders, MaxAgeSeconds.',
    );
    expect(() => bucketCors({ serviceRules: { CORSRules: SERVICE_RULES.CORSRules, Comment: 'console' } as never })).toThrow(
      'bucketCors: `serviceRules` is not a valid CORS configuration for the s3 dialect: unknown key "Comment" at the top level; the configuration holds only "CORSRules".',
    );
    expect(() => bucketCors({ dialect: mediaStoreDialect, defaultRules: { CORSRules: [{ ...misspelt, AllowedHeaders: [], MaxAge: 5 }] } as never })).toThrow(
      'bucketCors: `defaultRules` is not a valid CORS configuration for the mediastore dialect: rule 1: unknown key "Exposeheaders" (did you mean "ExposeHeaders"?); a rule\'s keys are ID, AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders, MaxAgeSeconds.',
    );
  });
});

describe('serviceRules', () => {
  test('answer the service root: ListBuckets from a browser and its preflight', async () => {
    const { app } = appWith({ serviceRules: SERVICE_RULES });
    const preflight = await request(app).options('/').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    const list = await request(app).get('/').set('Origin', ORIGIN);
    expect(list.text).toBe('served');
    expect(list.headers['access-control-expose-headers']).toBe('x-amz-request-id');
  });

  test('without them the service root preflight is S3’s "Bucket not found"', async () => {
    const { app } = appWith({});
    const preflight = await request(app).options('/').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(403);
    expect(preflight.text).toContain('CORSResponse: Bucket not found');
  });

  test('with a custom resolver, apply to whatever it answers null for', async () => {
    const { app } = appWith({ serviceRules: SERVICE_RULES, addressing: { resolve: (req) => (req.url?.startsWith('/b/') ? { bucket: 'b', key: 'k' } : null) } });
    expect((await request(app).get('/health').set('Origin', ORIGIN)).headers['access-control-allow-origin']).toBe(ORIGIN);
  });
});

describe('store events on diagnostics_channel', () => {
  test('a failed lookup and an invalidation are published', async () => {
    const errors: unknown[] = [];
    const invalidations: unknown[] = [];
    const onError = (message: unknown) => void errors.push(message);
    const onInvalidation = (message: unknown) => void invalidations.push(message);
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.storeError, onError);
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
    try {
      const store = new MemoryRuleStore();
      const failing = {
        shared: false,
        get: () => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })),
        put: store.put.bind(store),
        delete: store.delete.bind(store),
        subscribe: store.subscribe.bind(store),
      };
      const { app } = appWith({ store: failing, logger: { warn() {}, error() {} } });
      await request(app).options('/b/k').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
      await store.put('b', DEFAULT_RULES);
    } finally {
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.storeError, onError);
      diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
    }
    expect(errors).toEqual([{ caller: 'lookup', kind: 'ECONNREFUSED', servedStale: false }]);
    expect(invalidations).toEqual([{ type: 'bucket', bucket: 'b', version: '1' }]);
  });
});

describe('decision events on diagnostics_channel', () => {
  const events: CorsDecisionEvent[] = [];
  const listener = (message: unknown) => void events.push(message as CorsDecisionEvent);
  beforeEach(() => {
    events.length = 0;
    diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.decision, listener);
  });
  afterEach(() => diagnosticsChannel.unsubscribe(DIAGNOSTICS_CHANNELS.decision, listener));

  test('one event per decision with low-cardinality fields only, by default', async () => {
    const { app, store } = appWith({ defaultRules: DEFAULT_RULES, serviceRules: SERVICE_RULES });
    await store.put('b', { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'] }] });
    await request(app).options('/b/k').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'PUT');
    await request(app).options('/b/k').set('Origin', ORIGIN).set('Access-Control-Request-Method', 'GET');
    await request(app).get('/other/k').set('Origin', ORIGIN);
    await request(app).get('/').set('Origin', 'https://stranger.example');
    await request(app).get('/b/k'); // no Origin: no decision, no event
    expect(events).toEqual([
      { dialect: 's3', kind: 'preflight', outcome: 'allowed', reason: null, rule: 0, cache: 'miss', source: 'bucket' },
      { dialect: 's3', kind: 'preflight', outcome: 'refused', reason: 'no-match', rule: null, cache: 'hit', source: 'bucket' },
      { dialect: 's3', kind: 'actual', outcome: 'matched', reason: null, rule: 0, cache: 'miss', source: 'default' },
      { dialect: 's3', kind: 'actual', outcome: 'unmatched', reason: 'no-match', rule: null, cache: 'none', source: 'service' },
    ]);
  });

  test('the bucket and Origin only when asked for', async () => {
    const { app } = appWith({ store: new MemoryRuleStore(), diagnostics: { bucket: true, origin: true } });
    await request(app).get('/b/k').set('Origin', ORIGIN);
    expect(events).toEqual([{ dialect: 's3', kind: 'actual', outcome: 'unmatched', reason: 'no-configuration', rule: null, cache: 'miss', source: 'bucket', bucket: 'b', origin: ORIGIN }]);
    expect(() => bucketCors({ diagnostics: { buckets: true } as never })).toThrow('bucketCors: unknown option `diagnostics.buckets` (did you mean `diagnostics.bucket`?)');
  });
});
