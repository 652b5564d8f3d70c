// Builds the command privately (other suites rebuild dist/ while tests run) and runs it as a subprocess.

import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisRuleStore } from 'express-bucket-cors';
import { connectionTracker } from '../store/helpers';
import { startRedis, type RedisServerHandle } from '../support/redis';

const root = join(__dirname, '..', '..');

/** What one run of the command gave. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A private CommonJS build of lib/ (`npm run build`'s tsc settings, without declarations), removed by `remove()`. */
export interface CliBuild {
  readonly main: string;
  /**
   * Runs `bucket-cors args…` in `cwd` (default: the repository) with `env` added to the environment
   * (`REDIS_URL` removed unless given); `spawned` sees the child's pid before it has done anything.
   */
  run(args: readonly string[], options?: { cwd?: string; input?: string; env?: Record<string, string>; spawned?: (pid: number) => void }): Promise<CliResult>;
  remove(): void;
}

export function buildCli(): CliBuild {
  mkdirSync(join(root, '.tmp'), { recursive: true });
  // Inside the repository, so the build resolves the package's dependencies from its node_modules.
  const out = mkdtempSync(join(root, '.tmp', 'cli-'));
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', out, '--module', 'commonjs', '--moduleResolution', 'bundler', '--declaration', 'false'], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    throw error;
  }
  const main = join(out, 'cli', 'main.js');
  return {
    main,
    run(args, options = {}) {
      return new Promise((resolve) => {
        // The tests' own REDIS_URL (an external server for the suite) is not the CLI's default unless a test says so.
        const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
        if (options.env?.REDIS_URL === undefined) delete env.REDIS_URL;
        const child = execFile(process.execPath, [main, ...args], { cwd: options.cwd ?? root, env, encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          resolve({ code, stdout, stderr });
        });
        options.spawned?.(child.pid!);
        if (options.input !== undefined) child.stdin!.end(options.input);
        else child.stdin!.end();
      });
    },
    remove() {
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** What a suite runs the command with: its build, and a scratch directory for files. */
export interface CliWorkspace {
  readonly cli: Pick<CliBuild, 'run'>;
  /** `name` inside the scratch directory. */
  path(name: string): string;
  /** Writes `content` to `name` inside the scratch directory; returns its path. */
  file(name: string, content: string | Buffer): string;
}

/** Builds the command before the suite's tests and makes a scratch directory; removes both after them. */
export function cliWorkspace(prefix: string): CliWorkspace {
  let build: CliBuild | undefined;
  let directory = '';
  beforeAll(() => {
    build = buildCli();
    directory = mkdtempSync(join(tmpdir(), prefix));
  }, 60_000);
  afterAll(() => {
    build?.remove();
    rmSync(directory, { recursive: true, force: true });
  });
  const path = (name: string): string => join(directory, name);
  return {
    cli: { run: (args, options) => build!.run(args, options) },
    path,
    file(name, content) {
      writeFileSync(path(name), content);
      return path(name);
    },
  };
}

/** The options that point a store command at `url` and at one test's key prefix and channel. */
export const storeArguments = (url: string, names: { keyPrefix: string; channel: string }): string[] => ['--redis', url, '--key-prefix', names.keyPrefix, '--channel', names.channel];

/** What a suite's store tests talk to: a redis-server of their own, and stores on it for one test's names. */
export interface CliRedis {
  /** The server's URL (once the suite started). */
  url(): string;
  /** `--redis URL --key-prefix … --channel …` for one test's names. */
  storeArgs(names: { keyPrefix: string; channel: string }): string[];
  /** A RedisRuleStore on the server under `names`, its connection closed after the suite. */
  storeOf(names: { keyPrefix: string; channel: string }): RedisRuleStore;
}

/** Starts a redis-server before the suite's tests and stops it after them, closing every store made with `storeOf`. */
export function cliRedis(): CliRedis {
  let redis: RedisServerHandle | undefined;
  const { track, disconnectAll } = connectionTracker();
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    disconnectAll();
    await redis?.stop();
  });
  const url = (): string => redis!.url;
  return {
    url,
    storeArgs: (names) => storeArguments(url(), names),
    storeOf: (names) => new RedisRuleStore({ client: track(new Redis(url())), ...names }),
  };
}
