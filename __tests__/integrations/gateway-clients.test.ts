// The gateway recipe in front of a bare s3rver, as its users reach it: the AWS CLI managing rules and objects through it,
// and Chromium and Firefox uploading and reading cross-origin (preflighted, ETag exposed), blocked without a rule.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BLOCKED_FETCH_ERROR, BROWSER_NAMES, launchBrowser, type TestBrowser, type TestPage } from '../support/browsers';
import { startRecipe, type RunningRecipe } from './recipes';
import { startS3rver, S3RVER_CREDENTIALS, type RunningS3rver } from './s3rver-backend';

const CLI_INSTALLED = spawnSync('aws', ['--version']).status === 0;
const describeWithCli = CLI_INSTALLED ? describe : describe.skip;
const SKIPPED = CLI_INSTALLED ? '' : ' (skipped: `aws` is not on PATH)';

let backend: RunningS3rver;
let gateway: RunningRecipe;
let scratch: string;

beforeAll(async () => {
  backend = await startS3rver();
  gateway = await startRecipe('gateway', { BACKEND_URL: backend.url, GATEWAY_CREDENTIALS: `${S3RVER_CREDENTIALS.accessKeyId}:${S3RVER_CREDENTIALS.secretAccessKey}` });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'gateway-clients-'));
}, 30_000);
afterAll(async () => {
  await gateway?.stop();
  await backend?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `aws <args> --endpoint-url <gateway>` with s3rver's keys and no user configuration; resolves with stdout. */
function aws(...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  return new Promise((resolve, reject) => {
    const child = spawn('aws', [...args, '--endpoint-url', gateway.url, '--output', 'json'], { env, cwd: scratch });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`aws ${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

const PAGE_ORIGIN_RULES = (origin: string) => ({ CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'] }] });

describeWithCli(`the AWS CLI through the gateway${SKIPPED}`, () => {
  it('creates a bucket, puts, reads and deletes its rules, and copies an object in and out', async () => {
    await aws('s3api', 'create-bucket', '--bucket', 'cli-bucket');
    writeFileSync(path.join(scratch, 'cors.json'), JSON.stringify(PAGE_ORIGIN_RULES('https://app.example')));
    await aws('s3api', 'put-bucket-cors', '--bucket', 'cli-bucket', '--cors-configuration', 'file://cors.json');
    expect(JSON.parse(await aws('s3api', 'get-bucket-cors', '--bucket', 'cli-bucket'))).toEqual(PAGE_ORIGIN_RULES('https://app.example'));
    writeFileSync(path.join(scratch, 'hello.txt'), 'hello through the gateway');
    await aws('s3', 'cp', 'hello.txt', 's3://cli-bucket/hello.txt');
    await aws('s3', 'cp', 's3://cli-bucket/hello.txt', 'copy.txt');
    expect(readFileSync(path.join(scratch, 'copy.txt'), 'utf8')).toBe('hello through the gateway');
    await aws('s3api', 'delete-bucket-cors', '--bucket', 'cli-bucket');
    await expect(aws('s3api', 'get-bucket-cors', '--bucket', 'cli-bucket')).rejects.toThrow('NoSuchCORSConfiguration');
  });
});

describe.each(BROWSER_NAMES)('%s through the gateway', (browserName) => {
  let browser: TestBrowser;
  let page: TestPage;
  let pageServer: Server;
  let origin: string;

  beforeAll(async () => {
    pageServer = createServer((_req, res) => res.end('<!doctype html><title>page</title>'));
    await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
    browser = await launchBrowser(browserName);
    page = await browser.open(origin);
  }, 120_000);
  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await new Promise((resolve) => pageServer?.close(resolve));
  });

  it('uploads and reads an object cross-origin once the bucket has a rule, and is blocked before', async () => {
    const { S3Client, CreateBucketCommand, PutBucketCorsCommand } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({ region: 'us-east-1', endpoint: gateway.url, forcePathStyle: true, credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
    const bucket = `page-${browserName}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const upload = (key: string) =>
      page.evaluate(
        async ({ url }) => {
          try {
            const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'from the page' });
            const got = await fetch(url);
            return { put: put.status, etag: put.headers.get('etag'), body: await got.text() };
          } catch (error) {
            return { error: String(error) };
          }
        },
        { url: `${gateway.url}/${bucket}/${key}` },
      );
    expect(await upload('before.txt')).toEqual({ error: BLOCKED_FETCH_ERROR[browserName] });
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: PAGE_ORIGIN_RULES(origin) }));
    const done = await upload('after.txt');
    expect(done).toEqual({ put: 200, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), body: 'from the page' });
    s3.destroy();
  });
});
