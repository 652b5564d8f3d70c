// What the command groups share: the configuration-file argument, the --format, --json, --strict and Redis
// options, reading a file (or stdin) within a size limit, the target dialects, and the wording of warnings.

import { createReadStream } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { describeRuleViolation, findRuleViolation, type CorsConfiguration, type LintWarning, type RuleProfile } from '../../core/index.js';
import { isContainerName, MAX_POLICY_CHARACTERS, MEDIASTORE_PROFILE } from '../../dialects/mediastore/index.js';
import { MAX_CORS_DOCUMENT_BYTES, s3BucketNameProblem, S3_PROFILE } from '../../dialects/s3/index.js';
import { DIALECTS as FORMAT_DIALECTS } from '../../formats/index.js';
import { FORMAT_NAMES } from '../formats.js';
import { CliError, EXIT_CLEAN, EXIT_REFUSED, printNotes } from '../output.js';
import { openStore, STORE_OPTION_DEFAULTS, type OpenStore, type StoreOptions } from '../redis.js';

/** Receives the exit code of the command that ran (see output.ts: EXIT_CLEAN, EXIT_REFUSED). */
export type SetExitCode = (code: number) => void;

export const FILE_ARGUMENT = `a configuration in any format: S3 XML, JSON or console list, ${FORMAT_DIALECTS.filter((dialect) => dialect.name !== 's3').map((dialect) => dialect.title).join(', ')} ("-" for stdin)`;

export const formatOption = (): Option => new Option('--format <format>', 'file format (default: detected from the content)').choices(FORMAT_NAMES);

export const jsonOption = (): Option => new Option('--json', 'machine output: one JSON document on stdout, errors included');

export const strictOption = (): Option => new Option('--strict', "treat warnings (lint, bucket names, what reading another provider's rules loses) as failures: exit 1, and store nothing");

/**
 * Largest configuration file read, in bytes: MediaStore's 398,000-character policies are the largest
 * configurations any dialect stores (S3's documents stop at 64 KB), and a policy written with
 * indentation or non-ASCII text takes more bytes than characters; twice as many is what the MediaStore
 * API reads too. The dialect's own limit applies after that.
 */
export const MAX_CONFIGURATION_FILE_BYTES = 2 * MAX_POLICY_CHARACTERS;
/** Largest export file `import` reads, in bytes (256 MiB: thousands of buckets at the largest size). */
export const MAX_EXPORT_FILE_BYTES = 256 * 1024 * 1024;

const bytes = (count: number): string => `${count.toLocaleString('en-US')} bytes`;

/**
 * The bytes of `file` (stdin for `-`), refused once past `limit` bytes without reading further: a
 * device such as /dev/zero or an endless pipe ends in an error, not in memory exhaustion.
 */
export async function readInput(file: string, limit = MAX_CONFIGURATION_FILE_BYTES): Promise<Buffer> {
  const stream = file === '-' ? process.stdin : createReadStream(file);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit)
        throw new CliError(
          `${file} is larger than ${bytes(limit)}, the most bucket-cors reads (${limit === MAX_EXPORT_FILE_BYTES ? 'an export file' : `a configuration: S3 stores documents of up to ${bytes(MAX_CORS_DOCUMENT_BYTES)}, MediaStore policies of up to ${MAX_POLICY_CHARACTERS.toLocaleString('en-US')} characters`})`,
        );
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  } finally {
    if (file !== '-') (stream as ReturnType<typeof createReadStream>).destroy();
  }
  return Buffer.concat(chunks, size);
}

export const warningLines = (warnings: readonly LintWarning[]): string[] => warnings.map((warning) => `warning ${warning.code}: ${warning.message}`);

/**
 * Prints warnings on stderr and sets the exit code of a command whose work is done: 0, or 1 under
 * `--strict` when there are warnings (the caller has then stored nothing).
 */
export function finishWithWarnings(warnings: readonly string[], strict: boolean, setExitCode: SetExitCode): void {
  printNotes(warnings);
  setExitCode(strict && warnings.length > 0 ? EXIT_REFUSED : EXIT_CLEAN);
}

