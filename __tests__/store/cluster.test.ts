// __tests__/store/cluster.test.ts
// RedisRuleStore and RuleCache on a real 3-master Redis Cluster through ioredis Cluster clients: no CROSSSLOT, invalidation across nodes.

import { isDeepStrictEqual } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { RuleCache } from '../../lib/store/cache';
import { RedisRuleStore } from '../../lib/store/redis';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis';
import { RULES_A, RULES_B } from './contract';
import { connectionTracker, isolated, nextBucketEvent, silentLogger, subscribed, waitFor } from './helpers';

let cluster: RedisClusterHandle;
const { track, disconnectAll } = connectionTracker();

beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  disconnectAll();
  await cluster.stop();
});

// Deterministic names whose keys spread over all three masters (checked below, not assumed).
const BUCKETS = Array.from('abcdefghijklmnopqrstuvwxyz', (letter) => `bucket-${letter}`);

describe('RedisRuleStore on Redis Cluster', () => {
  it('puts, gets and deletes buckets living on different nodes with single-key commands', async () => {
    const names = isolated();
    const writer = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[0]!])), ...names });
    const reader = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[1]!])), ...names });

    const versions = await Promise.all(BUCKETS.map((bucket) => writer.put(bucket, RULES_A)));
    for (const [index, bucket] of BUCKETS.entries()) {
      await expect(reader.get(bucket)).resolves.toEqual({ configuration: RULES_A, version: versions[index]!.version });
    }
    const keysPerNode = await Promise.all(cluster.nodes.map(async (node) => (await track(new Redis(node.port, node.host)).keys(`${names.keyPrefix}*`)).length));
    expect(keysPerNode.every((count) => count > 0)).toBe(true);
    expect(keysPerNode.reduce((sum, count) => sum + count, 0)).toBe(BUCKETS.length);

    await Promise.all(BUCKETS.map((bucket) => reader.delete(bucket)));
    for (const bucket of BUCKETS) await expect(writer.get(bucket)).resolves.toBeNull();
  });

  it("delivers invalidations to instances subscribed through other nodes, and refreshes the other instance's cache", async () => {
    const names = isolated();
    const writer = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[0]!])), ...names });
    // One reader per node, each subscribed through a plain connection to that node: PUBLISH from any node reaches all.
    const readers = cluster.nodes.map(
      (node) => new RedisRuleStore({ client: track(new Cluster([node])), subscriber: track(new Redis(node.port, node.host)), ...names }),
    );
    // And one with the default subscriber (client.duplicate() of a Cluster).
    const withDuplicate = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[2]!])), ...names, logger: silentLogger() });
    const all = [...readers, withDuplicate];
    const ready = Promise.all(all.map((store) => subscribed(store)));
    const cache = new RuleCache(withDuplicate);
    await ready;

    const heard = Promise.all(all.map((store) => nextBucketEvent(store, 'photos')));
    await writer.put('photos', RULES_A);
    await heard;
    expect((await cache.lookup('photos')).kind).toBe('configured');

    await writer.put('photos', RULES_B);
    await waitFor(async () => {
      const lookup = await cache.lookup('photos');
      return lookup.kind === 'configured' && isDeepStrictEqual(lookup.rules.configuration, RULES_B);
    }, 2_000, 'the cache behind the duplicated Cluster subscriber seeing the new rules');

    cache.close();
    await Promise.all([...all, writer].map((store) => store.close()));
  });
});
