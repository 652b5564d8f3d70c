// The one place that knows ioredis from node-redis: structural client types, kind detection, and one command/subscriber interface over both.

import { createHash } from 'node:crypto';
import createDebug from 'debug';
import { hasMethods } from '../../options.js';

const debug = createDebug('express-bucket-cors:store');

/**
 * The connection that receives invalidations when it is an ioredis `Redis` or `Cluster` (5 or 6)
 * in subscriber mode. Described structurally so these types never import ioredis.
 */
export interface IoredisSubscriberLike {
  /** ioredis connection status (`'wait'`, `'connecting'`, `'ready'`, `'end'`, …). */
  readonly status: string;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes the connection at once; called only on a subscriber the store created itself. */
  disconnect(): void;
}

/** The commands the store sends through an ioredis `Redis` or `Cluster` (5 or 6). */
export interface IoredisClientLike {
  readonly status: string;
  /** ioredis options; only `keyPrefix` is read (it changes the Cluster slot of every key). */
  readonly options: { readonly keyPrefix?: string | undefined };
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** A new connection with the same options; used for the subscriber when none is given. */
  duplicate(): IoredisSubscriberLike;
}

/** The listener node-redis calls for each message of a subscribed channel. */
type NodeRedisListener = (message: string | Uint8Array, channel: string | Uint8Array) => unknown;

/**
 * The connection that receives invalidations when it is a node-redis client or cluster (`redis`
 * 4, 5 or 6, from `createClient()` or `createCluster()`). Replies are typed `unknown` because their
 * declared types differ between majors; the store checks them at run time.
 */
export interface NodeRedisSubscriberLike {
  /** True once `connect()` was called, until the client is closed. */
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  subscribe(channels: string[], listener: NodeRedisListener): Promise<unknown>;
  unsubscribe(channels: string[], listener: NodeRedisListener): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** The commands the store sends through a node-redis client or cluster (`redis` 4, 5 or 6). */
export interface NodeRedisClientLike {
  /** True once `connect()` was called, until the client is closed. */
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  get(key: string): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown>;
  lRange(key: string, start: number, stop: number): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** A new, unconnected client with the same options; used for the subscriber when none is given. */
  duplicate(): NodeRedisSubscriberLike;
}

/** Any client the store accepts: ioredis `Redis`/`Cluster` (5, 6) or node-redis client/cluster (4, 5, 6). */
export type RedisClientLike = IoredisClientLike | NodeRedisClientLike;
/** Any subscriber connection the store accepts, of the same library as the client. */
export type RedisSubscriberLike = IoredisSubscriberLike | NodeRedisSubscriberLike;

/** What the store needs from its client, whichever library it comes from. */
export interface RedisCommands {
  /** E.g. `'ioredis Cluster'`, for debug lines and error messages. */
  readonly kind: string;
  /** Where the client connects, for error messages: `host:port`, a socket path, or a Cluster's nodes; never credentials. */
  readonly address: string;
  /** The values of `keys` (strings or null), in order: one round trip per node involved. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Every element of the list at `key` (none: `[]`). */
  list(key: string): Promise<string[]>;
  /** Runs `script` on `keys` (all in one Cluster slot): EVALSHA, then EVAL when the server lacks it. */
  run(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /**
   * The name of a companion of `key` (`key + suffix`, then a hash tag when `key` has none) that
   * lives in the same Cluster slot, the client's own key prefix included, so one script can use both.
   */
  companionKey(key: string, suffix: string): string;
  publish(channel: string, message: string): Promise<unknown>;
  /** A new subscriber connection of the same kind, connecting. */
  duplicateSubscriber(): RedisSubscriberLike;
  /** Wraps a subscriber connection of the same library (the given one or a duplicate). */
  subscriber(connection: RedisSubscriberLike, events: SubscriberEvents): SubscriberConnection;
}

/** What a subscriber connection reports to the store. */
export interface SubscriberEvents {
  /** A message arrived on one of the subscribed channels. */
  message(channel: string, message: string): void;
  /** The connection (re)connected: subscriptions made before may have missed messages. */
  ready(): void;
}

/** One subscriber connection, whichever library it comes from. */
export interface SubscriberConnection {
  /** SUBSCRIBEs to `channels`; resolves once the server confirmed. */
  subscribe(channels: readonly string[]): Promise<void>;
  /** UNSUBSCRIBEs from `channels` and stops reporting events; leaves the connection open. */
  release(channels: readonly string[]): Promise<void>;
  /** Stops reporting events and closes the connection at once (only for connections the store opened). */
  destroy(): void;
}

/** A Lua script and its SHA-1, computed once, for EVALSHA. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** EVALSHA first; EVAL on NOSCRIPT (a server that restarted or flushed its scripts), which loads it again. */
async function runCached(script: LuaScript, evalSha: (sha1: string) => Promise<unknown>, evalSource: (source: string) => Promise<unknown>): Promise<unknown> {
  try {
    return await evalSha(script.sha1);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    debug('script %s not loaded on the server: sending it', script.sha1);
    return evalSource(script.source);
  }
}

const SLOT_COUNT = 16_384;

/** CRC16/XMODEM, the hash Redis Cluster assigns slots with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The `{hash tag}` of `key` as the server finds it (first `{`, first `}` after it, not empty), if any. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** The Redis Cluster slot of `key`, honouring a `{hash tag}` like the server does. */
export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key) ?? key, 'utf8')) % SLOT_COUNT;
}

