// RedisRuleStore and RuleCache on a real 3-master Redis Cluster through every client library's Cluster: no CROSSSLOT, slot-aware batches, invalidation across nodes.

import { isDeepStrictEqual } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import { HISTORY_KEY_SUFFIX, RuleCache, RedisRuleStore } from 'express-bucket-cors';
import { companionKey, isCompanionKey, keySlot } from '../support/internals';
import { startRedisCluster, type RedisClusterHandle } from '../support/redis';
import { CLIENT_KINDS, closeAllClients } from './clients';
import { RULES_A, RULES_B } from './contract';
import { describeLifecycleContract } from './lifecycle-contract';
import { describeReportOnlyContract } from './report-only-contract';
import { connectionTracker, isolated, nextBucketEvent, silentLogger, subscribed, waitFor } from './helpers';

let cluster: RedisClusterHandle;
const { track, disconnectAll } = connectionTracker();

beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  disconnectAll();
  await closeAllClients();
  await cluster.stop();
});

// Deterministic names whose keys spread over all three masters (checked below, not assumed).
const BUCKETS = Array.from('abcdefghijklmnopqrstuvwxyz', (letter) => `bucket-${letter}`);

/** Reads of GET and MGET summed over the masters (INFO commandstats). */
const readCommands = async () => {
  const counts = await Promise.all(cluster.nodes.map(async (node) => (await cluster.commandCount(node, 'get')) + (await cluster.commandCount(node, 'mget'))));
  return counts.reduce((sum, count) => sum + count, 0);
};

it('computes the slot of a key as the server does, hash tags and multi-byte names included', async () => {
  const admin = track(new Redis(cluster.nodes[0]!.port, cluster.nodes[0]!.host));
  for (const key of ['bucket-cors:photos', 'app:{tenant}:x', '{}empty-tag', 'a{b', 'ünïcødé-bücket', ...BUCKETS]) {
    expect(keySlot(key)).toBe(await admin.cluster('KEYSLOT', key));
  }
});

for (const kind of CLIENT_KINDS) {
  // Two instances seeded by different masters; every test bucket's rules, history and candidate share one slot.
  const pair = (historyLength?: number) => {
    const names = isolated();
    return {
      store: new RedisRuleStore({ client: kind.cluster([cluster.nodes[0]!]), historyLength, ...names }),
      peer: new RedisRuleStore({ client: kind.cluster([cluster.nodes[1]!]), historyLength, ...names }),
    };
  };
  describeLifecycleContract(`RedisRuleStore on Redis Cluster (${kind.name})`, pair);
  describeReportOnlyContract(`RedisRuleStore on Redis Cluster (${kind.name})`, pair);
}

it('names each history key in the slot of its rules key, whatever the prefixes and hash tags', () => {
  for (const [clientPrefix, key] of [['', 'bucket-cors:photos'], ['app:', 'bucket-cors:photos'], ['', 'app:{tenant}:photos'], ['{t}:', 'x:photos'], ['', 'ünïcødé-bücket']]) {
    const history = companionKey(clientPrefix, key, HISTORY_KEY_SUFFIX);
    expect(history.startsWith(key + HISTORY_KEY_SUFFIX)).toBe(true);
    expect(keySlot(clientPrefix + history)).toBe(keySlot(clientPrefix + key));
    expect([isCompanionKey(clientPrefix + history, HISTORY_KEY_SUFFIX), isCompanionKey(clientPrefix + key, HISTORY_KEY_SUFFIX)]).toEqual([true, false]);
  }
  expect(isCompanionKey('bucket-cors:x:history', HISTORY_KEY_SUFFIX)).toBe(false); // a bucket named "x:history"
  expect(isCompanionKey('bucket-cors:x:history:history{bucket-cors:x:history}', HISTORY_KEY_SUFFIX)).toBe(true); // and its history
});

it('keeps the history of an ioredis Cluster client with its own keyPrefix in the slot of the prefixed rules key', async () => {
  const { keyPrefix, channel } = isolated();
  const store = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[0]!], { keyPrefix: 'app:' })), keyPrefix, channel });
  for (const bucket of BUCKETS.slice(0, 6)) {
    const first = await store.put(bucket, RULES_A);
    await store.put(bucket, RULES_B, { ifVersion: first.version });
    expect((await store.history(bucket)).map((change) => change.previousVersion)).toEqual([first.version, null]);
  }
});

