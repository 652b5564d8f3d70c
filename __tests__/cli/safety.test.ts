// `bucket-cors` never hangs and never leaks a password (issue 25 item 4), loses no data on export and import (item 5),
// names the field in its messages (issue 27 item 3) and exits with codes scripts can use (item 4): subprocesses against
// real redis-servers, a silent TCP server and small HTTP servers on loopback.

import { createServer, type Server } from 'node:net';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisRuleStore } from 'express-bucket-cors';
import type { CorsConfiguration, CorsRule } from 'express-bucket-cors/core';
import { closeServer, listen } from '../e2e/demo';
import { connectionTracker, isolated } from '../store/helpers';
import { freePort, startRedis, type RedisServerHandle } from '../support/redis';
import { cliWorkspace, storeArguments } from './run';

const CLEAN: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }] };
const SECRET = 'hunter2-s3cr3t';

const { cli, file, path } = cliWorkspace('bucket-cors-safety-');
/** Neither stream of a run shows the secret. */
const leaks = (result: { stdout: string; stderr: string }): boolean => `${result.stdout}${result.stderr}`.includes(SECRET);


describe('never hang', () => {
  let silent: Server;
  let url: string;
  beforeAll(async () => {
    // Accepts connections, reads what is sent and never answers a byte.
    silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  test.each([['list'], ['put', 'photos', 'PUT_FILE'], ['export', 'EXPORT_FILE']])('%s against a server that never answers: exit 2 within --timeout, saying so', async (...args) => {
    const argv = args.map((arg) => (arg === 'PUT_FILE' ? file('hang.json', JSON.stringify(CLEAN)) : arg === 'EXPORT_FILE' ? path('hang-export.json') : arg));
    const result = await cli.run([...argv, '--redis', url, '--timeout', '300']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`did not answer within 300 ms (--timeout)`);
    expect(existsSync(path('hang-export.json'))).toBe(false);
  });

  test('--timeout must be a positive whole number', async () => {
    expect((await cli.run(['list', '--redis', url, '--timeout', 'soon'])).code).toBe(2);
  });
});

describe('Redis credentials and databases', () => {
  let redis: RedisServerHandle;
  let admin: Redis;
  const { track, disconnectAll } = connectionTracker();
  const at = (password: string, path = '') => `redis://:${password}@${redis.host}:${redis.port}${path}`;
  beforeAll(async () => {
    redis = await startRedis();
    admin = track(new Redis(redis.url));
  });
  afterAll(async () => {
    await admin.config('SET', 'requirepass', '').catch(() => {});
    disconnectAll();
    await redis.stop();
  });

  test('a database index the server does not have is an error, and nothing is written to database 0', async () => {
    const names = isolated();
    const result = await cli.run(['put', 'photos', file('db.json', JSON.stringify(CLEAN)), '--redis', `${redis.url}/99`, '--key-prefix', names.keyPrefix]);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('has no database 99') });
    expect(await admin.keys(`${names.keyPrefix}*`)).toEqual([]);
    expect((await cli.run(['list', '--redis', `${redis.url}/zero`])).stderr).toContain('the database number');
    // A database that exists is used.
    expect((await cli.run(['put', 'photos', path('db.json'), '--redis', `${redis.url}/3`, '--key-prefix', names.keyPrefix])).code).toBe(0);
    const db3 = track(new Redis(`${redis.url}/3`));
    // The rules and their history (one change).
    expect((await db3.keys(`${names.keyPrefix}*`)).sort()).toEqual([`${names.keyPrefix}photos`, `${names.keyPrefix}photos:history{${names.keyPrefix}photos}`]);
  });

  test('a wrong or missing password says so, and the password appears in no message, --json included', async () => {
    if (redis.external) return; // CONFIG SET on a shared server is not ours to do
    await admin.config('SET', 'requirepass', SECRET);
    try {
      const wrong = await cli.run(['list', '--redis', at(`${SECRET}-wrong`), '--json']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('refused the password (WRONGPASS)');
      expect(JSON.parse(wrong.stdout)).toMatchObject({ error: { exitCode: 2, message: expect.stringContaining('refused the password') } });
      expect(leaks(wrong)).toBe(false);
      const none = await cli.run(['list', '--redis', `redis://${redis.host}:${redis.port}`]);
      expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('needs a password (NOAUTH)') });
      expect(none.stderr).not.toContain('Connection is closed');
      // The right password, from REDIS_URL: works, and masked when the database is wrong.
      const names = isolated();
      const put = await cli.run(['put', 'photos', file('auth.json', JSON.stringify(CLEAN)), '--key-prefix', names.keyPrefix, '--channel', names.channel], { env: { REDIS_URL: at(SECRET) } });
      expect(put.code).toBe(0);
      const badDb = await cli.run(['list', '--json'], { env: { REDIS_URL: at(SECRET, '/99') } });
      expect(badDb.code).toBe(2);
      expect(leaks(badDb)).toBe(false);
      const badUrl = await cli.run(['list', '--redis', `http://:${SECRET}@${redis.host}:${redis.port}`, '--json']);
      expect(badUrl.code).toBe(2);
      expect(JSON.parse(badUrl.stdout).error.message).toContain('redis://');
      expect(leaks(badUrl)).toBe(false);
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
  });

  test('--redis defaults to REDIS_URL; without either it is a usage error', async () => {
    const names = isolated();
    const args = ['--key-prefix', names.keyPrefix, '--channel', names.channel];
    expect((await cli.run(['put', 'photos', file('env.json', JSON.stringify(CLEAN)), ...args], { env: { REDIS_URL: redis.url } })).code).toBe(0);
    expect(JSON.parse((await cli.run(['list', ...args, '--json'], { env: { REDIS_URL: redis.url } })).stdout)).toEqual({ buckets: ['photos'] });
    const missing = await cli.run(['list', ...args, '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { exitCode: 2, code: 'commander.missingMandatoryOptionValue' } });
  });
});

describe('doctor masks passwords and sends none', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    if (server !== undefined) await closeServer(server);
    server = undefined;
  });

  test('a URL with credentials: nothing of them is sent or printed', async () => {
    const authorizations: Array<string | undefined> = [];
    server = await listen((req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin), 'access-control-allow-methods': 'GET, PUT, HEAD', 'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''), vary: 'Origin', 'access-control-expose-headers': 'ETag' });
      res.end();
    });
    const url = `http://admin:${SECRET}@127.0.0.1:${(server.address() as AddressInfo).port}`;
    const result = await cli.run(['doctor', url, '--bucket', 'b', '--origin', 'https://app.example', '--json']);
    expect(result.code).toBe(0);
    expect(leaks(result)).toBe(false);
    expect(JSON.parse(result.stdout).url).toBe(`http://admin:***@127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(authorizations.length).toBeGreaterThan(0);
    expect(authorizations.every((value) => value === undefined)).toBe(true);
    const closed = `http://admin:${SECRET}@127.0.0.1:${await freePort()}`;
    const refused = await cli.run(['doctor', closed, '--bucket', 'b', '--origin', 'https://app.example', '--json']);
    expect(refused.code).toBe(2);
    expect(leaks(refused)).toBe(false);
  });
});

