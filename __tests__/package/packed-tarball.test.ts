// __tests__/package/packed-tarball.test.ts
// The published tarball: its contents, and that it loads from CommonJS, ES modules and TypeScript.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
/** The public runtime exports every consumer must see. */
const RUNTIME_EXPORTS = [
  'bucketCors',
  'corsRouter',
  'MemoryRuleStore',
  'RedisRuleStore',
  'RuleCache',
  'createBucketResolver',
  'S3Error',
  'S3Errors',
  'isS3Error',
  'parseCorsConfiguration',
  'serializeCorsXml',
  'compileCorsConfiguration',
  'decidePreflight',
  'decideActual',
];

/** Each subpath export and runtime names it must carry. */
const SUBPATH_EXPORTS: Record<string, readonly string[]> = {
  'express-bucket-cors/core': ['compileCorsConfiguration', 'decidePreflight', 'decideActual', 'findRuleViolation', 'describeRuleViolation', 'RULE_FIELDS', 'STORED_RULES_PROFILE', 'CORS_VARY'],
  'express-bucket-cors/mediastore': ['mediaStoreRouter', 'mediaStoreDialect', 'MediaStoreError', 'parseCorsPolicy', 's3ConfigurationToMediaStorePolicy', 'MEDIASTORE_PROFILE'],
  'express-bucket-cors/s3': ['corsRouter', 's3Dialect', 'S3Error', 'S3Errors', 'S3_PROFILE', 'parseCorsXml', 'serializeCorsXml', 'decidePreflight', 's3PreflightError', 'sendS3Error'],
};

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed tarball', () => {
  let work: string;
  let files: string[];

  beforeAll(() => {
    // Inside the repository so the consumer resolves the package's own dependencies from its node_modules.
    mkdirSync(join(root, '.tmp'), { recursive: true });
    work = mkdtempSync(join(root, '.tmp', 'pack-'));
    // `npm pack` runs `prepack` (the build); --json lists what went into the tarball.
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as [
      { filename: string; files: { path: string }[] },
    ];
    files = packed.files.map((file) => file.path);
    const install = join(work, 'node_modules', 'express-bucket-cors');
    mkdirSync(install, { recursive: true });
    run('tar', ['-xzf', join(work, packed.filename), '-C', install, '--strip-components=1'], work);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('holds only the build, README, LICENSE and package.json', () => {
    const outside = files.filter((path) => !path.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(path));
    expect(outside).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.js', 'dist/esm/index.d.ts']));
    expect(files.some((path) => path.includes('__tests__') || path.endsWith('.ts') && !path.endsWith('.d.ts'))).toBe(false);
  });

  test('can be required from CommonJS', () => {
    writeFileSync(join(work, 'consumer.cjs'), `const lib = require('express-bucket-cors');\nconsole.log(JSON.stringify(Object.keys(lib)));\n`);
    const keys = JSON.parse(run(process.execPath, ['consumer.cjs'], work)) as string[];
    expect(keys).toEqual(expect.arrayContaining(RUNTIME_EXPORTS));
  });

  test('can be imported from ES modules', () => {
    writeFileSync(join(work, 'consumer.mjs'), `import * as lib from 'express-bucket-cors';\nimport { bucketCors } from 'express-bucket-cors';\nif (typeof bucketCors !== 'function') throw new Error('no bucketCors');\nconsole.log(JSON.stringify(Object.keys(lib)));\n`);
    const keys = JSON.parse(run(process.execPath, ['consumer.mjs'], work)) as string[];
    expect(keys).toEqual(expect.arrayContaining(RUNTIME_EXPORTS));
  });

  test.each(Object.entries(SUBPATH_EXPORTS))('%s loads from CommonJS and ES modules with its exports', (subpath, names) => {
    writeFileSync(join(work, 'subpath.cjs'), `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(subpath)}))));\n`);
    writeFileSync(join(work, 'subpath.mjs'), `const lib = await import(${JSON.stringify(subpath)});\nconsole.log(JSON.stringify(Object.keys(lib)));\n`);
    expect(JSON.parse(run(process.execPath, ['subpath.cjs'], work))).toEqual(expect.arrayContaining([...names]));
    expect(JSON.parse(run(process.execPath, ['subpath.mjs'], work))).toEqual(expect.arrayContaining([...names]));
  });

  test('the core subpath has its own decidePreflight (reasons only), the s3 one adds the S3 error', () => {
    const script = `const core = require('express-bucket-cors/core');
const s3 = require('express-bucket-cors/s3');
const request = { method: 'OPTIONS', origin: 'https://a', requestMethod: 'GET', requestHeaders: undefined, resourceType: 'OBJECT' };
const state = { kind: 'no-configuration' };
console.log(JSON.stringify([core.decidePreflight(request, state), s3.decidePreflight(request, state).error.code]));
`;
    writeFileSync(join(work, 'decide.cjs'), script);
    expect(JSON.parse(run(process.execPath, ['decide.cjs'], work))).toEqual([
      { allowed: false, reason: 'no-configuration', requestMethod: 'GET', resourceType: 'OBJECT' },
      'AccessForbidden',
    ]);
  });

  test('type-checks from a TypeScript consumer, as CommonJS and as ES module', () => {
    const source = `import { bucketCors, corsRouter, MemoryRuleStore, S3Error, type CorsConfiguration, type RuleStore } from 'express-bucket-cors';
const store: RuleStore = new MemoryRuleStore();
const config: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }] };
const middleware = bucketCors({ store });
const router = corsRouter({ store, authorize: () => true });
export const used: unknown[] = [config, middleware, router, S3Error];
import { findRuleViolation, STORED_RULES_PROFILE, type RuleViolation } from 'express-bucket-cors/core';
import { S3_PROFILE, s3Dialect, parseCorsXml, type S3ErrorId } from 'express-bucket-cors/s3';
const violation: RuleViolation | undefined = findRuleViolation(parseCorsXml('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>'), S3_PROFILE);
const id: S3ErrorId = 'tooManyRules';
export const alsoUsed: unknown[] = [violation, id, STORED_RULES_PROFILE, bucketCors({ dialect: s3Dialect })];
`;
    writeFileSync(join(work, 'consumer-cjs.cts'), source);
    writeFileSync(join(work, 'consumer-esm.mts'), source);
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] },
        files: ['consumer-cjs.cts', 'consumer-esm.mts'],
      }),
    );
    let diagnostics = '';
    try {
      run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], work);
    } catch (error) {
      diagnostics = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(diagnostics).toBe('');
  });
});
