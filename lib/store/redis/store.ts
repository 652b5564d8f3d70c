// Rules in Redis (one key per bucket) on the user's own ioredis or node-redis client, with pub/sub invalidation across instances.

import { randomBytes, randomUUID } from 'node:crypto';
import createDebug from 'debug';
import type { CorsConfiguration } from '../../core/model.js';
import { MAX_STORED_RULES_CHARACTERS } from '../../core/validate.js';
import { ReadBatcher } from './batch.js';
import {
  isRedisClient,
  isSubscriberFor,
  redisCommands,
  type RedisClientLike,
  type RedisCommands,
  type RedisSubscriberLike,
  type SubscriberConnection,
} from './clients.js';
import { redisFailure, type RedisUnavailableError } from './failures.js';
import { DEFAULT_HEALTH_CHECK_INTERVAL_MS, DEFAULT_HEALTH_CHECK_TIMEOUT_MS, SubscriptionHealthCheck } from './health.js';
import { durationMs, optionError, readOptions, type OptionCheck, type OptionChecks } from '../../options.js';
import { abortable } from '../../deadlines.js';
import { loggerOption, type Logger } from '../../options.js';
import { RecentRules } from '../content.js';
import { StoreErrorLog, UnusableEntryError } from '../errors.js';
import { CandidateNotFoundError, historyLengthOption, PreconditionFailedError, publishChange, resolveOrigin } from '../lifecycle.js';
import { StoreSubscribers } from '../subscribers.js';
import type {
  ConfigurationChange,
  InvalidationEvent,
  RuleStore,
  StoreDeleteOptions,
  StoredRules,
  StoreFeatures,
  StorePromoteOptions,
  StoreReadOptions,
  StoredConfiguration,
  StoreWriteOptions,
} from '../types.js';
import { CANDIDATE_KEY_SUFFIX, CANDIDATE_SCRIPT, PROMOTE_SCRIPT, readPromoteOutcome } from './candidates.js';
import { CHANGE_SCRIPT, changeRecordText, parseHistoryEntry, readChangeOutcome } from './changes.js';

export type { IoredisClientLike, IoredisSubscriberLike, NodeRedisClientLike, NodeRedisSubscriberLike, RedisClientLike, RedisSubscriberLike } from './clients.js';
export { DEFAULT_HEALTH_CHECK_INTERVAL_MS, DEFAULT_HEALTH_CHECK_TIMEOUT_MS } from './health.js';
export { RedisUnavailableError } from './failures.js';
export { CANDIDATE_KEY_SUFFIX } from './candidates.js';

const debug = createDebug('express-bucket-cors:store');

/** Default {@link RedisRuleStoreOptions.keyPrefix}. */
export const DEFAULT_KEY_PREFIX = 'bucket-cors:';
/** Default {@link RedisRuleStoreOptions.channel}. */
export const DEFAULT_CHANNEL = 'bucket-cors:invalidate';
/** Appended to a bucket's key to name its history list (see {@link RedisRuleStoreOptions.historyLength}). */
export const HISTORY_KEY_SUFFIX = ':history';

