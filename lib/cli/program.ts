// The `bucket-cors` command line: lint, explain and convert configuration files; read and write the rules running servers use in Redis; doctor a live endpoint.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { explain, lint, ruleLabel, type CorsConfiguration, type Explanation, type LintWarning } from '../core/index.js';
import { runDoctor } from './doctor.js';
import { FORMAT_NAMES, readConfiguration, writeConfiguration } from './formats.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, EXIT_USAGE, printJson, printLines, Progress } from './output.js';
import { listBuckets, openStore, STORE_OPTION_DEFAULTS, type OpenStore, type StoreOptions } from './redis.js';

/** What `export` writes and `import` reads. */
interface ExportFile {
  readonly buckets: Readonly<Record<string, CorsConfiguration>>;
}

function readText(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

const warningLines = (warnings: readonly LintWarning[]): string[] => warnings.map((warning) => `warning ${warning.code}: ${warning.message}`);

function explanationLines(explanation: Explanation): string[] {
  const lines = [explanation.allowed ? `allowed by ${ruleLabel(explanation.rule!, undefined)}` : `refused (${explanation.reason})`];
  for (const rule of explanation.rules) {
    const label = `  ${ruleLabel(rule.index, rule.id)}`;
    if (rule.failed.length === 0) lines.push(`${label}: matches`);
    else lines.push(`${label}: ${rule.failed.join(', ')} fail${rule.deniedHeaders.length > 0 ? `; headers not allowed: ${rule.deniedHeaders.join(', ')}` : ''}`);
  }
  for (const [name, value] of explanation.headers) lines.push(`  ${name}: ${value}`);
  if (explanation.suggestion !== null) lines.push(`suggestion: ${explanation.suggestion}`);
  return lines;
}

/** A bucket name as a store key: anything but empty (the key would be the prefix alone). */
function checkBucket(bucket: string, source = 'BUCKET'): string {
  if (bucket === '') throw new CliError(`${source}: a bucket name must not be empty`);
  return bucket;
}

/** Runs `work` on an open store and always closes it. */
async function withStore<T>(options: StoreOptions, work: (open: OpenStore) => Promise<T>): Promise<T> {
  const open = await openStore(options);
  try {
    return await work(open);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Redis: ${(error as Error).message}`);
  } finally {
    await open.close();
  }
}

/** Writes `text` to `file` through a temporary file and a rename, so readers never see half a file. */
function writeFileAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

const FILE_ARGUMENT = 'S3 XML, S3 JSON or MediaStore JSON file ("-" for stdin)';

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
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('bucket-cors')
    .description('Lint, explain and convert S3 and MediaStore CORS configurations; manage the rules express-bucket-cors servers read from Redis; doctor a live endpoint.')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', EXAMPLES);

  const formatOption = () => new Option('--format <format>', 'file format (default: detected from the content)').choices(FORMAT_NAMES);
  const jsonOption = () => new Option('--json', 'machine output: one JSON document on stdout');
  const storeCommand = (name: string) =>
    program
      .command(name)
      .requiredOption('--redis <url>', 'the Redis (or any Redis Cluster node) servers read rules from, e.g. redis://127.0.0.1:6379')
      .option('--key-prefix <prefix>', "RedisRuleStore's keyPrefix", STORE_OPTION_DEFAULTS.keyPrefix)
      .option('--channel <channel>', "RedisRuleStore's invalidation channel", STORE_OPTION_DEFAULTS.channel)
      .addOption(jsonOption());

  program
    .command('lint')
    .description('validate a configuration as PutBucketCors does and print lint warnings')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors lint cors.json --json')
    .action((file: string, options: { format?: string; json?: boolean }) => {
      const { configuration, format } = readConfiguration(readText(file), options.format, file);
      const warnings = lint(configuration);
      if (options.json) printJson({ file, format: format.name, warnings });
      else printLines(warnings.length === 0 ? [`${file}: no warnings`] : warningLines(warnings));
      setExitCode(warnings.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
    });

  program
    .command('explain')
    .description('explain how the rules answer a request: the verdict, what each rule fails, the smallest fix')
    .argument('<file>', FILE_ARGUMENT)
    .requiredOption('--origin <origin>', 'the Origin header')
    .requiredOption('--method <method>', 'the method of the request (for --preflight, the Access-Control-Request-Method)')
    .option('--headers <names>', 'Access-Control-Request-Headers, comma-separated')
    .option('--preflight', 'explain the OPTIONS preflight (default: the actual request)')
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors explain cors.json --origin https://app.example.com --method PUT --headers x-amz-meta-note --preflight')
    .action((file: string, options: { origin: string; method: string; headers?: string; preflight?: boolean; format?: string; json?: boolean }) => {
      const { configuration } = readConfiguration(readText(file), options.format, file);
      const explanation = explain(configuration, { origin: options.origin, method: options.method, requestHeaders: options.headers, preflight: options.preflight === true });
      if (options.json) printJson(explanation);
      else printLines(explanationLines(explanation));
      setExitCode(explanation.allowed ? EXIT_CLEAN : EXIT_REFUSED);
    });

  program
    .command('convert')
    .description('convert a configuration to another format (validated first)')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(new Option('--to <format>', 'the format to write').choices(FORMAT_NAMES).makeOptionMandatory())
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors convert cors.xml --to json > cors.json')
    .action((file: string, options: { to: string; format?: string; json?: boolean }) => {
      const { configuration, format } = readConfiguration(readText(file), options.format, file);
      const { document, notes } = writeConfiguration(configuration, options.to);
      if (options.json) printJson({ from: format.name, to: options.to, document, notes });
      else {
        process.stdout.write(document);
        for (const note of notes) process.stderr.write(`note: ${note}\n`);
      }
      setExitCode(EXIT_CLEAN);
    });

  storeCommand('get')
    .description("print a bucket's stored configuration (exit code 1 when it has none)")
    .argument('<bucket>')
    .addOption(new Option('--to <format>', 'the format to print').choices(FORMAT_NAMES).default('json'))
    .addHelpText('after', '\nExample:\n  bucket-cors get photos --redis redis://127.0.0.1:6379 --to xml')
    .action((bucket: string, options: StoreOptions & { to: string; json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const stored = await store.get(checkBucket(bucket));
        if (options.json) printJson({ bucket, configuration: stored?.configuration ?? null, version: stored?.version ?? null });
        else if (stored === null) printLines([`bucket ${bucket} has no CORS configuration`]);
        else process.stdout.write(writeConfiguration(stored.configuration, options.to).document);
        setExitCode(stored === null ? EXIT_REFUSED : EXIT_CLEAN);
      }),
    );

  storeCommand('put')
    .description("validate, lint and store a bucket's configuration; running servers drop their cached copy at once")
    .argument('<bucket>')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(formatOption())
    .addHelpText('after', '\nExample:\n  bucket-cors put photos cors.json --redis redis://127.0.0.1:6379')
    .action((bucket: string, file: string, options: StoreOptions & { format?: string; json?: boolean }) => {
      checkBucket(bucket);
      const { configuration } = readConfiguration(readText(file), options.format, file);
      const warnings = lint(configuration);
      return withStore(options, async ({ store }) => {
        const stored = await store.put(bucket, configuration);
        if (options.json) printJson({ bucket, version: stored.version, warnings });
        else printLines([...warningLines(warnings), `stored the rules of bucket ${bucket} (version ${stored.version}); running servers were told to reload them`]);
        setExitCode(warnings.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
      });
    });

  storeCommand('delete')
    .description("delete a bucket's configuration (also when it has none)")
    .argument('<bucket>')
    .addHelpText('after', '\nExample:\n  bucket-cors delete photos --redis redis://127.0.0.1:6379')
    .action((bucket: string, options: StoreOptions & { json?: boolean }) =>
      withStore(options, async ({ store }) => {
        await store.delete(checkBucket(bucket));
        if (options.json) printJson({ bucket, deleted: true });
        else printLines([`deleted the rules of bucket ${bucket}`]);
        setExitCode(EXIT_CLEAN);
      }),
    );

  storeCommand('list')
    .description('list every bucket with a configuration (every master of a Redis Cluster)')
    .addHelpText('after', '\nExample:\n  bucket-cors list --redis redis://127.0.0.1:6379')
    .action((options: StoreOptions & { json?: boolean }) =>
      withStore(options, async (open) => {
        const buckets = await listBuckets(open);
        if (options.json) printJson({ buckets });
        else printLines(buckets);
        setExitCode(EXIT_CLEAN);
      }),
    );

  storeCommand('export')
    .description('write every bucket\'s configuration to one JSON file {"buckets":{"<bucket>":{"CORSRules":[…]}}}')
    .argument('<file>')
    .addHelpText('after', '\nExample:\n  bucket-cors export backup.json --redis redis://127.0.0.1:6379')
    .action((file: string, options: StoreOptions & { json?: boolean }) =>
      withStore(options, async (open) => {
        const names = await listBuckets(open);
        const buckets: Record<string, CorsConfiguration> = {};
        const failed: Array<{ bucket: string; error: string }> = [];
        const progress = new Progress('exporting', names.length);
        for (const bucket of names) {
          try {
            const stored = await open.store.get(bucket);
            if (stored !== null) buckets[bucket] = stored.configuration;
          } catch (error) {
            failed.push({ bucket, error: (error as Error).message });
          }
          progress.tick();
        }
        progress.end();
        const exported: ExportFile = { buckets };
        writeFileAtomically(file, `${JSON.stringify(exported, null, 2)}\n`);
        const count = Object.keys(buckets).length;
        if (options.json) printJson({ file, exported: count, failed });
        else printLines([...failed.map(({ bucket, error }) => `skipped bucket ${bucket}: ${error}`), `exported ${count} bucket(s) to ${file}${failed.length > 0 ? `, ${failed.length} skipped` : ''}`]);
        setExitCode(failed.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
      }),
    );

  storeCommand('import')
    .description('store every bucket of an export file, one atomic write per bucket; all are validated before any is written')
    .argument('<file>')
    .addHelpText('after', '\nExample:\n  bucket-cors import backup.json --redis redis://127.0.0.1:6379')
    .action((file: string, options: StoreOptions & { json?: boolean }) => {
      const entries = readExportFile(file);
      const warnings: Array<LintWarning & { bucket: string }> = [];
      for (const [bucket, configuration] of entries) for (const warning of lint(configuration)) warnings.push({ bucket, ...warning });
      return withStore(options, async ({ store }) => {
        const progress = new Progress('importing', entries.length);
        for (const [bucket, configuration] of entries) {
          await store.put(bucket, configuration);
          progress.tick();
        }
        progress.end();
        if (options.json) printJson({ file, imported: entries.length, warnings });
        else printLines([...warnings.map((warning) => `warning ${warning.code}: bucket ${warning.bucket}, ${warning.message}`), `imported ${entries.length} bucket(s) from ${file}${warnings.length > 0 ? ` with ${warnings.length} warning(s)` : ''}`]);
        setExitCode(warnings.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
      });
    });

  program
    .command('doctor')
    .description('replay what browsers and AWS SDKs send to a live endpoint (path-style) and report what would break')
    .argument('<url>', 'the endpoint, e.g. https://s3.example.com')
    .requiredOption('--bucket <bucket>', 'the bucket to probe')
    .requiredOption('--origin <origin>', 'the Origin of the page that calls the endpoint')
    .option('--key <key>', 'the object key to request (a missing key is fine: S3 adds CORS headers to its 404)', 'bucket-cors-doctor-probe')
    .addOption(jsonOption())
    .addHelpText('after', '\nExample:\n  bucket-cors doctor http://localhost:9000 --bucket photos --origin http://localhost:9001')
    .action(async (url: string, options: { bucket: string; origin: string; key: string; json?: boolean }) => {
      const checks = await runDoctor({ url, bucket: options.bucket, origin: options.origin, key: options.key });
      if (options.json) printJson({ url, bucket: options.bucket, origin: options.origin, checks });
      else printLines(checks.map((check) => `${check.ok ? 'ok  ' : 'FAIL'} ${check.check}: ${check.message}`));
      setExitCode(checks.every((check) => check.ok) ? EXIT_CLEAN : EXIT_REFUSED);
    });

  return program;
}

/** Reads and validates an export file: every configuration must pass PutBucketCors's checks before anything is written. */
function readExportFile(file: string): Array<[string, CorsConfiguration]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const buckets = (parsed as Partial<ExportFile> | null)?.buckets;
  if (typeof buckets !== 'object' || buckets === null || Array.isArray(buckets)) throw new CliError(`${file} must hold {"buckets":{"<bucket>":{"CORSRules":[…]}}}, as export writes`);
  return Object.entries(buckets).map(([bucket, configuration]) => [checkBucket(bucket, file), readConfiguration(JSON.stringify(configuration), 'json', `${file}, bucket ${bucket}`).configuration]);
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
