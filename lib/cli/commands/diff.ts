// `bucket-cors diff`, three forms: a bucket's rules at two versions (its history), every bucket against a
// template (--template), and the distinct configurations among the buckets (--group). Exit code 1 on a difference.

import { Option, type Command } from 'commander';
import { diffConfigurations, groupConfigurations, type ConfigurationDiff, type CorsConfiguration, type RuleDifference } from '../../core/index.js';
import { configurationAt, isVersionNotFoundError } from '../../store/lifecycle.js';
import { bucketFileEntries, readConfiguration } from '../formats.js';
import { compileBucketPattern } from '../glob.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, EXIT_USAGE, printJson, printLines, printNotes, Progress } from '../output.js';
import { listBuckets, type OpenStore, type StoreOptions } from '../redis.js';
import { addRedisOptions, checkBucket, formatOption, jsonOption, readInput, withStore, type SetExitCode } from './shared.js';
import { parsedBucketFile, unreadableReason } from './store.js';

interface DiffOptions extends Partial<StoreOptions> {
  readonly template?: string;
  readonly group?: boolean;
  readonly buckets: readonly string[];
  readonly from?: string;
  readonly format?: string;
  readonly json?: boolean;
}

/** A bucket whose stored value could not be read as a configuration. */
interface UnreadableBucket {
  readonly bucket: string;
  readonly error: string;
}

/** The buckets a drift report compares, sorted by name (`null`: no configuration), and those that could not be read. */
interface BucketEntries {
  readonly entries: ReadonlyArray<readonly [string, CorsConfiguration | null]>;
  readonly unreadable: readonly UnreadableBucket[];
}

/** Which buckets `--buckets` selects. */
interface Selection {
  matches(bucket: string): boolean;
  /** Names given without `*` or `?`: checked even when they have no configuration. */
  readonly literals: readonly string[];
  /** What every selected name starts with (narrows the SCAN). */
  readonly namePrefix: string;
}

/** Reads of one batch go to Redis together: one MGET (one per node of a Cluster). */
export const DIFF_READ_BATCH = 500;
/** Bucket names a group lists in human output; `--json` lists them all. */
const NAMES_SHOWN = 10;

const commonPrefix = (texts: readonly string[]): string =>
  texts.reduce((prefix, text) => {
    let length = 0;
    while (length < prefix.length && prefix[length] === text[length]) length++;
    return prefix.slice(0, length);
  });

function selection(patterns: readonly string[]): Selection {
  if (patterns.length === 0) return { matches: () => true, literals: [], namePrefix: '' };
  const compiled = patterns.map((pattern) => compileBucketPattern(checkBucket(pattern, '--buckets')));
  return {
    matches: (bucket) => compiled.some((pattern) => pattern.matches(bucket)),
    literals: compiled.filter((pattern) => pattern.literal).map((pattern) => pattern.text),
    namePrefix: commonPrefix(compiled.map((pattern) => pattern.prefix)),
  };
}

/** `entries` with the literal names it lacks added as buckets without configuration, sorted by name. */
function withLiterals(entries: Array<readonly [string, CorsConfiguration | null]>, unreadable: readonly UnreadableBucket[], literals: readonly string[]): BucketEntries {
  const seen = new Set([...entries.map(([bucket]) => bucket), ...unreadable.map(({ bucket }) => bucket)]);
  for (const bucket of new Set(literals)) if (!seen.has(bucket)) entries.push([bucket, null]);
  return { entries: entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), unreadable };
}

/** The selected buckets of an export file (what `bucket-cors export` writes): an offline drift check. */
async function entriesFromExport(file: string, selected: Selection): Promise<BucketEntries> {
  const entries: Array<readonly [string, CorsConfiguration | null]> = [];
  const unreadable: UnreadableBucket[] = [];
  for (const entry of bucketFileEntries(await parsedBucketFile(file), undefined, file)) {
    if (!selected.matches(entry.bucket)) continue;
    if ('error' in entry) unreadable.push({ bucket: entry.bucket, error: entry.error.message });
    else entries.push([entry.bucket, entry.configuration]);
  }
  return withLiterals(entries, unreadable, selected.literals);
}

/**
 * The selected buckets of the store, read {@link DIFF_READ_BATCH} at a time (the store sends the reads
 * of one batch together). A listed key that holds no configuration is unreadable, not fatal; Redis
 * no longer answering is (the report would be partial).
 */
