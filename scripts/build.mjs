// Builds dist/cjs (CommonJS) and dist/esm (ES modules) from lib/ with two tsc runs,
// each folder marked with its own package.json "type" so Node loads it as intended.
// The build goes to a folder of its own beside dist/ and replaces dist/ only when complete: a demo or
// benchmark loading the package from dist/ meanwhile never finds it half built or gone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });
const formats = [
  { dir: 'cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'bundler'] },
  { dir: 'esm', type: 'module', args: ['--module', 'esnext', '--moduleResolution', 'bundler'], esm: true },
];

/**
 * lib/on-first-use.ts makes its `require` from `__filename`, which ES modules lack: their build gets
 * `import.meta.url` there (tsc refuses `import.meta` in the CommonJS build). The build fails unless it is there exactly once.
 */
function requireFromModuleUrl(dir) {
  const file = `${dir}/on-first-use.js`;
  const source = readFileSync(file, 'utf8');
  const parts = source.split('createRequire(__filename)');
  if (parts.length !== 2) throw new Error(`${file}: expected one createRequire(__filename) to rewrite, found ${parts.length - 1}`);
  writeFileSync(file, parts.join('createRequire(import.meta.url)'));
}

// Beside dist/, at the same depth, so the relative paths in source maps stay right after the move.
const building = `dist.building-${process.pid}`;
const replaced = `dist.replaced-${process.pid}`;
try {
  for (const { dir, type, args, esm = false } of formats) {
    tsc(['-p', 'tsconfig.build.json', '--outDir', `${building}/${dir}`, ...args]);
    if (esm) requireFromModuleUrl(`${building}/${dir}`);
    mkdirSync(`${building}/${dir}`, { recursive: true });
    writeFileSync(`${building}/${dir}/package.json`, `${JSON.stringify({ type }, null, 2)}\n`);
  }
  rmSync(replaced, { recursive: true, force: true });
  try {
    renameSync('dist', replaced);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(building, 'dist');
} finally {
  rmSync(building, { recursive: true, force: true });
  rmSync(replaced, { recursive: true, force: true });
}
