// lib/store/redis.ts
// Rules in Redis (one key per bucket) on the user's own ioredis client, with pub/sub invalidation across instances.

import { randomBytes, randomUUID } from 'node:crypto';
import createDebug from 'debug';
import type { CorsConfiguration } from '../core/model.js';
import { abortable, hasMethods, isLogger, StoreSubscribers } from './shared.js';
import type { InvalidationEvent, Logger, RuleStore, StoreReadOptions, StoredConfiguration } from './types.js';

const debug = createDebug('express-bucket-cors:store');

/** Default {@link RedisRuleStoreOptions.keyPrefix}. */
export const DEFAULT_KEY_PREFIX = 'bucket-cors:';
/** Default {@link RedisRuleStoreOptions.channel}. */
export const DEFAULT_CHANNEL = 'bucket-cors:invalidate';

/**
 * The connection that receives invalidations: what this store calls on an ioredis `Redis` or
 * `Cluster` in subscriber mode. Described structurally so these types never import ioredis.
 */
export interface RedisSubscriberLike {
  /** ioredis connection status (`'wait'`, `'connecting'`, `'ready'`, `'end'`, …). */
  readonly status: string;
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Closes the connection at once; called only on a subscriber this store created itself. */
  disconnect(): void;
}

/**
 * The few commands this store sends: satisfied by ioredis 5 and 6 `Redis` and `Cluster` instances.
 * Only single-key commands and PUBLISH, so Redis Cluster never sees a CROSSSLOT.
 */
export interface RedisClientLike {
  readonly status: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  /** A new connection with the same options; used for the subscriber when none is given. */
  duplicate(): RedisSubscriberLike;
}

/** Options of {@link RedisRuleStore}. */
export interface RedisRuleStoreOptions {
  /**
   * Your ioredis `Redis` or `Cluster` instance (ioredis 5 or 6), connected, connecting or
   * `lazyConnect`. The store never connects or quits it; share it with the rest of your app.
   */
  readonly client: RedisClientLike;
  /**
   * A connection for SUBSCRIBE (a subscribed connection can't run other commands). Default:
   * `client.duplicate()`, created on first subscription and disconnected by `close()`. A subscriber
   * you pass is never disconnected; `close()` only unsubscribes from `channel`.
   */
  readonly subscriber?: RedisSubscriberLike;
  /**
   * Prepended to the bucket name to form its key. Default: `'bucket-cors:'`. An ioredis client
   * `keyPrefix` is applied on top (key = client keyPrefix + this + bucket) but not to `channel`.
   */
  readonly keyPrefix?: string;
  /** Pub/sub channel for invalidations; every instance sharing rules must use the same. Default: `'bucket-cors:invalidate'`. */
  readonly channel?: string;
  /** Where subscriber errors and failed publishes go. Default: `console`. */
  readonly logger?: Logger;
}

/** What a bucket's key holds: the configuration and the version assigned by the put. */
interface StoredValue {
  readonly v: string;
  readonly rules: CorsConfiguration;
}

/** What an invalidation message carries: the bucket and the instance that changed it. */
interface InvalidationMessage {
  readonly bucket: string;
  readonly from: string;
}

function validateOptions(options: RedisRuleStoreOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('RedisRuleStore: pass options, e.g. new RedisRuleStore({ client: new Redis() })');
  if (!hasMethods(options.client, ['get', 'set', 'del', 'publish', 'duplicate'])) {
    throw new TypeError('RedisRuleStore: `client` must be an ioredis Redis or Cluster instance (ioredis 5 or 6)');
  }
  if (options.subscriber !== undefined && !hasMethods(options.subscriber, ['subscribe', 'unsubscribe', 'on', 'off'])) {
    throw new TypeError('RedisRuleStore: `subscriber` must be an ioredis Redis or Cluster instance not used for other commands, or omitted');
  }
  if (options.keyPrefix !== undefined && typeof options.keyPrefix !== 'string') {
    throw new TypeError("RedisRuleStore: `keyPrefix` must be a string (default 'bucket-cors:')");
  }
  if (options.channel !== undefined && (typeof options.channel !== 'string' || options.channel === '')) {
    throw new TypeError("RedisRuleStore: `channel` must be a non-empty string (default 'bucket-cors:invalidate')");
  }
  if (options.logger !== undefined && !isLogger(options.logger)) {
    throw new TypeError('RedisRuleStore: `logger` must have warn() and error() methods (console fits)');
  }
}

function parseStoredValue(key: string, raw: string): StoredConfiguration {
  let value: Partial<StoredValue> | null;
  try {
    value = JSON.parse(raw) as Partial<StoredValue> | null;
  } catch {
    value = null;
  }
  if (value === null || typeof value.v !== 'string' || typeof value.rules !== 'object' || value.rules === null || !Array.isArray(value.rules.CORSRules)) {
    throw new Error(`RedisRuleStore: key ${JSON.stringify(key)} does not hold a stored CORS configuration`);
  }
  return { configuration: value.rules, version: value.v };
}

function parseInvalidation(raw: unknown): InvalidationMessage | undefined {
  try {
    const message = JSON.parse(String(raw)) as Partial<InvalidationMessage> | null;
    if (message !== null && typeof message.bucket === 'string' && typeof message.from === 'string') {
      return { bucket: message.bucket, from: message.from };
    }
  } catch {
    // Not ours (someone else publishing on the channel): ignored below.
  }
  return undefined;
}

/**
 * Keeps each bucket's configuration in one Redis key (`keyPrefix + bucket`, JSON `{v, rules}`), so
 * all instances behind a load balancer share rules. Every put/delete notifies this instance's
 * subscribers before it resolves, then PUBLISHes the bucket on `channel` for the other instances;
 * after the subscriber reconnects it emits `{type: 'all'}`, because messages may have been missed.
 * The constructor does no I/O; subscribing starts with the first `subscribe()` call.
 */
