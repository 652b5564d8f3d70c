// Store failures as logged: grouped by kind and rate-limited, since during an outage every request fails the same way.

import type { Logger } from '../options.js';

/** Why a stored entry is not used: the `code` of an {@link UnusableEntryError}. */
export type UnusableEntryCode =
  /** Longer than any dialect can store (`MAX_STORED_RULES_CHARACTERS`). */
  | 'ENTRY_TOO_LARGE'
  /** Its compiled rules would take more than the cache's whole `maxBytes`. */
  | 'ENTRY_OVER_BUDGET'
  /** Not a stored configuration at all (e.g. not JSON, or not `{v, rules}` in Redis). */
  | 'ENTRY_MALFORMED';

/**
 * A bucket's stored entry that is refused without being used, thrown by a store's `get` (a store of
 * your own may throw it too) or by the cache. Its bucket answers as when the store fails: last-known
 * rules, or unavailable (503 to preflights); the cache keeps that answer a few seconds rather than
 * read the entry again on every request.
 */
export class UnusableEntryError extends Error {
  readonly code: UnusableEntryCode;

  constructor(code: UnusableEntryCode, message: string) {
    super(message);
    this.name = 'UnusableEntryError';
    this.code = code;
  }
}

/** True for an {@link UnusableEntryError} (also across duplicated copies of this package). */
export function isUnusableEntryError(value: unknown): value is UnusableEntryError {
  return value instanceof UnusableEntryError || (value instanceof Error && value.name === 'UnusableEntryError' && typeof (value as UnusableEntryError).code === 'string');
}

/** Default {@link StoreErrorLog} interval: store errors of one kind are logged at most once per this many ms. */
export const STORE_ERROR_LOG_INTERVAL_MS = 10_000;

/** What groups errors for rate limiting: `code` (e.g. `ECONNREFUSED`), else `name`, else `'unknown'`. */
export function errorKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}

/** What an error says, for a log line: its message (an Error's, a DOMException's), or the value itself. */
export function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * Reports store failures to a {@link Logger} at most once per error kind (see {@link errorKind}) per
 * `intervalMs` (default {@link STORE_ERROR_LOG_INTERVAL_MS}): during an outage every request fails the
 * same way, and one line per request would flood the log. A logged line counts the ones held back.
 */
export class StoreErrorLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #lastReport = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = STORE_ERROR_LOG_INTERVAL_MS) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  /**
   * Logs `describe(kind)` with `error` through `logger.error`, unless an error of the same kind was
   * logged within the interval. Returns whether it logged.
   */
  report(error: unknown, describe: (kind: string) => string): boolean {
    const kind = errorKind(error);
    const now = Date.now();
    const record = this.#lastReport.get(kind);
    if (record !== undefined && now - record.loggedAt < this.#intervalMs) {
      record.suppressed++;
      return false;
    }
    const suppressed = record?.suppressed ?? 0;
    this.#lastReport.set(kind, { loggedAt: now, suppressed: 0 });
    this.#logger.error(describe(kind) + (suppressed > 0 ? ` (${suppressed} more ${kind} error(s) since the last report)` : ''), error);
    return true;
  }
}
