// Reads asked for in one event-loop turn leave together: one getMany (one round trip per node) instead of one GET each.

/** One key's waiting readers share this. */
interface PendingRead {
  readonly promise: Promise<string | null>;
  resolve(value: string | null): void;
  reject(error: unknown): void;
}

function pendingRead(): PendingRead {
  let resolve!: (value: string | null) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Collects `read(key)` calls until the current event-loop turn ends (`setImmediate`, so reads
 * started by every socket event of one poll phase, e.g. a burst of requests, travel together),
 * then asks `getMany` once for all distinct keys. A key asked for twice in one turn is read once.
 * A failed `getMany` rejects every read of its batch.
 */
export class ReadBatcher {
  readonly #getMany: (keys: readonly string[]) => Promise<(string | null)[]>;
  #pending: Map<string, PendingRead> | undefined;

  constructor(getMany: (keys: readonly string[]) => Promise<(string | null)[]>) {
    this.#getMany = getMany;
  }

  /** The value of `key` (null when absent), read with the other keys of this turn. */
  read(key: string): Promise<string | null> {
    let batch = this.#pending;
    if (batch === undefined) {
      const started = new Map<string, PendingRead>();
      batch = this.#pending = started;
      setImmediate(() => this.#send(started));
    }
    let read = batch.get(key);
    if (read === undefined) batch.set(key, (read = pendingRead()));
    return read.promise;
  }

  #send(batch: Map<string, PendingRead>): void {
    this.#pending = undefined;
    const keys = [...batch.keys()];
    // The executor turns a getMany that throws synchronously into a rejection.
    new Promise<(string | null)[]>((resolve) => resolve(this.#getMany(keys))).then(
      (values) => keys.forEach((key, index) => batch.get(key)!.resolve(values[index] ?? null)),
      (error: unknown) => batch.forEach((read) => read.reject(error)),
    );
  }
}
