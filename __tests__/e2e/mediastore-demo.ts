// What the MediaStore demo tests share: demos on the memory store and on a real redis-server, a MediaStore SDK client,
// the "Done when" policy and preflight, and requests signed for the data plane.

import { MediaStoreClient, type CorsRule } from '@aws-sdk/client-mediastore';
import { presignUrl } from '../../examples/server/sigv4';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { startDemo, type RunningDemo } from './demo';

export const PLAYER_ORIGIN = 'https://player.example';
/** The policy of the flow: one rule for the player's origin (a custom header allowed, ETag exposed), one for reads from anywhere. */
export const POLICY: CorsRule[] = [
  { AllowedOrigins: [PLAYER_ORIGIN], AllowedMethods: ['GET', 'PUT', 'HEAD'], AllowedHeaders: ['content-type', 'x-demo-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 },
  { AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: [] },
];

/** A running demo (or two on one Redis) and how to stop them. */
export interface MediaStoreDemos {
  readonly a: RunningDemo;
  /** A second instance: on Redis it shares `a`'s store; in memory it is `a`. */
  readonly b: RunningDemo;
  stop(): Promise<void>;
}

/** The two back-ends of the "Done when": in memory, and two demo instances on one real redis-server. */
export const BACKENDS: Array<[string, () => Promise<MediaStoreDemos>]> = [
  [
    'in memory',
    async () => {
      const a = await startDemo();
      return { a, b: a, stop: () => a.stop() };
    },
  ],
  [
    'on Redis (two instances)',
    async () => {
      const redis: RedisServerHandle = await startRedis();
      const [a, b] = await Promise.all([startDemo({ redisUrl: redis.url }), startDemo({ redisUrl: redis.url })]);
      return {
        a,
        b,
        async stop() {
          await Promise.all([a.stop(), b.stop()]);
          await redis.stop();
        },
      };
    },
  ],
];

export function mediaStoreClient(demo: RunningDemo, credentials = demo.demo.credentials): MediaStoreClient {
  return new MediaStoreClient({ endpoint: demo.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

export { failure } from '../support/mediastore';

/** The preflight a player on {@link PLAYER_ORIGIN} sends before a PUT with a custom header. */
export const preflight = (url: string): Promise<Response> =>
  fetch(url, { method: 'OPTIONS', headers: { Origin: PLAYER_ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,x-demo-note' } });

/** A data-plane URL presigned with the demo's keys for service `mediastore`. */
export const presigned = (demo: RunningDemo, method: string, url: string): Promise<string> =>
  presignUrl({ credentials: demo.demo.credentials, service: 'mediastore', method, url, expiresInSeconds: 60 });
