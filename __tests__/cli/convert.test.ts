// `bucket-cors convert`, file reading, and export/import --format across providers, as a subprocess (the store on a
// real redis-server): losses on stderr per bucket, --strict, limits, shapes named.

import { existsSync, readFileSync } from 'node:fs';
import { FORMATS, type CorsConfiguration } from 'express-bucket-cors';
import { isolated } from '../store/helpers';
import { cliRedis, cliWorkspace } from './run';

const { cli, file, path } = cliWorkspace('bucket-cors-convert-');

test('convert --from --to between providers: losses on stderr, --strict refuses them, --json carries them', async () => {
  const gcs = file('gcs.json', JSON.stringify([{ origin: ['https://app.example'], method: ['GET', 'PATCH'], responseHeader: ['ETag'], maxAgeSeconds: 600 }]));
  const toS3 = await cli.run(['convert', '--from', 'gcs', '--to', 's3-xml', gcs]);
  expect(toS3.code).toBe(0);
  expect(toS3.stdout).toContain('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://app.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>');
  expect(toS3.stderr).toContain('warning method-dropped: gcs-json rule 1: Google Cloud Storage method "PATCH" dropped');
  const strict = await cli.run(['convert', '--to', 'json', '--strict', gcs]);
  expect(strict).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('method-dropped') });
  const json = JSON.parse((await cli.run(['convert', '--to', 'azure', '--json', gcs])).stdout);
  expect(json).toMatchObject({ from: 'gcs-json', to: 'azure-xml', configuration: { CORSRules: [{ AllowedMethods: ['GET'] }] } });
  expect(json.warnings.map((warning: { code: string }) => warning.code)).toEqual(['method-dropped']);
});

test('a shape no format has is a usage error naming the shapes expected; a target’s limits are a refusal', async () => {
  const unknown = await cli.run(['convert', '--to', 'json', file('odd.json', JSON.stringify({ policy: [] }))]);
  expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('gcs-json: [{"origin"') });
  // A near miss of S3's shape is S3's refusal naming the fix, not the list of shapes.
  const nearMiss = await cli.run(['convert', '--to', 'json', file('near.json', JSON.stringify({ cors_rules: [] }))]);
  expect(nearMiss).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown key "cors_rules" at the top level (did you mean "CORSRules"?)') });
  const six = file('six.json', JSON.stringify({ CORSRules: Array.from({ length: 6 }, (_, i) => ({ AllowedOrigins: [`https://${i}.example`], AllowedMethods: ['GET'] })) }));
  expect(await cli.run(['convert', '--to', 'azure', six])).toMatchObject({ code: 1, stderr: expect.stringContaining('at most 5 rules') });
});

test('lint and explain read every provider’s format: the console list, R2’s wrangler file, B2 rules', async () => {
  const console = await cli.run(['lint', file('console.json', JSON.stringify([{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }])), '--json']);
  expect(JSON.parse(console.stdout)).toMatchObject({ format: 's3-console', warnings: [] });
  const r2 = file('r2.json', JSON.stringify({ rules: [{ allowed: { origins: ['https://app.example'], methods: ['PUT'] } }] }));
  expect(JSON.parse((await cli.run(['lint', r2, '--json'])).stdout).warnings.map((warning: { code: string }) => warning.code)).toEqual(['upload-without-etag', 'sdk-headers-not-allowed']);
  const b2 = file('b2.json', JSON.stringify([{ corsRuleName: 'downloads', allowedOrigins: ['https://app.example'], allowedOperations: ['s3_get'], maxAgeSeconds: 60 }]));
  expect(await cli.run(['explain', b2, '--origin', 'https://app.example', '--method', 'GET'])).toMatchObject({ code: 0, stdout: expect.stringContaining('CORS headers from rule 1 ("downloads")') });
  // What reading another provider's rules loses is a warning of lint too (--strict: exit 1).
  const gcs = file('lint-gcs.json', JSON.stringify([{ origin: ['https://app.example'], method: ['GET', 'PATCH'] }]));
  expect(await cli.run(['lint', gcs])).toMatchObject({ code: 0, stdout: expect.stringContaining('warning method-dropped: gcs-json rule 1: Google Cloud Storage method "PATCH" dropped') });
  expect((await cli.run(['lint', gcs, '--strict'])).code).toBe(1);
  expect(JSON.parse((await cli.run(['lint', gcs, '--json'])).stdout)).toMatchObject({ format: 'gcs-json', warnings: [], conversionWarnings: [{ code: 'method-dropped', rule: 0, format: 'gcs-json' }] });
});

