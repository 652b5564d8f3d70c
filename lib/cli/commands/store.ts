// Commands on the rules running servers read from Redis: get, put, delete (of the rules or, --report-only, the candidate), promote, history, rollback, list, export, import.

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { lint, type CorsConfiguration } from '../../core/index.js';
import { S3_LINT_PACKS } from '../../dialects/s3/index.js';
import { isCandidateNotFoundError, isPreconditionFailedError, isVersionNotFoundError, rollbackConfiguration } from '../../store/lifecycle.js';
import type { StoredConfiguration, StorePromoteOptions, StoreWriteOptions } from '../../store/types.js';
import { bucketFileOf, conversionWarningLines, FORMAT_NAMES, readBucketFile, readConfiguration, writeConfiguration, type ImportedBucket, type SkippedBucket } from '../formats.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, printJson, printLines, printNotes, Progress } from '../output.js';
import { listBuckets, type OpenStore, type StoreOptions } from '../redis.js';
import {
  addRedisOptions,
  checkBucket,
  checkForDialect,
  dialectOption,
  FILE_ARGUMENT,
  finishWithWarnings,
  formatOption,
  jsonOption,
  MAX_EXPORT_FILE_BYTES,
  readInput,
  strictOption,
  warningLines,
  withStore,
  type SetExitCode,
} from './shared.js';

/** The options of put and import. */
interface WriteOptions extends StoreOptions {
  readonly dialect: string;
  readonly strict?: boolean;
  readonly json?: boolean;
}

/**
 * Writes `text` to `file` through a temporary file beside it and a rename, so readers never see half a
 * file. The temporary file is created exclusively under a random name and never through a symbolic
 * link (O_EXCL | O_NOFOLLOW), so nobody can plant a file or a link there to be written through.
 */
function writeFileAtomically(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, file);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    unlinkSync(temporary);
    throw error;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A bucket file as JSON holds it (a `__proto__` bucket included: JSON.parse makes it an own key). */
export async function parsedBucketFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(strictUtf8.decode(await readInput(file, MAX_EXPORT_FILE_BYTES)));
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof TypeError) throw new CliError(`${file}: not valid UTF-8, as PUT ?cors refuses it (MalformedJSON)`, EXIT_REFUSED, 'MalformedJSON');
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads and checks a bucket file: every bucket name and configuration must pass the target dialect's
 * checks before anything is written; the warnings are each bucket's conversion losses, name and lint
 * warnings. No 64 KB limit per configuration in JSON (an export holds MediaStore policies of up to
 * 398,000 characters too); the file itself is limited to {@link MAX_EXPORT_FILE_BYTES}.
 */
async function readImportFile(file: string, options: WriteOptions & { format?: string }): Promise<{ entries: ImportedBucket[]; warnings: string[] }> {
  const entries = readBucketFile(await parsedBucketFile(file), options.format, file);
  const warnings: string[] = [];
  for (const { bucket, configuration, warnings: losses } of entries) {
    const source = `${file}, bucket ${bucket}`;
    checkBucket(bucket, file);
    warnings.push(...losses);
    warnings.push(...checkForDialect(options.dialect, bucket, configuration, source).map((line) => `${line} (${source})`));
    warnings.push(...lint(configuration, { packs: S3_LINT_PACKS }).map((warning) => `warning ${warning.code}: bucket ${bucket}, ${warning.message}`));
  }
  return { entries, warnings };
}

/**
 * Why a listed key gave no configuration (`error`, or none read), or `undefined` when it was deleted
 * since it was listed. A key of another type (a hash, a set) is named by its type.
 */
export async function unreadableReason(open: OpenStore, bucket: string, error: Error | undefined): Promise<string | undefined> {
  const type = await open.client.type(open.keyPrefix + bucket);
  if (type === 'none') return undefined;
  return type === 'string' ? (error?.message ?? 'the key holds no stored configuration') : `the key holds a Redis ${type}, not a stored configuration`;
}

