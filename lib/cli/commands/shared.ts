// What the command groups share: the configuration-file argument, the --format and --json options,
// reading a file (or stdin) and the wording of lint warnings.

import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import type { LintWarning } from '../../core/index.js';
import { FORMAT_NAMES } from '../formats.js';
import { CliError } from '../output.js';

/** Receives the exit code of the command that ran (see output.ts: EXIT_CLEAN, EXIT_REFUSED). */
export type SetExitCode = (code: number) => void;

export const FILE_ARGUMENT = 'S3 XML, S3 JSON or MediaStore JSON file ("-" for stdin)';

export const formatOption = (): Option => new Option('--format <format>', 'file format (default: detected from the content)').choices(FORMAT_NAMES);

export const jsonOption = (): Option => new Option('--json', 'machine output: one JSON document on stdout');

/** The text of `file`, or of stdin for `-`. */
export function readText(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

export const warningLines = (warnings: readonly LintWarning[]): string[] => warnings.map((warning) => `warning ${warning.code}: ${warning.message}`);
