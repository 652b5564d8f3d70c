// Small helpers shared by the store tests: waiting for store events, polling, silent loggers, unique key names.

import type { RuleLookup, InvalidationEvent, Logger, RuleStore } from 'express-bucket-cors';

/** True for the asynchronous form of `RuleCache.lookup`'s answer (a miss), false for a cached answer. */
export const isPromise = (value: unknown): value is Promise<unknown> => value instanceof Promise;

/** A lookup's configuration, or its kind when it has none, for compact assertions. */
export const configurationOf = (lookup: RuleLookup) => (lookup.kind === 'configured' ? lookup.rules.configuration : lookup.kind);

/** A logger whose calls tests can inspect, printing nothing. */
export const silentLogger = (): Logger & { warn: jest.Mock; error: jest.Mock } => ({ warn: jest.fn(), error: jest.fn() });

/** Something ioredis-like a test opened: `Redis` or `Cluster`, version 5 or 6. */
interface Connection {
  disconnect(): void;
  on(event: string, listener: () => void): unknown;
}

/** Connections of one test file: their errors ignored (tests break Redis on purpose), all disconnected at the end. */
export function connectionTracker(): { track<T extends Connection>(connection: T): T; disconnectAll(): void } {
  const open: Connection[] = [];
  return {
    track(connection) {
      connection.on('error', () => undefined);
      open.push(connection);
      return connection;
    },
    disconnectAll() {
      for (const connection of open.splice(0)) connection.disconnect();
    },
  };
}

let isolationCounter = 0;

/** A key prefix and channel nobody else uses, so tests on one server don't see each other. */
export function isolated(): { keyPrefix: string; channel: string } {
  isolationCounter++;
  const name = `test-${process.pid}-${isolationCounter}`;
  return { keyPrefix: `${name}:`, channel: `${name}:invalidate` };
}

/** Resolves with the first event of the store that `matches`. */
export function nextEvent(store: RuleStore, matches: (event: InvalidationEvent) => boolean): Promise<InvalidationEvent> {
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe((event) => {
      if (matches(event)) {
        unsubscribe();
        resolve(event);
      }
    });
  });
}

/** Resolves when the store's subscription is (re)established: it flushes caches with `{type: 'all'}` then. */
export function subscribed(store: RuleStore): Promise<InvalidationEvent> {
  return nextEvent(store, (event) => event.type === 'all');
}

/** Resolves with the store's next event about `bucket`. */
export function nextBucketEvent(store: RuleStore, bucket: string): Promise<InvalidationEvent> {
  return nextEvent(store, (event) => event.type === 'bucket' && event.bucket === bucket);
}

/** Polls `check` every 10 ms until it returns true; rejects after `timeoutMs`. Resolves with the time it took. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

/** Collects unhandled rejections while `run` runs; tests assert the list is empty. */
export async function collectUnhandledRejections(run: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await run();
    // Rejections are reported after a macrotask turn; give late ones (ioredis giving up) a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}