/** A dialect rules are stored for: its rule profile, its bucket (or container) names, its size limit. */
interface TargetDialect {
  readonly profile: RuleProfile;
  /** Why the dialect's API would refuse this bucket name, or `undefined`. */
  readonly nameProblem: (name: string) => string | undefined;
  /** Whether such a name is a refusal (its API never reads it) rather than a warning. */
  readonly nameRefused: boolean;
}

const DIALECTS: Readonly<Record<string, TargetDialect>> = {
  // S3's router serves any name (older buckets have names CreateBucket refuses today): a warning.
  s3: { profile: S3_PROFILE, nameProblem: s3BucketNameProblem, nameRefused: false },
  mediastore: {
    profile: MEDIASTORE_PROFILE,
    nameProblem: (name) => (isContainerName(name) ? undefined : 'a container name is 1 to 255 letters, digits, underscores or hyphens'),
    nameRefused: true,
  },
};

export const dialectOption = (): Option =>
  new Option('--dialect <dialect>', 'the API the rules are served through: its rules check the names and the configurations').choices(Object.keys(DIALECTS)).default('s3');

/**
 * Checks a bucket and its configuration by `dialect`'s rules: a refusal (exit 1) for what its API
 * would refuse to store or never read; the warnings (bucket names S3 would refuse) are returned.
 */
export function checkForDialect(dialectName: string, bucket: string, configuration: CorsConfiguration, source: string): string[] {
  const dialect = DIALECTS[dialectName]!;
  const problem = dialect.nameProblem(bucket);
  if (problem !== undefined && dialect.nameRefused) throw new CliError(`${source}: ${dialectName} would refuse the name ${JSON.stringify(bucket)}: ${problem}`, EXIT_REFUSED);
  const violation = findRuleViolation(configuration, dialect.profile);
  if (violation !== undefined) throw new CliError(`${source}: ${dialectName} would refuse it: ${describeRuleViolation(violation)}`, EXIT_REFUSED, violation.code);
  const size = JSON.stringify(configuration.CORSRules).length;
  if (size > MAX_POLICY_CHARACTERS)
    throw new CliError(`${source}: the rules take ${size.toLocaleString('en-US')} characters of JSON, more than any dialect stores (MediaStore: ${MAX_POLICY_CHARACTERS.toLocaleString('en-US')})`, EXIT_REFUSED);
  return problem === undefined ? [] : [`warning bucket-name: ${JSON.stringify(bucket)} is not a name S3 gives a bucket today (${problem}); servers still serve it`];
}

/** A bucket name as a store key: anything but empty (the key would be the prefix alone). */
export function checkBucket(bucket: string, source = 'BUCKET'): string {
  if (bucket === '') throw new CliError(`${source}: a bucket name must not be empty`);
  return bucket;
}

const milliseconds = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a whole number of milliseconds, at least 1');
  return parsed;
};

/** Adds --redis (REDIS_URL by default), --key-prefix, --channel and --timeout; `required` makes --redis mandatory. */
export function addRedisOptions(command: Command, required: boolean): Command {
  const redis = new Option('--redis <url>', 'the Redis (or any Redis Cluster node) servers read rules from, e.g. redis://127.0.0.1:6379 (redis://:PASSWORD@host:port/DB)').env('REDIS_URL');
  return command
    .addOption(required ? redis.makeOptionMandatory() : redis)
    .option('--key-prefix <prefix>', "RedisRuleStore's keyPrefix", STORE_OPTION_DEFAULTS.keyPrefix)
    .option('--channel <channel>', "RedisRuleStore's invalidation channel", STORE_OPTION_DEFAULTS.channel)
    .addOption(new Option('--timeout <ms>', 'bound on connecting to Redis and on each command; no answer in time is exit code 2').argParser(milliseconds).default(STORE_OPTION_DEFAULTS.timeout));
}

/** Runs `work` on an open store and always closes it; Redis failures become one-line errors (exit code 2). */
export async function withStore<T>(options: StoreOptions, work: (open: OpenStore) => Promise<T>): Promise<T> {
  const open = await openStore(options);
  try {
    return await work(open);
  } catch (error) {
    throw open.failure(error);
  } finally {
    await open.close();
  }
}
