// Commands on local configuration files, no server involved: lint, explain, convert.

import type { Command } from 'commander';
import { explain, lint, type CorsConfiguration, type Explanation } from '../../core/index.js';
import { S3_LINT_PACKS } from '../../dialects/s3/index.js';
import { conversionWarningLines, readConfiguration } from '../formats.js';
import { addConvertCommand } from './convert.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, printJson, printLines } from '../output.js';
import type { StoreOptions } from '../redis.js';
import type { StoredConfiguration } from '../../index.js';
import { addRedisOptions, checkBucket, FILE_ARGUMENT, formatOption, jsonOption, readInput, strictOption, warningLines, withStore, type SetExitCode } from './shared.js';

function explanationLines(explanation: Omit<Explanation, 'candidate'>): string[] {
  // The summary never calls an actual request "refused": S3 only leaves its CORS headers out.
  const lines = [explanation.summary];
  for (const rule of explanation.rules) {
    const label = `  ${rule.label}`;
    if (rule.failed.length === 0) lines.push(`${label}: matches`);
    else lines.push(`${label}: ${rule.failed.join(', ')} fail${rule.deniedHeaders.length > 0 ? `; headers not allowed: ${rule.deniedHeaders.join(', ')}` : ''}`);
  }
  for (const [name, value] of explanation.headers) lines.push(`  ${name}: ${value}`);
  if (explanation.suggestion !== null) lines.push(`suggestion: ${explanation.suggestion}`);
  return lines;
}

/** The enforced explanation, then the report-only candidate's, indented, with how it differs. */
function explanationWithCandidateLines(explanation: Explanation, candidateVersion: string | undefined): string[] {
  const lines = explanationLines(explanation);
  const { candidate } = explanation;
  if (candidate === undefined) return lines;
  const verdict = candidate.difference === null ? 'answers the same' : `answers differently (${candidate.difference})`;
  lines.push(`report-only candidate (version ${candidateVersion}) ${verdict}:`, ...explanationLines(candidate).map((line) => `  ${line}`));
  return lines;
}

function addLintCommand(program: Command, setExitCode: SetExitCode): void {
  program
    .command('lint')
    .description("validate a configuration as PutBucketCors does and print lint warnings, and for another provider's rules what reading them as S3's loses")
    .argument('<file>', FILE_ARGUMENT)
    .addOption(formatOption())
    .addOption(strictOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExamples:\n  bucket-cors lint cors.json --json\n  bucket-cors lint cors.xml --strict   # exit code 1 on warnings too')
    .action(async (file: string, options: { format?: string; strict?: boolean; json?: boolean }) => {
      const { configuration, format, warnings: losses } = readConfiguration(await readInput(file), options.format, file);
      const warnings = lint(configuration, { packs: S3_LINT_PACKS });
      const lines = [...conversionWarningLines(losses), ...warningLines(warnings)];
      if (options.json) printJson({ file, format, warnings, conversionWarnings: losses });
      else printLines(lines.length === 0 ? [`${file}: no warnings`] : lines);
      setExitCode(options.strict && lines.length > 0 ? EXIT_REFUSED : EXIT_CLEAN);
    });
}

interface ExplainOptions extends Partial<StoreOptions> {
  readonly bucket?: string;
  readonly origin: string;
  readonly method: string;
  readonly headers?: string;
  readonly preflight?: boolean;
  readonly format?: string;
  readonly json?: boolean;
}

/** What explain explains: the file's rules, or with `--bucket` the bucket's stored rules and report-only candidate (read from Redis). */
interface ExplainedRules {
  /** `null`: a bucket with only a candidate. */
  readonly configuration: CorsConfiguration | null;
  readonly candidate?: StoredConfiguration;
}

async function explainedRules(file: string | undefined, options: ExplainOptions): Promise<ExplainedRules> {
  if (options.bucket === undefined) {
    if (file === undefined) throw new CliError('explain needs a configuration file, or --bucket BUCKET to explain its stored rules');
    return { configuration: readConfiguration(await readInput(file), options.format, file).configuration };
  }
  if (file !== undefined) throw new CliError('explain takes a file or --bucket, not both');
  if (options.redis === undefined) throw new CliError('explain --bucket reads the stored rules from Redis: give --redis URL or set REDIS_URL');
  const bucket = checkBucket(options.bucket, '--bucket');
  const { enforced, candidate } = await withStore(options as StoreOptions, ({ store }) => store.getRules(bucket));
  if (enforced === null && candidate === null) throw new CliError(`bucket ${bucket} has no CORS configuration: every cross-origin request to it is refused`, EXIT_REFUSED, 'NoSuchCORSConfiguration');
  return { configuration: enforced?.configuration ?? null, ...(candidate !== null && { candidate }) };
}

function addExplainCommand(program: Command, setExitCode: SetExitCode): void {
  const command = program
    .command('explain')
    .description("explain how the rules (of a file, or a bucket's stored rules with --bucket, and its report-only candidate) answer a request: the verdict, what each rule fails, the smallest fix")
    .argument('[file]', FILE_ARGUMENT)
    .option('--bucket <bucket>', "explain this bucket's stored rules instead of a file (with --redis or REDIS_URL)")
    .requiredOption('--origin <origin>', 'the Origin header')
    .requiredOption('--method <method>', 'the method of the request (for --preflight, the Access-Control-Request-Method)')
    .option('--headers <names>', 'Access-Control-Request-Headers, comma-separated')
    .option('--preflight', 'explain the OPTIONS preflight (default: the actual request)')
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bucket-cors explain cors.json --origin https://app.example.com --method PUT --headers x-amz-meta-note --preflight\n  bucket-cors explain --bucket photos --redis redis://127.0.0.1:6379 --origin https://app.example.com --method GET',
    );
  addRedisOptions(command, false).action(
    async (file: string | undefined, options: ExplainOptions) => {
      const { configuration, candidate } = await explainedRules(file, options);
      const request = { origin: options.origin, method: options.method, requestHeaders: options.headers, preflight: options.preflight === true };
      const explanation = explain(configuration, request, candidate === undefined ? {} : { candidate: candidate.configuration });
      if (options.json) printJson(candidate === undefined ? explanation : { ...explanation, candidate: { ...explanation.candidate, version: candidate.version } });
      else printLines(explanationWithCandidateLines(explanation, candidate?.version));
      setExitCode(explanation.allowed ? EXIT_CLEAN : EXIT_REFUSED);
    },
  );
}

/** Adds lint, explain and convert to `program`, in that order. */
export function addFileCommands(program: Command, setExitCode: SetExitCode): void {
  addLintCommand(program, setExitCode);
  addExplainCommand(program, setExitCode);
  addConvertCommand(program, setExitCode);
}
