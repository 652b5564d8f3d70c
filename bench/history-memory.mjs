// `node bench/history-memory.mjs`: Redis memory of a bucket's history (MEMORY USAGE of its list) for historyLength 10 and 100, with the benchmark's three rules and with ten larger ones.

import Redis from 'ioredis';
import { THREE_RULES } from './harness/fixtures.mjs';
import { startRedis } from '../scripts/redis-server.cjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

if (!process.argv.includes('--built')) await ensureBuilt();
const { RedisRuleStore, HISTORY_KEY_SUFFIX } = await import('express-bucket-cors');

/** Ten rules of two origins, three methods and two exposed headers each: a 2.2 KB configuration. */
const TEN_RULES = {
  CORSRules: Array.from({ length: 10 }, (_, i) => ({
    ID: `rule-${i}`,
    AllowedOrigins: [`https://app${i}.example.com`, `https://*.app${i}.example.com`],
    AllowedMethods: ['GET', 'PUT', 'POST'],
    AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag', 'x-amz-request-id'],
    MaxAgeSeconds: 3000,
  })),
};

const server = await startRedis();
const client = new Redis(server.port, server.host);
try {
  console.log('configuration | JSON chars | historyLength | history bytes | per change');
  for (const [name, rules] of [['THREE_RULES', THREE_RULES], ['TEN_RULES', TEN_RULES]]) {
    for (const historyLength of [10, 100]) {
      const keyPrefix = `history-memory-${historyLength}:`;
      const store = new RedisRuleStore({ client, keyPrefix, historyLength });
      // More changes than kept, each by a principal the size of an AWS access key ID.
      for (let i = 0; i < historyLength + 5; i++) await store.put('photos', rules, { principal: 'AKIAIOSFODNN7EXAMPLE' });
      const key = `${keyPrefix}photos`;
      const json = (await client.get(key)).length;
      const bytes = await client.memory('USAGE', `${key}${HISTORY_KEY_SUFFIX}{${key}}`, 'SAMPLES', '0');
      console.log(`${name} | ${json} | ${historyLength} | ${bytes} | ${Math.round(bytes / historyLength)}`);
      await store.close();
    }
  }
} finally {
  client.disconnect();
  await server.stop();
}
