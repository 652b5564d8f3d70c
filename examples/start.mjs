// `npm start`: builds the package into dist/ when it is stale (scripts/ensure-build.mjs), transpiles the demo's own
// TypeScript (examples/server) with SWC into .tmp/demo, and runs it from there.

import { transformFile } from '@swc/core';
import { rmSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

// The AWS SDK (used for presigning) warns that Node 20 support ends in 2027: noise at every demo start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
// One folder per process: two demos (or a demo and a test run) starting at once never overwrite each other's build.
const outDir = path.join(root, '.tmp', 'demo', String(process.pid));
process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));

/** Every .ts source under `dir` (no declaration files). */
async function* sources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(file);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield file;
  }
}

// CommonJS, as jest runs the same sources: the ".js" import specifiers then find the emitted files.
const swcOptions = (file) => ({
  filename: file,
  swcrc: false,
  sourceMaps: 'inline',
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'commonjs' },
});

await ensureBuilt({ log: (line) => console.log(line) });
const started = Date.now();
const builds = [];
for await (const file of sources(path.join(root, 'examples', 'server'))) {
  const target = path.join(outDir, `${path.relative(root, file).slice(0, -'.ts'.length)}.js`);
  builds.push(
    transformFile(file, swcOptions(file)).then(async ({ code }) => {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, code);
    }),
  );
}
await Promise.all(builds);
// No package.json of its own: the nearest one is the repository's, so `require('express-bucket-cors')` (and
// `/s3`, …) resolves by the package's own name and `exports` to the build in dist/, as it would for a user.
console.log(`(transpiled ${builds.length} demo files with SWC into ${path.relative(root, outDir)} in ${Date.now() - started} ms)\n`);

const { main } = createRequire(import.meta.url)(path.join(outDir, 'examples', 'server', 'main.js'));
try {
  await main({ publicDir: path.join(root, 'examples', 'public') });
} catch (error) {
  console.error(error instanceof TypeError ? `Cannot start: ${error.message}` : error);
  process.exit(1);
}
