// `npm start`'s banner lists MediaStore commands; each one, run as printed (shell, AWS CLI, curl), works against the started demo.

import { execFile, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensurePackageBuilt, PACKAGE_BUILD_TIMEOUT_MS } from '../support/package-build';
import { freePortPair } from '../support/redis';

const START_SCRIPT = path.join(__dirname, '..', '..', 'examples', 'start.mjs');
const TOOLS_INSTALLED = ['aws', 'curl'].every((tool) => spawnSync(tool, ['--version']).status === 0);
const testWithTools = TOOLS_INSTALLED ? test : test.skip;
// Python starts for each of the five CLI commands; two cores shared with other test files.
const TEST_TIMEOUT_MS = 180_000;

const run = (line: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> =>
  new Promise((resolve) => {
    execFile('sh', ['-c', line], { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? -1), output: stdout + stderr }));
  });

describe('npm start: the MediaStore lines of the banner', () => {
  beforeAll(ensurePackageBuilt, PACKAGE_BUILD_TIMEOUT_MS);

  testWithTools(`run as printed, in order, they create a container, put, get and delete its policy, and preflight its data plane${TOOLS_INSTALLED ? '' : ' (skipped: needs aws and curl on PATH)'}`, async () => {
    const port = await freePortPair();
    const child = spawn(process.execPath, [START_SCRIPT], { env: { ...process.env, PORT: String(port), REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let banner = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          banner += chunk.toString();
          if (banner.includes('Running until stopped')) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        void exited.then((code) => reject(new Error(`start.mjs exited with ${code}:\n${banner}`)));
      });
      const section = banner.slice(banner.indexOf('\nMediaStore, same endpoint'));
      const lines = section.split('\n').slice(2).map((line) => line.trim()).filter((line) => line.startsWith('aws ') || line.startsWith('curl '));
      expect(lines.map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
        'aws mediastore create-container',
        'aws mediastore describe-container',
        'aws mediastore put-cors-policy',
        'aws mediastore get-cors-policy',
        'curl -i -X',
        'aws mediastore delete-cors-policy',
      ]);
      // The banner's `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_DEFAULT_REGION=…` line, as a user would paste it.
      const exportLine = banner.split('\n').map((line) => line.trim()).find((line) => line.startsWith('export AWS_ACCESS_KEY_ID='))!;
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' };
      const outputs: string[] = [];
      for (const line of lines) {
        const result = await run(`${exportLine}; ${line}`, env);
        expect({ line, code: result.code }).toEqual({ line, code: 0 });
        outputs.push(result.output);
      }
      expect(JSON.parse(outputs[0]!)).toMatchObject({ Container: { Name: 'movies', Status: 'ACTIVE', Endpoint: `http://localhost:${port}/_mediastore/movies` } });
      expect(JSON.parse(outputs[3]!)).toEqual({ CorsPolicy: [expect.objectContaining({ AllowedOrigins: [`http://localhost:${port + 1}`] })] });
      expect(outputs[4]).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(outputs[4]).toContain(`Access-Control-Allow-Origin: http://localhost:${port + 1}`);
      // After delete-cors-policy, the same preflight is refused.
      expect((await run(lines[4]!, env)).output).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, TEST_TIMEOUT_MS);
});
