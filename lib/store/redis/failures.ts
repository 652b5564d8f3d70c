// Redis failures as the store reports them: the server's address and the cause, and nothing of the client's own error objects (an ioredis AUTH error carries the password in its command).

import { errorMessage } from '../errors.js';

/**
 * A Redis command that failed, or a read given up on, as the Redis store rejects and logs it: its
 * message names the server (`address`) and the cause (`code`), and it holds no part of the
 * client's error (whose properties may include the password the client authenticated with).
 */
export class RedisUnavailableError extends Error {
  /**
   * The cause: a socket error code (`ECONNREFUSED`, `ENOTFOUND`, `ETIMEDOUT`, …), the code of a
   * Redis error reply (`WRONGPASS`, `NOAUTH`, `READONLY`, `LOADING`, …), or the error's name
   * (`TimeoutError` for a read given up on with no connection error known).
   */
  readonly code: string;
  /** Where the client connects: `host:port`, a socket path, or a Cluster's nodes; never credentials. */
  readonly address: string;

  constructor(code: string, address: string, message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
    this.code = code;
    this.address = address;
  }
}

/** A Redis error reply starts with its code in capitals (`WRONGPASS invalid username-password pair`). */
const REPLY_CODE = /^[A-Z][A-Z_]{2,}(?=\s|$)/;

/** The cause code of a client error (see {@link RedisUnavailableError.code}). */
function causeCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  const reply = typeof message === 'string' ? REPLY_CODE.exec(message) : null;
  if (reply !== null) return reply[0];
  return typeof name === 'string' ? name : 'unknown';
}

/** A read the caller stopped waiting for (its signal's reason), rather than a failed command. */
function isGivenUp(error: unknown): boolean {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * `error` (of a command on the client at `address`) as a {@link RedisUnavailableError}. A read given
 * up on says nothing of why Redis did not answer; `connectionError`, the last error of a connection
 * with the same address and credentials (the store's own subscriber), does: `ECONNREFUSED`, `WRONGPASS`.
 */
export function redisFailure(address: string, error: unknown, connectionError: unknown): RedisUnavailableError {
  const cause = isGivenUp(error) && connectionError !== undefined ? connectionError : error;
  const detail = cause === error ? errorMessage(error) : `${errorMessage(cause)}; ${errorMessage(error)}`;
  return new RedisUnavailableError(causeCode(cause), address, `Redis at ${address}: ${detail}`);
}
