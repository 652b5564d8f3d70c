// Redis Sentinel failover under load: a real primary, replica and three redis-sentinel processes; the primary SIGKILLed while two app instances answer preflights, through ioredis and node-redis Sentinel clients.

import Redis from 'ioredis';
import { createSentinel } from 'redis';
import { DEFAULT_HEALTH_CHECK_INTERVAL_MS, DEFAULT_HEALTH_CHECK_TIMEOUT_MS, RedisRuleStore, type RedisClientLike, type RedisSubscriberLike } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { startRedisSentinel, type RedisSentinelHandle } from '../support/redis';
import { describeFigures, driveThroughFailover, INSTANCE_EXPRESS, measureStaleness, putBucketCors, startInstance, type AppInstance } from '../support/failover';
import { RULES_A } from '../store/contract';
import { silentLogger, waitFor } from '../store/helpers';

/** The lookup timeout the instances run with (RuleCache's default): the bound on a 503's answer time. */
const LOOKUP_TIMEOUT_MS = 1_000;
/** What an answer may take on top of the timeout on a loaded two-core machine. */
const ANSWER_SLACK_MS = 1_000;
/** RULES_A allows PUT from this origin; the later configurations allow one other origin each. */
const ORIGIN_A = 'https://a.example';
const ORIGIN_B = 'https://b.example';
const ORIGIN_C = 'https://c.example';
const RULES_B_PUT: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [ORIGIN_B], AllowedMethods: ['PUT'] }] };
const RULES_C_PUT: CorsConfiguration = { CORSRules: [{ AllowedOrigins: [ORIGIN_C], AllowedMethods: ['PUT'] }] };
/** How long a subscription may stay broken unnoticed while Redis answers: the store's default health-check interval + timeout. */
const HEALTH_CHECK_BOUND_MS = DEFAULT_HEALTH_CHECK_INTERVAL_MS + DEFAULT_HEALTH_CHECK_TIMEOUT_MS;

/** A Sentinel client of one library: the store's command client and its subscriber, and how to close both. */
interface SentinelClients {
  readonly client: RedisClientLike;
  readonly subscriber: RedisSubscriberLike;
  close(): Promise<void>;
}

const SENTINEL_CLIENTS: readonly (readonly [string, (setup: RedisSentinelHandle) => SentinelClients])[] = [
  [
    'ioredis 6 Sentinel client',
    (setup) => {
      const connect = () => new Redis({ sentinels: [...setup.sentinels], name: setup.masterName }).on('error', () => undefined);
      const [client, subscriber] = [connect(), connect()];
      return { client, subscriber, close: async () => [client, subscriber].forEach((connection) => connection.disconnect()) };
    },
  ],
  [
    'node-redis 6 createSentinel',
    (setup) => {
      const connect = () => createSentinel({ name: setup.masterName, sentinelRootNodes: setup.sentinels.map(({ host, port }) => ({ host, port })) }).on('error', () => undefined);
      const [client, subscriber] = [connect(), connect()];
      return {
        client: client as unknown as RedisClientLike,
        subscriber: subscriber as unknown as RedisSubscriberLike,
        close: async () => {
          await Promise.all([client, subscriber].map((connection) => (connection.isOpen ? connection.destroy() : undefined)));
        },
      };
    },
  ],
];

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`Sentinel failover figures:\n${figures.join('\n')}`);
});

describe.each(SENTINEL_CLIENTS)('a Sentinel failover seen through the %s', (name, clientsFor) => {
  let setup: RedisSentinelHandle;
  const opened: SentinelClients[] = [];
  let instances: AppInstance[] = [];
  const logger = silentLogger();

  beforeAll(async () => {
    setup = await startRedisSentinel({ sentinels: 3, downAfterMs: 1_000, failoverTimeoutMs: 2_000 });
    instances = await Promise.all(
      INSTANCE_EXPRESS.map(([express, factory]) => {
        const clients = clientsFor(setup);
        opened.push(clients);
        return startInstance(express, new RedisRuleStore({ client: clients.client, subscriber: clients.subscriber, logger }), factory, logger);
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await Promise.all(instances.map((instance) => (instance.store as RedisRuleStore).close()));
    await Promise.all(opened.map((clients) => clients.close()));
    await setup?.stop();
  });

  it('serves cached rules through the failover, answers uncached preflights 503 within the lookup timeout, resumes on the new primary, and misses no invalidation published after it', async () => {
    // Both instances subscribed, then the rules cached in both.
    await waitFor(() => instances.every((instance) => instance.events.some(({ event }) => event.type === 'all')), 10_000, 'both instances subscribed');
    expect(await putBucketCors(instances[0]!, 'photos', RULES_A)).toBe(200);
    await measureStaleness(instances, 'photos', RULES_A, ORIGIN_A);

    const crashedAt = Date.now();
    const observation = await driveThroughFailover({
      instances,
      cachedBucket: 'photos',
      allowedOrigin: ORIGIN_A,
      crash: () => setup.kill(setup.primary),
      promoted: async () => (await setup.currentPrimary()).port === setup.replica.port,
    });

    expect(observation.cachedMisses).toEqual([]);
    expect(observation.slowest503Ms).toBeLessThan(LOOKUP_TIMEOUT_MS + ANSWER_SLACK_MS);
    expect(observation.slowestUncachedMs).toBeLessThan(LOOKUP_TIMEOUT_MS + ANSWER_SLACK_MS);
    // Fresh buckets have no rules: refused (403) once Redis answers, unavailable (503) before; nothing else.
    expect(Object.keys(observation.uncachedByStatus).filter((status) => status !== '403' && status !== '503')).toEqual([]);

    // A change made as soon as commands work again: the other instance's subscriber may still be
    // reconnecting, so it hears of it by the message or by the flush that follows its resubscription.
    const changed = await measureStaleness(instances, 'photos', RULES_B_PUT, ORIGIN_B);
    expect(changed.status).toBe(200);
    expect(changed.staleMs).toBeLessThan(HEALTH_CHECK_BOUND_MS + ANSWER_SLACK_MS);

    // Once every instance has resubscribed, no invalidation is missed: the other one hears the bucket's.
    await waitFor(() => instances.every((instance) => instance.events.some(({ at, event }) => at > crashedAt && event.type === 'all')), 10_000, 'both instances resubscribed');
    const heardFrom = instances[1]!.events.length;
    const settled = await measureStaleness(instances, 'photos', RULES_C_PUT, ORIGIN_C);
    expect(instances[1]!.events.slice(heardFrom).map(({ event }) => event)).toContainEqual({ type: 'bucket', bucket: 'photos' });

    // Written to the promoted replica.
    const newPrimary = new Redis(setup.replica.port, setup.replica.host);
    try {
      expect(JSON.parse((await newPrimary.get('bucket-cors:photos'))!).rules).toEqual(RULES_C_PUT);
    } finally {
      newPrimary.disconnect();
    }
    figures.push(describeFigures(name, observation, { changed, settled }));
  });
});
