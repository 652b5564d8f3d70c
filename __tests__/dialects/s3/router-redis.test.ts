// corsRouter with RedisRuleStore on a real redis-server: two instances share rules; an outage answers 503.

import { GetBucketCorsCommand, PutBucketCorsCommand, S3ServiceException } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import request from 'supertest';
import { RedisRuleStore } from 'express-bucket-cors';
import { EXTERNAL_REDIS_SKIP, startRedis, type RedisServerHandle } from '../../support/redis';
import { corsXml, md5, s3ClientFor, startRouterApp, type RouterApp } from './router-harness';

const BODY = corsXml([{ ID: 'shared', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET', 'PUT'] }]);

describe('corsRouter with RedisRuleStore', () => {
  let redis: RedisServerHandle;
  const clients: Redis[] = [];
  const stores: RedisRuleStore[] = [];
  let instances: RouterApp[];
  const logger = { warn: jest.fn(), error: jest.fn() };

  beforeAll(async () => {
    redis = await startRedis();
    instances = [];
    for (let i = 0; i < 2; i++) {
      // Fail fast while Redis is down instead of queueing commands.
      const client = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false });
      clients.push(client);
      const store = new RedisRuleStore({ client, logger });
      stores.push(store);
      instances.push(await startRouterApp({ router: { store, authorize: () => true, logger, retryAfterSeconds: 2 } }));
    }
    await Promise.all(clients.map((client) => (client.status === 'ready' ? undefined : new Promise((resolve) => client.once('ready', resolve)))));
  });

  afterAll(async () => {
    await Promise.all(instances.map((app) => app.close()));
    await Promise.all(stores.map((store) => store.close?.()));
    clients.forEach((client) => client.disconnect());
    await redis.stop();
  });

  it('a configuration put through one instance is read and deleted through the other', async () => {
    const [a, b] = instances as [RouterApp, RouterApp];
    expect((await request(a.url).put('/b?cors').set('Content-MD5', md5(BODY)).send(BODY)).status).toBe(200);
    const read = await request(b.url).get('/b?cors');
    expect(read.status).toBe(200);
    expect(read.text).toContain('<ID>shared</ID>');
    expect((await request(b.url).delete('/b?cors')).status).toBe(204);
    expect((await request(a.url).get('/b?cors')).text).toContain('<Code>NoSuchCORSConfiguration</Code>');
  });

  it('round-trips through the AWS SDK', async () => {
    const client = s3ClientFor(instances[0]!, 'path');
    try {
      const rules = [{ ID: 'sdk', AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: 60 }];
      await client.send(new PutBucketCorsCommand({ Bucket: 'sdk-bucket', CORSConfiguration: { CORSRules: rules } }));
      const other = s3ClientFor(instances[1]!, 'path');
      try {
        expect((await other.send(new GetBucketCorsCommand({ Bucket: 'sdk-bucket' }))).CORSRules).toEqual(rules);
      } finally {
        other.destroy();
      }
    } finally {
      client.destroy();
    }
  });

  it('answers 503 ServiceUnavailable with Retry-After while Redis is down, and recovers after', async () => {
    if (redis.external) return console.warn(EXTERNAL_REDIS_SKIP);
    const [a] = instances as [RouterApp];
    expect((await request(a.url).put('/b?cors').set('Content-MD5', md5(BODY)).send(BODY)).status).toBe(200);
    await redis.stop();
    try {
      for (const res of [await request(a.url).get('/b?cors'), await request(a.url).put('/b?cors').set('Content-MD5', md5(BODY)).send(BODY), await request(a.url).delete('/b?cors')]) {
        expect(res.status).toBe(503);
        expect(res.text).toContain('<Code>ServiceUnavailable</Code>');
        expect(res.headers['retry-after']).toBe('2');
      }
      const client = s3ClientFor(a, 'path');
      try {
        const error = await client.send(new GetBucketCorsCommand({ Bucket: 'b' })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(S3ServiceException);
        expect((error as S3ServiceException).name).toBe('ServiceUnavailable');
      } finally {
        client.destroy();
      }
    } finally {
      await redis.restart();
    }
    await Promise.all(clients.map((client) => (client.status === 'ready' ? undefined : new Promise((resolve) => client.once('ready', resolve)))));
    // restart() gives an empty server: the bucket has no configuration now, and writes work again.
    expect((await request(a.url).get('/b?cors')).status).toBe(404);
    expect((await request(a.url).put('/b?cors').set('Content-MD5', md5(BODY)).send(BODY)).status).toBe(200);
    expect(logger.error).toHaveBeenCalled();
  });
});
