// The owner-only extensions of ?cors: GET ?cors&explain (a hypothetical request against the stored rules),
// GET ?cors&lint, and the lint codes on PUT and GET answers — authorized exactly like GetBucketCors.

import request from 'supertest';
import { corsRouter, MemoryRuleStore } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { corsXml, md5, startRouterApp, type RouterApp } from './router-harness';

const RULES = corsXml([
  { ID: 'reads', AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] },
  { ID: 'uploads', AllowedOrigins: ['https://app.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] },
]);

describe('GET ?cors&explain and ?cors&lint', () => {
  let app: RouterApp;
  let allowed = true;
  beforeAll(async () => {
    app = await startRouterApp({ router: { store: new MemoryRuleStore(), authorize: () => allowed } });
  });
  afterAll(() => app.close());
  beforeEach(() => {
    allowed = true;
  });

  test('PUT answers S3’s empty 200 and names the lint codes in a header S3 clients ignore; GET does the same', async () => {
    const put = await request(app.url).put('/b?cors').set('Content-MD5', md5(RULES)).send(RULES);
    expect(put.status).toBe(200);
    expect(put.text).toBe('');
    expect(put.headers['x-bucket-cors-lint']).toBe('upload-without-etag,sdk-headers-not-allowed');
    const get = await request(app.url).get('/b?cors');
    expect(get.text).toContain('<ID>uploads</ID>');
    expect(get.headers['x-bucket-cors-lint']).toBe('upload-without-etag,sdk-headers-not-allowed');
  });

  test('explain answers the engine’s decision with each rule’s failures and the smallest fix', async () => {
    const res = await request(app.url).get('/b?cors&explain&origin=https://app.example&method=PUT&headers=content-type,x-amz-meta-note&preflight=true');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const explanation = JSON.parse(res.text);
    expect(explanation).toMatchObject({
      allowed: false,
      rule: null,
      reason: 'no-match',
      rules: [
        { index: 0, id: 'reads', failed: ['method', 'headers'] },
        { index: 1, id: 'uploads', failed: ['headers'], deniedHeaders: ['x-amz-meta-note'] },
      ],
    });
    expect(explanation.suggestion).toContain('x-amz-meta-note');
    const ok = JSON.parse((await request(app.url).get('/b?cors&explain&origin=https://app.example&method=GET')).text);
    expect(ok).toMatchObject({ allowed: true, rule: 0 });
  });

  test('lint answers every warning', async () => {
    const res = await request(app.url).get('/b?cors&lint');
    expect(JSON.parse(res.text).warnings.map((warning: { code: string; rule: number }) => [warning.code, warning.rule])).toEqual([
      ['upload-without-etag', 1],
      ['sdk-headers-not-allowed', 1],
    ]);
  });

  test('never to those not allowed to read the rules, and 404 without rules, exactly like GetBucketCors', async () => {
    allowed = false;
    for (const path of ['/b?cors&explain&origin=https://app.example', '/b?cors&lint']) {
      const res = await request(app.url).get(path);
      expect(res.status).toBe(403);
      expect(res.text).toContain('<Code>AccessDenied</Code>');
    }
    allowed = true;
    expect((await request(app.url).get('/empty?cors&lint')).text).toContain('<Code>NoSuchCORSConfiguration</Code>');
    expect((await request(app.url).get('/empty?cors&explain&origin=https://app.example')).text).toContain('<Code>NoSuchCORSConfiguration</Code>');
  });
});

describe('GET ?cors&explain with the deployment\'s defaultRules', () => {
  const DEFAULT_RULES: CorsConfiguration = { CORSRules: [{ ID: 'console', AllowedOrigins: ['https://console.example'], AllowedMethods: ['GET'] }] };
  let app: RouterApp;
  beforeAll(async () => {
    app = await startRouterApp({ router: { store: new MemoryRuleStore(), authorize: () => true, defaultRules: DEFAULT_RULES } });
  });
  afterAll(() => app.close());

  test('a bucket without rules is explained by the defaultRules, and says so; GET ?cors stays NoSuchCORSConfiguration', async () => {
    const res = await request(app.url).get('/plain?cors&explain&origin=https://console.example&method=GET&preflight=false');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      allowed: true,
      rule: 0,
      source: 'default',
      summary: 'CORS headers from rule 1 ("console"); decided by the deployment\'s defaultRules (the bucket has no rules of its own)',
      rules: [{ index: 0, label: 'rule 1 ("console")', failed: [] }],
    });
    const plain = await request(app.url).get('/plain?cors');
    expect(plain.status).toBe(404);
    expect(plain.text).toContain('<Code>NoSuchCORSConfiguration</Code>');
    expect((await request(app.url).get('/plain?cors&lint')).text).toContain('<Code>NoSuchCORSConfiguration</Code>');
  });

  test('a bucket with rules of its own is explained by them', async () => {
    expect((await request(app.url).put('/own?cors').set('Content-MD5', md5(RULES)).send(RULES)).status).toBe(200);
    const explanation = JSON.parse((await request(app.url).get('/own?cors&explain&origin=https://console.example&method=GET')).text);
    expect(explanation).toMatchObject({ allowed: false, source: 'bucket', summary: 'preflight refused (no rule matches)' });
  });

  test('defaultRules are checked against S3\'s profile when the router is built', () => {
    expect(() => corsRouter({ store: new MemoryRuleStore(), authorize: () => true, defaultRules: { CORSRules: [{ AllowedOrigins: 'https://console.example', AllowedMethods: ['GET'] }] } as unknown as CorsConfiguration })).toThrow(
      'corsRouter: `defaultRules` must be a valid CORS configuration for the s3 dialect: rule 1: AllowedOrigins must be a list of strings',
    );
  });
});