/**
 * `key + suffix`, in the slot of `clientPrefix + key`: with a hash tag in the full key, appending
 * keeps it; without braces, the full key becomes the tag (`key + suffix + '{' + full key + '}'`).
 * A key with unmatched braces gets the plain name (fine on one server; a Cluster refuses scripts on it).
 */
export function companionKey(clientPrefix: string, key: string, suffix: string): string {
  const full = clientPrefix + key;
  if (hashTag(full) !== undefined || full.includes('{') || full.includes('}')) return key + suffix;
  return `${key}${suffix}{${full}}`;
}

/** True when `key` is the {@link companionKey} (with `suffix`) of another key: e.g. a history list, when listing buckets. */
export function isCompanionKey(key: string, suffix: string): boolean {
  for (let at = key.indexOf(suffix); at > 0; at = key.indexOf(suffix, at + 1)) {
    if (companionKey('', key.slice(0, at), suffix) === key) return true;
  }
  return false;
}

/** Groups `items` by `groupOf(item)`, keeping each item's position in `items`. */
function groupBy<T>(items: readonly T[], groupOf: (item: T) => string | number): { items: T[]; positions: number[] }[] {
  const groups = new Map<string | number, { items: T[]; positions: number[] }>();
  items.forEach((item, position) => {
    const id = groupOf(item);
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { items: [], positions: [] }));
    group.items.push(item);
    group.positions.push(position);
  });
  return [...groups.values()];
}

function stringOrNull(value: unknown): string | null {
  if (value === null || typeof value === 'string') return value;
  throw new TypeError(`RedisRuleStore: expected a string or null from GET/MGET, got ${typeof value}`);
}

function stringsOrNulls(values: unknown, expected: number): (string | null)[] {
  if (!Array.isArray(values) || values.length !== expected) throw new TypeError(`RedisRuleStore: expected ${expected} MGET values`);
  return values.map(stringOrNull);
}

/** GET for one key, MGET for several: the same answer, one command either way. */
function readKeys(keys: readonly string[], get: (key: string) => Promise<unknown>, mget: (keys: string[]) => Promise<unknown>): Promise<(string | null)[]> {
  if (keys.length === 1) return get(keys[0]!).then((value) => [stringOrNull(value)]);
  return mget([...keys]).then((values) => stringsOrNulls(values, keys.length));
}

/** Keys of one Cluster slot: one GET or MGET. */
interface SlotGroup {
  readonly slot: number;
  readonly keys: string[];
}

/**
 * Splits `keys` by slot, has `readGroups` answer one array of values per group (in group order),
 * and puts each value back at its key's position.
 */
async function readBySlot(keys: readonly string[], slotOf: (key: string) => number, readGroups: (groups: SlotGroup[]) => Promise<(string | null)[][]>): Promise<(string | null)[]> {
  const split = groupBy(keys, slotOf);
  const values = await readGroups(split.map(({ items }) => ({ slot: slotOf(items[0]!), keys: items })));
  const result = new Array<string | null>(keys.length);
  split.forEach(({ positions }, group) => positions.forEach((position, i) => (result[position] = values[group]![i]!)));
  return result;
}

