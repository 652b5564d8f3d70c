// The AWS CLI's `mediastore` commands against the demo, in memory and on Redis: the "Done when" flow and the container commands.

import { execFile, spawnSync } from 'node:child_process';
import { BACKENDS, PLAYER_ORIGIN, POLICY, preflight, type MediaStoreDemos } from './mediastore-demo';

/** `aws --version` runs: the CLI is installed (skipped otherwise, with the reason in the test name). */
const CLI_INSTALLED = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
const describeWithCli = CLI_INSTALLED ? describe : describe.skip;
// Python starts for every command; two cores shared with other test files.
const CLI_TEST_TIMEOUT_MS = 120_000;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aws mediastore <args> --endpoint-url <demo>` with the demo's keys and no user configuration. */
function aws(demos: MediaStoreDemos, endpoint: string, ...args: string[]): Promise<CliResult> {
  const { accessKeyId, secretAccessKey } = demos.a.demo.credentials;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  };
  return new Promise((resolve) => {
    execFile('aws', ['mediastore', ...args, '--endpoint-url', endpoint, '--output', 'json'], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

/** The parsed output of a command that succeeded. */
function json(result: CliResult): unknown {
  expect(result).toMatchObject({ code: 0 });
  return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
}

/** A failed command: non-zero exit, the error's name in the CLI's message. */
function refused(result: CliResult, type: string, operation: string): void {
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(`An error occurred (${type}) when calling the ${operation} operation`);
}

const SKIPPED = CLI_INSTALLED ? '' : ' (skipped: `aws` is not on PATH)';

describeWithCli.each(BACKENDS)(`aws mediastore … --endpoint-url <demo>${SKIPPED}, %s`, (_name, start) => {
  let demos: MediaStoreDemos;
  beforeAll(async () => {
    demos = await start();
  });
  afterAll(() => demos?.stop());

  test(
    'create-container, describe-container, then put → get → preflight → delete → get (not found) → delete (not found)',
    async () => {
      const { a, b } = demos;
      expect(json(await aws(demos, a.endpoint, 'create-container', '--container-name', 'videos'))).toEqual({
        Container: expect.objectContaining({ Name: 'videos', Status: 'ACTIVE', Endpoint: `${a.endpoint}/_mediastore/videos`, ARN: 'arn:aws:mediastore:us-east-1:123456789012:container/videos' }),
      });
      refused(await aws(demos, b.endpoint, 'create-container', '--container-name', 'videos'), 'ContainerInUseException', 'CreateContainer');
      const described = json(await aws(demos, b.endpoint, 'describe-container', '--container-name', 'videos')) as { Container: { Endpoint: string } };
      expect(described.Container.Endpoint).toBe(`${b.endpoint}/_mediastore/videos`);

      expect(json(await aws(demos, a.endpoint, 'put-cors-policy', '--container-name', 'videos', '--cors-policy', JSON.stringify(POLICY)))).toEqual({});
      expect(json(await aws(demos, b.endpoint, 'get-cors-policy', '--container-name', 'videos'))).toEqual({ CorsPolicy: POLICY });
      const allowed = await preflight(`${described.Container.Endpoint}/clip.mp4`);
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(PLAYER_ORIGIN);

      expect(json(await aws(demos, b.endpoint, 'delete-cors-policy', '--container-name', 'videos'))).toEqual({});
      refused(await aws(demos, a.endpoint, 'get-cors-policy', '--container-name', 'videos'), 'CorsPolicyNotFoundException', 'GetCorsPolicy');
      refused(await aws(demos, a.endpoint, 'delete-cors-policy', '--container-name', 'videos'), 'CorsPolicyNotFoundException', 'DeleteCorsPolicy');
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

// The container commands once (in memory): the SDK tests cover them on Redis, and each CLI command costs a Python start.
describeWithCli(`aws mediastore list-containers and delete-container${SKIPPED}`, () => {
  let demos: MediaStoreDemos;
  beforeAll(async () => {
    demos = await BACKENDS[0]![1]();
  });
  afterAll(() => demos?.stop());

  test(
    'list-containers, delete-container, and the errors of a missing container',
    async () => {
      const { endpoint } = demos.a;
      json(await aws(demos, endpoint, 'create-container', '--container-name', 'Audio_Books'));
      json(await aws(demos, endpoint, 'create-container', '--container-name', 'videos'));
      const listed = json(await aws(demos, endpoint, 'list-containers')) as { Containers: Array<{ Name: string }> };
      expect(listed.Containers.map((container) => container.Name)).toEqual(['Audio_Books', 'videos']);
      expect(json(await aws(demos, endpoint, 'delete-container', '--container-name', 'Audio_Books'))).toEqual({});
      refused(await aws(demos, endpoint, 'delete-container', '--container-name', 'Audio_Books'), 'ContainerNotFoundException', 'DeleteContainer');
      refused(await aws(demos, endpoint, 'put-cors-policy', '--container-name', 'Audio_Books', '--cors-policy', JSON.stringify(POLICY)), 'ContainerNotFoundException', 'PutCorsPolicy');
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
