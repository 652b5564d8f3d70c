// A private redis-server for the benchmark (started by scripts/redis-server.cjs, as for the tests), pinned to a CPU, with all its command counts.

import { spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { startRedis as startRedisServer } from '../../scripts/redis-server.cjs';

/**
 * @typedef {object} BenchRedis
 * @property {string} url
 * @property {Redis} client  a connection for seeding keys and reading counts
 * @property {() => Promise<Record<string, number>>} commandCalls  calls per command since start (INFO commandstats)
 * @property {() => Promise<number>} keyReads  keys looked up since start, every key of an MGET counted (INFO stats: keyspace hits + misses)
 * @property {() => Promise<number>} pid  process id of the running redis-server (changes on restart)
 * @property {() => Promise<void>} restart  a fresh, empty redis-server on the same port (the old one stopped first, if alive)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {Redis} client
 * @returns {Promise<number | undefined>} the server's process id, from INFO server
 */
async function serverPid(client) {
  const pid = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/**
 * Starts redis-server with scripts/redis-server.cjs and, given `cpu`, pins it there with taskset.
 * @param {{ cpu?: number | undefined }} [options]
 * @returns {Promise<BenchRedis>}
 */
export async function startRedis({ cpu } = {}) {
  const server = await startRedisServer();
  if (server.external) throw new Error('unset REDIS_URL: the benchmark counts commands on a Redis server of its own');
  const client = new Redis(server.url);
  if (cpu !== undefined) {
    const pid = await serverPid(client);
    if (pid !== undefined) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  }
  return {
    url: server.url,
    client,
    async commandCalls() {
      const info = await client.info('commandstats');
      /** @type {Record<string, number>} */
      const calls = {};
      for (const [, command, count] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[command] = Number(count);
      return calls;
    },
    async keyReads() {
      const stats = await client.info('stats');
      const field = (/** @type {string} */ name) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(stats)?.[1] ?? Number.NaN);
      return field('keyspace_hits') + field('keyspace_misses');
    },
    async pid() {
      const pid = await serverPid(client);
      if (pid === undefined) throw new Error('INFO server reports no process_id');
      return pid;
    },
    restart: () => server.restart(),
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}

/**
 * Store commands the server received between two {@link BenchRedis.commandCalls} snapshots, leaving
 * out the benchmark's own INFO calls and the `own` commands it issued in between. Only the server
 * under test talks to Redis in such a window, and only with reads, so this is its read count.
 * @param {Record<string, number>} before
 * @param {Record<string, number>} after
 * @param {Record<string, number>} [own]  calls the benchmark itself made, by command
 * @returns {{ total: number, byCommand: Record<string, number> }}
 */
export function commandsBetween(before, after, own = {}) {
  /** @type {Record<string, number>} */
  const byCommand = {};
  let total = 0;
  for (const [command, count] of Object.entries(after)) {
    const delta = count - (before[command] ?? 0) - (own[command] ?? 0);
    if (command === 'info' || delta === 0) continue;
    byCommand[command] = delta;
    total += delta;
  }
  return { total, byCommand };
}
