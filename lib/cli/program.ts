// The `bucket-cors` command line: the program, its help and exit codes; each command group is a module of
// commands/ (files: lint, explain, convert; store: get, put, delete, list, export, import; doctor).

import { Command, CommanderError } from 'commander';
import { addDoctorCommand } from './commands/doctor.js';
import { addFileCommands } from './commands/files.js';
import type { SetExitCode } from './commands/shared.js';
import { addStoreCommands } from './commands/store.js';
import { CliError, EXIT_CLEAN, EXIT_USAGE } from './output.js';

const EXAMPLES = `
Examples:
  bucket-cors lint cors.json
  bucket-cors explain cors.xml --origin https://app.example.com --method PUT --headers content-type,x-amz-meta-note --preflight
  bucket-cors convert cors.xml --to json
  bucket-cors convert cors.json --to mediastore > policy.json
  bucket-cors put photos cors.json --redis redis://127.0.0.1:6379
  bucket-cors list --redis redis://127.0.0.1:7000 --json
  bucket-cors export all.json --redis redis://127.0.0.1:6379
  bucket-cors doctor https://s3.example.com --bucket photos --origin https://app.example.com

Exit codes: 0 clean, 1 warnings or a refusal, 2 a usage or connection error.`;

/** Builds the program; `setExitCode` receives each command's exit code. */
export function buildProgram(setExitCode: SetExitCode): Command {
  const program = new Command('bucket-cors')
    .description('Lint, explain and convert S3 and MediaStore CORS configurations; manage the rules express-bucket-cors servers read from Redis; doctor a live endpoint.')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', EXAMPLES);

  addFileCommands(program, setExitCode);
  addStoreCommands(program, setExitCode);
  addDoctorCommand(program, setExitCode);
  return program;
}

/** Runs the command line `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = EXIT_CLEAN;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CLEAN : EXIT_USAGE;
    if (error instanceof CliError) {
      process.stderr.write(`bucket-cors: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`bucket-cors: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_USAGE;
  }
}
