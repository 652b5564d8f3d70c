// The demo on a stalled Redis (its redis-server child stopped with SIGSTOP, then resumed): its own reads are bounded
// and answer S3's 503 ServiceUnavailable, and it serves again once Redis is back.

import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { EXTERNAL_REDIS_SKIP, startRedis, type RedisServerHandle } from '../support/redis';
import { MEDIASTORE_DATA_PATH } from '../../examples/server/mediastore';
import { startDemo, type RunningDemo } from './demo';

const ORIGIN = 'https://app.example';
/** Generous next to the demo's 1 s command timeout, far below a stall's length. */
const ANSWER_BOUND_MS = 5_000;
const STALL_SAFETY_MS = 20_000;

describe('demo server while its Redis is stalled (SIGSTOP)', () => {
  let redis: RedisServerHandle;
  let running: RunningDemo;
  let redisPid: number;
  const logged: string[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    if (redis.external) return;
    // The pid of the redis-server this test run started itself (never a server it did not start).
    const probe = new Redis(redis.url);
    const info = await probe.info('server');
    await probe.quit();
    redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    running = await startDemo({ redisUrl: redis.url, logger: { warn() {}, error: (message: unknown) => logged.push(String(message)) } });
    await running.s3.send(new CreateBucketCommand({ Bucket: 'stalled', ACL: 'public-read' }));
    await running.s3.send(new PutObjectCommand({ Bucket: 'stalled', Key: 'a.txt', Body: 'hello', ACL: 'public-read' }));
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  const timed = async (path: string, init: RequestInit = {}) => {
    const started = Date.now();
    const response = await fetch(`${running.endpoint}${path}`, { ...init, signal: AbortSignal.timeout(STALL_SAFETY_MS) });
    const body = await response.text();
    return { status: response.status, body, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started };
  };
  const preflight = (path: string) => timed(path, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' } });

  test('object GETs and preflights to an unconfigured bucket answer 503 within a bound, then work again', async () => {
    if (redis.external) return console.warn(EXTERNAL_REDIS_SKIP);
    // Before: served, and the bucket's "no CORS configuration" is cached, so the preflight then only asks bucketExists.
    expect((await timed('/stalled/a.txt')).status).toBe(200);
    expect((await preflight('/stalled/a.txt')).body).toContain('CORS is not enabled for this bucket.');

    process.kill(redisPid, 'SIGSTOP');
    let stalled: Awaited<ReturnType<typeof timed>>[];
    try {
      stalled = await Promise.all([timed('/stalled/a.txt'), preflight('/stalled/a.txt'), preflight('/never-seen/a.txt'), timed('/stalled?list-type=2')]);
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    for (const answer of stalled) {
      expect({ status: answer.status, code: /<Code>(\w+)<\/Code>/.exec(answer.body)?.[1], retryAfter: answer.retryAfter }).toEqual({
        status: 503,
        code: 'ServiceUnavailable',
        retryAfter: '1',
      });
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
    }

    // Resumed: served again without a restart (bounded wait for ioredis to flush what it had sent).
    const deadline = Date.now() + 10_000;
    let after = await timed('/stalled/a.txt');
    while (after.status !== 200 && Date.now() < deadline) after = await timed('/stalled/a.txt');
    expect([after.status, after.body]).toEqual([200, 'hello']);
    // Only the rule store's own (rate-limited) outage reports, no unexpected error.
    expect(logged.filter((message) => !message.includes('rule store failed'))).toEqual([]);
  });

  test("the MediaStore data plane answers its own JSON 503 when the container check fails, not S3's XML", async () => {
    if (redis.external) return console.warn(EXTERNAL_REDIS_SKIP);
    await running.s3.send(new CreateBucketCommand({ Bucket: 'stalled-movies' }));
    const path = `${MEDIASTORE_DATA_PATH}/stalled-movies/trailer.mp4`;
    // The container's "no CORS policy" is cached, so during the stall only the container check reaches Redis.
    expect(JSON.parse((await preflight(path)).body)).toMatchObject({ __type: 'AccessDeniedException' });
    process.kill(redisPid, 'SIGSTOP');
    let stalled: Awaited<ReturnType<typeof timed>> & { type?: string | null };
    try {
      const started = Date.now();
      const response = await fetch(`${running.endpoint}${path}`, { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' }, signal: AbortSignal.timeout(STALL_SAFETY_MS) });
      stalled = { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after'), ms: Date.now() - started, type: response.headers.get('content-type') };
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    expect({ status: stalled.status, type: stalled.type, retryAfter: stalled.retryAfter }).toEqual({ status: 503, type: 'application/json', retryAfter: '1' });
    expect(JSON.parse(stalled.body)).toMatchObject({ __type: 'ServiceUnavailable' });
    expect(stalled.ms).toBeLessThan(ANSWER_BOUND_MS);
  });
});