function isIoredis(client: RedisClientLike): client is IoredisClientLike {
  return typeof (client as Partial<IoredisClientLike>).mget === 'function' && typeof (client as Partial<IoredisClientLike>).status === 'string';
}

function isNodeRedis(client: RedisClientLike): client is NodeRedisClientLike {
  return typeof (client as Partial<NodeRedisClientLike>).mGet === 'function' && typeof (client as Partial<NodeRedisClientLike>).isOpen === 'boolean';
}

/** An ioredis `Cluster` (ioredis sets `isCluster` on both kinds) with its public slot table. */
interface IoredisCluster extends IoredisClientLike {
  readonly isCluster: true;
  /** Per slot, the node keys serving it (master first); empty until the slot table is loaded. */
  readonly slots: readonly (readonly string[] | undefined)[];
  pipeline(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> };
}

function isIoredisCluster(client: IoredisClientLike): client is IoredisCluster {
  return (client as Partial<IoredisCluster>).isCluster === true;
}

/** A node-redis cluster's raw command, routed by `firstKey` (the same in 4, 5 and 6). */
interface NodeRedisCluster {
  sendCommand(firstKey: string | undefined, isReadonly: boolean, args: string[]): Promise<unknown>;
}

/** node-redis clusters (4, 5, 6) have `getSlotMaster`; single clients don't. */
function isNodeRedisCluster(client: NodeRedisClientLike): boolean {
  return typeof (client as { getSlotMaster?: unknown }).getSlotMaster === 'function';
}

/** True when `value` looks like a client this store can use (either library). */
export function isRedisClient(value: unknown): value is RedisClientLike {
  if (!hasMethods(value, ['get', 'eval', 'publish', 'duplicate'])) return false;
  return isIoredis(value as RedisClientLike) || isNodeRedis(value as RedisClientLike);
}

/** True when `value` looks like a subscriber connection of the same library as `client`. */
export function isSubscriberFor(client: RedisClientLike, value: unknown): value is RedisSubscriberLike {
  if (!hasMethods(value, ['subscribe', 'unsubscribe', 'on', 'off'])) return false;
  return isIoredis(client) ? typeof (value as Partial<IoredisSubscriberLike>).status === 'string' : typeof (value as Partial<NodeRedisSubscriberLike>).isOpen === 'boolean';
}

/**
 * `host:port` or the socket path of one node as a client was configured with it (an ioredis or
 * node-redis options object, a URL, or a port), leaving out any username and password.
 */
function nodeAddress(node: unknown): string | undefined {
  if (typeof node === 'number') return `localhost:${node}`;
  if (typeof node === 'string') return URL.canParse(node) ? new URL(node).host || undefined : undefined;
  if (typeof node !== 'object' || node === null) return undefined;
  const { host, port, path, socket, url } = node as Record<string, unknown>;
  if (typeof path === 'string') return path;
  if (typeof socket === 'object' && socket !== null) return nodeAddress(socket);
  if (typeof url === 'string') return nodeAddress(url);
  return `${typeof host === 'string' ? host : 'localhost'}:${typeof port === 'number' ? port : 6379}`;
}

/** The configured nodes' addresses, joined; `nodes` as the client library keeps them. */
function addressOf(nodes: unknown): string {
  const addresses = Array.isArray(nodes) ? nodes.map(nodeAddress).filter((address) => address !== undefined) : [];
  return addresses.length > 0 ? addresses.join(', ') : 'an unknown address';
}

/** An ioredis client's address: a Cluster's startup nodes, a Sentinel group's sentinels, or its host and port. */
function ioredisAddress(client: IoredisClientLike): string {
  if (isIoredisCluster(client)) return addressOf((client as { startupNodes?: unknown }).startupNodes);
  const { sentinels, name } = client.options as { sentinels?: unknown; name?: unknown };
  if (Array.isArray(sentinels) && sentinels.length > 0) return `master ${JSON.stringify(name)} via sentinels ${addressOf(sentinels)}`;
  return addressOf([client.options]);
}