/** Options of {@link RedisRuleStore}. */
export interface RedisRuleStoreOptions {
  /**
   * Your client: an ioredis `Redis` or `Cluster` (ioredis 5 or 6), or a node-redis client or
   * cluster (`redis` 4, 5 or 6: `createClient()`, `createCluster()`), connected or not. ioredis
   * connects by itself; a node-redis client that isn't open is connected by the store on first use.
   * The store never quits it; share it with the rest of your app.
   */
  readonly client: RedisClientLike;
  /**
   * A connection for SUBSCRIBE (a subscribed connection can't run other commands), of the same
   * library as `client`. Default: `client.duplicate()` (connected by the store), created on first
   * subscription, replaced when the health check finds it dead, and closed by `close()`. A
   * subscriber you pass is never closed; `close()` only unsubscribes the store's channels.
   */
  readonly subscriber?: RedisSubscriberLike;
  /**
   * Prepended to the bucket name to form its key. Default: `'bucket-cors:'`. An ioredis client
   * `keyPrefix` is applied on top (key = client keyPrefix + this + bucket) but not to `channel`.
   */
  readonly keyPrefix?: string;
  /** Pub/sub channel for invalidations; every instance sharing rules must use the same. Default: `'bucket-cors:invalidate'`. */
  readonly channel?: string;
  /**
   * How often the store checks that its subscription still delivers: it PUBLISHes a token on
   * `channel + ':health:' + instance id` and expects it back through the subscriber. A check that
   * fails flushes every cache (`{type: 'all'}`) and replaces the subscriber, so rules missed by a
   * half-open subscriber are stale for at most `healthCheckIntervalMs + healthCheckTimeoutMs`.
   * Default: 2,000 ms. `Infinity` disables the check (staleness is then bounded by the cache TTL).
   */
  readonly healthCheckIntervalMs?: number;
  /** How long a health-check token may take to come back. Default: 1,000 ms. */
  readonly healthCheckTimeoutMs?: number;
  /** Where subscriber errors, lost subscriptions and failed publishes go. Default: `console`. */
  readonly logger?: Logger;
  /**
   * Changes kept per bucket in its history, a Redis list beside its key (`key + ':history'`, with
   * a hash tag of the key when it has none: `bucket-cors:photos:history{bucket-cors:photos}`), each
   * with the configuration it replaced. Written by the same script as the change, trimmed to this
   * length. Costs about this many times the configuration's JSON plus 200 bytes, per bucket;
   * 0 keeps none (and removes a bucket's history at its next change). Every instance should use the
   * same. Default: 10.
   */
  readonly historyLength?: number;
}

/** What a bucket's key holds: the configuration and the version assigned by the put. */
interface StoredValue {
  readonly v: string;
  readonly rules: CorsConfiguration;
}

/** What an invalidation message carries: the bucket, the instance that changed it, and (since history came) its new version, or its candidate's. */
interface InvalidationMessage {
  readonly bucket: string;
  readonly from: string;
  readonly v?: string | null;
  /** The report-only candidate's new version, when the change was to it. */
  readonly cv?: string | null;
}

/** What changed, as an invalidation says it: the new version of the rules, of the candidate, or both. */
type ChangedVersions = Pick<Extract<InvalidationEvent, { type: 'bucket' }>, 'version' | 'candidateVersion'>;

const versionOrNull = (value: unknown): string | null | undefined => (typeof value === 'string' || value === null ? value : undefined);

/** Condition of a script: write over anything, only where there is none, or only over this version. */
const conditionOf = (ifVersion: string | null | undefined): string => (ifVersion === undefined ? 'any' : ifVersion === null ? 'none' : 'match');

const OWNER = 'RedisRuleStore';

/** A string option, or `fallback` when left out; `nonEmpty` refuses `''`. */
function stringOption(fallback: string, nonEmpty: boolean): OptionCheck<string> {
  return (value, fail) => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || (nonEmpty && value === '')) fail(`be a${nonEmpty ? ' non-empty' : ''} string (default '${fallback}')`);
    return value as string;
  };
}

const OPTION_CHECKS = {
  client: (value, fail) => {
    if (!isRedisClient(value)) fail('be an ioredis Redis or Cluster (ioredis 5 or 6) or a node-redis client or cluster (redis 4, 5 or 6), e.g. new Redis() or createClient()');
    return value as RedisClientLike;
  },
  // Checked against `client` in the constructor: both must come from the same library.
  subscriber: (value) => value as RedisSubscriberLike | undefined,
  keyPrefix: stringOption(DEFAULT_KEY_PREFIX, false),
  channel: stringOption(DEFAULT_CHANNEL, true),
  healthCheckIntervalMs: durationMs(DEFAULT_HEALTH_CHECK_INTERVAL_MS, 'to disable the check'),
  healthCheckTimeoutMs: durationMs(DEFAULT_HEALTH_CHECK_TIMEOUT_MS),
  logger: loggerOption,
  historyLength: historyLengthOption,
} satisfies OptionChecks<RedisRuleStoreOptions>;

