// Starts the recipes of examples/integrations as a user would (`PORT=0 node examples/integrations/<name>.mjs`, the
// built package imported by its name) and stops them by pid.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The recipes, by file name. */
export type RecipeName = 'express' | 's3rver' | 'fastify' | 'node-http' | 'gateway';

/** A recipe process listening on loopback. */
export interface RunningRecipe {
  readonly url: string;
  readonly pid: number;
  /** What it printed on stderr so far (for failure messages). */
  readonly stderr: () => string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const RECIPES = path.join(__dirname, '..', '..', 'examples', 'integrations');
const READY = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
const START_TIMEOUT_MS = 20_000;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `examples/integrations/<name>.mjs` with `env` on a free port; resolves once it printed its URL. */
export async function startRecipe(name: RecipeName, env: Readonly<Record<string, string>> = {}): Promise<RunningRecipe> {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(RECIPES, `${name}.mjs`)], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited(child);
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print its URL within ${START_TIMEOUT_MS} ms; stderr: ${stderr}`)), START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = READY.exec(stdout);
      if (ready !== null) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening; stderr: ${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, pid: child.pid!, stderr: () => stderr, stop };
}