/**
 * ioredis: MGET per slot; on a Cluster, the slot groups one node serves go out as one pipeline
 * (ioredis writes each plain command separately, a pipeline in one write).
 */
function ioredisCommands(client: IoredisClientLike): RedisCommands {
  const readGroup = (keys: readonly string[]) => readKeys(keys, (key) => client.get(key), (many) => client.mget(many));
  let getMany: RedisCommands['getMany'] = readGroup;
  if (isIoredisCluster(client)) {
    const prefix = client.options.keyPrefix ?? '';
    const command = (group: SlotGroup) => (group.keys.length === 1 ? ['get', group.keys[0]!] : ['mget', ...group.keys]);
    const readPipelined = async (groups: SlotGroup[]): Promise<(string | null)[][]> => {
      const replies = (await client.pipeline(groups.map(command)).exec()) ?? [];
      return groups.map((group, i) => {
        const [error, reply] = replies[i] ?? [new Error('RedisRuleStore: the pipeline answered too few replies'), null];
        if (error) throw error;
        return group.keys.length === 1 ? [stringOrNull(reply)] : stringsOrNulls(reply, group.keys.length);
      });
    };
    getMany = (keys) =>
      readBySlot(
        keys,
        (key) => keySlot(prefix + key),
        async (groups) => {
          // Slots served by the same nodes share a pipeline (ioredis requires that); a slot whose
          // node isn't known yet goes alone, and ioredis routes it once it has loaded the slot table.
          const byNode = groupBy(groups, (group) => client.slots[group.slot]?.join(';') ?? `slot ${group.slot}`);
          const values = new Array<(string | null)[]>(groups.length);
          await Promise.all(
            byNode.map(async ({ items, positions }) => {
              const answers = items.length === 1 ? [await readGroup(items[0]!.keys)] : await readPipelined(items);
              positions.forEach((position, i) => (values[position] = answers[i]!));
            }),
          );
          return values;
        },
      );
  }
  const clientPrefix = client.options.keyPrefix ?? '';
  return {
    kind: isIoredisCluster(client) ? 'ioredis Cluster' : 'ioredis Redis',
    address: ioredisAddress(client),
    getMany,
    list: (key) => client.lrange(key, 0, -1),
    run: (script, keys, args) =>
      runCached(
        script,
        (sha1) => client.evalsha(sha1, keys.length, ...keys, ...args),
        (source) => client.eval(source, keys.length, ...keys, ...args),
      ),
    companionKey: (key, suffix) => companionKey(clientPrefix, key, suffix),
    publish: (channel, message) => client.publish(channel, message),
    duplicateSubscriber: () => client.duplicate(),
    subscriber: (connection, events) => ioredisSubscriber(connection as IoredisSubscriberLike, events),
  };
}

function ioredisSubscriber(connection: IoredisSubscriberLike, events: SubscriberEvents): SubscriberConnection {
  const onMessage = (channel: unknown, message: unknown) => events.message(String(channel), String(message));
  const onReady = () => events.ready();
  connection.on('message', onMessage);
  connection.on('ready', onReady);
  const detach = () => {
    connection.off('message', onMessage);
    connection.off('ready', onReady);
  };
  return {
    subscribe: async (channels) => {
      await connection.subscribe(...channels);
    },
    release: async (channels) => {
      detach();
      await connection.unsubscribe(...channels);
    },
    destroy: () => {
      detach();
      connection.disconnect(); // an 'error' listener stays (see below): late errors must not surface as unhandled
    },
  };
}

/** A node-redis client's options (its one node), or a cluster's root nodes; node-redis 4 clusters keep them private. */
function nodeRedisNodes(client: NodeRedisClientLike, cluster: boolean): unknown {
  const options = (client as { options?: { rootNodes?: unknown } }).options;
  if (cluster) return options?.rootNodes;
  return [options ?? {}];
}

/**
 * Calls `connect()` on a node-redis client or cluster that isn't open, once; resolves when it
 * connected or failed (failures surface in the commands that follow, and node-redis retries).
 * A cluster must have loaded its slot table before any command, so commands wait for this.
 */
