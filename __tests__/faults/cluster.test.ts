// Redis Cluster failover under load: 3 masters + 3 replicas, the master holding the bucket (and a subscription, when one is there) SIGKILLed while two app instances answer preflights, through ioredis Cluster and node-redis createCluster.

import Redis from 'ioredis';
import { DEFAULT_CHANNEL, DEFAULT_KEY_PREFIX, RedisRuleStore } from 'express-bucket-cors';
import { keySlot } from '../support/internals';
import { startReplicatedCluster, type ReplicatedClusterHandle, type RedisEndpoint } from '../support/redis-failover';
import { INSTANCE_EXPRESS, proveFailover, startInstance, type AppInstance } from '../support/failover';
import { clientKind, closeAllClients } from '../store/clients';
import { silentLogger, waitFor } from '../store/helpers';

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.log(`Cluster failover figures:\n${figures.join('\n')}`);
});

/** The node serving `slot` by `CLUSTER SLOTS` as `via` sees it. */
async function ownerOf(via: Redis, slot: number): Promise<RedisEndpoint | undefined> {
  const ranges = (await via.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const range = ranges.find(([start, end]) => start <= slot && slot <= end);
  return range === undefined ? undefined : { host: range[2][0], port: range[2][1] };
}

/** How many subscribers of the invalidation channel each master has. */
async function subscribersPerMaster(cluster: ReplicatedClusterHandle, admin: (node: RedisEndpoint) => Redis): Promise<number[]> {
  return Promise.all(cluster.nodes.map(async (node) => Number(((await admin(node).pubsub('NUMSUB', DEFAULT_CHANNEL)) as [string, number])[1])));
}

describe.each([['ioredis 6'], ['node-redis 6']])('a Redis Cluster failover seen through %s', (name) => {
  const kind = clientKind(name);
  let cluster: ReplicatedClusterHandle;
  let instances: AppInstance[] = [];
  const admins = new Map<number, Redis>();
  const admin = (node: RedisEndpoint) => {
    let connection = admins.get(node.port);
    if (connection === undefined) admins.set(node.port, (connection = new Redis(node.port, node.host, { maxRetriesPerRequest: 1 }).on('error', () => undefined)));
    return connection;
  };
  const logger = silentLogger();

  beforeAll(async () => {
    cluster = await startReplicatedCluster(1_000);
    // The default subscriber: the store duplicates the Cluster client, as most users will.
    instances = await Promise.all(INSTANCE_EXPRESS.map(([express, factory]) => startInstance(express, new RedisRuleStore({ client: kind.cluster(cluster.nodes), logger }), factory, logger)));
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await Promise.all(instances.map((instance) => (instance.store as RedisRuleStore).close()));
    await closeAllClients();
    admins.forEach((connection) => connection.disconnect());
    await cluster?.stop();
  });

  // This test found a defect, fixed since: an instance that had read the new rules before the
  // change's message reached it dropped them when the message came, so a crash right after left it
  // with nothing cached (503). Caches now keep an entry read at the version a message announces.
  it('serves cached rules through the failover, answers uncached preflights 503 within the lookup timeout, resumes on the promoted replica, and misses no invalidation published after it', async () => {
    await waitFor(async () => (await cluster.subscriberCount(DEFAULT_CHANNEL)) === instances.length, 10_000, 'every instance subscribed');
    // The worst case for pub/sub: crash a master a subscriber is connected to (when any is), and put the bucket there too.
    const perMaster = await subscribersPerMaster(cluster, admin);
    const victim = cluster.nodes[Math.max(0, perMaster.findIndex((count) => count > 0))]!;
    const survivor = cluster.nodes.find((node) => node.port !== victim.port)!;
    const candidates = Array.from({ length: 200 }, (_unused, i) => `photos-${i}`);
    const owners = await Promise.all(candidates.map((bucket) => ownerOf(admin(survivor), keySlot(DEFAULT_KEY_PREFIX + bucket))));
    const bucket = candidates[owners.findIndex((owner) => owner?.port === victim.port)]!;
    const replicaPorts = cluster.replicas.map((replica) => replica.port);

    const figure = await proveFailover(`${name} (the crashed master held ${perMaster[cluster.nodes.indexOf(victim)]} of the subscriptions)`, {
      instances,
      bucket,
      crash: () => cluster.kill(victim),
      promoted: async () => {
        const owner = await ownerOf(admin(survivor), keySlot(DEFAULT_KEY_PREFIX + bucket));
        // Promoted: another node serves the slot (a replica of the victim, or one a replica migrated to it under load).
        if (owner === undefined || owner.port === victim.port) throw new Error(`slot owned by ${JSON.stringify(owner)}; replicas ${replicaPorts}; victim ${victim.port}`);
        return true;
      },
      subscriptions: () => cluster.subscriberCount(DEFAULT_CHANNEL),
      storedOnPromoted: async (name) => {
        const owner = (await ownerOf(admin(survivor), keySlot(DEFAULT_KEY_PREFIX + name)))!;
        return JSON.parse((await admin(owner).get(DEFAULT_KEY_PREFIX + name)) ?? 'null')?.rules;
      },
    });
    figures.push(figure);
  });
});
