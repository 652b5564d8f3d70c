// __tests__/store/client-types.ts
// Type tests (checked by tsc, not run): RedisRuleStore accepts ioredis 5 and 6 Redis and Cluster clients structurally.

import type { Cluster as Cluster6, Redis as Redis6 } from 'ioredis';
import type { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import type { RedisClientLike, RedisSubscriberLike } from '../../lib/store/redis';

type AcceptedClient<T extends RedisClientLike> = T;
type AcceptedSubscriber<T extends RedisSubscriberLike> = T;

/** Fails to compile if any ioredis client shape stops fitting the store's structural types. */
export type IoredisClientsFit = [
  AcceptedClient<Redis6>,
  AcceptedClient<Cluster6>,
  AcceptedClient<Redis5>,
  AcceptedClient<Cluster5>,
  AcceptedSubscriber<Redis6>,
  AcceptedSubscriber<Cluster6>,
  AcceptedSubscriber<Redis5>,
  AcceptedSubscriber<Cluster5>,
];

/** Something that is not a Redis client must not fit. */
// @ts-expect-error: a plain object lacks get/set/del/publish/duplicate
export type PlainObjectRejected = AcceptedClient<{ get(key: string): Promise<string | null> }>;
