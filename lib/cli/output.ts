// Exit codes, the error that carries one, printing (passwords masked), and the terminal progress bar.

/** Exit code: done. A `put` or `import` that stored the rules is done, warnings or not (they go to stderr). */
export const EXIT_CLEAN = 0;
/**
 * Exit code: refused: an invalid configuration, a request the rules refuse, a failed doctor check, a
 * bucket without rules (`get`), an export that skipped entries, or warnings under `--strict`.
 */
export const EXIT_REFUSED = 1;
/** Exit code: a usage error, an unreadable or oversized input (a bucket `diff` cannot read), or a Redis or network failure. */
export const EXIT_USAGE = 2;

/** The exit codes as `--help` lists them (README-ready wording). */
export const EXIT_CODES_HELP = `Exit codes:
  0  done; warnings, if any, are printed on stderr (--strict makes them exit 1)
  1  refused: an invalid configuration, a request the rules refuse, a failed doctor check,
     a bucket without rules (get), an export that skipped entries, a difference (diff),
     warnings under --strict
  2  usage error, unreadable or oversized input (a bucket diff cannot read), Redis or network failure (unreachable,
     wrong password, no answer within --timeout)`;

/** A failure the command reports as one line and an exit code (default {@link EXIT_USAGE}). */
export class CliError extends Error {
  readonly exitCode: number;
  /** The dialect's error code (`MalformedXML`, `ValidationException`, …) when a dialect refused the input. */
  readonly code: string | undefined;
  constructor(message: string, exitCode: number = EXIT_USAGE, code?: string) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
  }
}

// `scheme://user:password@` (up to the last `@` of the authority, as URL parsers read it) and `password=` in a query.
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/]*@/gi;
const QUERY_PASSWORD = /([?&](?:password|pass|pwd)=)[^&#\s"]*/gi;

/** `text` with every password of a URL in it replaced by `***`: what every message goes through. */
export const maskPasswords = (text: string): string => text.replace(URL_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***');

/** Writes machine output: one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes human output lines on stdout (passwords masked). */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${maskPasswords(lines.join('\n'))}\n`);
}

/** Writes notes and warnings on stderr, where they do not mix with the output (passwords masked). */
export function printNotes(lines: readonly string[]): void {
  if (lines.length > 0) process.stderr.write(`${maskPasswords(lines.join('\n'))}\n`);
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
    this.#label = maskPasswords(label);
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
