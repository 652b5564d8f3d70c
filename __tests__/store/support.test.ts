// The Redis test support itself: start, count, restart, stop, cluster — so other suites can trust it.

import Redis, { Cluster } from 'ioredis';
import { startRedis, startRedisCluster, EXTERNAL_REDIS_SKIP } from '../support/redis';

describe('startRedis', () => {
  it('starts a server that answers, counts GETs on the server side, restarts on the same port and stops', async () => {
    const server = await startRedis();
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.set('k', 'v');
      const before = await server.commandCount('get');
      await client.get('k');
      await client.get('k');
      expect((await server.commandCount('get')) - before).toBe(2);
      if (server.external) {
        console.warn(`restart/stop ${EXTERNAL_REDIS_SKIP}`);
        return;
      }
      const { port } = server;
      await server.restart();
      expect(server.port).toBe(port);
      const fresh = new Redis(server.url, { maxRetriesPerRequest: 1 });
      expect(await fresh.get('k')).toBeNull(); // no persistence: a restart starts empty
      fresh.disconnect();
    } finally {
      client.disconnect();
      await server.stop();
    }
    const probe = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });
});

describe('startRedisCluster', () => {
  it('starts three masters sharing all slots', async () => {
    const cluster = await startRedisCluster();
    const client = new Cluster(cluster.nodes);
    try {
      expect(cluster.nodes).toHaveLength(3);
      await client.set('a', '1');
      await client.set('b', '2');
      expect(await client.get('a')).toBe('1');
      expect(await client.get('b')).toBe('2');
      expect(client.nodes('master')).toHaveLength(3);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});
