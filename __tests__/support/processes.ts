// Server processes the tests start (redis-server, redis-sentinel, varnishd): each in a temp dir, killed with its dir removed when the test process exits, even by SIGKILL.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// Every process started here and every temp dir made: killed / removed on exit, even when a test
// fails without stopping them.
const livingProcesses = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of livingProcesses) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A fresh temp dir named `bucket-cors-<what>-…`, removed on exit if the test doesn't. */
export function makeTempDir(what: string): string {
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), `bucket-cors-${what}-`));
  tempDirs.add(dir);
  return dir;
}

/** Registers `dir` (made again after a removal) for removal on exit. */
export function keepTempDir(dir: string): void {
  tempDirs.add(dir);
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** A process started by {@link spawnWatched}. */
export interface WatchedProcess {
  readonly child: ChildProcess;
  /** Settles when the process exited (or could not start). */
  readonly exited: Promise<void>;
  /** Kills the process and removes its dir if the test process dies without stopping it (even by SIGKILL). */
  readonly watchdog: ChildProcess;
  /** The last 4,000 characters it wrote to stdout and stderr. */
  readonly output: () => string;
}

/** Starts `binary` with `args`, its output collected; `missing` is what the output says when it isn't installed. */
export function spawnWatched(binary: string, args: readonly string[], dir: string, missing: string): WatchedProcess {
  installExitHook();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  livingProcesses.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      output += error.code === 'ENOENT' ? missing : String(error);
      livingProcesses.delete(child);
      resolve();
    });
    child.once('exit', () => {
      livingProcesses.delete(child);
      resolve();
    });
  });
  // `read` returns when our end of the pipe closes, which the kernel does when this process dies.
  const watchdog = spawn('sh', ['-c', 'read _; kill -9 "$1" 2>/dev/null; rm -rf "$2"', `${path.basename(binary)}-watchdog`, String(child.pid ?? 0), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  (watchdog.stdin as net.Socket).unref();
  livingProcesses.add(watchdog);
  watchdog.once('exit', () => livingProcesses.delete(watchdog));
  return { child, exited, watchdog, output: () => output };
}

/** True while the process runs. */
export function isRunning(process: WatchedProcess): boolean {
  return process.child.exitCode === null && process.child.signalCode === null;
}
