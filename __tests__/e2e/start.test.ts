// `npm start`'s script as a child process: banner, both listeners, Redis, and a clean exit 0 on SIGTERM/SIGINT.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { ensurePackageBuilt, PACKAGE_BUILD_TIMEOUT_MS } from '../support/package-build';
import { freePortPair, startRedis, type RedisServerHandle } from '../support/redis';

const START_SCRIPT = path.join(__dirname, '..', '..', 'examples', 'start.mjs');

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Spawns the start script and resolves once it printed its banner (or rejects with its output when it exits first). */
function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--enable-source-maps', START_SCRIPT], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('curl (signed')) resolve({ child, output: () => output, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`start.mjs exited with ${code} before it was ready:\n${output}`)));
  });
}

/** Local addresses (kernel hex, e.g. `0100007F` for 127.0.0.1) of the TCP sockets listening on `port`, from Linux's /proc/net. */
function listeningAddresses(port: number): string[] {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const LISTEN = '0A';
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length > 3 && fields[1]!.endsWith(`:${portHex}`) && fields[3] === LISTEN)
      .map((fields) => fields[1]!.split(':')[0]!),
  );
}

describe('examples/start.mjs (npm start)', () => {
  let redis: RedisServerHandle;
  beforeAll(ensurePackageBuilt, PACKAGE_BUILD_TIMEOUT_MS);
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  test('serves the endpoint on PORT and the page on PORT+1, with Redis; SIGTERM exits 0', async () => {
    const port = await freePortPair();
    const started = await start({ PORT: String(port), REDIS_URL: redis.url, S3_ACCESS_KEY: 'AKIDSTARTTEST', S3_SECRET_KEY: 'start-test-secret' });
    try {
      expect(started.output()).toContain(`aws --endpoint-url http://localhost:${port} s3api put-bucket-cors`);
      expect(started.output()).toContain('S3_ACCESS_KEY=AKIDSTARTTEST');
      expect(started.output()).toContain(`Redis ${redis.url}`);
      const denied = await fetch(`http://127.0.0.1:${port}/`);
      expect(denied.status).toBe(403);
      expect(denied.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
      const page = await fetch(`http://127.0.0.1:${port + 1}/`);
      expect(await page.text()).toContain('<script src="app.js"></script>');
      expect((await fetch(`http://127.0.0.1:${port + 1}/app.js`)).status).toBe(200);
      const config = (await (await fetch(`http://127.0.0.1:${port + 1}/api/config`)).json()) as { endpoint: string };
      expect(config.endpoint).toBe(`http://localhost:${port}`);
      // It says it keeps running and how to stop it.
      expect(started.output()).toContain(`Running until stopped: press Ctrl+C (or send SIGTERM, e.g. kill ${started.child.pid}).`);
      // The page signs with the demo's keys for whoever calls it: loopback only by default.
      expect(started.output()).toContain('listening on 127.0.0.1 only, PAGE_HOST changes it');
      // So does the S3 endpoint, whose default keys the banner prints: HOST opens it.
      expect(started.output()).toContain('listening on 127.0.0.1 only, HOST changes it');
      if (existsSync('/proc/net/tcp')) expect([listeningAddresses(port), listeningAddresses(port + 1)]).toEqual([['0100007F'], ['0100007F']]);
    } finally {
      started.child.kill('SIGTERM');
    }
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('SIGTERM: shutting down');
  });

  test('SIGINT exits 0 too (in-memory store)', async () => {
    const port = await freePortPair();
    const started = await start({ PORT: String(port), REDIS_URL: '' });
    expect(started.output()).toContain('in memory');
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  });

  test("a taken page port (PORT+1) is one line naming the setting, not a stack trace", async () => {
    const port = await freePortPair();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port + 1, '127.0.0.1', resolve));
    try {
      const failure = await start({ PORT: String(port), REDIS_URL: '' }).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failure).toContain(`Cannot start: listening on 127.0.0.1:${port + 1} is already in use: set PORT (the page uses PORT+1) to another port.`);
      expect(failure).not.toMatch(/\n\s+at /);
    } finally {
      squatter.close();
    }
  });

  test('a bad PORT is refused with a message saying what to change', async () => {
    await expect(start({ PORT: 'nine' })).rejects.toThrow(/PORT must be a port number/);
  });
});
