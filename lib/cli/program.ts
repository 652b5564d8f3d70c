// The `bucket-cors` command line: the program, its help, version and exit codes; each command group is a module of
// commands/ (files: lint, explain, convert; store: get, put, delete, promote, history, rollback, list, export, import; diff; doctor).

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { addDiffCommand } from './commands/diff.js';
import { addDoctorCommand } from './commands/doctor.js';
import { addFileCommands } from './commands/files.js';
import type { SetExitCode } from './commands/shared.js';
import { addStoreCommands } from './commands/store.js';
import { CliError, EXIT_CLEAN, EXIT_CODES_HELP, EXIT_USAGE, maskPasswords, printJson } from './output.js';

const EXAMPLES = `
Examples:
  bucket-cors lint cors.json
  bucket-cors explain cors.xml --origin https://app.example.com --method PUT --headers content-type,x-amz-meta-note --preflight
  bucket-cors convert cors.xml --to json
  bucket-cors convert cors.json --to mediastore > policy.json
  bucket-cors put photos cors.json --redis redis://127.0.0.1:6379
  REDIS_URL=redis://:PASSWORD@10.0.0.5:6379 bucket-cors list --json
  bucket-cors export all.json --redis redis://127.0.0.1:6379
  bucket-cors diff --template standard.json --buckets 'media-*' --redis redis://127.0.0.1:6379
  bucket-cors import gcs-buckets.json --format gcs --strict --redis redis://127.0.0.1:6379
  bucket-cors doctor https://s3.example.com --bucket photos --origin https://app.example.com

Every Redis command takes --redis URL, REDIS_URL by default; connecting and each command are bounded
by --timeout (5000 ms by default). Passwords are masked in every message.

${EXIT_CODES_HELP}`;

const PACKAGE_NAME = 'express-bucket-cors';

/** The package's version, from the package.json above the running script (the built `bin`). */
function packageVersion(): string {
  try {
    let dir = dirname(realpathSync(process.argv[1] ?? '.'));
    for (;;) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest)) {
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
        if (name === PACKAGE_NAME && typeof version === 'string') return version;
      }
      if (dirname(dir) === dir) return 'unknown';
      dir = dirname(dir);
    }
  } catch {
    return 'unknown';
  }
}

/** Builds the program; `setExitCode` receives each command's exit code. */
export function buildProgram(setExitCode: SetExitCode): Command {
  const program = new Command('bucket-cors')
    .description("Lint, explain and convert CORS configurations in every provider's format (S3's, MediaStore's and others'); manage the rules express-bucket-cors servers read from Redis, export and import them in any format; doctor a live endpoint.")
    .version(packageVersion(), '-V, --version', 'print the version of express-bucket-cors')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', EXAMPLES);

  addFileCommands(program, setExitCode);
  addStoreCommands(program, setExitCode);
  addDiffCommand(program, setExitCode);
  addDoctorCommand(program, setExitCode);
  return program;
}

/** Whether the command line asks for machine output (before a `--` that ends the options). */
const wantsJson = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
};

/**
 * Reports a failure: one line on stderr, and with `--json` one JSON document on stdout,
 * `{"error":{"message","exitCode","code"}}` (`code`: the dialect's or commander's error code, or null).
 */
function reportFailure(message: string, exitCode: number, code: string | undefined, json: boolean, alreadyPrinted: boolean): number {
  const masked = maskPasswords(message);
  if (!alreadyPrinted) process.stderr.write(`bucket-cors: ${masked}\n`);
  if (json) printJson({ error: { message: masked, exitCode, code: code ?? null } });
  return exitCode;
}

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  const json = wantsJson(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_CLEAN; // --help, --version
      // commander printed its message on stderr already.
      return reportFailure(error.message.replace(/^error: /, ''), EXIT_USAGE, error.code, json, true);
    }
    if (error instanceof CliError) return reportFailure(error.message, error.exitCode, error.code, json, false);
    return reportFailure(`unexpected error: ${(error as Error).stack ?? String(error)}`, EXIT_USAGE, undefined, json, false);
  }
}
