// `node bench/redis-round-trips.mjs`: Redis round trips of a cold burst (10,000 distinct uncached buckets, 50 concurrent callers) through RuleCache + RedisRuleStore, on one server and on a 3-master Cluster.

import Redis from 'ioredis';
import * as nodeRedis from 'redis';
import { THREE_RULES } from './harness/fixtures.mjs';
import { startRedis, startRedisCluster } from '../scripts/redis-server.cjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

/** Distinct buckets looked up once each, none cached before. */
const BUCKETS = 10_000;
/** Callers with one lookup in flight each, like 50 client connections. */
const CONCURRENCY = 50;
/** A per-run key prefix, so nothing another run left behind is read. */
const KEY_PREFIX = `round-trips-${process.pid}:`;
const CHANNEL = `${KEY_PREFIX}invalidate`;

/** @param {string} line */
const progress = (line) => process.stderr.write(`redis-round-trips: ${line}\n`);

// bench/run.mjs has built dist/ already, and the whole run measures that one build: --built.
if (!process.argv.includes('--built')) await ensureBuilt();
const { RedisRuleStore, RuleCache } = await import('express-bucket-cors');

/**
 * `total_reads_processed` summed over `nodes`: how many times the servers read from a client socket,
 * i.e. how many round trips reached them (a pipeline or MGET is one).
 * @param {{ stat(node: { host: string, port: number }, field: string): Promise<number> }} server
 * @param {{ host: string, port: number }[]} nodes
 */
async function readsOn(server, nodes) {
  const counts = await Promise.all(nodes.map((node) => server.stat(node, 'total_reads_processed')));
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Seeds every bucket (half configured, half not), then looks all of them up through a fresh cache
 * with {@link CONCURRENCY} callers, and counts the servers' reads during the lookups. The
 * benchmark's own INFO commands are measured with two back-to-back snapshots and subtracted.
 * @param {object} client  ioredis or node-redis, standalone or Cluster
 * @param {{ stat(node: { host: string, port: number }, field: string): Promise<number> }} server
 * @param {{ host: string, port: number }[]} nodes
 * @returns {Promise<number>} round trips per 10,000 cold lookups
 */
async function coldBurstRoundTrips(client, server, nodes) {
  const store = new RedisRuleStore({ client, keyPrefix: KEY_PREFIX, channel: CHANNEL, healthCheckIntervalMs: Infinity, logger: console });
  const buckets = Array.from({ length: BUCKETS }, (_, index) => `cold-${index}`);
  for (let start = 0; start < BUCKETS; start += 1000) {
    await Promise.all(buckets.slice(start, start + 1000).filter((_, index) => index % 2 === 0).map((bucket) => store.put(bucket, THREE_RULES)));
  }
  const subscribed = new Promise((resolve) => store.subscribe((event) => event.type === 'all' && resolve(undefined)));
  const cache = new RuleCache(store, { max: BUCKETS * 2 });
  await subscribed;

  const first = await readsOn(server, nodes);
  const second = await readsOn(server, nodes);
  const ownReads = second - first;
  let next = 0;
  let configured = 0;
  const caller = async () => {
    while (next < BUCKETS) {
      const lookup = await cache.lookup(buckets[next++]);
      if (lookup.kind === 'unavailable') throw new Error(`lookup unavailable: ${String(lookup.error)}`);
      if (lookup.kind === 'configured') configured++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  const reads = (await readsOn(server, nodes)) - second - ownReads;
  if (configured !== BUCKETS / 2) throw new Error(`expected ${BUCKETS / 2} configured buckets, saw ${configured}`);
  cache.close();
  await store.close();
  return Math.round((reads * 10_000) / BUCKETS);
}

/** @type {Record<string, number>} */
const figures = {};
const single = await startRedis();
if (single.external) throw new Error('unset REDIS_URL: the benchmark counts reads on Redis servers of its own');
const cluster = await startRedisCluster();
const singleNode = [{ host: single.host, port: single.port }];
const singleStats = { stat: (_node, field) => single.stat(field) };
try {
  const clients = [
    ['redis_round_trips_per_10k_cold', () => new Redis(single.port, single.host), singleStats, singleNode],
    ['redis_round_trips_per_10k_cold_cluster', () => new Redis.Cluster(cluster.nodes), cluster, cluster.nodes],
    ['redis_round_trips_per_10k_cold_node_redis', () => nodeRedis.createClient({ socket: singleNode[0] }), singleStats, singleNode],
    ['redis_round_trips_per_10k_cold_cluster_node_redis', () => nodeRedis.createCluster({ rootNodes: cluster.nodes.map((socket) => ({ socket })) }), cluster, cluster.nodes],
  ];
  for (const [name, create, stats, nodes] of clients) {
    const client = create();
    client.on('error', (error) => progress(`${name}: client error ${error.message}`));
    try {
      figures[name] = await coldBurstRoundTrips(client, stats, nodes);
      progress(`${name}: ${figures[name]}`);
    } finally {
      if (typeof client.destroy === 'function') client.destroy();
      else client.disconnect();
    }
  }
} finally {
  await single.stop();
  await cluster.stop();
}
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