/** What `put` writes under a bucket's key. */
function storedValueText(version: string, configuration: CorsConfiguration): string {
  const value: StoredValue = { v: version, rules: configuration };
  return JSON.stringify(value);
}

/** The longest value holding a version of `versionLength` characters and the longest rule list any dialect can store. */
function maxValueCharacters(versionLength: number): number {
  return MAX_STORED_RULES_CHARACTERS + storedValueText('v'.repeat(versionLength), { CORSRules: [] }).length - '[]'.length;
}

/**
 * Longest value a key may hold when read: room for a version of 64 characters (`put`'s have 21). A
 * longer value is refused before it is parsed: parsing and compiling it would have no bound.
 */
const MAX_VALUE_CHARACTERS = maxValueCharacters(64);

/** A new version and the value `put` (or `putCandidate`) writes; throws when `get` would refuse to read it. */
function newValue(bucket: string, configuration: CorsConfiguration, now: number): { version: string; text: string } {
  // Time first so versions sort roughly by write; the random part keeps concurrent writers distinct.
  const version = `${now.toString(36)}-${randomBytes(6).toString('hex')}`;
  const text = storedValueText(version, configuration);
  if (text.length > maxValueCharacters(version.length)) {
    // What get would refuse to read is not written: the previous rules stay.
    throw new UnusableEntryError('ENTRY_TOO_LARGE', `RedisRuleStore: the rules of bucket ${JSON.stringify(bucket)} are longer than the ${MAX_STORED_RULES_CHARACTERS} characters of JSON any dialect can store; not written`);
  }
  return { version, text };
}

/** What {@link storedValueText} writes between the version and the rules. */
const RULES_AFTER_VERSION = '","rules":';

/**
 * The version and the rules' JSON of a value as {@link storedValueText} writes it (`{"v":"…","rules":…}`,
 * a version with nothing escaped), found without parsing; `undefined` for any other spelling.
 */
function splitStoredValue(raw: string): { readonly version: string; readonly rulesText: string } | undefined {
  if (!raw.startsWith('{"v":"') || !raw.endsWith('}')) return undefined;
  const end = raw.indexOf(RULES_AFTER_VERSION, 6);
  if (end < 0) return undefined;
  const version = raw.slice(6, end);
  // No `"` in the version, so the first RULES_AFTER_VERSION ends it; nothing JSON escapes, so it means what it spells.
  for (let i = 0; i < version.length; i++) {
    const code = version.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c) return undefined;
  }
  return { version, rulesText: raw.slice(end + RULES_AFTER_VERSION.length, -1) };
}

/** The value a key holds, parsed (`null` when it is not JSON): split as `put` writes it, else whole. */
function storedValueOf(raw: string, recent: RecentRules): Partial<StoredValue> | null {
  const split = splitStoredValue(raw);
  if (split !== undefined) {
    try {
      return { v: split.version, rules: recent.parse(split.rulesText) as CorsConfiguration };
    } catch {
      // Another spelling after all (a field after the rules): parsed whole below.
    }
  }
  try {
    return JSON.parse(raw) as Partial<StoredValue> | null;
  } catch {
    return null;
  }
}

/**
 * The rules and version a key holds. Rules written by `put` are parsed through `recent`, so a read of
 * rules read lately (for this bucket or another) hands out the same object without parsing them;
 * anything else is parsed whole.
 */
function parseStoredValue(key: string, raw: string, recent: RecentRules): StoredConfiguration {
  if (raw.length > MAX_VALUE_CHARACTERS) {
    throw new UnusableEntryError('ENTRY_TOO_LARGE', `RedisRuleStore: key ${JSON.stringify(key)} holds ${raw.length} characters, more than the ${MAX_VALUE_CHARACTERS} of the largest configuration any dialect can store; not parsed`);
  }
  const value = storedValueOf(raw, recent);
  if (value === null || typeof value.v !== 'string' || typeof value.rules !== 'object' || value.rules === null || !Array.isArray(value.rules.CORSRules)) {
    throw new UnusableEntryError('ENTRY_MALFORMED', `RedisRuleStore: key ${JSON.stringify(key)} does not hold a stored CORS configuration`);
  }
  return { configuration: value.rules, version: value.v };
}

