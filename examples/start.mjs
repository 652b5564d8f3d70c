// `npm start`: transpiles lib/ and examples/ (TypeScript) with SWC into .tmp/demo, then runs the demo from there.

import { transformFile } from '@swc/core';
import { rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

const started = Date.now();
const builds = [];
for (const folder of ['lib', 'examples/server']) {
  for await (const file of sources(path.join(root, folder))) {
    const target = path.join(outDir, `${path.relative(root, file).slice(0, -'.ts'.length)}.js`);
    builds.push(
      transformFile(file, swcOptions(file)).then(async ({ code }) => {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, code);
      }),
    );
  }
}
await Promise.all(builds);
await writeFile(path.join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
// The demo imports the package by name, as a user would: a package in the build's node_modules whose
// entry points (package.json `exports`) lead to the transpiled lib/.
const { name, exports: entries } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const packageDir = path.join(outDir, 'node_modules', name);
await mkdir(packageDir, { recursive: true });
const stubs = {};
for (const [subpath, target] of Object.entries(entries)) {
  if (typeof target !== 'object') continue;
  const stub = `./${subpath === '.' ? 'index' : subpath.slice(2)}.js`;
  const built = path.join(outDir, 'lib', target.require.default.replace(/^\.\/dist\/cjs\//, ''));
  await writeFile(path.join(packageDir, stub), `module.exports = require(${JSON.stringify(built)});\n`);
  stubs[subpath] = stub;
}
await writeFile(path.join(packageDir, 'package.json'), `${JSON.stringify({ name, type: 'commonjs', exports: stubs })}\n`);
console.log(`(transpiled ${builds.length} files with SWC into ${path.relative(root, outDir)} in ${Date.now() - started} ms)\n`);

const { main } = createRequire(import.meta.url)(path.join(outDir, 'examples', 'server', 'main.js'));
try {
  await main({ publicDir: path.join(root, 'examples', 'public') });
} catch (error) {
  console.error(error instanceof TypeError ? `Cannot start: ${error.message}` : error);
  process.exit(1);
}
