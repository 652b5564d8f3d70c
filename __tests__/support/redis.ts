// The redis-server launcher of the integration tests: one implementation, shared with the benchmark, in scripts/redis-server.cjs.

export {
  EXTERNAL_REDIS_SKIP,
  freePort,
  freePortPair,
  startRedis,
  startRedisCluster,
  type RedisServerHandle,
  type RedisClusterHandle,
} from '../../scripts/redis-server.cjs';
