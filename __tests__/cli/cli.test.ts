// `bucket-cors` as a subprocess: files (lint, explain, convert), and the store on a real redis-server and a 3-master Redis Cluster.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { serializeCorsXml } from 'express-bucket-cors/s3';
import { Progress } from '../support/internals';
import { RedisRuleStore } from 'express-bucket-cors';
import { connectionTracker, isolated, nextBucketEvent, subscribed } from '../store/helpers';
import { freePort, startRedisCluster, type RedisClusterHandle } from '../support/redis';
import { cliRedis, cliWorkspace } from './run';

const CLEAN: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }] };
const WARNED: CorsConfiguration = { CORSRules: [{ ID: 'uploads', AllowedOrigins: ['https://app.example/'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'] }] };

const { cli, file, path } = cliWorkspace('bucket-cors-cli-');

describe('files', () => {
  test('lint: no warnings on a clean file; each warning otherwise, exit code 0 (1 with --strict); XML and JSON detected', async () => {
    const clean = await cli.run(['lint', file('clean.json', JSON.stringify(CLEAN))]);
    expect(clean).toMatchObject({ code: 0, stdout: expect.stringContaining('no warnings') });
    expect((await cli.run(['lint', path('clean.json'), '--strict'])).code).toBe(0);
    const xml = await cli.run(['lint', file('warned.xml', serializeCorsXml(WARNED)), '--json']);
    expect(xml.code).toBe(0);
    expect((await cli.run(['lint', path('warned.xml'), '--strict'])).code).toBe(1);
    const report = JSON.parse(xml.stdout);
    expect(report.format).toBe('s3-xml');
    expect(report.warnings.map((warning: { code: string }) => warning.code)).toEqual(['origin-never-matches', 'upload-without-etag', 'sdk-headers-not-allowed']);
    const human = await cli.run(['lint', file('warned.json', JSON.stringify(WARNED))]);
    expect(human.stdout).toContain('warning origin-never-matches: rule 1 ("uploads"): AllowedOrigin "https://app.example/" ends with a slash');
  });

  test('a configuration S3 refuses is a refusal (1) with S3’s code; unreadable, undetectable or wrong usage is 2', async () => {
    const invalid = await cli.run(['lint', file('invalid.json', JSON.stringify({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }] }))]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('InvalidRequest');
    const malformed = await cli.run(['lint', file('bad.xml', '<CORSConfiguration><CORSRule>')]);
    expect(malformed).toMatchObject({ code: 1, stderr: expect.stringContaining('MalformedXML') });
    expect((await cli.run(['lint', path('missing.json')])).code).toBe(2);
    expect((await cli.run(['lint', file('text.txt', 'hello')])).stderr).toContain('--format');
    expect((await cli.run(['lint', file('text2.txt', 'hello')])).code).toBe(2);
    expect((await cli.run(['explain', file('c.json', JSON.stringify(CLEAN)), '--method', 'GET'])).code).toBe(2);
    expect((await cli.run(['frobnicate'])).code).toBe(2);
    expect((await cli.run(['convert', path('c.json'), '--to', 'yaml'])).code).toBe(2);
  });

  test('explain: exit 0 when allowed, 1 with the rule-level reason and suggestion when refused', async () => {
    const config = file('explain.json', JSON.stringify(WARNED));
    const refused = await cli.run(['explain', config, '--origin', 'https://app.example', '--method', 'PUT', '--headers', 'content-type,x-amz-meta-note,amz-sdk-request', '--preflight', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ allowed: false, rule: null, reason: 'no-match', rules: [{ index: 0, id: 'uploads', failed: ['origin', 'headers'] }] });
    const allowed = await cli.run(['explain', file('clean2.json', JSON.stringify(CLEAN)), '--origin', 'https://app.example', '--method', 'PUT', '--headers', 'x-amz-meta-note', '--preflight']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('preflight allowed by rule 1');
    expect(allowed.stdout).toContain('Access-Control-Allow-Headers: x-amz-meta-note');
    // An actual request is never "refused": S3 answers it, without CORS headers.
    const actual = await cli.run(['explain', file('clean3.json', JSON.stringify(CLEAN)), '--origin', 'https://elsewhere.example', '--method', 'GET']);
    expect(actual.stdout.split('\n')[0]).toMatch(/^no CORS headers/);
    expect(actual.stdout).not.toContain('refused');
  });

  test('convert: XML ↔ JSON round trip, from stdin too', async () => {
    const toXml = await cli.run(['convert', file('round.json', JSON.stringify(WARNED)), '--to', 'xml']);
    expect(toXml.code).toBe(0);
    expect(toXml.stdout.trim()).toBe(serializeCorsXml(WARNED));
    const back = await cli.run(['convert', '-', '--to', 'json'], { input: toXml.stdout });
    expect(JSON.parse(back.stdout)).toEqual(WARNED);
  });

  test('MediaStore JSON: named, validated by MediaStore\u2019s rules, converted both ways', async () => {
    const policy = [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }];
    const linted = await cli.run(['lint', file('policy.json', JSON.stringify(policy)), '--format', 'mediastore', '--json']);
    expect(JSON.parse(linted.stdout)).toMatchObject({ format: 'mediastore-json', warnings: [] });
    // Unnamed, a bare list is the S3 console's form (MediaStore's is a subset of it).
    expect(JSON.parse((await cli.run(['lint', path('policy.json'), '--json'])).stdout)).toMatchObject({ format: 's3-console' });
    const toS3 = await cli.run(['convert', path('policy.json'), '--to', 'json']);
    expect(JSON.parse(toS3.stdout)).toEqual({ CORSRules: policy });
    // S3 → MediaStore: the ID is dropped with a note; POST cannot be expressed (a refusal).
    const withId = { CORSRules: [{ ID: 'web', ...policy[0] }] };
    const toMediaStore = await cli.run(['convert', file('with-id.json', JSON.stringify(withId)), '--to', 'mediastore']);
    expect(toMediaStore.code).toBe(0);
    expect(JSON.parse(toMediaStore.stdout)).toEqual(policy);
    expect(toMediaStore.stderr).toContain('ID "web" dropped');
    const post = await cli.run(['convert', file('post.json', JSON.stringify({ CORSRules: [{ ...policy[0], AllowedMethods: ['POST'] }] })), '--to', 'mediastore']);
    expect(post).toMatchObject({ code: 1, stderr: expect.stringContaining('POST') });
    // A policy MediaStore refuses (no AllowedHeaders) is a refusal with its exception name.
    const refused = await cli.run(['lint', file('bad-policy.json', JSON.stringify([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }])), '--format', 'mediastore']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('ValidationException') });
  });

  test('--help of the program and of each command shows examples and exits 0', async () => {
    const help = await cli.run(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Examples:') });
    for (const command of ['lint', 'explain', 'convert', 'get', 'put', 'delete', 'history', 'rollback', 'list', 'export', 'import', 'doctor']) {
      const result = await cli.run([command, '--help']);
      expect([command, result.code, result.stdout.includes('Example')]).toEqual([command, 0, true]);
    }
  });
});

describe('messages name the field; --json errors; version and help', () => {
  const refusal = async (name: string, value: unknown) => {
    const result = await cli.run(['lint', file(name, JSON.stringify(value)), '--json']);
    expect(result.code).toBe(1);
    const { error } = JSON.parse(result.stdout) as { error: { message: string; exitCode: number; code: string } };
    expect(error.exitCode).toBe(1);
    expect(result.stderr).toContain(error.message);
    return error;
  };
  const rule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };

  test('S3 JSON: a wrong key (with "did you mean"), a missing AllowedMethods, a string for a list, a wrapper object', async () => {
    const { AllowedOrigins, ...withoutOrigins } = rule;
    expect(await refusal('key.json', { CORSRules: [{ ...withoutOrigins, AllowedOrigin: AllowedOrigins }] })).toMatchObject({
      code: 'MalformedJSON',
      message: expect.stringContaining('rule 1: unknown key "AllowedOrigin" (did you mean "AllowedOrigins"?)'),
    });
    expect((await refusal('methods.json', { CORSRules: [rule, { AllowedOrigins: ['*'] }] })).message).toContain('rule 2: AllowedMethods is required');
    expect((await refusal('string.json', { CORSRules: [{ ...rule, AllowedMethods: 'GET' }] })).message).toContain('rule 1: AllowedMethods must be a list of strings, not "GET"');
    expect((await refusal('wrapped.json', { CORSConfiguration: { CORSRules: [rule] } })).message).toContain('the rules are wrapped in "CORSConfiguration"');
    expect((await refusal('top.json', { CorsRules: [rule] })).message).toContain('unknown key "CorsRules" at the top level (did you mean "CORSRules"?)');
    const empty = await refusal('empty.json', { CORSRules: [] });
    expect(empty.message).not.toContain('MalformedXML');
    expect(empty.message).toContain('at least one rule');
  });

  test('--json prints one JSON document on stdout for usage errors too', async () => {
    const usage = await cli.run(['explain', file('c3.json', JSON.stringify(CLEAN)), '--method', 'GET', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { exitCode: 2, code: 'commander.missingMandatoryOptionValue', message: expect.stringContaining("'--origin <origin>'") } });
    const unreadable = await cli.run(['lint', path('nope.json'), '--json']);
    expect(JSON.parse(unreadable.stdout)).toMatchObject({ error: { exitCode: 2, message: expect.stringContaining('cannot read') } });
  });

  test('--version prints the package version; --help lists the exit codes', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(await cli.run(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = await cli.run(['--help']);
    expect(help.stdout).toContain('Exit codes:\n  0  done; warnings, if any, are printed on stderr (--strict makes them exit 1)');
    expect(help.stdout).toContain('REDIS_URL');
  });

  test('new RedisRuleStore(redis) says to pass { client: redis }', () => {
    const redis = new Redis({ lazyConnect: true });
    expect(() => new RedisRuleStore(redis as never)).toThrow('pass the client as an option, new RedisRuleStore({ client: redis })');
    redis.disconnect();
  });
});

describe('Progress', () => {
  test('draws a bar only on a terminal', () => {
    const written: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;
    const bar = new Progress('exporting', 2, stream(true));
    bar.tick();
    bar.tick();
    bar.end();
    expect(written.some((text) => text.includes('exporting [###############---------------] 1/2'))).toBe(true);
    expect(written.at(-1)).toBe('\r\x1b[K');
    written.length = 0;
    const quiet = new Progress('exporting', 2, stream(false));
    quiet.tick();
    quiet.end();
    expect(written).toEqual([]);
  });
});

describe('the store on a real redis-server', () => {
  const { storeArgs, storeOf } = cliRedis();

  test('put validates, lints, writes and invalidates running servers; get and delete', async () => {
    const names = isolated();
    const server = storeOf(names);
    await subscribed(server);
    const heard = nextBucketEvent(server, 'photos');
    const put = await cli.run(['put', 'photos', file('put.json', JSON.stringify(WARNED)), ...storeArgs(names)]);
    expect(put.code).toBe(0); // stored; the warnings on stderr
    expect(put.stderr).toContain('warning origin-never-matches');
    expect(put.stdout).toBe(`stored the rules of bucket photos (version ${(await server.get('photos'))!.version}); running servers were told to reload them\n`);
    await heard;
    await expect(server.get('photos')).resolves.toMatchObject({ configuration: WARNED });

    const get = await cli.run(['get', 'photos', ...storeArgs(names), '--json']);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ bucket: 'photos', configuration: WARNED });
    expect((await cli.run(['get', 'photos', ...storeArgs(names), '--to', 'xml'])).stdout.trim()).toBe(serializeCorsXml(WARNED));

    const refused = await cli.run(['put', 'photos', file('bad.json', JSON.stringify({ CORSRules: [] })), ...storeArgs(names)]);
    expect(refused.code).toBe(1);
    await expect(server.get('photos')).resolves.toMatchObject({ configuration: WARNED }); // untouched

    expect((await cli.run(['put', '', path('put.json'), ...storeArgs(names)])).code).toBe(2);
    const clean = await cli.run(['put', 'photos', file('clean-put.json', JSON.stringify(CLEAN)), ...storeArgs(names)]);
    expect(clean.code).toBe(0);
    expect((await cli.run(['delete', 'photos', ...storeArgs(names)])).code).toBe(0);
    await expect(server.get('photos')).resolves.toBeNull();
    expect(await cli.run(['get', 'photos', ...storeArgs(names)])).toMatchObject({ code: 1, stdout: expect.stringContaining('no CORS configuration') });
    await server.close();
  });

  test('puts and deletes conditionally, prints the history, and rolls back to the XML served before', async () => {
    const names = isolated();
    const server = storeOf(names);
    const first = JSON.parse((await cli.run(['put', 'photos', file('v1.json', JSON.stringify(CLEAN)), ...storeArgs(names), '--if-absent', '--json'])).stdout) as { version: string };
    const xml = (await cli.run(['get', 'photos', ...storeArgs(names), '--to', 'xml'])).stdout;
    const again = await cli.run(['put', 'photos', file('v1.json', JSON.stringify(CLEAN)), ...storeArgs(names), '--if-absent']);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining(`at version ${first.version}`) });
    expect((await cli.run(['put', 'photos', file('v2.json', JSON.stringify(WARNED)), ...storeArgs(names), '--if-version', first.version])).code).toBe(0); // stored (its warnings on stderr)
    expect((await cli.run(['delete', 'photos', ...storeArgs(names), '--if-version', first.version])).code).toBe(1); // stale: kept
    await expect(server.get('photos')).resolves.toMatchObject({ configuration: WARNED });

    const history = JSON.parse((await cli.run(['history', 'photos', ...storeArgs(names), '--json'])).stdout) as { history: { previousVersion: string | null; source: string }[] };
    expect(history.history.map(({ previousVersion, source }) => [previousVersion, source])).toEqual([[first.version, 'cli'], [null, 'cli']]);
    expect((await cli.run(['history', 'photos', ...storeArgs(names)])).stdout).toContain(`replaced ${first.version}  cli`);

    expect((await cli.run(['rollback', 'photos', 'no-such-version', ...storeArgs(names)])).code).toBe(1);
    const rollback = await cli.run(['rollback', 'photos', first.version, ...storeArgs(names)]);
    expect(rollback).toMatchObject({ code: 0, stdout: expect.stringContaining(`the rules of version ${first.version} again`) });
    expect((await cli.run(['get', 'photos', ...storeArgs(names), '--to', 'xml'])).stdout).toBe(xml);
    expect((await server.history('photos'))[0]).toMatchObject({ previousVersion: expect.any(String), source: 'rollback' });
    await server.close();
  });

  test('list, export and import every bucket; import validates them all before writing any', async () => {
    const names = isolated();
    const store = storeOf(names);
    const buckets = ['a.photos', 'b-docs', 'c*star', 'd[x]'];
    for (const bucket of buckets) await store.put(bucket, CLEAN);
    // Another prefix's keys are not listed.
    await storeOf(isolated()).put('other', CLEAN);
    const list = await cli.run(['list', ...storeArgs(names), '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ buckets });

    const backup = path('backup.json');
    const exported = await cli.run(['export', backup, ...storeArgs(names)]);
    expect(exported).toMatchObject({ code: 0, stdout: 'exported 4 bucket(s) to ' + backup + '\n' });
    expect(exported.stderr).toBe(''); // not a terminal: no progress bar
    expect(JSON.parse(readFileSync(backup, 'utf8'))).toEqual({ buckets: Object.fromEntries(buckets.map((bucket) => [bucket, CLEAN])) });

    const target = isolated();
    const imported = await cli.run(['import', backup, ...storeArgs(target)]);
    // Stored; the names S3 would refuse are warnings on stderr.
    expect(imported).toMatchObject({ code: 0, stdout: `imported 4 bucket(s) from ${backup} with 2 warning(s)\n` });
    expect(imported.stderr).toContain('warning bucket-name: "c*star" is not a name S3 gives a bucket today');
    expect(JSON.parse((await cli.run(['list', ...storeArgs(target), '--json'])).stdout)).toEqual({ buckets });

    const mixed = file('mixed.json', JSON.stringify({ buckets: { good: CLEAN, bad: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } } }));
    const fresh = isolated();
    const refused = await cli.run(['import', mixed, ...storeArgs(fresh)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('bucket bad');
    expect(JSON.parse((await cli.run(['list', ...storeArgs(fresh), '--json'])).stdout)).toEqual({ buckets: [] });
  });

  test('put: warnings on stderr and exit 0; --strict stores nothing and exits 1; explain reads a stored bucket', async () => {
    const names = isolated();
    const reader = storeOf(names);
    const strict = await cli.run(['put', 'photos', file('strict.json', JSON.stringify(WARNED)), ...storeArgs(names), '--strict', '--json']);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout)).toMatchObject({ bucket: 'photos', stored: false });
    expect(strict.stderr).toContain('nothing stored: --strict and 3 warning(s)');
    await expect(reader.get('photos')).resolves.toBeNull();
    const stored = await cli.run(['put', 'UPPER', path('strict.json'), ...storeArgs(names)]);
    expect(stored.code).toBe(0);
    expect(stored.stderr).toContain('warning bucket-name: "UPPER" is not a name S3 gives a bucket today');
    expect(stored.stdout).not.toContain('warning');

    const explained = await cli.run(['explain', '--bucket', 'UPPER', ...storeArgs(names), '--origin', 'https://app.example', '--method', 'GET', '--json']);
    expect(explained.code).toBe(1); // the stored origin has a trailing slash: refused
    expect(JSON.parse(explained.stdout)).toMatchObject({ allowed: false, rules: [{ index: 0, id: 'uploads', failed: ['origin'] }] });
    const none = await cli.run(['explain', '--bucket', 'nothing-here', ...storeArgs(names), '--origin', 'https://app.example', '--method', 'GET']);
    expect(none).toMatchObject({ code: 1, stderr: expect.stringContaining('bucket nothing-here has no CORS configuration') });
    expect((await cli.run(['explain', '--bucket', 'UPPER', '--origin', 'https://app.example', '--method', 'GET'])).stderr).toContain('give --redis URL or set REDIS_URL');
    await reader.close();
  });

  test('an unreachable Redis is exit code 2, promptly', async () => {
    const port = await freePort();
    const result = await cli.run(['list', '--redis', `redis://127.0.0.1:${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot reach Redis');
    expect((await cli.run(['list', '--redis', 'http://127.0.0.1:1'])).code).toBe(2);
  });
});

describe('the store on a 3-master Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  const { track, disconnectAll } = connectionTracker();
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    disconnectAll();
    await cluster.stop();
  });

  test('put through any node, list scans every master', async () => {
    const names = isolated();
    const buckets = Array.from('abcdefghijkl', (letter) => `bucket-${letter}`);
    const seed = cluster.nodes[1]!;
    const args = ['--redis', `redis://${seed.host}:${seed.port}`, '--key-prefix', names.keyPrefix, '--channel', names.channel];
    const config = file('cluster.json', JSON.stringify(CLEAN));
    for (const bucket of buckets) expect((await cli.run(['put', bucket, config, ...args])).code).toBe(0);
    // The keys really are spread over the masters (not assumed).
    const keysPerNode = await Promise.all(cluster.nodes.map(async (node) => (await track(new Redis(node.port, node.host)).keys(`${names.keyPrefix}*`)).length));
    expect(keysPerNode.filter((count) => count > 0).length).toBeGreaterThan(1);
    const list = await cli.run(['list', ...args, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ buckets });
    const reader = new RedisRuleStore({ client: track(new Cluster([cluster.nodes[0]!])), ...names });
    await expect(reader.get('bucket-k')).resolves.toMatchObject({ configuration: CLEAN });
  });
});