describe('inputs are read within a size limit, as the APIs read them', () => {
  test('an endless input is refused (exit 2) without reading it all', async () => {
    const result = await cli.run(['lint', '/dev/zero']);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('is larger than 796,000 bytes') });
    expect((await cli.run(['import', '/dev/zero', '--redis', 'redis://127.0.0.1:1'])).stderr).toContain('is larger than 268,435,456 bytes');
  });

  test('S3 documents stop at 64 KB; a MediaStore policy of up to 398,000 characters is read', async () => {
    const big = { CORSRules: [{ ID: 'x'.repeat(70_000), AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] };
    expect((await cli.run(['lint', file('big.json', JSON.stringify(big))])).stderr).toContain('MaxMessageLengthExceeded');
    const policy = bigPolicy();
    expect(JSON.stringify(policy).length).toBeGreaterThan(300_000);
    const linted = await cli.run(['lint', file('big-policy.json', JSON.stringify(policy, null, 2)), '--format', 'mediastore', '--json']);
    expect(linted.code).toBe(0);
    expect(JSON.parse(linted.stdout).format).toBe('mediastore-json');
  });

  test('a MediaStore policy with a byte-order mark is read like the S3 formats', async () => {
    const policy = [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }];
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const linted = await cli.run(['lint', file('bom-policy.json', Buffer.concat([bom, Buffer.from(JSON.stringify(policy))])), '--format', 'mediastore', '--json']);
    expect(linted.code).toBe(0);
    expect(JSON.parse(linted.stdout).format).toBe('mediastore-json');
    const s3 = await cli.run(['lint', file('bom-s3.json', Buffer.concat([bom, Buffer.from(JSON.stringify(CLEAN))]))]);
    expect(s3.code).toBe(0);
  });
});

/** A MediaStore policy over 64 KB (but within its 398,000 characters): 2 rules of 90 long origins. */
function bigPolicy(): CorsRule[] {
  return [0, 1].map((rule) => ({
    AllowedOrigins: Array.from({ length: 90 }, (_, index) => `https://r${rule}-${index}.${'o'.repeat(1_900)}.example`),
    AllowedMethods: ['GET'],
    AllowedHeaders: ['*'],
  }));
}

