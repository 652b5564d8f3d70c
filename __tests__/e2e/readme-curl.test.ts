// README's signed `?cors&explain` curl line, run as written (its endpoint moved to a started demo) when curl can sign SigV4.

import { CreateBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { README_PATH } from '../package/readme-blocks';
import { startDemo, type RunningDemo } from './demo';

const run = promisify(execFile);
/** curl 7.75 brought --aws-sigv4. */
const CURL_SIGNS = /--aws-sigv4/.test(spawnSync('curl', ['--help', 'all'], { encoding: 'utf8' }).stdout ?? '');
const describeWithCurl = CURL_SIGNS ? describe : describe.skip;

describeWithCurl(`README's signed explain call with curl${CURL_SIGNS ? '' : ' (skipped: curl cannot sign SigV4)'}`, () => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await startDemo();
    await demo.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
    await demo.s3.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET'] }] } }));
  });
  afterAll(() => demo?.stop());

  it('answers the explanation to the owner', async () => {
    const line = /```sh\n(curl --aws-sigv4[^`]*?explain[^`]*?)\n```/.exec(readFileSync(README_PATH, 'utf8'))![1]!.replace(/\\\n\s*/, '');
    const env = { ...process.env, AWS_ACCESS_KEY_ID: demo.demo.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: demo.demo.credentials.secretAccessKey };
    const { stdout } = await run('sh', ['-c', line.replace('http://127.0.0.1:9000', demo.endpoint)], { env, timeout: 30_000 });
    const explanation = JSON.parse(stdout) as { allowed: boolean; reason: string; suggestion: string };
    expect(explanation).toMatchObject({ allowed: false, reason: 'no-match' });
    expect(explanation.suggestion).toContain('`PUT` to AllowedMethods');
  });
});
