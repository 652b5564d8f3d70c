// `bucket-cors doctor` as a subprocess against the demo S3 server, and against small misbehaving servers (loopback only).

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import { closeServer, listen, startDemo, type RunningDemo } from '../e2e/demo';
import { buildCli, type CliBuild } from './run';

const ORIGIN = 'https://app.example.com';

let cli: CliBuild;
beforeAll(() => {
  cli = buildCli();
}, 60_000);
afterAll(() => cli.remove());

interface Report {
  checks: Array<{ check: string; ok: boolean; message: string }>;
}
async function doctor(url: string, bucket = 'photos'): Promise<{ code: number; report: Report; failing: Record<string, string> }> {
  const result = await cli.run(['doctor', url, '--bucket', bucket, '--origin', ORIGIN, '--json']);
  const report = JSON.parse(result.stdout) as Report;
  return { code: result.code, report, failing: Object.fromEntries(report.checks.filter((check) => !check.ok).map((check) => [check.check, check.message])) };
}

describe('doctor against the demo server', () => {
  let running: RunningDemo;
  beforeAll(async () => {
    running = await startDemo();
    await running.s3.send(new CreateBucketCommand({ Bucket: 'photos', ACL: 'public-read' }));
  });
  afterAll(() => running.stop());
  const putRules = (rules: CORSRule[]) => running.s3.send(new PutBucketCorsCommand({ Bucket: 'photos', CORSConfiguration: { CORSRules: rules } }));

  test('rules fit for browser uploads pass every check (exit 0)', async () => {
    await putRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }]);
    const { code, report } = await doctor(running.endpoint);
    expect(report.checks.map((check) => [check.check, check.ok])).toEqual([
      ['preflight-put', true],
      ['preflight-presigned', true],
      ['get', true],
      ['head', true],
      ['vary', true],
      ['etag-exposed', true],
    ]);
    expect(code).toBe(0);
    // Only what doctor sends reached the server, all to the probe key.
    expect(running.requests.slice(-4).every((line) => line.includes('/photos/bucket-cors-doctor-probe'))).toBe(true);
  });

  test('rules without the SDK headers or ETag: the failing checks say so (exit 1)', async () => {
    await putRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['content-type'] }]);
    const { code, failing } = await doctor(running.endpoint);
    expect(code).toBe(1);
    expect(Object.keys(failing)).toEqual(['preflight-put', 'etag-exposed']);
    expect(failing['preflight-put']).toContain("403 AccessForbidden: the bucket's rules refuse it");
  });

  test('a bucket without rules and a bucket that does not exist are told apart from rules that refuse; the headers sent are named', async () => {
    await running.s3.send(new CreateBucketCommand({ Bucket: 'bare', ACL: 'public-read' }));
    const bare = await doctor(running.endpoint, 'bare');
    expect(bare.failing['preflight-put']).toContain('bucket bare has no CORS configuration');
    expect(bare.failing.get).toContain('bucket bare has no CORS configuration');
    const missing = await doctor(running.endpoint, 'no-such-bucket');
    expect(missing.failing['preflight-put']).toContain('bucket no-such-bucket does not exist');
    await putRules([{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['content-type'] }]);
    const refused = await doctor(running.endpoint);
    expect(refused.failing['preflight-put']).toContain(`sent Origin: ${ORIGIN}, Access-Control-Request-Method: PUT, Access-Control-Request-Headers: authorization,content-type,`);
    const check = refused.report.checks.find((entry) => entry.check === 'preflight-put') as unknown as { request: { method: string; headers: Record<string, string> } };
    expect(check.request).toMatchObject({ method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'PUT' } });
  });

  test('no rule for GET from this origin: the GET and HEAD checks fail as rule misses', async () => {
    await putRules([{ AllowedOrigins: ['https://other.example'], AllowedMethods: ['GET'] }]);
    const { failing } = await doctor(running.endpoint);
    expect(failing.get).toContain('no rule allows GET from this origin');
  });
});

describe('doctor against misbehaving servers', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server !== undefined) await closeServer(server);
    server = undefined;
  });
  const start = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> => {
    server = await listen(handler);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  test('a signature check on OPTIONS, no Vary, no ETag exposed', async () => {
    const url = await start((req, res) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0"?><Error><Code>${req.url!.includes('X-Amz-Signature') ? 'SignatureDoesNotMatch' : 'AccessDenied'}</Code><Message>no</Message></Error>`);
        return;
      }
      res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin), etag: '"x"' });
      res.end(req.method === 'HEAD' ? undefined : 'data');
    });
    const { code, failing } = await doctor(url);
    expect(code).toBe(1);
    expect(Object.keys(failing)).toEqual(['preflight-put', 'preflight-presigned', 'vary', 'etag-exposed']);
    expect(failing['preflight-put']).toContain('403 AccessDenied: the server checked credentials or a signature on the preflight');
    expect(failing['preflight-presigned']).toContain('403 SignatureDoesNotMatch: the server checked credentials or a signature');
    expect(failing.vary).toContain('no Vary: Origin');
  });

  test('a proxy that drops CORS headers from GET although the rules allow it', async () => {
    const url = await start((req, res) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { 'access-control-allow-origin': String(req.headers.origin), 'access-control-allow-methods': 'GET, PUT, HEAD', 'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''), vary: 'Origin' });
        res.end();
        return;
      }
      res.writeHead(200);
      res.end();
    });
    const { failing } = await doctor(url);
    expect(Object.keys(failing)).toEqual(['get', 'head']);
    expect(failing.get).toContain('a CDN or proxy answers without them');
  });

  test('nothing listening is exit code 2', async () => {
    const url = await start(() => {});
    await closeServer(server!);
    server = undefined;
    const result = await cli.run(['doctor', url, '--bucket', 'b', '--origin', ORIGIN]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ECONNREFUSED');
  });
});
