// `node scripts/ensure-build.mjs`, or `await ensureBuilt()`: runs the package build (`npm run build`,
// scripts/build.mjs → dist/) when dist/ is missing or older than what it is built from. The demo and the
// benchmark run the package as it ships, by its own names (Node resolves `express-bucket-cors` inside
// this repository to dist/ through package.json `exports`), so there is one build of lib/, not one per tool.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** What dist/ is built from. */
const INPUTS = ['lib', 'tsconfig.build.json', 'scripts/build.mjs'];
/** Written last by each format's build, so their age is the age of a complete build. */
const OUTPUT_MARKERS = ['dist/cjs/package.json', 'dist/esm/package.json'];
/** One build at a time: a second demo or benchmark waits for the running build instead of deleting dist/ under it. */
const LOCK_DIR = path.join(root, '.tmp', 'build.lock');
/** A lock older than this was left by a build that died: it is taken over. */
const STALE_LOCK_MS = 5 * 60_000;

/** @param {string} file @returns {number} newest modification time at or under `file`, in ms */
function newestChange(file) {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(file).reduce((newest, entry) => Math.max(newest, newestChange(path.join(file, entry))), stats.mtimeMs);
}

/** @returns {string | undefined} why dist/ needs building, or undefined when it is current */
export function staleReason() {
  let builtAt = Number.POSITIVE_INFINITY;
  for (const marker of OUTPUT_MARKERS) {
    try {
      builtAt = Math.min(builtAt, statSync(path.join(root, marker)).mtimeMs);
    } catch {
      return `${marker} is missing`;
    }
  }
  const changed = INPUTS.find((input) => newestChange(path.join(root, input)) > builtAt);
  return changed === undefined ? undefined : `${changed} changed since dist/ was built`;
}

/** @returns {Promise<void>} once this process holds the build lock */
async function acquireLock() {
  mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
      const age = Date.now() - statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs;
      if (age > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      else await sleep(200);
    }
  }
}

/**
 * Builds dist/ with scripts/build.mjs unless it is current; waits for a build another process runs.
 * Throws when the build fails (a type error in lib/ included), printing tsc's output on stderr.
 * @param {{ log?: (line: string) => void }} [options]  `log` is told when and why a build runs (default: stderr)
 * @returns {Promise<void>}
 */
export async function ensureBuilt({ log = (line) => console.error(line) } = {}) {
  if (staleReason() === undefined) return;
  await acquireLock();
  try {
    const reason = staleReason();
    if (reason === undefined) return;
    const started = Date.now();
    log(`(${reason}: building the package with scripts/build.mjs …)`);
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
    log(`(built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await ensureBuilt();
