// The oldest Node that package.json "engines" allows, installed once from the npm registry (the node-<platform>-<arch>
// package publishes the official binaries) into .tmp/oldest-node/<version>/. Prints the binary's path.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const range = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node;
// Only a plain lower bound is understood: anything fancier must be handled here on purpose, not guessed.
const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range ?? '');
if (match === null) throw new Error(`scripts/oldest-node.mjs: engines.node must look like ">=20" or ">=20.1.2", not ${JSON.stringify(range)}`);
const version = `${match[1]}.${match[2] ?? 0}.${match[3] ?? 0}`;

const dir = path.join(root, '.tmp', 'oldest-node', version);
const name = `node-${process.platform}-${process.arch}`;
const binary = path.join(dir, 'node_modules', name, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
if (!existsSync(binary)) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  // stdout is the answer of this script: npm's own output goes to stderr.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', `${name}@${version}`], { cwd: dir, stdio: ['ignore', 2, 2] });
}
console.log(binary);
