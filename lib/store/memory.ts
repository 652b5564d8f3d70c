// The default store: rules held in this process's memory (one process only).

import createDebug from 'debug';
import type { CorsConfiguration } from '../core/model.js';
import { loggerOption, readOptions, type Logger, type OptionChecks } from '../options.js';
import { HeldConfigurations } from './content.js';
import { CandidateNotFoundError, conditionHolds, historyLengthOption, PreconditionFailedError, publishChange, resolveOrigin } from './lifecycle.js';
import { StoreSubscribers } from './subscribers.js';
import type {
  ConfigurationChange,
  InvalidationEvent,
  RuleStore,
  StoreDeleteOptions,
  StoredConfiguration,
  StoredRules,
  StoreFeatures,
  StorePromoteOptions,
  StoreReadOptions,
  StoreWriteOptions,
} from './types.js';

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
 * Stored configurations are copied on `put` (as JSON holds them), equal ones into one object shared
 * by every bucket holding them; treat what `get` and `history` return as read-only.
 * Conditional writes, the history, report-only candidates and their promotion are checked and
 * changed synchronously, so they are atomic.
 */
export class MemoryRuleStore implements RuleStore {
  /** Always false: one process only. */
  readonly shared = false;
  /** Conditional writes, history and report-only candidates. */
  readonly features: StoreFeatures = Object.freeze({ conditionalWrites: true, history: true, reportOnly: true });
  readonly #configurations = new Map<string, StoredConfiguration>();
  readonly #candidates = new Map<string, StoredConfiguration>();
  readonly #histories = new Map<string, ConfigurationChange[]>();
  /** Every configuration held, once per distinct content: buckets with equal rules share one object. */
  readonly #held = new HeldConfigurations();
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
    return this.#written(bucket, configuration, 'put', (stored) => this.#change(bucket, stored, options));
  }

  async delete(bucket: string, options?: StoreDeleteOptions): Promise<void> {
    const drop = options?.history === 'drop';
    this.#change(bucket, null, options, drop ? () => this.#candidates.delete(bucket) : undefined);
    if (drop) this.#histories.delete(bucket);
    debug('memory delete %s', bucket);
  }

  async getRules(bucket: string, options?: StoreReadOptions): Promise<StoredRules> {
    return { enforced: await this.get(bucket, options), candidate: this.#candidates.get(bucket) ?? null };
  }

  async getCandidate(bucket: string, options?: StoreReadOptions): Promise<StoredConfiguration | null> {
    options?.signal?.throwIfAborted();
    return this.#candidates.get(bucket) ?? null;
  }

  async putCandidate(bucket: string, configuration: CorsConfiguration, options?: StoreWriteOptions): Promise<StoredConfiguration> {
    return this.#written(bucket, configuration, 'put candidate', (stored) => this.#changeCandidate(bucket, stored, options));
  }

  async deleteCandidate(bucket: string, options?: StoreWriteOptions): Promise<void> {
    this.#changeCandidate(bucket, null, options);
    debug('memory delete candidate %s', bucket);
  }

  async promote(bucket: string, options?: StorePromoteOptions): Promise<StoredConfiguration> {
    const candidate = this.#candidates.get(bucket);
    if (candidate === undefined) throw new CandidateNotFoundError(bucket);
    const wanted = options?.ifCandidateVersion;
    if (wanted !== undefined && wanted !== candidate.version) throw new PreconditionFailedError(bucket, wanted, candidate.version, 'candidate');
    // Synchronous from here on: nobody sees the candidate enforced and still a candidate.
    this.#change(bucket, candidate, { ...options, source: 'promote' }, () => this.#candidates.delete(bucket));
    debug('memory promote %s version %s', bucket, candidate.version);
    return candidate;
  }

  async history(bucket: string, options?: StoreReadOptions): Promise<ConfigurationChange[]> {
    options?.signal?.throwIfAborted();
    return [...(this.#histories.get(bucket) ?? [])];
  }

  subscribe(listener: (event: InvalidationEvent) => void): () => void {
    return this.#subscribers.add(listener);
  }

  /** A copy of `configuration` at the next version, written by `write` (which throws, using up no version, when its condition fails). */
  #written(bucket: string, configuration: CorsConfiguration, what: string, write: (stored: StoredConfiguration) => void): StoredConfiguration {
    const stored: StoredConfiguration = { configuration: this.#held.copyOf(configuration), version: String(this.#lastVersion + 1) };
    write(stored);
    this.#lastVersion++;
    debug('memory %s %s version %s', what, bucket, stored.version);
    return stored;
  }

  /** Checks the condition on the candidate's version, replaces (`next`) or removes (`null`) it, and announces it. */
  #changeCandidate(bucket: string, next: StoredConfiguration | null, options: StoreWriteOptions | undefined): void {
    const currentVersion = this.#candidates.get(bucket)?.version ?? null;
    if (!conditionHolds(options?.ifVersion, currentVersion)) throw new PreconditionFailedError(bucket, options!.ifVersion!, currentVersion, 'candidate');
    if (next === null) this.#candidates.delete(bucket);
    else this.#candidates.set(bucket, next);
    this.#subscribers.notify({ type: 'bucket', bucket, candidateVersion: next?.version ?? null });
  }

  /**
   * Checks the condition, replaces (`next`) or removes (`null`) the rules, records and announces the
   * change; `dropCandidate` (a promotion, a bucket dropped) removes the candidate before the
   * announcement, which says so.
   */
  #change(bucket: string, next: StoredConfiguration | null, options: StoreWriteOptions | undefined, dropCandidate?: () => void): void {
    const current = this.#configurations.get(bucket) ?? null;
    const currentVersion = current?.version ?? null;
    if (!conditionHolds(options?.ifVersion, currentVersion)) throw new PreconditionFailedError(bucket, options!.ifVersion!, currentVersion);
    if (next === null) this.#configurations.delete(bucket);
    else this.#configurations.set(bucket, next);
    const version = next?.version ?? null;
    dropCandidate?.();
    this.#subscribers.notify(dropCandidate === undefined ? { type: 'bucket', bucket, version } : { type: 'bucket', bucket, version, candidateVersion: null });
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
