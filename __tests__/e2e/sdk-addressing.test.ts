// examples/README.md's "Virtual-hosted style with SDKs": the documented path-style client, run as written against a started demo.

import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { transformSync } from '@swc/core';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readmeBlocks } from '../package/readme-blocks';
import { startDemo, type RunningDemo } from './demo';

const ROOT = path.join(__dirname, '..', '..');
const README_ENDPOINT = 'http://localhost:9000';
const DEMO_README = path.join(ROOT, 'examples', 'README.md');

describe("the demo README's SDK client (path-style)", () => {
  let running: RunningDemo;
  let script: string;

  beforeAll(async () => {
    running = await startDemo(); // the demo's default credentials, as the block uses
    await running.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await running.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'a.jpg', Body: 'a' }));
    await running.s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'b.jpg', Body: 'b' }));
    // Inside the repository, so the block's imports resolve from its node_modules.
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    script = path.join(ROOT, '.tmp', `readme-sdk-${process.pid}.mjs`);
  });
  afterAll(async () => {
    rmSync(script, { force: true });
    await running?.stop();
  });

  test('the block, pointed at this demo as localhost, lists the bucket through path-style requests', async () => {
    const blocks = readmeBlocks(readFileSync(DEMO_README, 'utf8')).filter((block) => block.section === 'Virtual-hosted style with SDKs');
    expect(blocks).toHaveLength(1);
    const source = blocks[0]!.code;
    expect(source).toContain(README_ENDPOINT);
    const { code } = transformSync(source.replaceAll(README_ENDPOINT, `http://localhost:${running.port}`), {
      filename: 'readme-sdk.ts',
      swcrc: false,
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    });
    writeFileSync(script, code);
    const before = running.requests.length;
    const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe('2');
    // The bucket travelled in the path (a virtual-hosted request would have needed photos.localhost to resolve).
    expect(running.requests.slice(before)).toEqual([expect.stringMatching(/^GET \/photos\/?\?list-type=2/)]);
  });
});
