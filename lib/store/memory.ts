// The default store: rules held in this process's memory (one process only).

import createDebug from 'debug';
import type { CorsConfiguration } from '../core/model.js';
import { loggerOption, readOptions, type Logger, type OptionChecks } from '../options.js';
import { StoreSubscribers } from './subscribers.js';
import type { InvalidationEvent, RuleStore, StoreReadOptions, StoredConfiguration } from './types.js';

const debug = createDebug('express-bucket-cors:store');

/** Warning logged once per process when a {@link MemoryRuleStore} is created with `NODE_ENV=production`. */
export const MEMORY_STORE_IN_PRODUCTION_WARNING =
  'express-bucket-cors [MEMORY_STORE_IN_PRODUCTION]: MemoryRuleStore keeps CORS rules in this process only; ' +
  'use RedisRuleStore behind a load balancer.';

let warnedAboutProduction = false;

const OPTION_CHECKS = { logger: loggerOption } satisfies OptionChecks<MemoryRuleStoreOptions>;

/** Options of {@link MemoryRuleStore}. */
export interface MemoryRuleStoreOptions {
  /** Where the production warning goes. Default: `console`. */
  readonly logger?: Logger;
}

/**
 * Rules in a `Map` in this process: the default store. Nothing expires and nothing is shared, so
 * every instance behind a load balancer would have its own rules; use `RedisRuleStore` there. Logs
 * {@link MEMORY_STORE_IN_PRODUCTION_WARNING} once per process under `NODE_ENV=production`.
 *
 * Stored configurations are copied on `put`; treat what `get` returns as read-only.
 */
export class MemoryRuleStore implements RuleStore {
  /** Always false: one process only. */
  readonly shared = false;
  readonly #configurations = new Map<string, StoredConfiguration>();
  readonly #subscribers: StoreSubscribers;
  #lastVersion = 0;

  constructor(options?: MemoryRuleStoreOptions) {
    const { logger } = readOptions('MemoryRuleStore', options, OPTION_CHECKS);
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

  async put(bucket: string, configuration: CorsConfiguration): Promise<StoredConfiguration> {
    const stored: StoredConfiguration = { configuration: structuredClone(configuration), version: String(++this.#lastVersion) };
    this.#configurations.set(bucket, stored);
    debug('memory put %s version %s', bucket, stored.version);
    this.#subscribers.notify({ type: 'bucket', bucket });
    return stored;
  }

  async delete(bucket: string): Promise<void> {
    this.#configurations.delete(bucket);
    debug('memory delete %s', bucket);
    this.#subscribers.notify({ type: 'bucket', bucket });
  }

  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    return this.#subscribers.add(listener);
  }
}