function opener(connection: { readonly isOpen: boolean; connect(): Promise<unknown> }, what: string): () => Promise<void> {
  let connecting: Promise<void> | undefined;
  return () => {
    if (connecting === undefined) {
      connecting = connection.isOpen
        ? Promise.resolve()
        : connection.connect().then(
            () => undefined,
            (error: unknown) => debug('node-redis %s: connect failed: %O', what, error),
          );
    }
    return connecting;
  };
}

/**
 * node-redis: commands issued in one tick go out in one write per node (node-redis corks its
 * sockets), so a Cluster read is one GET/MGET per slot, all issued at once.
 */
function nodeRedisCommands(client: NodeRedisClientLike): RedisCommands {
  const opened = opener(client, 'client');
  const readGroup = (keys: readonly string[]) => readKeys(keys, (key) => client.get(key), (many) => client.mGet(many));
  const cluster = isNodeRedisCluster(client);
  const getMany: RedisCommands['getMany'] = cluster
    ? (keys) => readBySlot(keys, keySlot, (groups) => Promise.all(groups.map((group) => readGroup(group.keys))))
    : readGroup;
  return {
    kind: cluster ? 'node-redis cluster' : 'node-redis client',
    address: addressOf(nodeRedisNodes(client, cluster)),
    getMany: (keys) => opened().then(() => getMany(keys)),
    list: async (key) => {
      await opened();
      const values = await client.lRange(key, 0, -1);
      if (!Array.isArray(values) || !values.every((value) => typeof value === 'string')) throw new TypeError('RedisRuleStore: expected strings from LRANGE');
      return values as string[];
    },
    run: async (script, keys, args) => {
      await opened();
      if (cluster) {
        // node-redis 4 routes EVAL/EVALSHA on a cluster without looking at the keys (MOVED forever):
        // the script goes to the first key's node as a raw command, in every major alike.
        const send = (command: string, first: string) => (client as unknown as NodeRedisCluster).sendCommand(keys[0], false, [command, first, String(keys.length), ...keys, ...args]);
        return runCached(script, (sha1) => send('EVALSHA', sha1), (source) => send('EVAL', source));
      }
      const options = { keys: [...keys], arguments: [...args] };
      return runCached(script, (sha1) => client.evalSha(sha1, options), (source) => client.eval(source, options));
    },
    companionKey: (key, suffix) => companionKey('', key, suffix),
    publish: (channel, message) => opened().then(() => client.publish(channel, message)),
    duplicateSubscriber: () => client.duplicate(),
    subscriber: (connection, events) => nodeRedisSubscriber(connection as NodeRedisSubscriberLike, events),
  };
}

function nodeRedisSubscriber(connection: NodeRedisSubscriberLike, events: SubscriberEvents): SubscriberConnection {
  const onMessage: NodeRedisListener = (message, channel) => events.message(String(channel), String(message));
  const onReady = () => events.ready();
  // A node-redis client emits 'ready' after it has resubscribed by itself; a cluster does not, and
  // the store's health check covers it.
  connection.on('ready', onReady);
  const opened = opener(connection, 'subscriber');
  void opened();
  return {
    subscribe: async (channels) => {
      await opened();
      await connection.subscribe([...channels], onMessage);
    },
    release: async (channels) => {
      connection.off('ready', onReady);
      await connection.unsubscribe([...channels], onMessage);
    },
    destroy: () => {
      connection.off('ready', onReady);
      // destroy() in node-redis 5 and 6, disconnect() in 4: both close the socket without QUIT. They
      // throw on a client that is closed already, which is what was wanted.
      const closer = connection as { destroy?: () => unknown; disconnect?: () => unknown };
      try {
        const closed = closer.destroy !== undefined ? closer.destroy() : closer.disconnect?.();
        if (closed instanceof Promise) closed.catch((error: unknown) => debug('node-redis subscriber close failed: %O', error));
      } catch (error) {
        debug('node-redis subscriber close failed: %O', error);
      }
    },
  };
}

/** The store's view of `client`, whichever library it comes from (checked by {@link isRedisClient}). */
export function redisCommands(client: RedisClientLike): RedisCommands {
  return isIoredis(client) ? ioredisCommands(client) : nodeRedisCommands(client);
}
