// corsRouter's report-only extension over real HTTP: PUT/GET/DELETE ?cors&report-only, POST ?cors&promote on both versions with S3's 412, explain of both; on memory and on two instances sharing a real redis-server.

import Redis from 'ioredis';
import request from 'supertest';
import { bucketCors, MemoryRuleStore, RedisRuleStore, type CorsAuthorizer, type RuleStore } from 'express-bucket-cors';
import { startRedis, type RedisServerHandle } from '../../support/redis';
import { changeEventsDuring } from '../../store/lifecycle-contract';
import { corsXml, md5, startRouterApp, type RouterApp } from './router-harness';

const XML_A = corsXml([{ ID: 'a', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET'] }]);
const XML_B = corsXml([{ ID: 'b', AllowedOrigins: ['https://a.test', 'https://b.test'], AllowedMethods: ['GET'] }]);

const apps: RouterApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function appOver(store: RuleStore, authorize: CorsAuthorizer = () => true): Promise<RouterApp> {
  const middleware = bucketCors({ store });
  const app = await startRouterApp({ before: [middleware], router: { store, authorize, logger: { warn() {}, error() {} } } });
  apps.push({ ...app, close: async () => (middleware.close(), app.close()) });
  return app;
}

const putBody = (app: RouterApp, query: string, body: string, headers: Record<string, string> = {}) =>
  request(app.url).put(`/photos?cors${query}`).set('Content-Type', 'application/xml').set('Content-MD5', md5(body)).set(headers).send(body);
const putCandidate = (app: RouterApp, body: string, headers: Record<string, string> = {}) => putBody(app, '&report-only', body, headers);
const getCandidate = (app: RouterApp) => request(app.url).get('/photos?cors&report-only');
const promote = (app: RouterApp, headers: Record<string, string> = {}) => request(app.url).post('/photos?cors&promote').set(headers);

const preconditionFailed = (condition: string) => new RegExp(`<Code>PreconditionFailed</Code>.*<Condition>${condition}</Condition>`);

describe('corsRouter report-only on MemoryRuleStore', () => {
  let app: RouterApp;
  let store: MemoryRuleStore;
  beforeEach(async () => {
    store = new MemoryRuleStore();
    app = await appOver(store);
  });

  it('stores, answers and deletes the candidate beside the rules, with its own ETag, leaving the rules alone', async () => {
    expect((await putBody(app, '', XML_A)).status).toBe(200);
    const rules = await request(app.url).get('/photos?cors');
    const missing = await getCandidate(app);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Code>NoSuchCORSConfiguration</Code><Message>The report-only CORS configuration does not exist</Message>');
    expect((await putCandidate(app, XML_B)).status).toBe(200);
    const candidate = await getCandidate(app);
    expect(candidate.status).toBe(200);
    expect(candidate.headers['content-type']).toBe('application/xml');
    expect(candidate.text).toContain('<ID>b</ID>');
    expect(candidate.headers.etag).toBe(`"${(await store.getCandidate('photos'))!.version}"`);
    expect(candidate.headers.etag).not.toBe(rules.headers.etag);
    const json = await request(app.url).get('/photos?cors&report-only').set('Accept', 'application/json');
    expect(JSON.parse(json.text)).toMatchObject({ CORSRules: [{ ID: 'b' }] });
    expect((await request(app.url).get('/photos?cors')).text).toBe(rules.text);
    expect((await request(app.url).delete('/photos?cors&report-only')).status).toBe(204);
    expect((await getCandidate(app)).status).toBe(404);
    expect((await request(app.url).get('/photos?cors')).text).toBe(rules.text);
  });

  it('validates a candidate as PutBucketCors validates rules, and takes If-Match / If-None-Match: * on its own version', async () => {
    const bad = await putCandidate(app, XML_A.replace('<AllowedMethod>GET</AllowedMethod>', '<AllowedMethod>BREW</AllowedMethod>'));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>InvalidRequest</Code>');
    expect((await putCandidate(app, XML_A, { 'If-Match': '*' })).text).toMatch(preconditionFailed('If-Match'));
    const created = await putCandidate(app, XML_A, { 'If-None-Match': '*' });
    expect(created.status).toBe(200);
    expect(created.headers.etag).toBe((await getCandidate(app)).headers.etag);
    expect((await putCandidate(app, XML_B, { 'If-None-Match': '*' })).text).toMatch(preconditionFailed('If-None-Match'));
    expect((await putCandidate(app, XML_B, { 'If-Match': created.headers.etag as string })).status).toBe(200);
    expect((await request(app.url).delete('/photos?cors&report-only').set('If-Match', created.headers.etag as string)).status).toBe(412);
    expect((await getCandidate(app)).text).toContain('<ID>b</ID>');
  });

  it('promotes on both versions, answering the promoted ETag, and refuses stale ones with 412 naming the header', async () => {
    await putBody(app, '', XML_A);
    const enforced = (await request(app.url).get('/photos?cors')).headers.etag as string;
    await putCandidate(app, XML_B);
    const candidate = (await getCandidate(app)).headers.etag as string;
    expect((await promote(app, { 'If-Match': '"stale"', 'x-bucket-cors-enforced-if-match': enforced })).text).toMatch(preconditionFailed('If-Match'));
    expect((await promote(app, { 'If-Match': candidate, 'x-bucket-cors-enforced-if-match': '"stale"' })).text).toMatch(preconditionFailed('x-bucket-cors-enforced-if-match'));
    expect((await promote(app, { 'x-bucket-cors-enforced-if-none-match': '*' })).text).toMatch(preconditionFailed('x-bucket-cors-enforced-if-none-match'));
    expect((await promote(app, { 'If-None-Match': '*' })).status).toBe(501);
    expect((await request(app.url).get('/photos?cors')).headers.etag).toBe(enforced);
    const events = await changeEventsDuring(async () => {
      const promoted = await promote(app, { 'If-Match': candidate, 'x-bucket-cors-enforced-if-match': enforced });
      expect(promoted.status).toBe(200);
      expect(promoted.headers.etag).toBe(candidate);
    });
    expect(events).toMatchObject([{ bucket: 'photos', source: 'promote' }]);
    const now = await request(app.url).get('/photos?cors');
    expect(now.headers.etag).toBe(candidate);
    expect(now.text).toContain('<ID>b</ID>');
    expect((await getCandidate(app)).status).toBe(404);
    const again = await promote(app);
    expect(again.status).toBe(404);
    expect(again.text).toContain('The report-only CORS configuration does not exist');
    // The history names the promotion.
    expect(JSON.parse((await request(app.url).get('/photos?cors&history')).text).history[0]).toMatchObject({ source: 'promote', version: candidate.slice(1, -1) });
    // And the middleware in front answers with it at once.
    const preflight = await request(app.url).options('/photos/k').set({ Origin: 'https://b.test', 'Access-Control-Request-Method': 'GET' });
    expect(preflight.status).toBe(200);
  });

  it('explains the rules and the candidate, also for a bucket with only a candidate', async () => {
    await putCandidate(app, XML_B);
    const explained = await request(app.url).get('/photos?cors&explain&origin=https://b.test&method=GET');
    expect(explained.status).toBe(200);
    expect(JSON.parse(explained.text)).toMatchObject({ allowed: false, reason: 'no-configuration', candidate: { allowed: true, rule: 0, difference: 'outcome' } });
    await putBody(app, '', XML_A);
    const both = JSON.parse((await request(app.url).get('/photos?cors&explain&origin=https://a.test&method=GET')).text);
    expect(both).toMatchObject({ allowed: true, rule: 0, candidate: { allowed: true, difference: null } });
  });

  it('authorizes the candidate like PutBucketCors / GetBucketCors, and promotion like PutBucketCors', async () => {
    const asked: string[] = [];
    const guarded = await appOver(new MemoryRuleStore(), (_req, { action }) => {
      asked.push(action);
      return action === 's3:GetBucketCORS';
    });
    expect((await putCandidate(guarded, XML_A)).status).toBe(403);
    expect((await getCandidate(guarded)).status).toBe(404);
    expect((await request(guarded.url).delete('/photos?cors&report-only')).status).toBe(403);
    expect((await promote(guarded)).status).toBe(403);
    expect(asked).toEqual(['s3:PutBucketCORS', 's3:GetBucketCORS', 's3:PutBucketCORS', 's3:PutBucketCORS']);
  });

  it('answers 501 NotImplemented for a store without report-only candidates', async () => {
    const inner = new MemoryRuleStore();
    const plain: RuleStore = { get: (b) => inner.get(b), put: (b, c) => inner.put(b, c), delete: (b) => inner.delete(b), subscribe: (l) => inner.subscribe(l), shared: false };
    const other = await appOver(plain);
    const refused = await putCandidate(other, XML_A);
    expect(refused.status).toBe(501);
    expect(refused.text).toContain('<Code>NotImplemented</Code>');
    expect((await promote(other)).status).toBe(501);
    // Explain still answers, without a candidate.
    await putBody(other, '', XML_A);
    expect(JSON.parse((await request(other.url).get('/photos?cors&explain&origin=https://a.test')).text).candidate).toBeUndefined();
  });
});

describe('corsRouter report-only on two instances sharing a real redis-server', () => {
  let redis: RedisServerHandle;
  const clients: Redis[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    clients.forEach((client) => client.disconnect());
    await redis.stop();
  });

  it('a candidate put and promoted through one instance is read and enforced by the other', async () => {
    const stores = [0, 1].map(() => {
      const client = new Redis(redis.port, redis.host);
      clients.push(client);
      return new RedisRuleStore({ client, keyPrefix: 'router-report-only:' });
    });
    const [a, b] = await Promise.all(stores.map((store) => appOver(store)));
    await putBody(a!, '', XML_A);
    expect((await putCandidate(a!, XML_B)).status).toBe(200);
    const candidate = await getCandidate(b!);
    expect(candidate.text).toContain('<ID>b</ID>');
    const preflightB = () => request(b!.url).options('/photos/k').set({ Origin: 'https://b.test', 'Access-Control-Request-Method': 'GET' });
    expect((await preflightB()).status).toBe(403);
    expect((await promote(a!, { 'If-Match': candidate.headers.etag as string })).status).toBe(200);
    let status = 0;
    for (const started = Date.now(); Date.now() - started < 3_000 && status !== 200; ) status = (await preflightB()).status;
    expect(status).toBe(200);
    await Promise.all(stores.map((store) => store.close()));
  });
});
