// Opens the store running servers use from a redis:// URL (a Cluster when the node says so), and lists its buckets.

import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_CHANNEL, DEFAULT_KEY_PREFIX, RedisRuleStore } from '../index.js';
import { CliError } from './output.js';

/** The `--redis`, `--key-prefix` and `--channel` options, as RedisRuleStore takes them. */
export interface StoreOptions {
  readonly redis: string;
  readonly keyPrefix: string;
  readonly channel: string;
}

/** The option defaults, RedisRuleStore's own. */
export const STORE_OPTION_DEFAULTS = { keyPrefix: DEFAULT_KEY_PREFIX, channel: DEFAULT_CHANNEL } as const;

/** An open store and what is needed to list its keys and to close it. */
export interface OpenStore {
  readonly store: RedisRuleStore;
  readonly keyPrefix: string;
  /** The connections to SCAN: the one server, or every master of a Cluster. */
  readonly scanTargets: () => readonly Redis[];
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5_000;

/** `err` as one line, for connection errors. */
const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Connects to `options.redis` without retrying (a command-line tool should fail fast, exit code 2),
 * asks the node whether it is part of a Redis Cluster, and if so reconnects as a `Cluster` seeded by it.
 */
export async function openStore(options: StoreOptions): Promise<OpenStore> {
  let ioredis: typeof import('ioredis');
  try {
    ioredis = await import('ioredis');
  } catch {
    throw new CliError('the Redis commands need the ioredis package: npm install ioredis');
  }
  let url: URL;
  try {
    url = new URL(options.redis);
  } catch {
    throw new CliError(`--redis must be a URL such as redis://127.0.0.1:6379, not ${JSON.stringify(options.redis)}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new CliError(`--redis must be a redis:// or rediss:// URL, not ${JSON.stringify(options.redis)}`);
  const failFast = { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null } as const;
  const node = new ioredis.Redis(options.redis, failFast);
  node.on('error', () => {}); // reported through the rejected commands below
  let clusterEnabled: boolean;
  try {
    await node.connect();
    clusterEnabled = (await node.info('cluster')).includes('cluster_enabled:1');
  } catch (error) {
    node.disconnect();
    throw new CliError(`cannot reach Redis at ${url.host}: ${reason(error)}`);
  }
  let client: Redis | Cluster = node;
  let scanTargets = (): readonly Redis[] => [node];
  if (clusterEnabled) {
    node.disconnect();
    const { host, port, username, password, tls } = node.options;
    const cluster = new ioredis.Cluster([{ host, port }], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      redisOptions: { username, password, tls, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0 },
    });
    cluster.on('error', () => {});
    try {
      await cluster.connect();
    } catch (error) {
      cluster.disconnect();
      throw new CliError(`cannot reach the Redis Cluster at ${url.host}: ${reason(error)}`);
    }
    client = cluster;
    scanTargets = () => cluster.nodes('master');
  }
  const store = new RedisRuleStore({ client, keyPrefix: options.keyPrefix, channel: options.channel });
  return {
    store,
    keyPrefix: options.keyPrefix,
    scanTargets,
    async close() {
      await store.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** `text` with SCAN's glob characters escaped, so it matches only itself. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

const SCAN_COUNT = 1_000;

/**
 * Every bucket with a key under the store's prefix, sorted: SCAN on the server, or on every master
 * of a Cluster (each holds its own slots). SCAN may return a key twice; the set removes repeats.
 */
export async function listBuckets(open: OpenStore): Promise<string[]> {
  const buckets = new Set<string>();
  const match = `${escapeGlob(open.keyPrefix)}*`;
  for (const node of open.scanTargets()) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      for (const key of keys) buckets.add(key.slice(open.keyPrefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return [...buckets].sort();
}