export class RedisRuleStore implements RuleStore {
  /** Always true: rules are shared through Redis. */
  readonly shared = true;
  readonly #client: RedisClientLike;
  readonly #keyPrefix: string;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #subscribers: StoreSubscribers;
  /** Identifies this instance's messages so it ignores its own echo. */
  readonly #instanceId = randomUUID();
  readonly #givenSubscriber: RedisSubscriberLike | undefined;
  #subscriber: RedisSubscriberLike | undefined;
  #subscribing = false;
  #closed = false;

  constructor(options: RedisRuleStoreOptions) {
    validateOptions(options);
    this.#client = options.client;
    this.#givenSubscriber = options.subscriber;
    this.#keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.#channel = options.channel ?? DEFAULT_CHANNEL;
    this.#logger = options.logger ?? console;
    this.#subscribers = new StoreSubscribers(this.#logger);
    debug('redis store: keyPrefix %o, channel %o, instance %s', this.#keyPrefix, this.#channel, this.#instanceId);
  }

  async get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const key = this.#keyPrefix + bucket;
    const raw = await abortable(this.#client.get(key), signal);
    return raw === null ? null : parseStoredValue(key, raw);
  }

  async put(bucket: string, configuration: CorsConfiguration): Promise<StoredConfiguration> {
    // Time first so versions sort roughly by write; the random part keeps concurrent writers distinct.
    const version = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const value: StoredValue = { v: version, rules: configuration };
    await this.#client.set(this.#keyPrefix + bucket, JSON.stringify(value));
    debug('redis put %s version %s', bucket, version);
    await this.#announce(bucket);
    return { configuration, version };
  }

  async delete(bucket: string): Promise<void> {
    await this.#client.del(this.#keyPrefix + bucket);
    debug('redis delete %s', bucket);
    await this.#announce(bucket);
  }

  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    const unsubscribe = this.#subscribers.add(listener);
    if (this.#subscriber === undefined && !this.#closed) this.#startSubscriber();
    return unsubscribe;
  }

  /**
   * Stops listening: disconnects the subscriber this store created, or only unsubscribes a given
   * one. Never touches `client`. The store still reads and writes afterwards, without invalidations.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber === undefined) return;
    subscriber.off('message', this.#onMessage);
    subscriber.off('ready', this.#onReady);
    if (subscriber === this.#givenSubscriber) {
      await subscriber.unsubscribe(this.#channel).catch((error: unknown) => debug('unsubscribe failed: %O', error));
    } else {
      subscriber.disconnect(); // its 'error' listener stays: late errors must not surface as unhandled
    }
  }

  /** Local subscribers first (the writer answers with new rules at once), then the other instances. */
  async #announce(bucket: string): Promise<void> {
    this.#subscribers.notify({ type: 'bucket', bucket });
    const message: InvalidationMessage = { bucket, from: this.#instanceId };
    try {
      await this.#client.publish(this.#channel, JSON.stringify(message));
    } catch (error) {
      // The write itself succeeded; other instances catch up through their cache TTL.
      this.#logger.error(`express-bucket-cors: rules of bucket ${JSON.stringify(bucket)} were saved but the invalidation could not be published`, error);
    }
  }

  #startSubscriber(): void {
    const subscriber = this.#givenSubscriber ?? this.#client.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('message', this.#onMessage);
    subscriber.on('ready', this.#onReady);
    // Our own connection: without a listener ioredis would report its errors as unhandled.
    if (subscriber !== this.#givenSubscriber) subscriber.on('error', this.#onSubscriberError);
    this.#subscribeChannel();
  }

  /**
   * SUBSCRIBE, then flush every cache: anything read before the subscription took effect (or while
   * the connection was down) may have missed an invalidation.
   */
  #subscribeChannel(): void {
    const subscriber = this.#subscriber;
    if (subscriber === undefined || this.#subscribing) return;
    this.#subscribing = true;
    subscriber.subscribe(this.#channel).then(
      () => {
        this.#subscribing = false;
        if (this.#subscriber !== subscriber) return;
        debug('subscribed to %s; flushing caches', this.#channel);
        this.#subscribers.notify({ type: 'all' });
      },
      (error: unknown) => {
        this.#subscribing = false;
        if (this.#subscriber !== subscriber) return;
        // Retried on the next 'ready'; caches heal through their TTL meanwhile.
        this.#logger.error(`express-bucket-cors: could not subscribe to ${JSON.stringify(this.#channel)}; retrying when the connection is ready`, error);
      },
    );
  }

  // On a Cluster subscriber, 'ready' fires only after the whole cluster reconnected. When ioredis moves
  // the subscription to another node it resubscribes without any public event (the pool's '-node'
  // may not fire, and precedes the new SUBSCRIBE), so messages missed then are healed by the cache TTL.
  readonly #onReady = (): void => {
    debug('subscriber ready');
    this.#subscribeChannel();
  };

  readonly #onMessage = (channel: unknown, raw: unknown): void => {
    if (channel !== this.#channel) return;
    const message = parseInvalidation(raw);
    if (message === undefined) {
      debug('ignoring unrecognised message on %s: %o', this.#channel, raw);
      return;
    }
    if (message.from === this.#instanceId) return; // our own echo: local subscribers were told already
    this.#subscribers.notify({ type: 'bucket', bucket: message.bucket });
  };

  readonly #onSubscriberError = (error: unknown): void => {
    // ioredis reconnects by itself; 'ready' resubscribes. Every retry errors, so debug only.
    debug('subscriber error: %O', error);
  };
}