function parseInvalidation(raw: unknown): InvalidationMessage | undefined {
  try {
    const message = JSON.parse(String(raw)) as Partial<InvalidationMessage> | null;
    if (message !== null && typeof message.bucket === 'string' && typeof message.from === 'string') {
      const version = versionOrNull(message.v);
      const candidateVersion = versionOrNull(message.cv);
      return { bucket: message.bucket, from: message.from, ...(version === undefined ? {} : { v: version }), ...(candidateVersion === undefined ? {} : { cv: candidateVersion }) };
    }
  } catch {
    // Not ours (someone else publishing on the channel): ignored below.
  }
  return undefined;
}

/** The subscriber connection in use, and whether this store opened it. */
interface Subscription {
  readonly connection: SubscriberConnection;
  readonly owned: boolean;
  subscribing: boolean;
}

/**
 * Keeps each bucket's configuration in one Redis key (`keyPrefix + bucket`, JSON `{v, rules}`), so
 * all instances behind a load balancer share rules, whichever client library each one uses. Every
 * put/delete notifies this instance's subscribers before it resolves, then PUBLISHes the bucket on
 * `channel` for the other instances; after the subscriber (re)connects, and when the health check
 * finds it no longer delivering, it emits `{type: 'all'}`, because messages may have been missed.
 * Reads issued in one event-loop turn go out together (MGET; on Cluster one request per node).
 * The constructor does no I/O; subscribing starts with the first `subscribe()` call.
 */
export class RedisRuleStore implements RuleStore {
  /** Always true: rules are shared through Redis. */
  readonly shared = true;
  /** Conditional writes, history and report-only candidates, each change in one Lua script. */
  readonly features: StoreFeatures = Object.freeze({ conditionalWrites: true, history: true, reportOnly: true });
  readonly #historyLength: number;
  readonly #commands: RedisCommands;
  readonly #reads: ReadBatcher;
  /** The rules of recent reads by their JSON: buckets holding equal rules are handed one object. */
  readonly #recentRules = new RecentRules();
  readonly #keyPrefix: string;
  readonly #channel: string;
  readonly #logger: Logger;
  readonly #errorLog: StoreErrorLog;
  readonly #subscribers: StoreSubscribers;
  /** Identifies this instance's messages so it ignores its own echo. */
  readonly #instanceId = randomUUID();
  /** Only this instance listens here: the health check's tokens. */
  readonly #healthChannel: string;
  readonly #health: SubscriptionHealthCheck;
  readonly #givenSubscriber: RedisSubscriberLike | undefined;
  #subscription: Subscription | undefined;
  /** The last error of the subscriber this store opened, until it is ready again: why reads go unanswered. */
  #connectionError: unknown = undefined;
  #closed = false;

