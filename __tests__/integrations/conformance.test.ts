// Every recipe of examples/integrations passes the project's S3 CORS conformance suite (docs/behaviour.md §16), with the
// rules in memory and in Redis, started as a user starts it; what a backend itself cannot do is listed with why.

import { startRedis, type RedisServerHandle } from '../support/redis';
import { describeS3CorsConformance, type ConformanceTarget, type Exclusions } from '../conformance/suite';
import { startRecipe, type RecipeName } from './recipes';
import { startS3rver, S3RVER_ACCOUNT_ID, S3RVER_CREDENTIALS } from './s3rver-backend';

const OWNER = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

/** s3rver takes any write, signed or not: S3 (and the suite) expect anonymous writes to be refused 403. */
const S3RVER_EXCLUSIONS: Exclusions = {
  T67: 's3rver accepts anonymous PUTs (S3 answers 403 AccessDenied)',
  T68: 's3rver accepts anonymous PUTs (S3 answers 403 AccessDenied)',
};

type Stores = 'memory' | 'Redis';

/** Starts Redis when asked, then `start(env)`; the target stops both. */
async function withStore(stores: Stores, start: (env: Record<string, string>) => Promise<ConformanceTarget>): Promise<ConformanceTarget> {
  const redis: RedisServerHandle | undefined = stores === 'Redis' ? await startRedis() : undefined;
  const target = await start(redis === undefined ? {} : { REDIS_URL: redis.url });
  return {
    ...target,
    close: async () => {
      await target.close();
      await redis?.stop();
    },
  };
}

async function recipe(name: RecipeName, env: Record<string, string>, credentials = OWNER): Promise<ConformanceTarget> {
  const running = await startRecipe(name, env);
  return { url: running.url, credentials, close: () => running.stop() };
}

for (const stores of ['memory', 'Redis'] as const) {
  for (const name of ['express', 'fastify', 'node-http'] as const) describeS3CorsConformance(`${name} recipe, ${stores}`, () => withStore(stores, (env) => recipe(name, env)));

  describeS3CorsConformance(
    `s3rver recipe, ${stores}`,
    () => withStore(stores, (env) => recipe('s3rver', env, S3RVER_CREDENTIALS)),
    S3RVER_EXCLUSIONS,
  );

  describeS3CorsConformance(
    `gateway recipe in front of s3rver, ${stores}`,
    () =>
      withStore(stores, async (env) => {
        const backend = await startS3rver();
        const gateway = await recipe('gateway', { ...env, BACKEND_URL: backend.url, GATEWAY_CREDENTIALS: `${S3RVER_CREDENTIALS.accessKeyId}:${S3RVER_CREDENTIALS.secretAccessKey}`, GATEWAY_ACCOUNT_ID: S3RVER_ACCOUNT_ID }, S3RVER_CREDENTIALS);
        return {
          ...gateway,
          close: async () => {
            await gateway.close();
            await backend.stop();
          },
        };
      }),
    S3RVER_EXCLUSIONS,
  );
}
