// Notices a subscription that stopped delivering (half-open connection, lost SUBSCRIBE): a periodic message to ourselves that must come back.

import createDebug from 'debug';

const debug = createDebug('express-bucket-cors:store');

/** Default {@link SubscriptionHealthCheckOptions.intervalMs}. */
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 2_000;
/** Default {@link SubscriptionHealthCheckOptions.timeoutMs}. */
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 1_000;

/** How the check runs and whom it tells. */
export interface SubscriptionHealthCheckOptions {
  /** Pause between the end of one check and the start of the next. `Infinity` disables the check. */
  readonly intervalMs: number;
  /** How long the published token may take to come back through the subscriber. */
  readonly timeoutMs: number;
  /** PUBLISHes `token` on the channel only this instance's subscriber listens to. */
  publish(token: string): Promise<unknown>;
  /** The PUBLISH succeeded but the token did not come back in time: invalidations are being lost. */
  lost(reason: string): void;
}

/**
 * Every `intervalMs`, publishes a fresh token through the command connection and expects the
 * subscriber to hand it to {@link received} within `timeoutMs`. That exercises the whole path an
 * invalidation takes, on every client and on Cluster (where a PING would only reach the command
 * connections). When the PUBLISH itself fails or does not answer, Redis is unreachable for this
 * instance: nothing is reported then (no instance can change rules while Redis is down, and the
 * subscriber's reconnect flushes caches anyway), so last-known rules keep being served.
 * Timers are unref'd: the check never keeps a process alive.
 */
export class SubscriptionHealthCheck {
  readonly #options: SubscriptionHealthCheckOptions;
  #timer: NodeJS.Timeout | undefined;
  #awaited: string | undefined;
  #sequence = 0;

  constructor(options: SubscriptionHealthCheckOptions) {
    this.#options = options;
  }

  /** Starts checking (no-op when running or disabled). */
  start(): void {
    if (this.#timer === undefined) this.#schedule();
  }

  /** Stops checking and clears its timer. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#awaited = undefined;
  }

  /** What the subscriber received on the health channel. */
  received(token: string): void {
    if (token !== this.#awaited) return;
    this.#awaited = undefined;
    clearTimeout(this.#timer);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#options.intervalMs === Infinity) return;
    this.#timer = setTimeout(this.#check, this.#options.intervalMs);
    this.#timer.unref();
  }

  readonly #check = (): void => {
    const token = String(++this.#sequence);
    this.#awaited = token;
    let published = false;
    this.#options.publish(token).then(
      () => (published = true),
      (error: unknown) => debug('subscription health check: PUBLISH failed: %O', error),
    );
    this.#timer = setTimeout(() => {
      if (this.#awaited !== token) return;
      this.#awaited = undefined;
      if (published) this.#options.lost(`a health-check message did not come back within ${this.#options.timeoutMs} ms`);
      else debug('subscription health check: PUBLISH not answered within %d ms; Redis unreachable, not judging the subscription', this.#options.timeoutMs);
      this.#schedule();
    }, this.#options.timeoutMs);
    this.#timer.unref();
  };
}
