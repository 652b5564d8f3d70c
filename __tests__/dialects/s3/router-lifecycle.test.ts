// corsRouter's lifecycle extension over real HTTP: the version as ETag, If-Match / If-None-Match: * on PUT and DELETE with S3's 412, ?cors&history, on memory and on two instances sharing a real redis-server.

import Redis from 'ioredis';
import request from 'supertest';
import { MemoryRuleStore, RedisRuleStore, rollbackConfiguration, type CorsAuthorizer, type RuleStore } from 'express-bucket-cors';
import { startRedis, type RedisServerHandle } from '../../support/redis';
import { changeEventsDuring } from '../../store/lifecycle-contract';
import { corsXml, md5, startRouterApp, type RouterApp } from './router-harness';

const XML_A = corsXml([{ ID: 'a', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 30 }]);
const XML_B = corsXml([{ ID: 'b', AllowedOrigins: ['https://b.test'], AllowedMethods: ['POST'] }]);
const XML_C = corsXml([{ ID: 'c', AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag'] }]);

const apps: RouterApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

async function appOver(store: RuleStore, authorize: CorsAuthorizer = () => true): Promise<RouterApp> {
  const app = await startRouterApp({ router: { store, authorize, logger: { warn() {}, error() {} } } });
  apps.push(app);
  return app;
}

const put = (app: RouterApp, body: string, headers: Record<string, string> = {}) =>
  request(app.url).put('/photos?cors').set('Content-Type', 'application/xml').set('Content-MD5', md5(body)).set(headers).send(body);
const get = (app: RouterApp, query = '') => request(app.url).get(`/photos?cors${query}`);
const del = (app: RouterApp, headers: Record<string, string> = {}) => request(app.url).delete('/photos?cors').set(headers);

/** S3's 412 body, request ids aside. */
const preconditionFailed = (condition: string) =>
  new RegExp(`^<\\?xml version="1\\.0" encoding="UTF-8"\\?>\\n?<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>${condition}</Condition><RequestId>`);

describe('corsRouter on MemoryRuleStore', () => {
  let app: RouterApp;
  let store: MemoryRuleStore;
  beforeEach(async () => {
    store = new MemoryRuleStore();
    app = await appOver(store);
  });

  it('answers the version as a quoted ETag on GET, and no ETag to a PUT without conditions (as S3)', async () => {
    const stored = await put(app, XML_A);
    expect(stored.status).toBe(200);
    expect(stored.headers.etag).toBeUndefined();
    const read = await get(app);
    expect(read.headers.etag).toBe(`"${(await store.get('photos'))!.version}"`);
  });

  it('writes over the ETag it was given, answers the new one, and refuses a stale one with 412, keeping the rules', async () => {
    await put(app, XML_A);
    const first = (await get(app)).headers.etag as string;
    const second = await put(app, XML_B, { 'If-Match': first });
    expect(second.status).toBe(200);
    expect(second.headers.etag).toBe((await get(app)).headers.etag);
    const before = (await get(app)).text;
    const stale = await put(app, XML_C, { 'If-Match': first });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toBe('application/xml');
    expect(stale.text).toMatch(preconditionFailed('If-Match'));
    expect((await get(app)).text).toBe(before);
    expect((await put(app, XML_C, { 'If-Match': first.slice(1, -1) })).status).toBe(412); // a bare tag is read too
    expect((await put(app, XML_C, { 'If-Match': `W/${second.headers.etag}` })).status).toBe(412); // weak tags never match
  });

  it('creates only where none is with If-None-Match: *, and If-Match: * needs one', async () => {
    expect((await put(app, XML_A, { 'If-Match': '*' })).text).toMatch(preconditionFailed('If-Match'));
    expect((await put(app, XML_A, { 'If-None-Match': '*' })).status).toBe(200);
    const again = await put(app, XML_B, { 'If-None-Match': '*' });
    expect(again.status).toBe(412);
    expect(again.text).toMatch(preconditionFailed('If-None-Match'));
    expect((await put(app, XML_B, { 'If-Match': '*' })).status).toBe(200);
  });

  it('deletes conditionally', async () => {
    await put(app, XML_A);
    const etag = (await get(app)).headers.etag as string;
    await put(app, XML_B);
    expect((await del(app, { 'If-Match': etag })).text).toMatch(preconditionFailed('If-Match'));
    expect((await get(app)).status).toBe(200);
    expect((await del(app, { 'If-Match': (await get(app)).headers.etag as string })).status).toBe(204);
    expect((await get(app)).status).toBe(404);
    expect((await del(app, { 'If-Match': '*' })).status).toBe(412);
  });

  it('answers 501 NotImplemented for conditions it does not support, before reading the body', async () => {
    await put(app, XML_A);
    const before = (await get(app)).text;
    // A wrong Content-MD5 would be 400 BadDigest: the condition is refused first.
    const list = await put(app, XML_B, { 'If-Match': '"x", "y"', 'Content-MD5': md5(XML_A) });
    expect(list.status).toBe(501);
    expect(list.text).toContain('<Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message><Header>If-Match</Header>');
    expect((await put(app, XML_B, { 'If-None-Match': '"x"' })).text).toContain('<Header>If-None-Match</Header>');
    expect((await put(app, XML_B, { 'If-Match': '*', 'If-None-Match': '*' })).status).toBe(501);
    expect((await get(app)).text).toBe(before);
    expect((await store.history('photos')).length).toBe(1);
  });

  it('answers the history as JSON on GET ?cors&history, after a deletion too, and a rollback serves the same XML as before', async () => {
    await put(app, XML_A);
    const xmlA = (await get(app)).text;
    const versionA = ((await get(app)).headers.etag as string).slice(1, -1);
    await put(app, XML_B);
    await del(app);
    const history = await get(app, '&history');
    expect(history.status).toBe(200);
    expect(history.headers['content-type']).toBe('application/json');
    expect(history.body).toMatchObject({ bucket: 'photos', history: [{ version: null, source: 'router' }, { previousVersion: versionA }, { previousVersion: null }] });
    await rollbackConfiguration(store, 'photos', versionA);
    expect((await get(app)).text).toBe(xmlA);
  });
});

it("records the principal authorize granted with each change, and publishes it in the change event", async () => {
  const store = new MemoryRuleStore();
  const app = await appOver(store, () => ({ principal: 'alice' }));
  const events = await changeEventsDuring(async () => {
    await put(app, XML_A);
    await del(app);
  });
  expect(events.map(({ principal, source }) => [principal, source])).toEqual([['alice', 'router'], ['alice', 'router']]);
  expect((await get(app, '&history')).body.history.map((change: { principal: string }) => change.principal)).toEqual(['alice', 'alice']);
  const refused = await appOver(store, () => ({ principal: 42 }) as never); // not a grant: refused
  expect((await put(refused, XML_B)).status).toBe(403);
});

it('authorizes ?cors&history like GetBucketCors', async () => {
  const asked: string[] = [];
  const app = await appOver(new MemoryRuleStore(), (_req, { action }) => {
    asked.push(action);
    return false;
  });
  expect((await get(app, '&history')).status).toBe(403);
  expect(asked).toEqual(['s3:GetBucketCORS']);
});

it('refuses conditions and history with 501 on a store without them, writing nothing', async () => {
  const memory = new MemoryRuleStore();
  const plain: RuleStore = { shared: false, get: (b) => memory.get(b), put: (b, c) => memory.put(b, c), delete: (b) => memory.delete(b), subscribe: (l) => memory.subscribe(l) };
  const app = await appOver(plain);
  const refused = await put(app, XML_A, { 'If-None-Match': '*' });
  expect(refused.status).toBe(501);
  expect(refused.text).toContain('<Header>If-None-Match</Header>');
  await expect(memory.get('photos')).resolves.toBeNull();
  expect((await get(app, '&history')).status).toBe(501);
  expect((await put(app, XML_A)).status).toBe(200);
});

describe('corsRouter on two instances sharing a redis-server', () => {
  let redis: RedisServerHandle;
  const clients: Redis[] = [];
  const stores: RedisRuleStore[] = [];
  let instances: RouterApp[];

  beforeAll(async () => {
    redis = await startRedis();
    instances = [];
    for (let i = 0; i < 2; i++) {
      const client = new Redis(redis.port, redis.host);
      clients.push(client);
      const store = new RedisRuleStore({ client, keyPrefix: `lifecycle-${process.pid}:`, channel: `lifecycle-${process.pid}` });
      stores.push(store);
      instances.push(await appOver(store));
    }
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    clients.forEach((client) => client.disconnect());
    await redis.stop();
  });

  it('lets exactly one of two PUTs with the same If-Match win; the other is 412 and the stored rules are the winner\'s', async () => {
    await put(instances[0]!, XML_A);
    for (let round = 0; round < 5; round++) {
      const etag = (await get(instances[0]!)).headers.etag as string;
      const answers = await Promise.all([put(instances[0]!, XML_B, { 'If-Match': etag }), put(instances[1]!, XML_C, { 'If-Match': etag })]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 412]);
      const winner = answers[0]!.status === 200 ? 0 : 1;
      expect(answers[1 - winner]!.text).toMatch(preconditionFailed('If-Match'));
      const read = await get(instances[1 - winner]!);
      expect(read.headers.etag).toBe(answers[winner]!.headers.etag);
      expect(read.text).toContain(winner === 0 ? '<ID>b</ID>' : '<ID>c</ID>');
    }
    const history = (await get(instances[1]!, '&history')).body as { history: unknown[] };
    expect(history.history).toHaveLength(6);
  });
});