async function entriesFromStore(open: OpenStore, selected: Selection): Promise<BucketEntries> {
  const names = (await listBuckets(open, selected.namePrefix)).filter((bucket) => selected.matches(bucket));
  const entries: Array<readonly [string, CorsConfiguration | null]> = [];
  const unreadable: UnreadableBucket[] = [];
  const progress = new Progress('reading', names.length);
  for (let start = 0; start < names.length; start += DIFF_READ_BATCH) {
    const batch = names.slice(start, start + DIFF_READ_BATCH);
    const reads = await Promise.allSettled(batch.map((bucket) => open.store.get(bucket)));
    for (const [index, read] of reads.entries()) {
      const bucket = batch[index]!;
      if (read.status === 'fulfilled' && read.value !== null) entries.push([bucket, read.value.configuration]);
      else {
        const failure = read.status === 'rejected' ? (read.reason as Error) : undefined;
        if (failure !== undefined && open.lostConnection(failure)) throw failure;
        // Deleted since it was listed: it has no configuration now.
        const reason = await unreadableReason(open, bucket, failure);
        if (reason === undefined) entries.push([bucket, null]);
        else unreadable.push({ bucket, error: reason });
      }
      progress.tick();
    }
  }
  progress.end();
  return withLiterals(entries, unreadable, selected.literals);
}

/** The buckets a report compares: from `--from` (an export file) or from Redis. */
async function readEntries(options: DiffOptions, work: (read: BucketEntries) => void): Promise<void> {
  const selected = selection(options.buckets);
  if (options.from !== undefined) return work(await entriesFromExport(options.from, selected));
  if (options.redis === undefined) throw new CliError('diff reads the stored rules from Redis: give --redis URL or set REDIS_URL, or --from FILE to read an export file');
  await withStore(options as StoreOptions, async (open) => work(await entriesFromStore(open, selected)));
}

/** Names unreadable buckets on stderr; they make the exit code 2 (the report is incomplete), a difference 1. */
function exitCode(differs: boolean, unreadable: readonly UnreadableBucket[]): number {
  printNotes(unreadable.map(({ bucket, error }) => `unreadable bucket ${JSON.stringify(bucket)}: ${error}`));
  return unreadable.length > 0 ? EXIT_USAGE : differs ? EXIT_REFUSED : EXIT_CLEAN;
}

const indented = (lines: readonly string[]): string[] => lines.map((line) => `  ${line}`);

/** A bucket that differs from the template, as `--json` prints it. */
interface DriftingBucket {
  readonly bucket: string;
  /** False when the bucket has no configuration. */
  readonly configured: boolean;
  readonly differences: readonly RuleDifference[];
  readonly lines: readonly string[];
}

/** Every bucket against the template: those that differ, rule by rule (template → bucket). */
function templateReport(name: string, template: CorsConfiguration, { entries, unreadable }: BucketEntries, json: boolean): number {
  const drifting: DriftingBucket[] = [];
  for (const [bucket, configuration] of entries) {
    const { equal, differences, lines } = diffConfigurations(template, configuration);
    if (!equal) drifting.push({ bucket, configured: configuration !== null, differences, lines });
  }
  if (json) printJson({ template: name, checked: entries.length, matching: entries.length - drifting.length, drifting, unreadable });
  else {
    const lines = drifting.flatMap(({ bucket, configured, lines: changes }) => (configured ? [`${bucket} differs from the template:`, ...indented(changes)] : [`${bucket}: no configuration`]));
    const checked = `${entries.length} bucket(s)`;
    lines.push(drifting.length === 0 ? `${entries.length === 0 ? 'no bucket to check' : `all ${checked} match`} ${name}` : `${drifting.length} of ${checked} drift from ${name}`);
    printLines(lines);
  }
  return exitCode(drifting.length > 0, unreadable);
}

const rulesCount = (configuration: CorsConfiguration | null): string => (configuration === null ? 'no configuration' : `${configuration.CORSRules.length} rule(s)`);

const shownNames = (buckets: readonly string[]): string =>
  buckets.length <= NAMES_SHOWN ? buckets.join(', ') : `${buckets.slice(0, NAMES_SHOWN).join(', ')} and ${buckets.length - NAMES_SHOWN} more`;

/** The distinct configurations, the most common first; each other one shown as its difference from it. */
function groupReport({ entries, unreadable }: BucketEntries, json: boolean): number {
  const groups = groupConfigurations(entries);
  const first = groups[0];
  const fromFirst = (configuration: CorsConfiguration | null): ConfigurationDiff | null => (first === undefined || configuration === first.configuration ? null : diffConfigurations(first.configuration, configuration));
  if (json) {
    const shown = groups.map(({ configuration, buckets }) => ({ count: buckets.length, buckets, configuration, fromFirst: fromFirst(configuration) }));
    printJson({ checked: entries.length, groups: shown, unreadable });
  } else {
    const lines = [`${groups.length} distinct configuration(s) among ${entries.length} bucket(s)`];
    groups.forEach(({ configuration, buckets }, index) => {
      const diff = fromFirst(configuration);
      lines.push(`#${index + 1}: ${buckets.length} bucket(s), ${rulesCount(configuration)}${diff === null ? '' : ', from #1'}: ${shownNames(buckets)}`);
      if (diff !== null && configuration !== null) lines.push(...indented(diff.lines));
    });
    printLines(lines);
  }
  return exitCode(groups.length > 1, unreadable);
}

