// Opens the store running servers use from a redis:// URL (a Cluster when the node says so), within a deadline, and lists its buckets.

import type { Cluster, Redis } from 'ioredis';
import { withDeadline } from '../deadlines.js';
import { CANDIDATE_KEY_SUFFIX, DEFAULT_CHANNEL, DEFAULT_KEY_PREFIX, HISTORY_KEY_SUFFIX, RedisRuleStore } from '../index.js';
import { isCompanionKey } from '../store/redis/clients.js';
import { CliError, maskPasswords } from './output.js';

/** The `--redis`, `--key-prefix`, `--channel` and `--timeout` options. */
export interface StoreOptions {
  readonly redis: string;
  readonly keyPrefix: string;
  readonly channel: string;
  /** Milliseconds: the bound on connecting (handshake included) and on each command. */
  readonly timeout: number;
}

/** Default `--timeout`, in milliseconds. */
export const DEFAULT_REDIS_TIMEOUT_MS = 5_000;

/** The option defaults, RedisRuleStore's own. */
export const STORE_OPTION_DEFAULTS = { keyPrefix: DEFAULT_KEY_PREFIX, channel: DEFAULT_CHANNEL, timeout: DEFAULT_REDIS_TIMEOUT_MS } as const;

/** An open store and what is needed to list its keys and to close it. */
export interface OpenStore {
  readonly store: RedisRuleStore;
  readonly keyPrefix: string;
  /** The connections to SCAN: the one server, or every master of a Cluster. */
  readonly scanTargets: () => readonly Redis[];
  /** The connection for single-key commands (e.g. TYPE). */
  readonly client: Redis | Cluster;
  /** Turns an error of a command into the message the command line prints. */
  readonly failure: (error: unknown) => CliError;
  /** Whether `error` means Redis stopped answering (a timeout, a lost connection), not that one key was bad. */
  readonly lostConnection: (error: unknown) => boolean;
  close(): Promise<void>;
}

/** What `--redis` names: where (for messages, without credentials) and which database. */
interface RedisAddress {
  readonly where: string;
  readonly db: number;
}

function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--redis must be a URL such as redis://127.0.0.1:6379, not ${JSON.stringify(maskPasswords(text))}`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new CliError(`--redis must be a redis:// or rediss:// URL, not ${JSON.stringify(maskPasswords(text))}`);
  const path = url.pathname === '' ? '/' : url.pathname;
  const db = /^\/(\d{1,5})?$/.exec(path);
  if (db === null) throw new CliError(`--redis: the path of the URL is the database number (redis://host:port/0), not ${JSON.stringify(path)}`);
  // ioredis also reads ?db=N; it would not say when the server refuses it either.
  const queryDb = url.searchParams.get('db');
  if (queryDb !== null && !/^\d{1,5}$/.test(queryDb)) throw new CliError(`--redis: db= is the database number, not ${JSON.stringify(queryDb)}`);
  return { where: url.host, db: Number(db[1] ?? queryDb ?? 0) };
}

/** A deadline of ours, or an ioredis `commandTimeout`. */
const isTimeout = (error: unknown): boolean => error instanceof Error && (error.name === 'TimeoutError' || error.message === 'Command timed out');

// Redis's answers to a password it refuses (WRONGPASS since 6.0, "invalid password" before) and to none given.
const WRONG_PASSWORD = /^(WRONGPASS|ERR invalid (username-)?password)/;
const NO_PASSWORD = /^NOAUTH/;

/**
 * The message of a failed connection or command: a refused or missing password, no answer within the
 * timeout, or the transport's own reason. ioredis reports a refused AUTH as "Connection is closed.",
 * the same words as a refused connection, so the server's own answer is kept from the `error` events.
 */
class FailureReport {
  readonly #where: string;
  readonly #timeoutMs: number;
  #serverAnswer: string | undefined;

  constructor(where: string, timeoutMs: number) {
    this.#where = where;
    this.#timeoutMs = timeoutMs;
  }

  readonly record = (error: Error): void => {
    if (WRONG_PASSWORD.test(error.message) || NO_PASSWORD.test(error.message)) this.#serverAnswer = error.message;
  };

