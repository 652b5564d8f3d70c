// The project's S3 CORS conformance suite over real HTTP: docs/behaviour.md §16 (T01–T69) against any server that
// answers S3 (a recipe of examples/integrations, the demo, a gateway in front of another S3 server).

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { escapeXml } from 'express-bucket-cors/s3';
import { CONFIGS } from '../core/fixtures';
import { ADMIN_CASES, corsXml } from './admin-cases';
import { conformanceClient, md5, type ConformanceClient, type Credentials, type RawResponse } from './http';
import { ACTUALS, isRefusal, PREFLIGHTS, type ActualVector, type ConfigName, type PreflightVector } from './vectors';

/** A running server to test. */
export interface ConformanceTarget {
  /** Base URL, addressed path-style (e.g. `http://127.0.0.1:4567`). */
  readonly url: string;
  /** The owner's keys: `?cors` calls and object writes are signed with them. */
  readonly credentials: Credentials;
  /** Stops the server and everything it started. */
  close(): Promise<void>;
}

/** Vector id (as in the test names, e.g. `T21`, `T67`) → why the server cannot pass it. */
export type Exclusions = Readonly<Record<string, string>>;

/** Body of the object `k` the suite writes into bucket `b` (docs/behaviour.md §16 setup). */
export const CONFORMANCE_OBJECT_BODY = 'hello from b/k';
/** What the vectors' bucket `b` is called on the server: S3 names have at least 3 characters. */
export const CONFORMANCE_BUCKET = 'conformance-b';

/** `Vary` S3 sends with every CORS match (docs/behaviour.md §8.5). */
const CORS_VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

function corsHeadersOf(res: RawResponse): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (name.startsWith('access-control-')) found[name] = String(value);
  return found;
}

/** Creates bucket `b` (as {@link CONFORMANCE_BUCKET}) holding `k`, both public-read (§16 setup), through the server itself with the AWS SDK. */
async function seed(target: ConformanceTarget): Promise<void> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: target.url, forcePathStyle: true, credentials: target.credentials, maxAttempts: 1 });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: CONFORMANCE_BUCKET, ACL: 'public-read' })).catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    await s3.send(new PutObjectCommand({ Bucket: CONFORMANCE_BUCKET, Key: 'k', Body: CONFORMANCE_OBJECT_BODY, ContentType: 'text/plain', ACL: 'public-read' }));
  } finally {
    s3.destroy();
  }
}

async function configure(client: ConformanceClient, config: ConfigName): Promise<void> {
  const res =
    config === 'none'
      ? await client.send({ method: 'DELETE', path: '/b?cors' })
      : await client.send({ method: 'PUT', path: '/b?cors', headers: { 'content-md5': md5(corsXml(CONFIGS[config].CORSRules)) }, body: corsXml(CONFIGS[config].CORSRules) });
  if (res.status !== 200 && res.status !== 204) throw new Error(`configuring ${config} failed: ${res.status} ${res.text}`);
}

/** Asserts a preflight answer against its vector: request ids, the refusal's XML or the match's headers, S3's `Vary`. */
export function expectPreflight(res: Pick<RawResponse, 'status' | 'headers' | 'text'>, vector: PreflightVector): void {
  expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
  expect(res.headers['x-amz-id-2']).toBeDefined();
  const expected = vector.expected;
  if (isRefusal(expected)) {
    expect(res.status).toBe(expected.status);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(corsHeadersOf(res)).toEqual({});
    expect(res.headers.vary).toBeUndefined();
    const extra = expected.method === undefined ? '' : `<Method>${expected.method}</Method><ResourceType>${expected.resourceType}</ResourceType>`;
    expect(res.text).toContain(`<Error><Code>${expected.code}</Code><Message>${escapeXml(expected.message)}</Message>${extra}<RequestId>`);
  } else {
    expect(res.status).toBe(200);
    expect(corsHeadersOf(res)).toEqual(expected);
    expect(res.headers.vary).toBe(CORS_VARY);
    expect(res.headers['content-length']).toBe('0');
    expect(res.text).toBe('');
  }
}

/** An actual request as a browser sends it: anonymous, except a vector whose `Authorization` stands for a signed owner's call. */
function sendActual(client: ConformanceClient, vector: ActualVector): Promise<RawResponse> {
  const { Authorization: authorization, ...headers } = vector.headers;
  const method = vector.method ?? 'GET';
  return client.send({ method, path: vector.path ?? '/b/k', headers, body: method === 'PUT' ? 'data' : undefined, signed: authorization !== undefined });
}

function expectActual(res: RawResponse, vector: ActualVector): void {
  // The service root's answer (ListBuckets, anonymous) is the backend's: only its CORS headers are the library's.
  if (vector.path !== '/') expect(res.status).toBe(vector.status);
  if ((vector.method ?? 'GET') === 'GET' && vector.status === 200 && (vector.path ?? '/b/k') === '/b/k') expect(res.text).toBe(CONFORMANCE_OBJECT_BODY);
  expect(corsHeadersOf(res)).toEqual(vector.cors);
  const varyValue = res.headers.vary;
  if (Object.keys(vector.cors).length === 0) expect(varyValue ?? '').not.toContain('Origin');
  else expect(String(varyValue).startsWith(CORS_VARY)).toBe(true);
}

/** `test` unless the vector (by its first word, e.g. `T47`) is excluded: then skipped, with the reason in its name. */
function testOrSkip(exclusions: Exclusions) {
  return (name: string, run: () => Promise<void>): void => {
    const id = name.split(/[ /:]/, 1)[0]!;
    const reason = exclusions[id];
    if (reason === undefined) test(name, run);
    else test.skip(`${name} (excluded: ${reason})`, run);
  };
}

/**
 * Runs every §16 vector against the server `start()` brings up: T01–T25 through its `?cors` API, the
 * preflights T26–T55 and the actual requests T56–T69 after configuring rules through the same API.
 * `exclusions` lists what the backend itself cannot do, each with why.
 */
export function describeS3CorsConformance(title: string, start: () => Promise<ConformanceTarget>, exclusions: Exclusions = {}): void {
  describe(`S3 CORS conformance: ${title}`, () => {
    let target: ConformanceTarget;
    let owner: ConformanceClient;
    let browser: ConformanceClient;
    const check = testOrSkip(exclusions);
    beforeAll(async () => {
      target = await start();
      owner = conformanceClient(target.url, { credentials: target.credentials, bucket: CONFORMANCE_BUCKET });
      browser = conformanceClient(target.url, { bucket: CONFORMANCE_BUCKET });
      await seed(target);
    }, 30_000);
    afterAll(() => target?.close());

    describe('PutBucketCors, GetBucketCors, DeleteBucketCors (T01–T25)', () => {
      beforeEach(() => configure(owner, 'none'));
      for (const testCase of ADMIN_CASES) check(testCase.id, () => testCase.run(owner));
    });
    describe('preflights (T26–T55)', () => {
      for (const vector of PREFLIGHTS)
        check(vector.id, async () => {
          await configure(owner, vector.config);
          expectPreflight(await browser.send({ method: 'OPTIONS', path: vector.path ?? '/b/k', headers: vector.headers }), vector);
        });
    });
    describe('actual requests (T56–T69)', () => {
      for (const vector of ACTUALS)
        check(vector.id, async () => {
          await configure(owner, vector.config);
          expectActual(await sendActual(vector.headers.Authorization === undefined ? browser : owner, vector), vector);
        });
    });
  });
}
