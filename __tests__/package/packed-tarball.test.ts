// The published tarball as a consumer gets it: contents, source maps, CommonJS, ES modules, TypeScript, the oldest Node
// `engines` allows, publint and arethetypeswrong, and README.md's code blocks compiled and run against it.
// One file packs once: `npm pack` rebuilds dist/, so two files packing at the same time would clobber each other.

import { PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRedis, type RedisServerHandle } from '../support/redis';
import { README_PATH, readmeBlocks, type ReadmeBlock } from './readme-blocks';

const root = join(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** The public runtime exports every consumer must see. */
const RUNTIME_EXPORTS = [
  'bucketCors',
  'createBucketCors',
  'requestTarget',
  'pathStyleUrl',
  'toPathStyle',
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
  'PreconditionFailedError',
  'rollbackConfiguration',
];
/** Each subpath export and runtime names it must carry. */
const SUBPATH_EXPORTS: Record<string, readonly string[]> = {
  'express-bucket-cors/core': ['compileCorsConfiguration', 'decidePreflight', 'decideActual', 'explain', 'lint', 'findRuleViolation', 'describeRuleViolation', 'RULE_FIELDS', 'STORED_RULES_PROFILE', 'CORS_VARY', 'diffConfigurations', 'groupConfigurations'],
  'express-bucket-cors/mediastore': ['mediaStoreRouter', 'mediaStoreDialect', 'MediaStoreError', 'parseCorsPolicy', 's3ConfigurationToMediaStorePolicy', 'MEDIASTORE_PROFILE'],
  'express-bucket-cors/s3': ['corsRouter', 's3Dialect', 'S3Error', 'S3Errors', 'S3_PROFILE', 'parseCorsXml', 'serializeCorsXml', 'decidePreflight', 's3PreflightError', 'sendS3Error'],
  'express-bucket-cors/sigv4': ['createSigV4Verifier', 'sigv4Authorizer', 'DEFAULT_MAX_SKEW_MS', 'MAX_PRESIGNED_EXPIRES_SECONDS'],
};
/** What a strict TypeScript consumer on Node's own module resolution uses. */
const CONSUMER_COMPILER_OPTIONS = { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, types: ['node'] };

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env });
const runAsync = promisify(execFile);

/** The owner keys the README's Usage server falls back to, which its `aws s3api` line uses. */
const README_OWNER = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
/** `aws --version` runs: the README's command line is run as written too. */
const AWS_CLI = spawnSync('aws', ['--version']).status === 0;

