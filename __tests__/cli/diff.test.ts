// `bucket-cors diff` as a subprocess: every bucket against a template, the distinct configurations, a bucket's history;
// from an export file and from a real redis-server; and the --buckets patterns.

import Redis from 'ioredis';
import { RedisRuleStore } from 'express-bucket-cors';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { compileBucketPattern, DIFF_READ_BATCH } from '../support/internals';
import { connectionTracker, isolated } from '../store/helpers';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { cliWorkspace, storeArguments } from './run';

const STANDARD: CorsConfiguration = { CORSRules: [{ ID: 'media', AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'HEAD'], MaxAgeSeconds: 3000 }] };
const WIDENED: CorsConfiguration = { CORSRules: [{ ID: 'media', AllowedOrigins: ['https://app.example', 'https://old.example'], AllowedMethods: ['GET', 'HEAD'], MaxAgeSeconds: 3000 }] };
const UPLOADS: CorsConfiguration = { CORSRules: [...STANDARD.CORSRules, { AllowedOrigins: ['https://app.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'] }] };

const { cli, file } = cliWorkspace('bucket-cors-diff-');

const exportFile = (name: string, buckets: Record<string, unknown>): string => file(name, JSON.stringify({ buckets }));

describe('--buckets patterns', () => {
  test.each([
    ['media-*', 'media-photos', true],
    ['media-*', 'media-', true],
    ['media-*', 'xmedia-photos', false],
    ['*-eu', 'photos-eu', true],
    ['*-eu', 'photos-eu-2', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['a*bc*bc', 'abcbc', true],
    ['a*bc*bc', 'abcbxbc', true],
    ['a*bc*bc', 'abc', false],
    ['photos-?', 'photos-1', true],
    ['photos-?', 'photos-12', false],
    ['?*?', 'ab', true],
    ['?*?', 'a', false],
    ['photos', 'photos', true],
    ['photos', 'Photos', false],
    ['**', '', true],
    // Only * and ? are wildcards: brackets and backslashes are themselves.
    ['media-[ab]', 'media-a', false],
    ['media-[ab]', 'media-[ab]', true],
    ['a\\*', 'a\\xyz', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(compileBucketPattern(pattern).matches(name)).toBe(expected);
  });

  test('a literal names one bucket; the prefix is the text before the first wildcard', () => {
    expect(compileBucketPattern('photos')).toMatchObject({ literal: true, prefix: 'photos' });
    expect(compileBucketPattern('media-?x*')).toMatchObject({ literal: false, prefix: 'media-' });
    expect(compileBucketPattern('media*?')).toMatchObject({ literal: false, prefix: 'media' });
  });

  test('a pattern that would make a backtracking matcher explode is answered (each segment is placed once)', () => {
    const name = `${'a'.repeat(20_000)}`;
    expect(compileBucketPattern(`${'*a'.repeat(30)}*b`).matches(name)).toBe(false);
    expect(compileBucketPattern(`${'*a'.repeat(30)}*`).matches(name)).toBe(true);
  });
});

describe('diff against an export file (--from)', () => {
  const buckets = { 'media-a': STANDARD, 'media-b': WIDENED, 'media-c': STANDARD, 'media-d': UPLOADS, docs: WIDENED };

  test('--template lists exactly the buckets that differ, rule by rule, exit code 1; 0 when none does', async () => {
    const from = exportFile('all.json', buckets);
    const template = file('standard.json', JSON.stringify(STANDARD));
    const report = await cli.run(['diff', '--template', template, '--from', from]);
    expect(report.code).toBe(1);
    expect(report.stdout).toBe(
      [
        'docs differs from the template:',
        '  ~ rule 1 ("media"): AllowedOrigins +https://old.example',
        'media-b differs from the template:',
        '  ~ rule 1 ("media"): AllowedOrigins +https://old.example',
        'media-d differs from the template:',
        '  + rule 2: AllowedOrigins: https://app.example; AllowedMethods: PUT; AllowedHeaders: *',
        `3 of 5 bucket(s) drift from ${template}`,
        '',
      ].join('\n'),
    );
    const clean = await cli.run(['diff', '--template', template, '--from', from, '--buckets', 'media-a', '--buckets', 'media-c']);
    expect(clean).toMatchObject({ code: 0, stdout: `all 2 bucket(s) match ${template}\n` });
    // The template in another format: S3 XML.
    const xml = file('standard.xml', '<CORSConfiguration><CORSRule><ID>media</ID><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>');
    expect((await cli.run(['diff', '--template', xml, '--from', from, '--buckets', 'media-?', '--buckets', 'nothing*'])).stdout).toContain('2 of 4 bucket(s) drift');
  });

  test('--json: the documented shape; a named bucket without rules is drift ("no configuration")', async () => {
    const from = exportFile('json.json', buckets);
    const template = file('standard2.json', JSON.stringify(STANDARD));
    const result = await cli.run(['diff', '--template', template, '--from', from, '--buckets', 'media-a', '--buckets', 'ghost', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      template,
      checked: 2,
      matching: 1,
      drifting: [{ bucket: 'ghost', configured: false, differences: [{ kind: 'removed', from: 0, rule: STANDARD.CORSRules[0] }], lines: ['1 rule(s) → no configuration', '- rule 1 ("media"): AllowedOrigins: https://app.example; AllowedMethods: GET, HEAD; MaxAgeSeconds: 3000'] }],
      unreadable: [],
    });
    const human = await cli.run(['diff', '--template', template, '--from', from, '--buckets', 'ghost']);
    expect(human.stdout).toBe(`ghost: no configuration\n1 of 1 bucket(s) drift from ${template}\n`);
  });

  test('--group: the distinct configurations with their counts, the others as differences from the most common', async () => {
    const from = exportFile('group.json', buckets);
    const result = await cli.run(['diff', '--group', '--from', from, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.checked).toBe(5);
    expect(report.groups.map((group: { count: number; buckets: string[] }) => [group.count, group.buckets])).toEqual([
      [2, ['docs', 'media-b']],
      [2, ['media-a', 'media-c']],
      [1, ['media-d']],
    ]);
    expect(report.groups[0]).toMatchObject({ configuration: WIDENED, fromFirst: null });
    expect(report.groups[1].fromFirst.lines).toEqual(['~ rule 1 ("media"): AllowedOrigins -https://old.example']);
    const human = await cli.run(['diff', '--group', '--from', from, '--buckets', 'media-*']);
    expect(human.stdout).toBe(
      [
        '3 distinct configuration(s) among 4 bucket(s)',
        '#1: 2 bucket(s), 1 rule(s): media-a, media-c',
        '#2: 1 bucket(s), 1 rule(s), from #1: media-b',
        '  ~ rule 1 ("media"): AllowedOrigins +https://old.example',
        '#3: 1 bucket(s), 2 rule(s), from #1: media-d',
        '  + rule 2: AllowedOrigins: https://app.example; AllowedMethods: PUT; AllowedHeaders: *',
        '',
      ].join('\n'),
    );
    expect(await cli.run(['diff', '--group', '--from', from, '--buckets', 'media-a', '--buckets', 'media-c'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^1 distinct configuration\(s\) among 2 bucket\(s\)\n/) });
  });

  test('an entry that is no configuration is named and makes the exit code 2; the rest is still reported', async () => {
    const from = exportFile('broken.json', { good: STANDARD, bad: { CORSRules: 'nope' } });
    const result = await cli.run(['diff', '--template', file('t.json', JSON.stringify(STANDARD)), '--from', from, '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ checked: 1, matching: 1, drifting: [], unreadable: [{ bucket: 'bad', error: expect.stringContaining('MalformedJSON') }] });
    expect(result.stderr).toContain('unreadable bucket "bad"');
  });

  test.each([
    [['diff'], 'diff takes BUCKET VERSION'],
    [['diff', 'photos'], 'give the VERSION to compare'],
    [['diff', '--template', 'x.json', '--group', '--from', 'y.json'], '--template and --group are two forms'],
    [['diff', 'photos', 'v1', '--group', '--from', 'y.json'], '--group compares many buckets'],
    [['diff', 'photos', 'v1', '--buckets', 'a*'], '--buckets goes with --template FILE or --group'],
    [['diff', 'photos', 'v1', '--from', 'y.json'], '--from goes with --template FILE or --group'],
    [['diff', '--group', '--from', 'y.json', '--format', 'xml'], '--format is the format of the --template file'],
    [['diff', '--group'], 'give --redis URL or set REDIS_URL, or --from FILE'],
    [['diff', 'photos', 'v1'], 'reads the history from Redis'],
    [['diff', '--group', '--from', '/nonexistent/export.json'], 'cannot read /nonexistent/export.json'],
    [['diff', '--group', '--from', 'y.json', '--buckets', ''], '--buckets: a bucket name must not be empty'],
  ])('usage error, exit code 2: %j', async (args, message) => {
    const result = await cli.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    const json = await cli.run([...args, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2, message: expect.stringContaining(message) } });
  });
});

describe('diff against a real redis-server', () => {
  let redis: RedisServerHandle;
  const { track, disconnectAll } = connectionTracker();
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    disconnectAll();
    await redis.stop();
  });

  /** Calls of `command` the server has answered since it started. */
  async function calls(admin: Redis, command: string): Promise<number> {
    const stats = await admin.info('commandstats');
    return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  }

  test('many buckets: exactly the drifting ones, read in batches (MGET, no GET per bucket); --group counts them', async () => {
    const names = isolated();
    const admin = track(new Redis(redis.url));
    const store = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    const count = DIFF_READ_BATCH * 2 + 100;
    const media = Array.from({ length: count }, (_, i) => `media-${String(i).padStart(4, '0')}`);
    const drifting = new Set(['media-0007', 'media-0500', 'media-1099']);
    await Promise.all(media.map((bucket) => store.put(bucket, drifting.has(bucket) ? WIDENED : STANDARD)));
    await store.put('docs', UPLOADS);
    const args = storeArguments(redis.url, names);
    const template = file('redis-standard.json', JSON.stringify(STANDARD));

    const [getsBefore, mgetsBefore] = [await calls(admin, 'get'), await calls(admin, 'mget')];
    const result = await cli.run(['diff', '--template', template, '--buckets', 'media-*', ...args, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ template, checked: count, matching: count - 3, unreadable: [] });
    expect(report.drifting.map((entry: { bucket: string }) => entry.bucket)).toEqual([...drifting]);
    expect(report.drifting[0]).toEqual({
      bucket: 'media-0007',
      configured: true,
      differences: [{ kind: 'changed', from: 0, index: 0, fields: [{ field: 'AllowedOrigins', removed: [], added: ['https://old.example'] }] }],
      lines: ['~ rule 1 ("media"): AllowedOrigins +https://old.example'],
    });
    expect((await calls(admin, 'get')) - getsBefore).toBe(0);
    expect((await calls(admin, 'mget')) - mgetsBefore).toBe(Math.ceil(count / DIFF_READ_BATCH));

    const all = await cli.run(['diff', '--template', template, ...args]);
    expect(all.stdout.split('\n').filter((line) => line.endsWith('differs from the template:'))).toEqual(['docs differs from the template:', ...[...drifting].map((bucket) => `${bucket} differs from the template:`)]);
    expect(all.stdout).toContain(`4 of ${count + 1} bucket(s) drift from ${template}`);

    const group = JSON.parse((await cli.run(['diff', '--group', ...args, '--json'])).stdout);
    expect(group.groups.map((entry: { count: number }) => entry.count)).toEqual([count - 3, 3, 1]);
    expect(group.groups[2].buckets).toEqual(['docs']);
    const human = await cli.run(['diff', '--group', ...args]);
    expect(human.stdout).toContain(`#1: ${count - 3} bucket(s), 1 rule(s): media-0000, media-0001,`);
    expect(human.stdout).toContain(`and ${count - 3 - 10} more`);
    await store.close();
  }, 60_000);

  test('a key under the prefix that holds no configuration is named (exit code 2); a deleted bucket named by --buckets is "no configuration"', async () => {
    const names = isolated();
    const admin = track(new Redis(redis.url));
    const store = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    await store.put('photos', STANDARD);
    await store.put('videos', STANDARD);
    await store.delete('videos');
    await admin.hset(`${names.keyPrefix}strange`, 'field', 'value');
    const args = storeArguments(redis.url, names);
    const template = file('redis-t2.json', JSON.stringify(STANDARD));
    const result = await cli.run(['diff', '--template', template, ...args, '--buckets', '*', '--buckets', 'videos', '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      checked: 2,
      matching: 1,
      drifting: [{ bucket: 'videos', configured: false }],
      unreadable: [{ bucket: 'strange', error: 'the key holds a Redis hash, not a stored configuration' }],
    });
    expect(result.stderr).toContain('unreadable bucket "strange"');
    await store.close();
  });

  test("a bucket's history: VERSION against the rules now or against another VERSION; exit code 1 when they differ", async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    const first = await store.put('photos', STANDARD);
    const second = await store.put('photos', WIDENED);
    const args = storeArguments(redis.url, names);
    const now = await cli.run(['diff', 'photos', first.version, ...args]);
    expect(now).toMatchObject({ code: 1, stdout: `bucket photos, version ${first.version} → ${second.version} (now): 1 difference(s)\n  ~ rule 1 ("media"): AllowedOrigins +https://old.example\n` });
    const json = JSON.parse((await cli.run(['diff', 'photos', second.version, first.version, ...args, '--json'])).stdout);
    expect(json).toMatchObject({ bucket: 'photos', from: second.version, to: first.version, equal: false, lines: ['~ rule 1 ("media"): AllowedOrigins -https://old.example'] });
    expect(await cli.run(['diff', 'photos', second.version, ...args])).toMatchObject({ code: 0, stdout: expect.stringContaining('no difference') });
    const unknown = await cli.run(['diff', 'photos', 'no-such-version', ...args]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('has no configuration version "no-such-version"') });
    await store.delete('photos');
    expect((await cli.run(['diff', 'photos', second.version, ...args])).stdout).toContain('→ no configuration now: ');
    await store.close();
  });
});