describe('export and import lose nothing', () => {
  let redis: RedisServerHandle;
  let raw: Redis;
  const { track, disconnectAll } = connectionTracker();
  beforeAll(async () => {
    redis = await startRedis();
    raw = track(new Redis(redis.url));
  });
  afterAll(async () => {
    disconnectAll();
    await redis.stop();
  });
  const storeArgs = (names: { keyPrefix: string; channel: string }) => storeArguments(redis.url, names);

  test('every bucket round-trips, __proto__ and a MediaStore policy over 64 KB included; unreadable keys are named', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    const big = { CORSRules: bigPolicy() };
    await store.put('__proto__', CLEAN);
    await store.put('constructor', CLEAN);
    await store.put('media', big);
    await raw.hset(`${names.keyPrefix}a-hash`, 'x', '1');
    await raw.set(`${names.keyPrefix}not-json`, 'hello');
    const backup = path('round.json');
    const exported = await cli.run(['export', backup, ...storeArgs(names), '--json']);
    expect(exported.code).toBe(1); // two keys skipped
    expect(JSON.parse(exported.stdout)).toMatchObject({ exported: 3, failed: [{ bucket: 'a-hash', error: 'the key holds a Redis hash, not a stored configuration' }, { bucket: 'not-json' }] });
    expect(exported.stderr).toContain('skipped bucket "a-hash"');
    const written = JSON.parse(readFileSync(backup, 'utf8')) as { buckets: Record<string, unknown> };
    expect(Object.keys(written.buckets).sort()).toEqual(['__proto__', 'constructor', 'media']);

    const target = isolated();
    const imported = await cli.run(['import', backup, ...storeArgs(target)]);
    expect(imported).toMatchObject({ code: 0, stdout: expect.stringContaining('imported 3 bucket(s)') });
    const reader = new RedisRuleStore({ client: track(new Redis(redis.url)), ...target });
    await expect(reader.get('__proto__')).resolves.toMatchObject({ configuration: CLEAN });
    await expect(reader.get('media')).resolves.toMatchObject({ configuration: big });
    await store.close();
    await reader.close();
  });

  test('export writes through a fresh temporary file, never through a link planted at a predictable name', async () => {
    const names = isolated();
    await new RedisRuleStore({ client: track(new Redis(redis.url)), ...names }).put('photos', CLEAN);
    const area = mkdtempSync(path('export-'));
    const victim = join(area, 'victim.txt');
    writeFileSync(victim, 'keep me');
    const backup = join(area, 'backup.json');
    let planted = '';
    const result = await cli.run(['export', backup, ...storeArgs(names)], {
      spawned: (pid) => {
        planted = `${backup}.${pid}.tmp`;
        symlinkSync(victim, planted);
      },
    });
    expect(result.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    expect(lstatSync(backup).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(backup, 'utf8'))).toEqual({ buckets: { photos: CLEAN } });
    // The export target itself as a link: replaced, not written through.
    rmSync(backup);
    symlinkSync(victim, backup);
    expect((await cli.run(['export', backup, ...storeArgs(names)])).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me');
    // No temporary file left behind: only the planted link, the export and the victim.
    expect(readdirSync(area).sort()).toEqual(['backup.json', planted.slice(area.length + 1), 'victim.txt'].sort());
  });

  test('put and import refuse invalid UTF-8 as PUT ?cors does, storing nothing', async () => {
    const names = isolated();
    const invalid = Buffer.concat([Buffer.from('{"CORSRules":[{"ID":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}')]);
    const put = await cli.run(['put', 'photos', file('ff-fe.json', invalid), ...storeArgs(names)]);
    expect(put).toMatchObject({ code: 1, stderr: expect.stringContaining('MalformedJSON') });
    const xml = Buffer.concat([Buffer.from('<CORSConfiguration><CORSRule><ID>'), Buffer.from([0xff, 0xfe]), Buffer.from('</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>')]);
    expect(await cli.run(['put', 'photos', file('ff-fe.xml', xml), ...storeArgs(names)])).toMatchObject({ code: 1, stderr: expect.stringContaining('MalformedXML') });
    const exportFile = Buffer.concat([Buffer.from('{"buckets":{"photos":{"CORSRules":[{"ID":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}}}')]);
    expect(await cli.run(['import', file('ff-fe-export.json', exportFile), ...storeArgs(names)])).toMatchObject({ code: 1, stderr: expect.stringContaining('not valid UTF-8') });
    expect(await raw.keys(`${names.keyPrefix}*`)).toEqual([]);
  });

  test('import checks bucket names by the target dialect: S3 warns, MediaStore refuses', async () => {
    const names = isolated();
    const backup = file('names.json', JSON.stringify({ buckets: { Legacy_Bucket: CLEAN } }));
    const s3 = await cli.run(['import', backup, ...storeArgs(names)]);
    expect(s3).toMatchObject({ code: 0, stderr: expect.stringContaining('warning bucket-name: "Legacy_Bucket"') });
    const strict = await cli.run(['import', backup, ...storeArgs(isolated()), '--strict']);
    expect(strict).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing imported') });
    const fresh = isolated();
    const media = await cli.run(['import', file('containers.json', JSON.stringify({ buckets: { 'bad.name': CLEAN } })), ...storeArgs(fresh), '--dialect', 'mediastore']);
    expect(media).toMatchObject({ code: 1, stderr: expect.stringContaining('mediastore would refuse the name "bad.name"') });
    // MediaStore's rules for the configuration too: no POST.
    const post = { CORSRules: [{ ...CLEAN.CORSRules[0]!, AllowedMethods: ['POST'] }] };
    expect((await cli.run(['import', file('post.json', JSON.stringify({ buckets: { media: post } })), ...storeArgs(fresh), '--dialect', 'mediastore'])).code).toBe(1);
    expect(await raw.keys(`${fresh.keyPrefix}*`)).toEqual([]);
  });
});
