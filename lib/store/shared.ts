// lib/store/shared.ts
// Pieces every store and the cache share: invalidation listeners, abortable reads, the logger check.

import createDebug from 'debug';
import type { InvalidationEvent, Logger } from './types.js';

const debug = createDebug('express-bucket-cors:store');

/** True when `value` can serve as a {@link Logger}: an object with `warn()` and `error()` methods (`console` fits). */
export function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Logger>).warn === 'function' &&
    typeof (value as Partial<Logger>).error === 'function'
  );
}

/**
 * The invalidation listeners of one store. Calls them synchronously, in subscription order; a
 * listener that throws is logged and does not stop the others (nor the put/delete that notified).
 */
export class StoreSubscribers {
  readonly #listeners = new Set<{ readonly listener: (event: InvalidationEvent) => void }>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a listener; the returned function removes exactly this subscription (idempotent). */
  add(listener: (event: InvalidationEvent) => void): () => void {
    const subscription = { listener };
    this.#listeners.add(subscription);
    return () => {
      this.#listeners.delete(subscription);
    };
  }

  /** Number of current subscriptions. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Calls every listener with `event`. */
  notify(event: InvalidationEvent): void {
    debug('invalidation %o to %d listener(s)', event, this.#listeners.size);
    for (const { listener } of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error('express-bucket-cors: an invalidation listener threw', error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}

/**
 * Settles like `promise`, except that it rejects with the signal's reason as soon as the signal
 * aborts (the underlying work is not cancelled, only no longer waited for).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