/**
 * Every bucket's configuration, read one by one; a key that holds no configuration is named in
 * `failed`, not fatal. Redis no longer answering is fatal (the export would be partial).
 */
async function readAllBuckets(open: OpenStore): Promise<{ buckets: Record<string, CorsConfiguration>; failed: Array<{ bucket: string; error: string }> }> {
  const names = await listBuckets(open);
  // No prototype: a bucket called `__proto__` is a key like any other.
  const buckets: Record<string, CorsConfiguration> = Object.create(null) as Record<string, CorsConfiguration>;
  const failed: Array<{ bucket: string; error: string }> = [];
  const progress = new Progress('exporting', names.length);
  for (const bucket of names) {
    let error: Error | undefined;
    try {
      const stored = await open.store.get(bucket);
      if (stored !== null) buckets[bucket] = stored.configuration;
    } catch (failure) {
      if (open.lostConnection(failure)) throw failure;
      error = failure as Error;
    }
    if (!(bucket in buckets)) {
      const reason = await unreadableReason(open, bucket, error);
      if (reason !== undefined) failed.push({ bucket, error: reason });
    }
    progress.tick();
  }
  progress.end();
  return { buckets, failed };
}

/** A command that talks to Redis: --redis (or REDIS_URL), --key-prefix, --channel, --timeout and --json. */
function storeCommand(program: Command, name: string): Command {
  return addRedisOptions(program.command(name), true).addOption(jsonOption());
}

/** The `--if-version` / `--if-absent` options of a change. */
interface ConditionOptions {
  readonly ifVersion?: string;
  readonly ifAbsent?: boolean;
}

/** A change's store options: source `cli`, and its condition. */
function cliWrite(options: ConditionOptions): StoreWriteOptions {
  if (options.ifVersion !== undefined && options.ifAbsent) throw new CliError('--if-version and --if-absent exclude each other');
  const ifVersion = options.ifAbsent ? null : options.ifVersion;
  return ifVersion === undefined ? { source: 'cli' } : { source: 'cli', ifVersion };
}

/** Runs a change; a condition that did not hold, an unknown version or no candidate to promote is a refusal (exit code 1), not a connection error. */
async function refusingStale<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (isPreconditionFailedError(error) || isVersionNotFoundError(error) || isCandidateNotFoundError(error)) throw new CliError(error.message, EXIT_REFUSED);
    throw error;
  }
}

/** `--report-only`: the command works on the bucket's report-only candidate instead of its rules. */
interface ReportOnlyOption {
  readonly reportOnly?: boolean;
}

const REPORT_ONLY_HELP = "the bucket's report-only candidate instead of its rules: evaluated beside them by running servers, never answered with (see promote)";

/** What the command calls the configuration it works on. */
const subjectOf = (options: ReportOnlyOption, bucket: string): string => (options.reportOnly ? `the report-only candidate of bucket ${bucket}` : `the rules of bucket ${bucket}`);

/** A store command that changes rules: `--if-version` and `--if-absent` besides the store options. */
function changeCommand(program: Command, name: string): Command {
  return storeCommand(program, name)
    .option('--if-version <version>', 'change only if the stored version is this one (as `get --json` prints it)')
    .option('--if-absent', 'change only if the bucket has no configuration');
}

function addGetCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'get')
    .description("print a bucket's stored configuration (exit code 1 when it has none)")
    .argument('<bucket>')
    .addOption(new Option('--to <format>', 'the format to print').choices(FORMAT_NAMES).default('json'))
    .option('--report-only', REPORT_ONLY_HELP)
    .addHelpText('after', '\nExamples:\n  bucket-cors get photos --redis redis://127.0.0.1:6379 --to xml\n  bucket-cors get photos --report-only --json')
    .action((bucket: string, options: StoreOptions & ReportOnlyOption & { to: string; json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const stored: StoredConfiguration | null = await (options.reportOnly ? store.getCandidate(checkBucket(bucket)) : store.get(checkBucket(bucket)));
        if (options.json) printJson({ bucket, configuration: stored?.configuration ?? null, version: stored?.version ?? null, ...(options.reportOnly && { reportOnly: true }) });
        else if (stored === null) printLines([`bucket ${bucket} has no ${options.reportOnly ? 'report-only ' : ''}CORS configuration`]);
        else {
          const { document, notes } = writeConfiguration(stored.configuration, options.to);
          process.stdout.write(document);
          printNotes(notes);
        }
        setExitCode(stored === null ? EXIT_REFUSED : EXIT_CLEAN);
      }),
    );
}

