// Deadlines for store calls: abortable waits, one deadline per call, and deadlines shared by reads started close together.

import { setMaxListeners } from 'node:events';

/** Who waits on each signal passed to {@link abortable}: one abort listener per signal, however many wait. */
const waitersBySignal = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

/**
 * Settles like `promise`, except that it rejects with the signal's reason as soon as the signal
 * aborts (the underlying work is not cancelled, only no longer waited for). Many calls may share a
 * signal (the reads under one {@link SharedDeadlines} group do): they share its one listener, since
 * EventTarget looks through every listener on each add.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  const waiting = waitersOf(signal);
  return new Promise<T>((resolve, reject) => {
    waiting.add(reject);
    promise.then(
      (value) => {
        waiting.delete(reject);
        resolve(value);
      },
      (error: unknown) => {
        waiting.delete(reject);
        reject(error);
      },
    );
  });
}

/** The callbacks called with `signal`'s reason when it aborts, behind its one abort listener (added on first use). */
function waitersOf(signal: AbortSignal): Set<(reason: unknown) => void> {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const waiting = (waiters = new Set());
    waitersBySignal.set(signal, waiting);
    signal.addEventListener('abort', () => {
      for (const reject of waiting) reject(signal.reason);
      waiting.clear();
    }, { once: true });
  }
  return waiters;
}

/** A promise of what `call` returns; a call that throws synchronously rejects it. */
function promiseOf<T>(call: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve) => resolve(call()));
}

/**
 * Runs `call` with a signal that aborts after `timeoutMs`, and settles no later than that: rejects with
 * a `TimeoutError` DOMException (message from `describe`) when `call` has not settled by then. A call
 * that throws synchronously rejects. The work itself goes on unless `call` honours the signal.
 */
export async function withDeadline<T>(call: (signal: AbortSignal) => Promise<T>, timeoutMs: number, describe: () => string): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(describe(), 'TimeoutError')), timeoutMs);
  timer.unref();
  try {
    return await abortable(promiseOf(() => call(controller.signal)), controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The reads sharing one deadline under {@link SharedDeadlines}. */
interface DeadlineGroup {
  readonly startedAt: number;
  readonly signal: AbortSignal;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Reads not settled yet. */
  pending: number;
  /** Set once a later group took over: no read joins it any more. */
  closed: boolean;
}

/**
 * A deadline of `timeoutMs` for store reads, shared by the reads started within a tenth of it:
 * one timer, one AbortController and one abort listener per group rather than per read (they cost
 * more than a batched Redis read of one more key, and a tenth of a lone one). So a read is given up
 * on after 0.9 to 1 times `timeoutMs`.
 */
export class SharedDeadlines {
  readonly #timeoutMs: number;
  readonly #joinWithinMs: number;
  #open: DeadlineGroup | undefined = undefined;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#joinWithinMs = timeoutMs / 10;
  }

  /**
   * Settles like `call(signal)` (a call that throws synchronously rejects), or rejects once the
   * deadline passes, when `signal` aborts: with the call's own error if it answers the abort within
   * that event-loop turn, else with a `TimeoutError` DOMException. The work itself goes on unless
   * `call` honours the signal.
   */
  run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const now = Date.now();
    const open = this.#open;
    const group = open !== undefined && now - open.startedAt <= this.#joinWithinMs ? open : this.#start(now);
    group.pending++;
    const { signal } = group;
    const work = promiseOf(() => call(signal));
    // One promise per read around the call's (a chain of abortable, catch and then made three more).
    return new Promise<T>((resolve, reject) => {
      const waiting = waitersOf(signal);
      let pending = true;
      /** Ends this read's wait once: whether it was still waiting. */
      const settle = (): boolean => {
        if (!pending) return false;
        pending = false;
        waiting.delete(onAbort);
        if (--group.pending === 0 && group.closed) clearTimeout(group.timer);
        return true;
      };
      // The call's own answer to the abort first, if it comes within this event-loop turn.
      const onAbort = (reason: unknown): void => {
        setImmediate(() => {
          if (settle()) reject(reason);
        });
      };
      work.then(
        (value) => {
          if (settle()) resolve(value);
        },
        (error: unknown) => {
          if (settle()) reject(error);
        },
      );
      if (signal.aborted) onAbort(signal.reason);
      else waiting.add(onAbort);
    });
  }

  #start(now: number): DeadlineGroup {
    const previous = this.#open;
    if (previous !== undefined) {
      previous.closed = true;
      if (previous.pending === 0) clearTimeout(previous.timer);
    }
    const controller = new AbortController();
    // Shared on purpose: a store of your own may add a listener per read (fetch does), so no "possible
    // memory leak" warning past ten.
    setMaxListeners(Infinity, controller.signal);
    const timer = setTimeout(() => {
      if (this.#open === group) this.#open = undefined; // its signal is spent: later reads start a group of their own
      controller.abort(new DOMException(`rule store did not answer within ${this.#timeoutMs} ms`, 'TimeoutError'));
    }, this.#timeoutMs);
    timer.unref();
    const group: DeadlineGroup = { startedAt: now, signal: controller.signal, timer, pending: 0, closed: false };
    this.#open = group;
    return group;
  }
}
