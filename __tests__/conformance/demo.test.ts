// The conformance suite against the demo object server (examples/server), on the in-memory store and on Redis.

import { startRedis } from '../support/redis';
import { startDemo } from '../e2e/demo';
import { describeS3CorsConformance } from './suite';

describeS3CorsConformance('the demo server, memory store', async () => {
  const demo = await startDemo();
  return { url: demo.endpoint, credentials: demo.demo.credentials, close: () => demo.stop() };
});

describeS3CorsConformance('the demo server, Redis store', async () => {
  const redis = await startRedis();
  const demo = await startDemo({ redisUrl: redis.url });
  return {
    url: demo.endpoint,
    credentials: demo.demo.credentials,
    close: async () => {
      await demo.stop();
      await redis.stop();
    },
  };
});