describe.each(CLIENT_KINDS.map((kind) => [kind.name, kind] as const))('RedisRuleStore on Redis Cluster with %s', (_name, kind) => {
  it('puts, gets and deletes buckets living on different nodes with single-key commands', async () => {
    const names = isolated();
    const writer = new RedisRuleStore({ client: kind.cluster([cluster.nodes[0]!]), ...names });
    const reader = new RedisRuleStore({ client: kind.cluster([cluster.nodes[1]!]), ...names });

    const versions = await Promise.all(BUCKETS.map((bucket) => writer.put(bucket, RULES_A)));
    for (const [index, bucket] of BUCKETS.entries()) {
      await expect(reader.get(bucket)).resolves.toEqual({ configuration: RULES_A, version: versions[index]!.version });
    }
    const keysPerNode = await Promise.all(cluster.nodes.map(async (node) => new Set(await track(new Redis(node.port, node.host)).keys(`${names.keyPrefix}*`))));
    const ruleKeys = keysPerNode.map((keys) => [...keys].filter((key) => !key.includes(HISTORY_KEY_SUFFIX)));
    expect(ruleKeys.every((keys) => keys.length > 0)).toBe(true);
    expect(ruleKeys.flat().sort()).toEqual(BUCKETS.map((bucket) => names.keyPrefix + bucket).sort());
    // Each bucket's history lives on its node (one script writes both).
    ruleKeys.forEach((keys, node) => keys.forEach((key) => expect(keysPerNode[node]!.has(companionKey('', key, HISTORY_KEY_SUFFIX))).toBe(true)));

    await Promise.all(BUCKETS.map((bucket) => reader.delete(bucket)));
    for (const bucket of BUCKETS) await expect(writer.get(bucket)).resolves.toBeNull();
  });

  it('reads buckets of all three masters, asked for in one turn, with at most one command per slot and the right value for each', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: kind.cluster([cluster.nodes[0]!]), ...names });
    const configured = BUCKETS.filter((_bucket, index) => index % 2 === 0);
    await Promise.all(configured.map((bucket) => store.put(bucket, RULES_B)));
    const before = await readCommands();
    const answers = await Promise.all(BUCKETS.map((bucket) => store.get(bucket)));
    const slots = new Set(BUCKETS.map((bucket) => keySlot(names.keyPrefix + bucket)));
    expect((await readCommands()) - before).toBeLessThanOrEqual(slots.size);
    expect(answers.map((answer) => answer?.configuration ?? null)).toEqual(BUCKETS.map((bucket) => (configured.includes(bucket) ? RULES_B : null)));
  });

  it("delivers invalidations to instances subscribed through other nodes, and refreshes the other instance's cache", async () => {
    const names = isolated();
    const writer = new RedisRuleStore({ client: kind.cluster([cluster.nodes[0]!]), ...names });
    // One reader per node, each subscribed through a plain connection to that node: PUBLISH from any node reaches all.
    const readers = cluster.nodes.map((node) => new RedisRuleStore({ client: kind.cluster([node]), subscriber: kind.subscriber(node), ...names }));
    // And one with the default subscriber (client.duplicate() of a Cluster).
    const withDuplicate = new RedisRuleStore({ client: kind.cluster([cluster.nodes[2]!]), ...names, logger: silentLogger() });
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

it("batches reads on an ioredis Cluster whose own keyPrefix moves every key's slot", async () => {
  const { keyPrefix, channel } = isolated();
  const prefixed = track(new Cluster([cluster.nodes[0]!], { keyPrefix: 'app:' }));
  const store = new RedisRuleStore({ client: prefixed, keyPrefix, channel });
  const configured = BUCKETS.filter((_bucket, index) => index % 3 === 0);
  await Promise.all(configured.map((bucket) => store.put(bucket, RULES_A)));
  const answers = await Promise.all(BUCKETS.map((bucket) => store.get(bucket)));
  expect(answers.map((answer) => answer?.configuration ?? null)).toEqual(BUCKETS.map((bucket) => (configured.includes(bucket) ? RULES_A : null)));
  // The keys really carry the client's prefix (so the store had to slot them with it).
  const unprefixed = track(new Cluster([cluster.nodes[0]!]));
  expect(await unprefixed.exists(`app:${keyPrefix}${configured[0]}`)).toBe(1);
});

it('delivers invalidations between ioredis and node-redis Cluster clients', async () => {
  const names = isolated();
  const stores = CLIENT_KINDS.map((kind, index) => new RedisRuleStore({ client: kind.cluster([cluster.nodes[index % 3]!]), ...names }));
  await Promise.all(stores.map((store) => subscribed(store)));
  for (const [index, writer] of stores.entries()) {
    const others = stores.filter((store) => store !== writer);
    const heard = Promise.all(others.map((store) => nextBucketEvent(store, `mixed-${index}`)));
    await writer.put(`mixed-${index}`, RULES_A);
    await heard;
    for (const other of others) expect((await other.get(`mixed-${index}`))?.configuration).toEqual(RULES_A);
  }
  await Promise.all(stores.map((store) => store.close()));
});