describe('export --format and import --format: every provider’s format, across buckets', () => {
  const { storeArgs, storeOf } = cliRedis();
  const PLAIN: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['ETag'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] };
  const WITH_ID: CorsConfiguration = { CORSRules: [{ ID: 'web', ...PLAIN.CORSRules[0]! }] };

  test('export --format gcs: the providers’ documents per bucket, losses per bucket with their rule; --strict writes nothing', async () => {
    const names = isolated();
    const store = storeOf(names);
    await store.put('__proto__', PLAIN);
    await store.put('photos', WITH_ID);
    const target = path('gcs-buckets.json');
    const exported = await cli.run(['export', target, '--format', 'gcs', ...storeArgs(names)]);
    expect(exported).toMatchObject({ code: 0, stdout: `exported 2 bucket(s) to ${target} with 1 warning(s)\n` });
    expect(exported.stderr).toContain('warning id-dropped: bucket photos, gcs-json rule 1: ID "web" dropped: Google Cloud Storage rules have no ID');
    const gcs = [{ origin: ['https://app.example'], method: ['GET', 'HEAD'], responseHeader: ['ETag'], maxAgeSeconds: 600 }];
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ format: 'gcs-json', buckets: Object.fromEntries([['__proto__', gcs], ['photos', gcs]]) });
    expect(Object.keys(JSON.parse(readFileSync(target, 'utf8')).buckets)).toEqual(['__proto__', 'photos']);

    // get --to: the same losses on stderr.
    expect(await cli.run(['get', 'photos', '--to', 'gcs-xml', ...storeArgs(names)])).toMatchObject({ code: 0, stdout: expect.stringContaining('<CorsConfig><Cors><Origins>'), stderr: expect.stringContaining('warning id-dropped: gcs-xml rule 1: ID "web" dropped') });

    const strictTarget = path('strict-gcs.json');
    const strict = await cli.run(['export', strictTarget, '--format', 'gcs', '--strict', '--json', ...storeArgs(names)]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ exported: 0, format: 'gcs-json', warnings: [expect.stringContaining('id-dropped')] });
    expect(existsSync(strictTarget)).toBe(false);
    await store.close();
  });

  test('export --format azure: a bucket past Azure’s 5 rules is named and skipped (exit 1); XML formats hold each document as a string', async () => {
    const names = isolated();
    const store = storeOf(names);
    await store.put('many', { CORSRules: Array.from({ length: 6 }, (_, i) => ({ AllowedOrigins: [`https://${i}.example`], AllowedMethods: ['GET'] })) });
    await store.put('few', PLAIN);
    const target = path('azure-buckets.json');
    const exported = await cli.run(['export', target, '--format', 'azure', ...storeArgs(names)]);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain('skipped bucket "many": azure-xml: Azure Storage would refuse it');
    const written = JSON.parse(readFileSync(target, 'utf8'));
    expect(Object.keys(written.buckets)).toEqual(['few']);
    expect(written.buckets.few).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<StorageServiceProperties><Cors><CorsRule><AllowedOrigins>https:\/\/app.example</);
    // And back: the same rules stored.
    const back = isolated();
    const imported = await cli.run(['import', target, ...storeArgs(back)]);
    expect(imported).toMatchObject({ code: 0, stdout: `imported 1 bucket(s) from ${target}\n` });
    await expect(storeOf(back).get('few')).resolves.toMatchObject({ configuration: PLAIN });
    await store.close();
  });

  test('import --format gcs of a map a user wrote: losses per bucket with their rule, --strict imports nothing, names checked by the dialect', async () => {
    const gcsFile = file('from-gcs.json', JSON.stringify({ buckets: {
      media: [{ origin: ['https://app.example'], method: ['GET', 'PATCH'], responseHeader: ['ETag'], maxAgeSeconds: 600 }],
      docs: { cors: [{ origin: ['*'], method: ['GET'] }] },
    } }));
    const strictNames = isolated();
    const strict = await cli.run(['import', gcsFile, '--format', 'gcs', '--strict', ...storeArgs(strictNames)]);
    expect(strict).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing imported: --strict') });
    expect(strict.stderr).toContain('warning method-dropped: bucket media, gcs-json rule 1: Google Cloud Storage method "PATCH" dropped');
    await expect(storeOf(strictNames).get('media')).resolves.toBeNull();

    const names = isolated();
    // put of one such file: the same warnings.
    expect(await cli.run(['put', 'single', file('single-gcs.json', JSON.stringify([{ origin: ['*'], method: ['GET', 'PATCH'] }])), ...storeArgs(strictNames)])).toMatchObject({ code: 0, stderr: expect.stringContaining('warning method-dropped: gcs-json rule 1') });
    const imported = await cli.run(['import', gcsFile, '--format', 'gcs-json', '--json', ...storeArgs(names)]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ imported: 2, warnings: ['warning method-dropped: bucket media, gcs-json rule 1: Google Cloud Storage method "PATCH" dropped: S3 rules allow only GET, PUT, HEAD, POST, DELETE'] });
    await expect(storeOf(names).get('media')).resolves.toMatchObject({ configuration: { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'], AllowedHeaders: ['ETag'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] } });
    await expect(storeOf(names).get('docs')).resolves.toMatchObject({ configuration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] } });

    // One bucket of the wrong shape: refused naming it, nothing stored (all are read before any is written).
    const mixed = file('mixed-gcs.json', JSON.stringify({ buckets: { good: [{ origin: ['*'], method: ['GET'] }], bad: [{ origin: '*', method: ['GET'] }] } }));
    const fresh = isolated();
    expect(await cli.run(['import', mixed, '--format', 'gcs', ...storeArgs(fresh)])).toMatchObject({ code: 1, stderr: expect.stringContaining('bucket bad: gcs-json: entry 1 origin must be a list of strings') });
    await expect(storeOf(fresh).get('good')).resolves.toBeNull();
    // The file's own format must agree with --format; MediaStore's names are checked as before.
    const exportedGcs = file('named.json', JSON.stringify({ format: 'gcs-json', buckets: { good: [{ origin: ['*'], method: ['GET'], responseHeader: ['ETag'] }] } }));
    expect(await cli.run(['import', exportedGcs, '--format', 'azure', ...storeArgs(fresh)])).toMatchObject({ code: 2, stderr: expect.stringContaining('holds gcs-json (its "format"), not azure-xml as --format says') });
    expect(await cli.run(['import', exportedGcs, '--dialect', 'mediastore', ...storeArgs(fresh)])).toMatchObject({ code: 0 });
    expect(await cli.run(['import', file('bad-name.json', JSON.stringify({ format: 'gcs', buckets: { 'bad.name': [{ origin: ['*'], method: ['GET'] }] } })), '--dialect', 'mediastore', ...storeArgs(fresh)])).toMatchObject({ code: 1, stderr: expect.stringContaining('mediastore would refuse the name "bad.name"') });
  });

  test('export --format s3-xml, import it: identical stored configurations; the file without --format is read by its "format"', async () => {
    const names = isolated();
    const store = storeOf(names);
    await store.put('photos', WITH_ID);
    await store.put('constructor', PLAIN);
    const target = path('xml-buckets.json');
    expect((await cli.run(['export', target, '--format', 'xml', ...storeArgs(names)])).code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toMatchObject({ format: 's3-xml', buckets: { photos: expect.stringContaining('<CORSConfiguration') } });
    const back = isolated();
    expect((await cli.run(['import', target, ...storeArgs(back)])).code).toBe(0);
    const reader = storeOf(back);
    await expect(reader.get('photos')).resolves.toMatchObject({ configuration: WITH_ID });
    await expect(reader.get('constructor')).resolves.toMatchObject({ configuration: PLAIN });
    await store.close();
  });

  test.each(FORMATS.map(({ format }) => format.name))('export --format %s, then import: every bucket it exported without a warning is stored again identically', async (format) => {
    const names = isolated();
    const store = storeOf(names);
    // Rules every format holds but for IDs: GCS, Azure and MediaStore drop them, B2 needs one.
    const rule = { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'HEAD', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['content-type'], MaxAgeSeconds: 600 } as const;
    const buckets: Record<string, CorsConfiguration> = { named: { CORSRules: [{ ID: 'web-app-1', ...rule }] }, plain: { CORSRules: [{ ...rule }] } };
    for (const [bucket, configuration] of Object.entries(buckets)) await store.put(bucket, configuration);
    const target = path(`every-${format}.json`);
    const exported = await cli.run(['export', target, '--format', format, '--json', ...storeArgs(names)]);
    expect(exported.code).toBe(0);
    const lossy = new Set((JSON.parse(exported.stdout).warnings as string[]).map((line) => /bucket (\w+), /.exec(line)![1]));
    const exact = Object.keys(buckets).filter((bucket) => !lossy.has(bucket));
    expect(exact.length).toBeGreaterThan(0);
    const back = isolated();
    expect(await cli.run(['import', target, '--format', format, ...storeArgs(back)])).toMatchObject({ code: 0 });
    const reader = storeOf(back);
    for (const bucket of exact) expect([bucket, (await reader.get(bucket))?.configuration]).toEqual([bucket, buckets[bucket]]);
  });
});
