// boto3 and the AWS CLI (botocore signers, header-signed and presigned) against sigv4Authorizer-guarded routers.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNER_KEY, startSignedApp, UNKNOWN_KEY, type SignedApp } from './harness';

const CLI_INSTALLED = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
const BOTO3_INSTALLED = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0;
// Python starts for every command; two cores shared with other test files.
const TIMEOUT_MS = 120_000;

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let app: SignedApp;
let home: string;
beforeAll(async () => {
  app = await startSignedApp();
  home = mkdtempSync(join(tmpdir(), 'sigv4-cli-'));
  // Path-style addressing against 127.0.0.1, SigV4 presigning (botocore presigns S3 URLs with SigV2 unless told).
  writeFileSync(join(home, 'config'), '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n  signature_version = s3v4\n');
});
afterAll(async () => {
  await app?.close();
  if (home !== undefined) rmSync(home, { recursive: true, force: true });
});

function env(key: { accessKeyId: string; secretAccessKey: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
  };
}

function run(command: string, args: string[], key = OWNER_KEY): Promise<Result> {
  return new Promise((resolve) => {
    execFile(command, args, { env: env(key), timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr }),
    );
  });
}

const aws = (key: typeof OWNER_KEY | typeof UNKNOWN_KEY, ...args: string[]) => run('aws', [...args, '--endpoint-url', app.url, '--output', 'json'], key as typeof OWNER_KEY);
const CORS = JSON.stringify({ CORSRules: [{ AllowedOrigins: ['https://cli.example'], AllowedMethods: ['GET'] }] });

(CLI_INSTALLED ? describe : describe.skip)(`the AWS CLI${CLI_INSTALLED ? '' : ' (skipped: `aws` is not on PATH)'}`, () => {
  test(
    's3api put-bucket-cors → get-bucket-cors → delete-bucket-cors (header-signed); unknown key and other secret refused',
    async () => {
      expect(await aws(OWNER_KEY, 's3api', 'put-bucket-cors', '--bucket', 'photos', '--cors-configuration', CORS)).toMatchObject({ code: 0 });
      const read = await aws(OWNER_KEY, 's3api', 'get-bucket-cors', '--bucket', 'photos');
      expect(JSON.parse(read.stdout)).toEqual({ CORSRules: [{ AllowedOrigins: ['https://cli.example'], AllowedMethods: ['GET'] }] });
      expect(await aws(OWNER_KEY, 's3api', 'delete-bucket-cors', '--bucket', 'photos')).toMatchObject({ code: 0 });
      const unknown = await aws(UNKNOWN_KEY, 's3api', 'get-bucket-cors', '--bucket', 'photos');
      expect(unknown.stderr).toContain('An error occurred (InvalidAccessKeyId) when calling the GetBucketCors operation');
      const forged = await aws({ ...OWNER_KEY, secretAccessKey: 'wrong' } as typeof OWNER_KEY, 's3api', 'get-bucket-cors', '--bucket', 'photos');
      expect(forged.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the GetBucketCors operation');
    },
    TIMEOUT_MS,
  );

  test(
    'aws s3 presign: the URL verifies (a presigned GET of an object), and fails once expired',
    async () => {
      const presigned = await aws(OWNER_KEY, 's3', 'presign', 's3://photos/clip.mp4', '--expires-in', '60');
      const url = presigned.stdout.trim();
      expect(url).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { principal: unknown }).principal).toMatchObject({ kind: 'signed', accessKeyId: OWNER_KEY.accessKeyId, via: 'query', payload: { kind: 'unsigned' } });
      app.clockOffsetMs = 61_000;
      try {
        const expired = await fetch(url);
        expect(expired.status).toBe(403);
        expect(await expired.text()).toContain('<Message>Request has expired</Message>');
      } finally {
        app.clockOffsetMs = 0;
      }
    },
    TIMEOUT_MS,
  );
});

const BOTO3_SCRIPT = `
import json, sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint = sys.argv[1]
config = Config(s3={'addressing_style': 'path'}, signature_version='s3v4', retries={'max_attempts': 1})
v2 = boto3.client('s3', endpoint_url=endpoint, config=Config(s3={'addressing_style': 'path'}, signature_version='s3'))
s3 = boto3.client('s3', endpoint_url=endpoint, config=config)
out = {}
s3.put_bucket_cors(Bucket='videos', CORSConfiguration={'CORSRules': [{'AllowedOrigins': ['https://boto.example'], 'AllowedMethods': ['PUT']}]})
out['rules'] = s3.get_bucket_cors(Bucket='videos')['CORSRules']
out['presigned'] = s3.generate_presigned_url('get_bucket_cors', Params={'Bucket': 'videos'}, ExpiresIn=120)
out['presignedV2'] = v2.generate_presigned_url('get_bucket_cors', Params={'Bucket': 'videos'}, ExpiresIn=120)
ms = boto3.client('mediastore', endpoint_url=endpoint, config=config)
ms.put_cors_policy(ContainerName='other', CorsPolicy=[{'AllowedOrigins': ['*'], 'AllowedMethods': ['GET'], 'AllowedHeaders': ['*']}])
out['policy'] = ms.get_cors_policy(ContainerName='other')['CorsPolicy']
bad = boto3.client('mediastore', endpoint_url=endpoint, config=config, aws_access_key_id='${OWNER_KEY.accessKeyId}', aws_secret_access_key='wrong')
try:
    bad.get_cors_policy(ContainerName='videos')
except ClientError as error:
    out['forged'] = [error.response['Error']['Code'], error.response['ResponseMetadata']['HTTPStatusCode']]
print(json.dumps(out))
`;

(BOTO3_INSTALLED ? test : test.skip)(
  `boto3${BOTO3_INSTALLED ? '' : ' (skipped: python3 cannot import boto3)'}: put/get_bucket_cors, generate_presigned_url (SigV4; SigV2 refused), MediaStore put/get_cors_policy, a forged MediaStore call`,
  async () => {
    const result = await run('python3', ['-c', BOTO3_SCRIPT, app.url]);
    expect(result).toMatchObject({ code: 0 });
    const out = JSON.parse(result.stdout) as { rules: unknown; presigned: string; presignedV2: string; policy: unknown; forged: unknown };
    expect(out.rules).toEqual([{ AllowedOrigins: ['https://boto.example'], AllowedMethods: ['PUT'] }]);
    expect(out.policy).toEqual([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }]);
    expect(out.forged).toEqual(['InvalidSignatureException', 403]);
    const presigned = await fetch(out.presigned);
    expect(presigned.status).toBe(200);
    expect(await presigned.text()).toContain('<AllowedOrigin>https://boto.example</AllowedOrigin>');
    // Signature Version 2 (botocore's old S3 default) is refused, never taken for an anonymous call.
    const v2 = await fetch(out.presignedV2);
    expect(v2.status).toBe(400);
    expect(await v2.text()).toContain('<Code>InvalidArgument</Code>');
  },
  TIMEOUT_MS,
);
