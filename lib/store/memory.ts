// The default store: rules held in this process's memory (one process only).

import createDebug from 'debug';
import type { CorsConfiguration } from '../core/model.js';
import { loggerOption, readOptions, type Logger, type OptionChecks } from '../options.js';
import { conditionHolds, historyLengthOption, PreconditionFailedError, publishChange, resolveOrigin } from './lifecycle.js';
import { StoreSubscribers } from './subscribers.js';
import type { ConfigurationChange, InvalidationEvent, RuleStore, StoreDeleteOptions, StoreFeatures, StoreReadOptions, StoredConfiguration, StoreWriteOptions } from './types.js';

const debug = createDebug('express-bucket-cors:store');

/** Warning logged once per process when a {@link MemoryRuleStore} is created with `NODE_ENV=production`. */
export const MEMORY_STORE_IN_PRODUCTION_WARNING =
  'express-bucket-cors [MEMORY_STORE_IN_PRODUCTION]: MemoryRuleStore keeps CORS rules in this process only; ' +
  'use RedisRuleStore behind a load balancer.';

let warnedAboutProduction = false;

const OPTION_CHECKS = { logger: loggerOption, historyLength: historyLengthOption } satisfies OptionChecks<MemoryRuleStoreOptions>;

/** Options of {@link MemoryRuleStore}. */
export interface MemoryRuleStoreOptions {
  /** Where the production warning goes. Default: `console`. */
  readonly logger?: Logger;
  /** Changes kept per bucket in its history (each with the configuration it replaced); 0 keeps none. Default: 10 (`DEFAULT_HISTORY_LENGTH`). */
  readonly historyLength?: number;
}

/**
 * Rules in a `Map` in this process: the default store. Nothing expires and nothing is shared, so
 * every instance behind a load balancer would have its own rules; use `RedisRuleStore` there. Logs
 * {@link MEMORY_STORE_IN_PRODUCTION_WARNING} once per process under `NODE_ENV=production`.
 *
 * Stored configurations are copied on `put`; treat what `get` and `history` return as read-only.
 * Conditional writes and the history are checked and changed synchronously, so they are atomic.
 */
export class MemoryRuleStore implements RuleStore {
  /** Always false: one process only. */
  readonly shared = false;
  /** Conditional writes and history, both. */
  readonly features: StoreFeatures = Object.freeze({ conditionalWrites: true, history: true });
  readonly #configurations = new Map<string, StoredConfiguration>();
  readonly #histories = new Map<string, ConfigurationChange[]>();
  readonly #historyLength: number;
  readonly #subscribers: StoreSubscribers;
  #lastVersion = 0;

  constructor(options?: MemoryRuleStoreOptions) {
    const { logger, historyLength } = readOptions('MemoryRuleStore', options, OPTION_CHECKS);
    this.#historyLength = historyLength;
    this.#subscribers = new StoreSubscribers(logger);
    if (process.env.NODE_ENV === 'production' && !warnedAboutProduction) {
      warnedAboutProduction = true;
      logger.warn(MEMORY_STORE_IN_PRODUCTION_WARNING);
    }
  }

  async get(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    options?.signal?.throwIfAborted();
    return this.#configurations.get(bucket) ?? null;
  }

  async put(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration> {
    const stored: StoredConfiguration = { configuration: structuredClone(configuration), version: String(this.#lastVersion + 1) };
    this.#change(bucket, stored, options);
    this.#lastVersion++;
    debug('memory put %s version %s', bucket, stored.version);
    return stored;
  }

  async delete(bucket: string, options?: StoreDeleteOptions): Promise<void> {
    this.#change(bucket, null, options);
    if (options?.history === 'drop') this.#histories.delete(bucket);
    debug('memory delete %s', bucket);
  }

  async history(bucket: string, options?: StoreReadOptions): Promise<ConfigurationChange[]> {
    options?.signal?.throwIfAborted();
    return [...(this.#histories.get(bucket) ?? [])];
  }

  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    return this.#subscribers.add(listener);
  }

  /** Checks the condition, replaces (`next`) or removes (`null`) the rules, records and announces the change. */
  #change(bucket: string, next: StoredConfiguration | null, options: StoreWriteOptions | undefined): void {
    const current = this.#configurations.get(bucket) ?? null;
    const currentVersion = current?.version ?? null;
    if (!conditionHolds(options?.ifVersion, currentVersion)) throw new PreconditionFailedError(bucket, options!.ifVersion!, currentVersion);
    if (next === null) this.#configurations.delete(bucket);
    else this.#configurations.set(bucket, next);
    const version = next?.version ?? null;
    this.#subscribers.notify({ type: 'bucket', bucket, version });
    if (current === null && next === null) return; // nothing was there to delete: no change
    const origin = resolveOrigin(options);
    this.#record(bucket, { version, previousVersion: currentVersion, previous: current?.configuration ?? null, time: new Date().toISOString(), ...origin });
    publishChange(bucket, currentVersion, version, origin);
  }

  #record(bucket: string, change: ConfigurationChange): void {
    if (this.#historyLength === 0) return;
    const history = [change, ...(this.#histories.get(bucket) ?? [])];
    this.#histories.set(bucket, history.slice(0, this.#historyLength));
  }
}