/** A bucket's rules at `from` against `to` (default: its rules now), from its history. */
async function historyReport(bucket: string, from: string, to: string | undefined, options: DiffOptions): Promise<number> {
  if (options.redis === undefined) throw new CliError('diff BUCKET VERSION reads the history from Redis: give --redis URL or set REDIS_URL');
  return withStore(options as StoreOptions, async ({ store }) => {
    const [current, history] = await Promise.all([store.get(bucket), store.history(bucket)]);
    let before: CorsConfiguration;
    let after: CorsConfiguration | null;
    try {
      before = configurationAt(bucket, from, current, history);
      after = to === undefined ? (current?.configuration ?? null) : configurationAt(bucket, to, current, history);
    } catch (error) {
      // Not exit code 1, which says "they differ".
      if (isVersionNotFoundError(error)) throw new CliError(error.message, EXIT_USAGE);
      throw error;
    }
    const target = to ?? current?.version ?? null;
    const diff = diffConfigurations(before, after);
    if (options.json) printJson({ bucket, from, to: target, ...diff });
    else printLines([`bucket ${bucket}, version ${from} → ${target === null ? 'no configuration now' : `${target}${to === undefined ? ' (now)' : ''}`}: ${diff.equal ? 'no difference' : `${diff.differences.length} difference(s)`}`, ...indented(diff.lines)]);
    return diff.equal ? EXIT_CLEAN : EXIT_REFUSED;
  });
}

const USAGE = 'diff takes BUCKET VERSION [VERSION] (a bucket\'s history), --template FILE, or --group';

/** Which form the arguments ask for; mixing forms is a usage error. */
function checkForm(args: readonly (string | undefined)[], options: DiffOptions): 'history' | 'template' | 'group' {
  const positional = args.some((arg) => arg !== undefined);
  const many = options.template !== undefined || options.group === true;
  if (options.template !== undefined && options.group) throw new CliError('--template and --group are two forms of diff: give one');
  if (positional && many) throw new CliError(`${options.group ? '--group' : '--template'} compares many buckets: give --buckets PATTERN to choose them, not BUCKET VERSION`);
  if (!many && (options.buckets.length > 0 || options.from !== undefined)) throw new CliError(`${options.from === undefined ? '--buckets' : '--from'} goes with --template FILE or --group`);
  if (options.format !== undefined && options.template === undefined) throw new CliError('--format is the format of the --template file');
  if (many) return options.group ? 'group' : 'template';
  if (args[0] === undefined) throw new CliError(USAGE);
  if (args[1] === undefined) throw new CliError(`diff ${args[0]}: give the VERSION to compare (as \`bucket-cors history ${args[0]}\` lists them), or use --template FILE or --group`);
  return 'history';
}

const EXAMPLES = `
Examples:
  bucket-cors diff photos mfx3k2a1-3f9c0a1b2c3d --redis redis://127.0.0.1:6379
  bucket-cors diff --template standard.json --buckets 'media-*' --redis redis://127.0.0.1:6379
  bucket-cors diff --group --json --redis redis://127.0.0.1:6379
  bucket-cors diff --template standard.json --from backup.json

Lines read from the template (or group #1, or the first VERSION) to the bucket: "+" only in the
bucket, "-" only in the template, "~ rule N: Field -old +new". --buckets takes * (any run of
characters) and ? (one character); a name without them is checked even when it has no rules.
Exit code 1 when anything differs, 2 when a bucket could not be read.`;

/** Adds `diff` to `program`. */
export function addDiffCommand(program: Command, setExitCode: SetExitCode): void {
  const command = program
    .command('diff')
    .description("show drift: a bucket's rules between two versions of its history, every bucket against a template, or the distinct configurations among buckets (exit code 1 on a difference)")
    .argument('[bucket]', 'the bucket whose history to compare')
    .argument('[version]', 'a version of its history (as `history` lists them)')
    .argument('[other]', 'the version to compare it with (default: the rules now)')
    .option('--template <file>', 'compare every bucket with this configuration (any format lint reads)')
    .option('--group', 'print the distinct configurations and how many buckets hold each')
    .addOption(
      new Option('--buckets <pattern>', 'only buckets matching this pattern (* and ?); repeat for more').argParser((pattern: string, previous: string[]) => [...previous, pattern]).default([], 'every bucket'),
    )
    .option('--from <file>', 'read the buckets from an export file (as `export` writes it) instead of Redis')
    .addOption(formatOption())
    .addOption(jsonOption())
    .addHelpText('after', EXAMPLES);
  addRedisOptions(command, false).action(async (bucket: string | undefined, version: string | undefined, other: string | undefined, options: DiffOptions) => {
    const form = checkForm([bucket, version, other], options);
    if (form === 'history') return setExitCode(await historyReport(checkBucket(bucket!), version!, other, options));
    const template = form === 'template' ? readConfiguration(await readInput(options.template!), options.format, options.template!).configuration : undefined;
    await readEntries(options, (read) => setExitCode(template === undefined ? groupReport(read, options.json === true) : templateReport(options.template!, template, read, options.json === true)));
  });
}
