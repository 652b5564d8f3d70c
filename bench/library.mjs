// Transpiles lib/ (and the Redis test support) with SWC into a private folder and loads modules from there.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import swc from '@swc/core';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Where transpiled code goes: under node_modules, so that it never reaches git or the shared dist/. */
const OUT_DIR = join(root, 'node_modules/.cache/express-bucket-cors-bench');
/** TypeScript the benchmark runs: the whole library, and the test support's redis-server launcher. */
const SOURCES = ['lib', '__tests__/support/redis.ts'];

/** @param {string} path @returns {string[]} the .ts files at or under path */
function typeScriptFiles(path) {
  if (path.endsWith('.ts')) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(child);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [child] : [];
  });
}

/**
 * Transpiles {@link SOURCES} to ES modules under {@link OUT_DIR}, keeping their relative paths. SWC
 * rather than `npm run build`: it leaves the shared dist/ alone and needs no type check to pass.
 * @returns {Promise<void>}
 */
export async function buildLibrary() {
  rmSync(OUT_DIR, { recursive: true, force: true });
  for (const file of SOURCES.flatMap((source) => typeScriptFiles(join(root, source)))) {
    const { code } = await swc.transformFile(file, {
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    const out = join(OUT_DIR, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
  }
  writeFileSync(join(OUT_DIR, 'package.json'), '{ "type": "module" }\n');
}

/**
 * Imports one transpiled file, e.g. `importLibrary('http/middleware.js')` for lib/http/middleware.ts,
 * or `importLibrary('../__tests__/support/redis.js')`.
 * @param {string} module path relative to lib/, with a .js extension
 * @returns {Promise<any>}
 */
export function importLibrary(module) {
  return import(pathToFileURL(join(OUT_DIR, 'lib', module)).href);
}