  describe(error: unknown, action = 'cannot reach Redis at'): CliError {
    const message = error instanceof Error ? error.message : String(error);
    const answer = this.#serverAnswer ?? message;
    if (WRONG_PASSWORD.test(answer))
      return new CliError(`Redis at ${this.#where} refused the password (${answer.split(' ')[0]}): check the user name and password of --redis (the user:password@ before the host)`);
    if (NO_PASSWORD.test(answer)) return new CliError(`Redis at ${this.#where} needs a password (NOAUTH): give it in --redis, as :password@ (or user:password@) before the host`);
    if (isTimeout(error))
      return new CliError(`Redis at ${this.#where} did not answer within ${this.#timeoutMs} ms (--timeout)`);
    return new CliError(maskPasswords(`${action} ${this.#where}: ${message}`));
  }
}

/** ioredis, the user's own copy (a peer dependency). */
async function loadIoredis(): Promise<typeof import('ioredis')> {
  try {
    return await import('ioredis');
  } catch {
    throw new CliError('the Redis commands need the ioredis package: npm install ioredis');
  }
}

/** Connects, asks whether the node is in a Cluster and selects the database, all within the timeout. */
async function connectNode(node: Redis, address: RedisAddress, timeoutMs: number): Promise<boolean> {
  return withDeadline(
    async () => {
      await node.connect();
      const clusterEnabled = (await node.info('cluster')).includes('cluster_enabled:1');
      if (clusterEnabled && address.db !== 0) throw new CliError(`--redis names database ${address.db}, but a Redis Cluster has only database 0: drop /${address.db} from the URL`);
      if (address.db !== 0)
        await node.select(address.db).catch((error: Error) => {
          throw new CliError(`Redis at ${address.where} has no database ${address.db} (${error.message}): its "databases" setting is lower`);
        });
      return clusterEnabled;
    },
    timeoutMs,
    () => `no answer within ${timeoutMs} ms`,
  );
}

/**
 * Connects to `options.redis` without retrying (a command-line tool should fail fast, exit code 2),
 * asks the node whether it is part of a Redis Cluster, and if so reconnects as a `Cluster` seeded by it.
 * Connecting is bounded by `options.timeout`, and so is every command after it.
 */
export async function openStore(options: StoreOptions): Promise<OpenStore> {
  const ioredis = await loadIoredis();
  const address = parseRedisUrl(options.redis);
  const timeoutMs = options.timeout;
  const report = new FailureReport(address.where, timeoutMs);
  const failFast = { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null } as const;
  // db 0 here, and SELECT sent by connectNode: ioredis ignores a refused SELECT and stays on database 0.
  const node = new ioredis.Redis(options.redis, { ...failFast, db: 0 });
  node.on('error', report.record); // the failures themselves come back through the rejected commands
  let clusterEnabled: boolean;
  try {
    clusterEnabled = await connectNode(node, address, timeoutMs);
  } catch (error) {
    node.disconnect();
    throw error instanceof CliError ? error : report.describe(error);
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
      redisOptions: { username, password, tls, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0 },
    });
    cluster.on('error', report.record);
    try {
      await withDeadline(() => cluster.connect(), timeoutMs, () => `no answer within ${timeoutMs} ms`);
    } catch (error) {
      cluster.disconnect();
      throw report.describe(error, 'cannot reach the Redis Cluster at');
    }
    client = cluster;
    scanTargets = () => cluster.nodes('master');
  }
  const store = new RedisRuleStore({ client, keyPrefix: options.keyPrefix, channel: options.channel });
  return {
    store,
    keyPrefix: options.keyPrefix,
    scanTargets,
    client,
    failure: (error) => (error instanceof CliError ? error : report.describe(error, 'Redis at')),
    lostConnection: (error) => isTimeout(error) || client.status !== 'ready',
    async close() {
      await store.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** `text` with SCAN's glob characters escaped, so it matches only itself. */
const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

const SCAN_COUNT = 1_000;

/** The keys beside a bucket's that are not buckets. */
const COMPANION_SUFFIXES = [HISTORY_KEY_SUFFIX, CANDIDATE_KEY_SUFFIX];

/**
 * Every bucket with a key under the store's prefix (and whose name starts with `namePrefix`), sorted:
 * SCAN on the server, or on every master of a Cluster (each holds its own slots); the buckets'
 * history lists and report-only candidates are not buckets. SCAN may return a key twice; the set
 * removes repeats.
 */
export async function listBuckets(open: OpenStore, namePrefix = ''): Promise<string[]> {
  const buckets = new Set<string>();
  const match = `${escapeGlob(open.keyPrefix + namePrefix)}*`;
  for (const node of open.scanTargets()) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      for (const key of keys) if (!COMPANION_SUFFIXES.some((suffix) => isCompanionKey(key, suffix))) buckets.add(key.slice(open.keyPrefix.length));
      cursor = next;
    } while (cursor !== '0');
  }
  return [...buckets].sort();
}