function addPutCommand(program: Command, setExitCode: SetExitCode): void {
  changeCommand(program, 'put')
    .description("validate, lint and store a bucket's configuration; running servers drop their cached copy at once. Warnings go to stderr")
    .argument('<bucket>')
    .argument('<file>', FILE_ARGUMENT)
    .addOption(formatOption())
    .addOption(dialectOption())
    .addOption(strictOption())
    .option('--report-only', `store ${REPORT_ONLY_HELP}`)
    .addHelpText(
      'after',
      '\nExamples:\n  bucket-cors put photos cors.json --redis redis://127.0.0.1:6379\n  REDIS_URL=redis://:secret@10.0.0.5:6379/2 bucket-cors put photos cors.xml --strict\n  bucket-cors put photos wider.json --report-only   # then watch express-bucket-cors:report-only, and promote',
    )
    .action(async (bucket: string, file: string, options: WriteOptions & ConditionOptions & ReportOnlyOption & { format?: string }) => {
      checkBucket(bucket);
      const write = cliWrite(options);
      const { configuration, warnings: losses } = readConfiguration(await readInput(file), options.format, file);
      const warnings = [...conversionWarningLines(losses), ...checkForDialect(options.dialect, bucket, configuration, file), ...warningLines(lint(configuration, { packs: S3_LINT_PACKS }))];
      if (options.strict && warnings.length > 0) {
        if (options.json) printJson({ bucket, stored: false, warnings });
        finishWithWarnings([...warnings, `nothing stored: --strict and ${warnings.length} warning(s)`], true, setExitCode);
        return;
      }
      await withStore(options, async ({ store }) => {
        const stored = await refusingStale(() => (options.reportOnly ? store.putCandidate(bucket, configuration, write) : store.put(bucket, configuration, write)));
        if (options.json) printJson({ bucket, stored: true, version: stored.version, warnings, ...(options.reportOnly && { reportOnly: true }) });
        else printLines([`stored ${subjectOf(options, bucket)} (version ${stored.version}); running servers were told to reload them`]);
        finishWithWarnings(warnings, false, setExitCode);
      });
    });
}

function addDeleteCommand(program: Command, setExitCode: SetExitCode): void {
  changeCommand(program, 'delete')
    .description("delete a bucket's configuration (also when it has none); its history keeps it for a rollback")
    .argument('<bucket>')
    .option('--report-only', `delete ${REPORT_ONLY_HELP}`)
    .addHelpText('after', '\nExamples:\n  bucket-cors delete photos --redis redis://127.0.0.1:6379\n  bucket-cors delete photos --report-only')
    .action((bucket: string, options: StoreOptions & ConditionOptions & ReportOnlyOption & { json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const write = cliWrite(options);
        await refusingStale(() => (options.reportOnly ? store.deleteCandidate(checkBucket(bucket), write) : store.delete(checkBucket(bucket), write)));
        if (options.json) printJson({ bucket, deleted: true, ...(options.reportOnly && { reportOnly: true }) });
        else printLines([`deleted ${subjectOf(options, bucket)}`]);
        setExitCode(EXIT_CLEAN);
      }),
    );
}

function addPromoteCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'promote')
    .description("make a bucket's report-only candidate its rules, atomically, keeping the candidate's version (recorded in the history as source promote)")
    .argument('<bucket>')
    .option('--if-version <version>', 'promote only if the rules are at this version')
    .option('--if-absent', 'promote only if the bucket has no rules')
    .option('--if-candidate-version <version>', 'promote only if the candidate is at this version (as `get --report-only --json` prints it)')
    .addHelpText('after', '\nExample:\n  bucket-cors promote photos --if-version mfx3k2a1-3f9c0a1b2c3d --if-candidate-version mfx3k9zz-0a1b2c3d4e5f --redis redis://127.0.0.1:6379')
    .action((bucket: string, options: StoreOptions & ConditionOptions & { ifCandidateVersion?: string; json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const { ifVersion, ...origin } = cliWrite(options);
        const promote: StorePromoteOptions = { ...origin, ...(ifVersion !== undefined && { ifVersion }), ...(options.ifCandidateVersion !== undefined && { ifCandidateVersion: options.ifCandidateVersion }) };
        const promoted = await refusingStale(() => store.promote(checkBucket(bucket), promote));
        if (options.json) printJson({ bucket, promoted: true, version: promoted.version });
        else printLines([`bucket ${bucket} now has the rules of its report-only candidate (version ${promoted.version}); running servers were told to reload them`]);
        setExitCode(EXIT_CLEAN);
      }),
    );
}

function addHistoryCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'history')
    .description("print a bucket's last changes, newest first: when, from where, by whom, and the version each replaced")
    .argument('<bucket>')
    .addHelpText('after', '\nExample:\n  bucket-cors history photos --redis redis://127.0.0.1:6379')
    .action((bucket: string, options: StoreOptions & { json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const history = await store.history(checkBucket(bucket));
        if (options.json) printJson({ bucket, history });
        else if (history.length === 0) printLines([`bucket ${bucket} has no recorded changes`]);
        else printLines(history.map((change) => `${change.time}  ${change.version ?? '(deleted)'} replaced ${change.previousVersion ?? '(none)'}  ${change.source}${change.principal === null ? '' : ` by ${change.principal}`}`));
        setExitCode(EXIT_CLEAN);
      }),
    );
}

