// `node bench/working-set.mjs [--trace-gc] [--ttl-ms N]`: server CPU time per request for Zipf(1.0) over growing sets of buckets (1,000 and 200,000 all cached, then 1,000,000 with misses), each interleaved with the hottest bucket alone.
// What it separates: a different bucket per request, a large cached working set, and the requests that read Redis. About 3 minutes.

import { parseArgs } from 'node:util';
import { ACTUAL_HEADERS, BUCKET, THREE_RULES } from './harness/fixtures.mjs';
import { bucketName } from './measure/heap.mjs';
import { throughput } from './harness/load.mjs';
import { canPin, LOAD_CPU, pinSelfToLoadCpu, startServer } from './harness/processes.mjs';
import { startRedis } from './harness/redis.mjs';
import { hotTarget, seedBuckets, zipfTarget } from './measure/tenancy.mjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const { values } = parseArgs({ options: { 'trace-gc': { type: 'boolean', default: false }, 'ttl-ms': { type: 'string' } } });
const BUCKETS = 1_000_000;
const SECONDS = 4;

if (canPin) pinSelfToLoadCpu();
await ensureBuilt();
const redis = await startRedis(canPin ? { cpu: LOAD_CPU } : {});
try {
  await seedBuckets(redis.client, Array.from({ length: BUCKETS }, (_, i) => bucketName(i)));
  // --trace-gc: the server's collections print between the PHASE lines, to compare by phase.
  // --ttl-ms: the server's cache TTL (default the library's 60 s), to see what background refreshes cost.
  const cache = values['ttl-ms'] === undefined ? undefined : { ttlMs: Number(values['ttl-ms']) };
  const server = await startServer('working-set', { variant: 'redis', redisUrl: redis.url, bucket: BUCKET, configuration: THREE_RULES, cache }, values['trace-gc'] ? ['--trace-gc'] : []);
  try {
    /** @param {string} name @param {import('./harness/load.mjs').LoadTarget} target */
    const phase = async (name, target) => {
      process.stdout.write(`PHASE ${name}\n`);
      const [cpuBefore, readsBefore] = [await server.cpuMicros(), await redis.keyReads()];
      const { requests, perSecond } = await throughput(target, { seconds: SECONDS });
      const cpu = ((await server.cpuMicros()) - cpuBefore) / requests;
      // Keys, not commands: concurrent misses travel together in one MGET.
      const reads = ((await redis.keyReads()) - readsBefore) / requests;
      process.stdout.write(`${name.padEnd(34)} ${perSecond.toFixed(0).padStart(6)} req/s  server CPU ${cpu.toFixed(1)} µs/request  Redis key reads/request ${reads.toFixed(4)}\n`);
    };
    /** One request per bucket 0…count−1, so that all of them are cached. @param {number} count */
    const sweep = async (count) => {
      let i = 0;
      await throughput({ url: server.origin, method: 'GET', headers: ACTUAL_HEADERS, setupRequest: (request) => ({ ...request, path: `/${bucketName(i++ % count)}/object` }) }, { amount: count });
    };
    const hot = hotTarget(server.origin, BUCKETS);
    for (const [count, swept] of /** @type {const} */ ([[1_000, true], [200_000, true], [BUCKETS, false]])) {
      if (swept) await sweep(count);
      const zipf = zipfTarget(server.origin, count);
      const label = `zipf over ${count.toLocaleString('en-US')}${swept ? ' (all cached)' : ''}`;
      await phase(`${label}, warm-up`, zipf);
      for (let round = 0; round < 2; round += 1) {
        await phase('hot', hot);
        await phase(label, zipf);
      }
    }
  } finally {
    await server.stop();
  }
} finally {
  await redis.stop();
}