/** tsc's diagnostics for `tsconfig.json` in `cwd` ('' when it compiles). */
function typeErrors(cwd: string): string {
  try {
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], cwd);
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('the packed tarball', () => {
  let work: string;
  let files: string[];
  let tarball: string;

  beforeAll(() => {
    // Inside the repository so the consumer resolves the package's own dependencies from its node_modules.
    mkdirSync(join(root, '.tmp'), { recursive: true });
    work = mkdtempSync(join(root, '.tmp', 'pack-'));
    // A package of its own: without this boundary Node resolves 'express-bucket-cors' from here as the repository's
    // self-reference (its dist/), not the installed tarball.
    writeFileSync(join(work, 'package.json'), `${JSON.stringify({ name: 'tarball-consumer', private: true }, null, 2)}\n`);
    // `npm pack` runs `prepack` (the build); --json lists what went into the tarball.
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as [
      { filename: string; files: { path: string }[] },
    ];
    files = packed.files.map((file) => file.path);
    tarball = join(work, packed.filename);
    const install = join(work, 'node_modules', 'express-bucket-cors');
    mkdirSync(install, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', install, '--strip-components=1'], work);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Files beside dist/ and lib/: docs/behaviour.md is what TSDoc hovers cite, docs/operations.md what README sends Redis users to. */
  const SHIPPED_FILES = ['README.md', 'docs/behaviour.md', 'docs/operations.md', 'LICENSE', 'package.json'];

  test('holds only the build, the sources its maps name (lib/), README, the documents it links for users, LICENSE and package.json', () => {
    const outside = files.filter((path) => !path.startsWith('dist/') && !(path.startsWith('lib/') && path.endsWith('.ts')) && !SHIPPED_FILES.includes(path));
    expect(outside).toEqual([]);
    expect(files).toEqual(expect.arrayContaining([...SHIPPED_FILES, 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'lib/index.ts']));
    expect(files.some((path) => path.includes('__tests__') || (path.startsWith('dist/') && path.endsWith('.ts') && !path.endsWith('.d.ts')))).toBe(false);
  });

  test('every source map carries the sources it maps, and names them where the tarball holds them', () => {
    const maps = files.filter((path) => path.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    const shipped = new Set(files);
    const problems = maps.flatMap((path) => {
      const map = JSON.parse(readFileSync(join(work, 'node_modules', 'express-bucket-cors', path), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      const inline = map.sources.length > 0 && map.sourcesContent?.length === map.sources.length && map.sourcesContent.every((text) => typeof text === 'string' && text !== '');
      const absent = map.sources.map((source) => posix.join(posix.dirname(path), source)).filter((source) => !shipped.has(source));
      return [...(inline ? [] : [`${path}: sources not inline`]), ...absent.map((source) => `${path}: names ${source}, not in the tarball`)];
    });
    expect(problems).toEqual([]);
  });

  test.each(['cjs', 'mjs'])('an error the package throws points at files the tarball holds, with --enable-source-maps too (%s)', (kind) => {
    const load = kind === 'cjs' ? "const { assertValidRules, STORED_RULES_PROFILE } = require('express-bucket-cors/core');" : "import { assertValidRules, STORED_RULES_PROFILE } from 'express-bucket-cors/core';";
    writeFileSync(join(work, `throws.${kind}`), `${load}\ntry {\n  assertValidRules({ CORSRules: [{ AllowedOrigins: 'x', AllowedMethods: ['GET'] }] }, STORED_RULES_PROFILE);\n} catch (error) {\n  console.log(error.stack);\n}\n`);
    const install = join(work, 'node_modules', 'express-bucket-cors');
    /** The package's files a stack names (file:// URLs for ES modules), relative to the install. */
    const framesOf = (stack: string) =>
      [...stack.matchAll(/\(?(?:file:\/\/)?(\/[^():\s]+):\d+:\d+\)?/g)].map((match) => match[1]!).filter((file) => file.startsWith(`${install}/`)).map((file) => file.slice(install.length + 1));
    for (const flags of [[], ['--enable-source-maps']]) {
      const stack = run(process.execPath, [...flags, `throws.${kind}`], work);
      expect(stack).toContain('RuleViolationError: invalid CORS configuration: rule 1: AllowedOrigins must be a list of strings');
      const frames = framesOf(stack);
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.filter((file) => !files.includes(file))).toEqual([]);
      // Mapped, the frames name the TypeScript sources.
      if (flags.length > 0) expect(frames).toContain('lib/core/validate.ts');
    }
  });

  test('package.json declares its module type', () => {
    const manifest = JSON.parse(readFileSync(join(work, 'node_modules', 'express-bucket-cors', 'package.json'), 'utf8')) as { type?: string };
    expect(manifest.type).toBe('commonjs');
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

  test('the main entry does not load the SigV4 verifier nor its signer (its require cost is unchanged)', () => {
    const script = `require('express-bucket-cors');
const loaded = Object.keys(require.cache).map((path) => path.split(require('node:path').sep).join('/'));
console.log(JSON.stringify(loaded.filter((path) => /\\/dist\\/cjs\\/sigv4\\/|\\/@smithy\\/signature-v4\\/|\\/@aws-crypto\\/sha256-js\\//.test(path))));
`;
    writeFileSync(join(work, 'main-only.cjs'), script);
    expect(JSON.parse(run(process.execPath, ['main-only.cjs'], work))).toEqual([]);
  });

  test('importing the entry points loads neither the XML parser, the CRCs nor TLS, from CommonJS; their first use does', () => {
    const script = `const heavy = () => Object.keys(require.cache).map((path) => path.split(require('node:path').sep).join('/')).filter((path) => /\\/node_modules\\/(fast-xml-parser|@aws-crypto\\/crc32c?|@aws-sdk\\/crc64-nvme)\\//.test(path)).map((path) => path.replace(/.*\\/node_modules\\/((@[^/]+\\/)?[^/]+)\\/.*/, '$1'));
const { MemoryRuleStore, corsRouter } = require('express-bucket-cors');
const s3 = require('express-bucket-cors/s3');
require('express-bucket-cors/mediastore').mediaStoreRouter({ store: new MemoryRuleStore(), authorize: () => true });
corsRouter({ store: new MemoryRuleStore(), authorize: () => true });
const before = [heavy(), process.moduleLoadList.includes('NativeModule https')];
s3.parseCorsXml('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>');
console.log(JSON.stringify([...before, heavy()]));
`;
    writeFileSync(join(work, 'first-use.cjs'), script);
    expect(JSON.parse(run(process.execPath, ['first-use.cjs'], work))).toEqual([[], false, ['fast-xml-parser']]);
  });

  test('the ES module build imports neither the XML parser nor the CRCs statically, and loads them on first use', () => {
    const dist = join(work, 'node_modules', 'express-bucket-cors', 'dist', 'esm');
    const imported = new Set<string>();
    const pending = ['index.js', 'dialects/s3/index.js', 'dialects/mediastore/index.js'];
    const seen = new Set<string>();
    for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const [, specifier] of readFileSync(join(dist, file), 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
        if (specifier === undefined) continue;
        if (specifier.startsWith('.')) pending.push(posix.join(posix.dirname(file), specifier));
        else imported.add(specifier);
      }
    }
    expect(seen.size).toBeGreaterThan(50);
    expect([...imported].filter((name) => /fast-xml-parser|@aws-crypto|@aws-sdk|node:https/.test(name))).toEqual([]);
    const script = `import { parseCorsXml, requireIntegrityHeaders, verifyIntegrity } from 'express-bucket-cors/s3';
const body = Buffer.from('123456789');
const checks = { 'x-amz-checksum-crc32': 'y/Q5Jg==', 'x-amz-checksum-crc32c': '4waSgw==', 'x-amz-checksum-crc64nvme': 'rosUhgp5mIg=' };
await verifyIntegrity(body, requireIntegrityHeaders(checks));
console.log(JSON.stringify(parseCorsXml('<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>')));
`;
    writeFileSync(join(work, 'first-use.mjs'), script);
    expect(JSON.parse(run(process.execPath, ['first-use.mjs'], work))).toEqual({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] });
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

  test('its bucket-cors bin runs with npx in a consumer', () => {
    const { bin } = JSON.parse(readFileSync(join(work, 'node_modules', 'express-bucket-cors', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const target = join(work, 'node_modules', 'express-bucket-cors', bin['bucket-cors']!);
    expect(readFileSync(target, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    // What npm install does for a bin: link it into node_modules/.bin and make it executable.
    mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(join('..', 'express-bucket-cors', bin['bucket-cors']!), join(work, 'node_modules', '.bin', 'bucket-cors'));
    chmodSync(target, 0o755);
    writeFileSync(join(work, 'cors.json'), JSON.stringify({ CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }] }));
    const output = run('npx', ['--no-install', 'bucket-cors', 'explain', 'cors.json', '--origin', 'https://app.example', '--method', 'GET', '--json'], work);
    expect(JSON.parse(output)).toMatchObject({ allowed: true, rule: 0 });
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
    const dir = join(work, 'typescript-consumer');
    mkdirSync(dir);
    writeFileSync(join(dir, 'consumer-cjs.cts'), source);
    writeFileSync(join(dir, 'consumer-esm.mts'), source);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...CONSUMER_COMPILER_OPTIONS, noEmit: true }, files: ['consumer-cjs.cts', 'consumer-esm.mts'] }));
    expect(typeErrors(dir)).toBe('');
  });

  test('publint finds nothing to report, not even a suggestion', () => {
    const output = run(process.execPath, [join(root, 'node_modules', 'publint', 'src', 'cli.js'), 'run', '--level', 'suggestion', tarball], work);
    expect(output).not.toMatch(/Suggestions:|Warnings:|Errors:/);
    expect(output).toContain('All good!');
  });

  test('arethetypeswrong finds no problem for any resolution mode', () => {
    let output: string;
    try {
      output = run(process.execPath, [join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js'), '--format', 'json', tarball], work);
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    const report = JSON.parse(output) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  });

  describe('on the oldest Node that package.json "engines" allows', () => {
    let redis: RedisServerHandle;
    let oldestNode: string;
    let expectedVersion: string;

    beforeAll(async () => {
      redis = await startRedis();
      // Installed once by scripts/test.sh (from the npm registry) and reused from .tmp/oldest-node/.
      oldestNode = run(process.execPath, [join(root, 'scripts', 'oldest-node.mjs')], root).trim();
      const range = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
      const [major, minor = '0', patch = '0'] = range.replace(/^>=\s*/, '').split('.');
      expectedVersion = `v${major}.${minor}.${patch}`;
      writeFileSync(join(work, 'smoke.mjs'), readFileSync(join(__dirname, 'smoke.mjs')));
    }, 120_000);
    afterAll(() => redis?.stop());

    test('the binary is exactly that version', () => {
      expect(run(oldestNode, ['--version'], work).trim()).toBe(expectedVersion);
    });

    test.each([
      ['the memory store', ''],
      ['the Redis store on ioredis', 'redis'],
    ])('the smoke test passes with %s: both builds load, PUT ?cors with x-amz-checksum-crc32, GET ?cors, preflight, actual request', async (_name, store) => {
      const env = { ...process.env, REDIS_URL: store === 'redis' ? redis.url : '' };
      const { stdout } = await runAsync(oldestNode, ['smoke.mjs'], { cwd: work, env, timeout: 60_000 });
      expect(JSON.parse(stdout)).toEqual({ ok: true, node: expectedVersion, store: store === 'redis' ? 'redis' : 'memory' });
    });
  });

  describe("README.md's (and docs/operations.md's) TypeScript and JavaScript blocks, as a consumer of the tarball", () => {
    // docs/operations.md's metrics example and CDN purge recipes are whole modules; its other blocks are client-settings fragments.
    const operationsModule = (block: ReadmeBlock): boolean => block.section === 'Metrics' || block.section.startsWith('CDN purge');
    const blocks = [...readmeBlocks(), ...readmeBlocks(readFileSync(join(root, 'docs', 'operations.md'), 'utf8')).filter(operationsModule)];
    const fileOf = (block: ReadmeBlock, index: number): string => `readme-${index + 1}-line-${block.line}.${block.language === 'ts' ? 'mts' : 'mjs'}`;
    let dir: string;
    let diagnostics: string;

    beforeAll(() => {
      dir = join(work, 'readme');
      mkdirSync(dir);
      blocks.forEach((block, index) => writeFileSync(join(dir, fileOf(block, index)), block.code));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { ...CONSUMER_COMPILER_OPTIONS, allowJs: true, checkJs: true, outDir: 'out' }, files: blocks.map(fileOf) }),
      );
      // One tsc run checks every block and writes the JavaScript the run tests below execute (out/).
      diagnostics = typeErrors(dir);
    }, 60_000);

    test('there are blocks, the Usage server among them', () => {
      expect(blocks.length).toBeGreaterThan(0);
      expect(blocks.some((block) => block.section === 'Usage' && block.code.includes('app.listen('))).toBe(true);
    });

    test('every block type-checks (strict, module and moduleResolution nodenext)', () => {
      expect(diagnostics).toBe('');
    });

    describe('the Usage block runs as a server', () => {
      let redis: RedisServerHandle;
      const ORIGIN = 'https://app.example';
      const RULES = `<CORSConfiguration><CORSRule><AllowedOrigin>${ORIGIN}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`;
      const usageScript = (): string => {
        const index = blocks.findIndex((block) => block.section === 'Usage' && block.code.includes('app.listen('));
        return join(dir, 'out', fileOf(blocks[index]!, index).replace(/\.mts$/, '.mjs'));
      };

      interface Server {
        readonly child: ChildProcess;
        readonly url: string;
        readonly output: () => string;
      }
      const servers: ChildProcess[] = [];

      /** Starts the compiled Usage block; resolves once it answers HTTP. */
      async function startUsage(redisUrl: string): Promise<Server> {
        const port = await freePort();
        const child = spawn(process.execPath, [usageScript()], {
          cwd: dir,
          env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        servers.push(child);
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
        const url = `http://127.0.0.1:${port}`;
        const deadline = Date.now() + 15_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`the Usage block exited with ${child.exitCode}:\n${output}`);
          const answered = await fetch(`${url}/`).then(() => true, () => false);
          if (answered) return { child, url, output: () => output };
          if (Date.now() > deadline) throw new Error(`the Usage block did not listen within 15 s:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }

      beforeAll(async () => {
        redis = await startRedis();
      });
      afterAll(async () => {
        for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
        await redis?.stop();
      });

      const preflight = (url: string, bucket: string) =>
        fetch(`${url}/${bucket}/a.jpg`, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } });
      const putRules = (url: string) =>
        fetch(`${url}/photos?cors`, { method: 'PUT', headers: { 'Content-MD5': createHash('md5').update(RULES).digest('base64') }, body: RULES });

      test('on Redis: rules are refused unsigned, stored when the owner signs (AWS SDK, and the AWS CLI as README shows it), then enforced', async () => {
        const { url } = await startUsage(redis.url);
        expect(await (await preflight(url, 'photos')).text()).toContain('CORS is not enabled for this bucket.');
        expect((await preflight(url, 'elsewhere')).status).toBe(403);
        expect(await (await putRules(url)).text()).toContain('<Code>AccessDenied</Code>');
        const s3 = new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials: README_OWNER, maxAttempts: 1 });
        await s3.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }] } }));
        s3.destroy();
        const allowed = await preflight(url, 'photos');
        expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).toEqual([200, ORIGIN]);
        const actual = await fetch(`${url}/photos/a.jpg`, { headers: { Origin: ORIGIN } });
        expect([actual.status, actual.headers.get('access-control-allow-origin')]).toEqual([404, ORIGIN]);
        expect(await redis.commandCount('set')).toBeGreaterThan(0);
        if (!AWS_CLI) return;
        // The README's own command line, with its endpoint moved to this server's port.
        const command = /```sh\n(AWS_ACCESS_KEY_ID=[^`]*?put-bucket-cors[^`]*?)\n```/.exec(readFileSync(README_PATH, 'utf8'))![1]!.replace(/\\\n\s*/, '');
        writeFileSync(join(dir, 'cors.json'), JSON.stringify({ CORSRules: [{ AllowedOrigins: ['https://cli.example'], AllowedMethods: ['PUT'] }] }));
        await runAsync('sh', ['-c', command.replace('http://127.0.0.1:9000', url)], { cwd: dir, env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, timeout: 60_000 });
        const fromCli = await fetch(`${url}/photos/a.jpg`, { method: 'OPTIONS', headers: { Origin: 'https://cli.example', 'Access-Control-Request-Method': 'PUT' } });
        expect(fromCli.status).toBe(200);
      });

      test('with Redis unreachable: preflights answer 503 within a bound and ioredis reports no unhandled error', async () => {
        const closedPort = await freePort();
        const server = await startUsage(`redis://127.0.0.1:${closedPort}`);
        const started = Date.now();
        const answer = await preflight(server.url, 'photos');
        expect(answer.status).toBe(503);
        expect(Date.now() - started).toBeLessThan(5_000); // lookupTimeoutMs is 1 s; generous on a loaded machine
        // Give ioredis a few reconnect attempts to complain about.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(server.output()).toContain('Redis: connect ECONNREFUSED');
        expect(server.output()).not.toContain('Unhandled error event');
      });
    });
  });
});
