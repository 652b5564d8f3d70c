// The invalidation listeners of one store, called in order; one that throws is logged and does not stop the others.

import createDebug from 'debug';
import type { Logger } from '../options.js';
import type { InvalidationEvent } from './types.js';

const debug = createDebug('express-bucket-cors:store');

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
