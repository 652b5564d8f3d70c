// Builds dist/cjs (CommonJS) and dist/esm (ES modules) from lib/ with two tsc runs,
// each folder marked with its own package.json "type" so Node loads it as intended.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });
const formats = [
  { dir: 'dist/cjs', type: 'commonjs', args: ['--module', 'commonjs', '--moduleResolution', 'bundler'] },
  { dir: 'dist/esm', type: 'module', args: ['--module', 'esnext', '--moduleResolution', 'bundler'] },
];

rmSync('dist', { recursive: true, force: true });
for (const { dir, type, args } of formats) {
  tsc(['-p', 'tsconfig.build.json', '--outDir', dir, ...args]);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, `${JSON.stringify({ type }, null, 2)}\n`);
}
