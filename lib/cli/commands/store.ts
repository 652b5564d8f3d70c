// Commands on the rules running servers read from Redis: get, put, delete, list, export, import.

import { renameSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { lint, type CorsConfiguration, type LintWarning } from '../../core/index.js';
import { FORMAT_NAMES, readConfiguration, writeConfiguration } from '../formats.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, printJson, printLines, Progress } from '../output.js';
import { listBuckets, openStore, STORE_OPTION_DEFAULTS, type OpenStore, type StoreOptions } from '../redis.js';
import { FILE_ARGUMENT, formatOption, jsonOption, readText, warningLines, type SetExitCode } from './shared.js';

/** What `export` writes and `import` reads. */
interface ExportFile {
  readonly buckets: Readonly<Record<string, CorsConfiguration>>;
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

/** Every bucket's configuration, read one by one; a bucket that fails to read is reported, not fatal. */
async function readAllBuckets(open: OpenStore): Promise<{ buckets: Record<string, CorsConfiguration>; failed: Array<{ bucket: string; error: string }> }> {
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
  return { buckets, failed };
}

/** A command that talks to Redis: --redis, --key-prefix, --channel and --json. */
function storeCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .requiredOption('--redis <url>', 'the Redis (or any Redis Cluster node) servers read rules from, e.g. redis://127.0.0.1:6379')
    .option('--key-prefix <prefix>', "RedisRuleStore's keyPrefix", STORE_OPTION_DEFAULTS.keyPrefix)
    .option('--channel <channel>', "RedisRuleStore's invalidation channel", STORE_OPTION_DEFAULTS.channel)
    .addOption(jsonOption());
}

function addGetCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'get')
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
}

function addPutCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'put')
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
}

function addDeleteCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'delete')
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
}

function addListCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'list')
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
}

function addExportCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'export')
    .description('write every bucket\'s configuration to one JSON file {"buckets":{"<bucket>":{"CORSRules":[…]}}}')
    .argument('<file>')
    .addHelpText('after', '\nExample:\n  bucket-cors export backup.json --redis redis://127.0.0.1:6379')
    .action((file: string, options: StoreOptions & { json?: boolean }) =>
      withStore(options, async (open) => {
        const { buckets, failed } = await readAllBuckets(open);
        const exported: ExportFile = { buckets };
        writeFileAtomically(file, `${JSON.stringify(exported, null, 2)}\n`);
        const count = Object.keys(buckets).length;
        if (options.json) printJson({ file, exported: count, failed });
        else printLines([...failed.map(({ bucket, error }) => `skipped bucket ${bucket}: ${error}`), `exported ${count} bucket(s) to ${file}${failed.length > 0 ? `, ${failed.length} skipped` : ''}`]);
        setExitCode(failed.length === 0 ? EXIT_CLEAN : EXIT_REFUSED);
      }),
    );
}

function addImportCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'import')
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
}

/** Adds get, put, delete, list, export and import to `program`, in that order. */
export function addStoreCommands(program: Command, setExitCode: SetExitCode): void {
  addGetCommand(program, setExitCode);
  addPutCommand(program, setExitCode);
  addDeleteCommand(program, setExitCode);
  addListCommand(program, setExitCode);
  addExportCommand(program, setExitCode);
  addImportCommand(program, setExitCode);
}
