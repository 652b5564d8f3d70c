// Redis Sentinel failover under load: a real primary, replica and three redis-sentinel processes; the primary SIGKILLed while two app instances answer preflights, through ioredis and node-redis Sentinel clients.

import Redis from 'ioredis';
import { createSentinel } from 'redis';
import { DEFAULT_CHANNEL, DEFAULT_KEY_PREFIX, RedisRuleStore, type RedisClientLike, type RedisSubscriberLike } from 'express-bucket-cors';
import { startRedisSentinel, type RedisSentinelHandle } from '../support/redis-failover';
import { INSTANCE_EXPRESS, proveFailover, startInstance, type AppInstance } from '../support/failover';
import { silentLogger } from '../store/helpers';

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
        client,
        subscriber,
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
    const promoted = new Redis(setup.replica.port, setup.replica.host).on('error', () => undefined);
    try {
      const figure = await proveFailover(name, {
        instances,
        bucket: 'photos',
        crash: () => setup.kill(setup.primary),
        promoted: async () => (await setup.currentPrimary()).port === setup.replica.port,
        subscriptions: () => setup.subscriberCount(DEFAULT_CHANNEL),
        storedOnPromoted: async (bucket) => JSON.parse((await promoted.get(DEFAULT_KEY_PREFIX + bucket)) ?? 'null')?.rules,
      });
      figures.push(figure);
    } finally {
      promoted.disconnect();
    }
  });
});
