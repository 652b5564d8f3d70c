// Type tests (checked by tsc, not run): RedisRuleStore accepts ioredis 5 and 6 and node-redis 4, 5 and 6 clients and clusters structurally.

import type { Cluster as Cluster6, Redis as Redis6 } from 'ioredis';
import type { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import type { createClient as createClient6, createCluster as createCluster6 } from 'redis';
import type { createClient as createClient4, createCluster as createCluster4 } from 'redis4';
import type { createClient as createClient5, createCluster as createCluster5 } from 'redis5';
import type { IoredisClientLike, IoredisSubscriberLike, NodeRedisClientLike, NodeRedisSubscriberLike, RedisClientLike } from 'express-bucket-cors';

type AcceptedIoredis<T extends IoredisClientLike & IoredisSubscriberLike> = T;
type AcceptedNodeRedis<T extends NodeRedisClientLike & NodeRedisSubscriberLike> = T;

/** Fails to compile if any ioredis client shape stops fitting the store's structural types. */
export type IoredisClientsFit = [AcceptedIoredis<Redis6>, AcceptedIoredis<Cluster6>, AcceptedIoredis<Redis5>, AcceptedIoredis<Cluster5>];

/** The same for node-redis clients and clusters of every supported major. */
export type NodeRedisClientsFit = [
  AcceptedNodeRedis<ReturnType<typeof createClient4>>,
  AcceptedNodeRedis<ReturnType<typeof createCluster4>>,
  AcceptedNodeRedis<ReturnType<typeof createClient5>>,
  AcceptedNodeRedis<ReturnType<typeof createCluster5>>,
  AcceptedNodeRedis<ReturnType<typeof createClient6>>,
  AcceptedNodeRedis<ReturnType<typeof createCluster6>>,
];

type AcceptedClient<T extends RedisClientLike> = T;
/** Something that is not a Redis client must not fit. */
// @ts-expect-error: a plain object lacks get/set/del/publish/duplicate
export type PlainObjectRejected = AcceptedClient<{ get(key: string): Promise<string | null> }>;