function addRollbackCommand(program: Command, setExitCode: SetExitCode): void {
  changeCommand(program, 'rollback')
    .description('put back the configuration a bucket had at an earlier version (from its history), as a new version')
    .argument('<bucket>')
    .argument('<version>', 'a version the history lists as replaced')
    .addHelpText('after', '\nExample:\n  bucket-cors rollback photos mfx3k2a1-3f9c0a1b2c3d --redis redis://127.0.0.1:6379')
    .action((bucket: string, version: string, options: StoreOptions & ConditionOptions & { json?: boolean }) =>
      withStore(options, async ({ store }) => {
        const stored = await refusingStale(() => rollbackConfiguration(store, checkBucket(bucket), version, cliWrite(options)));
        if (options.json) printJson({ bucket, version: stored.version, restored: version });
        else printLines([`bucket ${bucket} has the rules of version ${version} again (now version ${stored.version}); running servers were told to reload them`]);
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

const BUCKET_FILE_HELP = `
A bucket file is {"buckets":{"<bucket>":{"CORSRules":[…]}}}, or with --format F
{"format":"F","buckets":{"<bucket>":<F's document>}}: a JSON format's value as it is
(a GCS list, an R2 {"rules":[…]}), an XML format's document as a string.`;

/** Writes the export file, or nothing under `--strict` with losses; the exit code names what was skipped or lost. */
function finishExport(file: string, written: ReturnType<typeof bucketFileOf>, failed: readonly SkippedBucket[], options: { strict?: boolean; json?: boolean }, setExitCode: SetExitCode): void {
  const skipped = [...failed, ...written.skipped];
  const refused = options.strict === true && (written.warnings.length > 0 || skipped.length > 0);
  if (!refused) {
    try {
      writeFileAtomically(file, `${JSON.stringify(written.file, null, 2)}\n`);
    } catch (error) {
      throw new CliError(`cannot write ${file}: ${(error as Error).message}`);
    }
  }
  const count = refused ? 0 : Object.keys(written.file.buckets).length;
  printNotes([...skipped.map(({ bucket, error }) => `skipped bucket ${JSON.stringify(bucket)}: ${error}`), ...written.warnings]);
  if (options.json) printJson({ file, format: written.file.format ?? null, exported: count, failed: skipped, warnings: written.warnings });
  else if (refused) printLines([`nothing written to ${file}: --strict and ${written.warnings.length} warning(s), ${skipped.length} bucket(s) skipped`]);
  else printLines([`exported ${count} bucket(s) to ${file}${skipped.length > 0 ? `, ${skipped.length} skipped` : ''}${written.warnings.length > 0 ? ` with ${written.warnings.length} warning(s)` : ''}`]);
  setExitCode(refused || skipped.length > 0 ? EXIT_REFUSED : EXIT_CLEAN);
}

function addExportCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'export')
    .description('write every bucket\'s configuration to one JSON file, in any format (--format); keys that hold no configuration, and buckets past the format\'s limits, are named and skipped (exit code 1)')
    .argument('<file>')
    .addOption(new Option('--format <format>', 'write each bucket in this format (default: the stored S3 JSON, {"CORSRules":[…]})').choices(FORMAT_NAMES))
    .option('--strict', 'write nothing (exit code 1) when any bucket would lose anything in the format, or be skipped')
    .addHelpText('after', `\nExamples:\n  bucket-cors export backup.json --redis redis://127.0.0.1:6379\n  bucket-cors export gcs-buckets.json --format gcs --strict\n${BUCKET_FILE_HELP}`)
    .action((file: string, options: StoreOptions & { format?: string; strict?: boolean; json?: boolean }) =>
      withStore(options, async (open) => {
        const { buckets, failed } = await readAllBuckets(open);
        finishExport(file, bucketFileOf(buckets, options.format), failed, options, setExitCode);
      }),
    );
}

function addImportCommand(program: Command, setExitCode: SetExitCode): void {
  storeCommand(program, 'import')
    .description(`store every bucket of a bucket file (up to ${MAX_EXPORT_FILE_BYTES / 1024 / 1024} MiB) in any format, one atomic write per bucket; all are read and checked by the target dialect before any is written`)
    .argument('<file>')
    .addOption(new Option('--format <format>', 'the format of every bucket\'s value (default: the file\'s "format", else detected per bucket)').choices(FORMAT_NAMES))
    .addOption(dialectOption())
    .addOption(strictOption())
    .addHelpText('after', `\nExamples:\n  bucket-cors import backup.json --redis redis://127.0.0.1:6379\n  bucket-cors import gcs-buckets.json --format gcs --strict\n  bucket-cors import containers.json --dialect mediastore --strict\n${BUCKET_FILE_HELP}`)
    .action(async (file: string, options: WriteOptions & { format?: string }) => {
      const { entries, warnings } = await readImportFile(file, options);
      if (options.strict && warnings.length > 0) {
        if (options.json) printJson({ file, imported: 0, warnings });
        finishWithWarnings([...warnings, `nothing imported: --strict and ${warnings.length} warning(s)`], true, setExitCode);
        return;
      }
      await withStore(options, async ({ store }) => {
        const progress = new Progress('importing', entries.length);
        for (const { bucket, configuration } of entries) {
          await store.put(bucket, configuration, { source: 'import' });
          progress.tick();
        }
        progress.end();
        if (options.json) printJson({ file, imported: entries.length, warnings });
        else printLines([`imported ${entries.length} bucket(s) from ${file}${warnings.length > 0 ? ` with ${warnings.length} warning(s)` : ''}`]);
        finishWithWarnings(warnings, false, setExitCode);
      });
    });
}

/** Adds get, put, delete, promote, history, rollback, list, export and import to `program`, in that order. */
export function addStoreCommands(program: Command, setExitCode: SetExitCode): void {
  addGetCommand(program, setExitCode);
  addPutCommand(program, setExitCode);
  addDeleteCommand(program, setExitCode);
  addPromoteCommand(program, setExitCode);
  addHistoryCommand(program, setExitCode);
  addRollbackCommand(program, setExitCode);
  addListCommand(program, setExitCode);
  addExportCommand(program, setExitCode);
  addImportCommand(program, setExitCode);
}