  constructor(options: RedisRuleStoreOptions) {
    if (isRedisClient(options)) throw new TypeError(`${OWNER}: pass the client as an option, new RedisRuleStore({ client: redis }), not the client itself.`);
    const { client, subscriber, keyPrefix, channel, healthCheckIntervalMs, healthCheckTimeoutMs, logger, historyLength } = readOptions(OWNER, options, OPTION_CHECKS);
    if (subscriber !== undefined && !isSubscriberFor(client, subscriber)) {
      throw optionError(OWNER, 'subscriber', 'be a connection of the same library as `client`, not used for other commands, or be left out', subscriber);
    }
    this.#commands = redisCommands(client);
    this.#reads = new ReadBatcher((keys) => this.#commands.getMany(keys));
    this.#givenSubscriber = subscriber;
    this.#keyPrefix = keyPrefix;
    this.#channel = channel;
    this.#historyLength = historyLength;
    this.#healthChannel = `${channel}:health:${this.#instanceId}`;
    this.#logger = logger;
    this.#errorLog = new StoreErrorLog(logger);
    this.#subscribers = new StoreSubscribers(logger);
    this.#health = new SubscriptionHealthCheck({
      intervalMs: healthCheckIntervalMs,
      timeoutMs: healthCheckTimeoutMs,
      publish: (token) => this.#command(this.#commands.publish(this.#healthChannel, token)),
      lost: (reason) => this.#subscriptionLost(reason),
    });
    debug('redis store on %s: keyPrefix %o, channel %o, instance %s', this.#commands.kind, this.#keyPrefix, this.#channel, this.#instanceId);
  }

  async get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    return this.#read(this.#keyPrefix + bucket, options);
  }

  async put(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration> {
    const now = Date.now();
    const { version, text } = newValue(bucket, configuration, now);
    await this.#change(bucket, version, text, options, now);
    debug('redis put %s version %s', bucket, version);
    return { configuration, version };
  }

  /** Both keys in one read (one MGET: they share a Cluster slot). */
  async getRules(bucket: string, options?: StoreReadOptions): Promise<StoredRules> {
    const [enforced, candidate] = await Promise.all([this.#read(this.#keyPrefix + bucket, options), this.#read(this.#candidateKey(bucket), options)]);
    return { enforced, candidate };
  }

  async getCandidate(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    return this.#read(this.#candidateKey(bucket), options);
  }

  async putCandidate(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration> {
    const { version, text } = newValue(bucket, configuration, Date.now());
    await this.#changeCandidate(bucket, version, text, options);
    debug('redis put candidate %s version %s', bucket, version);
    return { configuration, version };
  }

  async deleteCandidate(bucket: string, options?: StoreWriteOptions): Promise<void> {
    await this.#changeCandidate(bucket, null, '', options);
    debug('redis delete candidate %s', bucket);
  }

  /** The candidate's value becomes the rules and the change is recorded, by one script on the three keys of one slot. */
  async promote(bucket: string, options?: StorePromoteOptions): Promise<StoredConfiguration> {
    const origin = resolveOrigin({ ...options, source: 'promote' });
    const { ifVersion, ifCandidateVersion } = options ?? {};
    const key = this.#keyPrefix + bucket;
    const args = [conditionOf(ifVersion), ifVersion ?? '', conditionOf(ifCandidateVersion), ifCandidateVersion ?? '', changeRecordText(undefined, origin, Date.now()), String(this.#historyLength)];
    const outcome = readPromoteOutcome(await this.#command(this.#commands.run(PROMOTE_SCRIPT, [key, this.#historyKey(bucket), this.#candidateKey(bucket)], args)));
    if (outcome.status === 'no-candidate') throw new CandidateNotFoundError(bucket);
    if (outcome.status === 'candidate-failed') throw new PreconditionFailedError(bucket, ifCandidateVersion!, outcome.candidateVersion, 'candidate');
    if (outcome.status === 'enforced-failed') throw new PreconditionFailedError(bucket, ifVersion!, outcome.previousVersion);
    const promoted = parseStoredValue(key, outcome.value, this.#recentRules);
    await this.#announce(bucket, { version: promoted.version, candidateVersion: null });
    publishChange(bucket, outcome.previousVersion, promoted.version, origin);
    debug('redis promote %s version %s', bucket, promoted.version);
    return promoted;
  }

  async delete(bucket: string, options?: StoreDeleteOptions): Promise<void> {
    await this.#change(bucket, null, '', options, Date.now());
    debug('redis delete %s', bucket);
  }

  /** The bucket's last changes, newest first; elements that are not history entries are skipped. */
  async history(bucket: string, options?: StoreReadOptions): Promise<ConfigurationChange[]> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const raw = await this.#command(abortable(this.#commands.list(this.#historyKey(bucket)), signal));
    return raw.map(parseHistoryEntry).filter((change) => change !== undefined);
  }

  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    const unsubscribe = this.#subscribers.add(listener);
    if (this.#subscription === undefined && !this.#closed) this.#startSubscriber();
    return unsubscribe;
  }

  /**
   * Stops listening and stops the health check: closes the subscriber this store created, or only
   * unsubscribes a given one. Never touches `client`. The store still reads and writes
   * afterwards, without invalidations.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    this.#health.stop();
    const subscription = this.#subscription;
    this.#subscription = undefined;
    if (subscription === undefined) return;
    if (subscription.owned) subscription.connection.destroy();
    else await subscription.connection.release(this.#channels()).catch((error: unknown) => debug('unsubscribe failed: %O', error));
  }

  /**
   * Settles like `call`, but rejects with a {@link RedisUnavailableError} naming the server and the
   * cause, never with the client's own error (an ioredis AUTH error holds the password).
   */
  #command<T>(call: Promise<T>): Promise<T> {
    return call.catch((error: unknown) => {
      throw this.#failure(error);
    });
  }

  #failure(error: unknown): RedisUnavailableError {
    return redisFailure(this.#commands.address, error, this.#connectionError);
  }

  #historyKey(bucket: string): string {
    return this.#commands.companionKey(this.#keyPrefix + bucket, HISTORY_KEY_SUFFIX);
  }

  #candidateKey(bucket: string): string {
    return this.#commands.companionKey(this.#keyPrefix + bucket, CANDIDATE_KEY_SUFFIX);
  }

  async #read(key: string, options: StoreReadOptions | undefined): Promise<StoredConfiguration | null> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    const raw = await this.#command(abortable(this.#reads.read(key), signal));
    return raw === null ? null : parseStoredValue(key, raw, this.#recentRules);
  }

  /** Checks the condition, writes `value` (`''` deletes) and records the history in one script; then announces. */
  async #change(bucket: string, version: string | null, value: string, options: StoreDeleteOptions | undefined, now: number): Promise<void> {
    const ifVersion = options?.ifVersion;
    const origin = resolveOrigin(options);
    const key = this.#keyPrefix + bucket;
    const args = [conditionOf(ifVersion), ifVersion ?? '', value, changeRecordText(version, origin, now), String(this.#historyLength), options?.history ?? 'keep'];
    const outcome = readChangeOutcome(await this.#command(this.#commands.run(CHANGE_SCRIPT, [key, this.#historyKey(bucket), this.#candidateKey(bucket)], args)));
    if (outcome.status === 'failed') throw new PreconditionFailedError(bucket, ifVersion!, outcome.previousVersion);
    // Dropped with the bucket, the candidate is gone too: said so, as a cache keeps an entry read at the versions announced.
    await this.#announce(bucket, options?.history === 'drop' ? { version, candidateVersion: null } : { version });
    if (outcome.status === 'applied') publishChange(bucket, outcome.previousVersion, version, origin);
  }

  /** Checks the condition on the candidate's version and writes it (`''` deletes) in one script; then announces. */
  async #changeCandidate(bucket: string, version: string | null, value: string, options: StoreWriteOptions | undefined): Promise<void> {
    const ifVersion = options?.ifVersion;
    const outcome = readChangeOutcome(await this.#command(this.#commands.run(CANDIDATE_SCRIPT, [this.#candidateKey(bucket)], [conditionOf(ifVersion), ifVersion ?? '', value])));
    if (outcome.status === 'failed') throw new PreconditionFailedError(bucket, ifVersion!, outcome.previousVersion, 'candidate');
    await this.#announce(bucket, { candidateVersion: version });
  }

  /** Local subscribers first (the writer answers with new rules at once), then the other instances. */
  async #announce(bucket: string, changed: ChangedVersions): Promise<void> {
    this.#subscribers.notify({ type: 'bucket', bucket, ...changed });
    const message: InvalidationMessage = { bucket, from: this.#instanceId, v: changed.version, cv: changed.candidateVersion };
    try {
      await this.#command(this.#commands.publish(this.#channel, JSON.stringify(message)));
    } catch (error) {
      // The write itself succeeded; other instances catch up through their cache TTL.
      const { code, message: cause } = error as RedisUnavailableError;
      this.#logger.error(`express-bucket-cors: rules of bucket ${JSON.stringify(bucket)} were saved but the invalidation could not be published (${code}): ${cause}`, error);
    }
  }

  #channels(): string[] {
    return [this.#channel, this.#healthChannel];
  }

  #startSubscriber(): void {
    const given = this.#givenSubscriber;
    const raw = given ?? this.#commands.duplicateSubscriber();
    // Our own connection: without a listener its errors would be reported as unhandled. Added
    // before connecting, and left on after closing, for late errors.
    if (given === undefined) raw.on('error', this.#onSubscriberError);
    const connection = this.#commands.subscriber(raw, { message: this.#onMessage, ready: this.#onReady });
    this.#subscription = { connection, owned: given === undefined, subscribing: false };
    this.#subscribeChannels();
    this.#health.start();
  }

  /**
   * SUBSCRIBE, then flush every cache: anything read before the subscription took effect (or while
   * the connection was down) may have missed an invalidation.
   */
  #subscribeChannels(): void {
    const subscription = this.#subscription;
    if (subscription === undefined || subscription.subscribing) return;
    subscription.subscribing = true;
    subscription.connection.subscribe(this.#channels()).then(
      () => {
        subscription.subscribing = false;
        if (this.#subscription !== subscription) return;
        debug('subscribed to %s; flushing caches', this.#channel);
        this.#subscribers.notify({ type: 'all' });
      },
      (error: unknown) => {
        subscription.subscribing = false;
        if (this.#subscription !== subscription) return;
        // Retried on the next 'ready' or by the health check; caches heal through their TTL meanwhile.
        const failure = this.#failure(error);
        this.#logger.error(`express-bucket-cors: could not subscribe to ${JSON.stringify(this.#channel)} (${failure.code}): ${failure.message}; retrying when the connection is ready`, failure);
      },
    );
  }

  /**
   * The subscription stopped delivering while Redis answers commands: flush the caches now (rules
   * may have changed unheard), then replace our own connection, or resubscribe a given one.
   */
  #subscriptionLost(reason: string): void {
    const subscription = this.#subscription;
    if (subscription === undefined) return;
    this.#errorLog.report(
      Object.assign(new Error(reason), { name: 'SubscriptionLost' }),
      () => `express-bucket-cors: the invalidation subscription on ${JSON.stringify(this.#channel)} stopped delivering (${reason}); flushing caches and resubscribing`,
    );
    this.#subscribers.notify({ type: 'all' });
    if (subscription.owned) {
      subscription.connection.destroy();
      this.#startSubscriber();
    } else {
      this.#subscribeChannels();
    }
  }

  // On an ioredis Cluster subscriber, 'ready' fires only after the whole cluster reconnected, and a
  // subscription moved to another node is resubscribed without any event; a node-redis cluster
  // reports neither. The health check notices a subscription that stays broken.
  readonly #onReady = (): void => {
    debug('subscriber ready');
    this.#connectionError = undefined;
    this.#subscribeChannels();
  };

  readonly #onMessage = (channel: string, raw: string): void => {
    if (channel === this.#healthChannel) {
      this.#health.received(raw);
      return;
    }
    if (channel !== this.#channel) return;
    const message = parseInvalidation(raw);
    if (message === undefined) {
      debug('ignoring unrecognised message on %s: %o', this.#channel, raw);
      return;
    }
    if (message.from === this.#instanceId) return; // our own echo: local subscribers were told already
    this.#subscribers.notify({
      type: 'bucket',
      bucket: message.bucket,
      ...(message.v === undefined ? {} : { version: message.v }),
      ...(message.cv === undefined ? {} : { candidateVersion: message.cv }),
    });
  };

  readonly #onSubscriberError = (error: unknown): void => {
    // Both libraries reconnect by themselves; 'ready' resubscribes. Every retry errors, so debug only,
    // and kept as the cause of reads that go unanswered meanwhile (same address, same credentials).
    this.#connectionError = error;
    debug('subscriber error: %s', this.#failure(error).message);
  };
}
