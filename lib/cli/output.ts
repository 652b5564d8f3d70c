// Exit codes, the error that carries one, printing, and the terminal progress bar.

/** Exit code: everything clean. */
export const EXIT_CLEAN = 0;
/** Exit code: warnings, or a refusal (an invalid configuration, a refused request, a failed check). */
export const EXIT_REFUSED = 1;
/** Exit code: a usage error, an unreadable file or a connection error. */
export const EXIT_USAGE = 2;

/** A failure the command reports as one line and an exit code (default {@link EXIT_USAGE}). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Writes machine output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes human output lines on stdout. */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

const BAR_WIDTH = 30;

/**
 * Progress of a bulk operation on stderr: a bar redrawn in place on a terminal, nothing otherwise
 * (the caller prints a summary line when done, terminal or not).
 */
export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #label: string;
  readonly #total: number;
  readonly #enabled: boolean;
  #done = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#label = label;
    this.#total = total;
    this.#enabled = stream.isTTY === true && total > 0;
    this.#draw();
  }

  /** One more item done. */
  tick(): void {
    this.#done++;
    this.#draw();
  }

  /** Clears the bar. */
  end(): void {
    if (this.#enabled) this.#stream.write('\r\x1b[K');
  }

  #draw(): void {
    if (!this.#enabled) return;
    const filled = Math.round((this.#done / this.#total) * BAR_WIDTH);
    this.#stream.write(`\r${this.#label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${this.#done}/${this.#total}`);
  }
}
