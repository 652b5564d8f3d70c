// Redis setups that can fail over, for the fault tests: a primary with a replica watched by redis-sentinel processes, and a 3-master cluster with a replica each; nodes are killed by pid like a crash.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  command,
  delay,
  formCluster,
  haltServer,
  HOST,
  isRunning,
  makeTempDir,
  READY_TIMEOUT_MS,
  removeTempDir,
  startClusterNodes,
  startServerOnFreePort,
} from '../../scripts/redis-server.cjs';

/** Where a server listens. */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
}

type ServerProcess = Awaited<ReturnType<typeof startServerOnFreePort>>['server'];

/** A running 3-master Redis Cluster with one replica per master, on loopback. */
export interface ReplicatedClusterHandle {
  /** The masters, as created. */
  readonly nodes: RedisEndpoint[];
  /** One replica per master, able to take over when its master dies. */
  readonly replicas: RedisEndpoint[];
  /** SIGKILLs the node's process (a crash: no SHUTDOWN, no failover handshake); resolves once it exited. */
  kill(node: RedisEndpoint): Promise<void>;
  /** Connections subscribed to `channel` (`PUBSUB NUMSUB`), summed over the nodes still running. */
  subscriberCount(channel: string): Promise<number>;
  /** Stops every node and removes the temp dir. */
  stop(): Promise<void>;
}

/** SIGKILL, as a crash would stop it; resolves once the process is gone. */
async function crash(server: ServerProcess): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
  server.watchdog.kill('SIGKILL');
}

/** `PUBSUB NUMSUB channel` summed over the servers of `started` that still run. */
async function subscriberCountOn(started: readonly { port: number; server: ServerProcess }[], channel: string): Promise<number> {
  const running = started.filter(({ server }) => isRunning(server));
  const counts = await Promise.all(running.map(async ({ port }) => Number((await command({ host: HOST, port }, 'PUBSUB', 'NUMSUB', channel) as unknown[])[1])));
  return counts.reduce((sum, count) => sum + count, 0);
}

/** The started process listening on `node`'s port, or an error naming the port. */
function processAt(started: readonly { port: number; server: ServerProcess }[], node: RedisEndpoint): ServerProcess {
  const found = started.find(({ port }) => port === node.port);
  if (found === undefined) throw new Error(`no server of this setup listens on port ${node.port}`);
  return found.server;
}

/** Polls `check` every 50 ms until it holds; throws `what` after {@link READY_TIMEOUT_MS}. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${READY_TIMEOUT_MS} ms`);
    await delay(50);
  }
}

/** True once a replica's link to its primary is up (its data is in sync). */
async function replicaInSync(endpoint: RedisEndpoint): Promise<boolean> {
  return String(await command(endpoint, 'INFO', 'replication')).includes('master_link_status:up');
}

/**
 * Starts a 3-master Redis Cluster with one replica per master on free 127.0.0.1 ports, with
 * `cluster-node-timeout` = `nodeTimeoutMs` (how long a node may not answer before it is failing),
 * and waits until every node reports `cluster_state:ok` and every replica is in sync.
 */
export async function startReplicatedCluster(nodeTimeoutMs: number): Promise<ReplicatedClusterHandle> {
  const dir = makeTempDir();
  const started: { port: number; server: ServerProcess }[] = [];
  const stop = async () => {
    await Promise.all(started.map(({ port, server }) => haltServer(server, port)));
    removeTempDir(dir);
  };
  let roles: { masters: RedisEndpoint[]; replicas: RedisEndpoint[] };
  try {
    await startClusterNodes(dir, 6, nodeTimeoutMs, started);
    await formCluster(started.map(({ port }) => port), 1);
    // redis-cli picks which nodes replicate; ask the cluster rather than assume.
    roles = await clusterRoles({ host: HOST, port: started[0]!.port });
    for (const replica of roles.replicas) await waitUntil(() => replicaInSync(replica), `replica ${HOST}:${replica.port} in sync`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: roles.masters,
    replicas: roles.replicas,
    kill: (node) => crash(processAt(started, node)),
    subscriberCount: (channel) => subscriberCountOn(started, channel),
    stop,
  };
}

/** Masters and replicas by `CLUSTER NODES` (`<id> <ip:port@bus> <flags> …`). */
async function clusterRoles(endpoint: RedisEndpoint): Promise<{ masters: RedisEndpoint[]; replicas: RedisEndpoint[] }> {
  const nodes = String(await command(endpoint, 'CLUSTER', 'NODES'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, address = '', flags = ''] = line.split(' ');
      return { endpoint: { host: HOST, port: Number(address.split('@')[0]!.split(':')[1]) }, replica: flags.split(',').includes('slave') };
    })
    .sort((a, b) => a.endpoint.port - b.endpoint.port);
  return { masters: nodes.filter((node) => !node.replica).map((node) => node.endpoint), replicas: nodes.filter((node) => node.replica).map((node) => node.endpoint) };
}

/** A primary, its replica and the sentinels watching them, on loopback. */
export interface RedisSentinelHandle {
  /** The name the sentinels monitor the primary under (`sentinelName` / `name` in the clients). */
  readonly masterName: string;
  readonly sentinels: readonly RedisEndpoint[];
  /** The primary as started. */
  readonly primary: RedisEndpoint;
  /** The replica as started: the one a failover promotes. */
  readonly replica: RedisEndpoint;
  /** Where the sentinels say the primary is now (`SENTINEL get-master-addr-by-name`). */
  currentPrimary(): Promise<RedisEndpoint>;
  /** SIGKILLs the node's process (a crash); resolves once it exited. */
  kill(node: RedisEndpoint): Promise<void>;
  /** Connections subscribed to `channel` (`PUBSUB NUMSUB`), summed over the data nodes still running. */
  subscriberCount(channel: string): Promise<number>;
  /** Stops every process and removes the temp dir. */
  stop(): Promise<void>;
}

/** How {@link startRedisSentinel} builds the setup. */
export interface RedisSentinelSetup {
  /** How many sentinels; the quorum is a majority of them. Default: 3. */
  readonly sentinels?: number;
  /** `down-after-milliseconds`: how long the primary may not answer before it is considered down. Default: 1,000 ms. */
  readonly downAfterMs?: number;
  /** `failover-timeout`. Default: 2,000 ms. */
  readonly failoverTimeoutMs?: number;
}

const MASTER_NAME = 'bucket-cors-primary';

/** A field of `SENTINEL MASTER <name>` (a flat list of names and values). */
async function sentinelMasterField(sentinel: RedisEndpoint, field: string): Promise<string | undefined> {
  const reply = await command(sentinel, 'SENTINEL', 'MASTER', MASTER_NAME);
  if (!Array.isArray(reply)) return undefined;
  const index = reply.indexOf(field);
  return index >= 0 ? String(reply[index + 1]) : undefined;
}

/**
 * Starts a primary, a replica of it and `sentinels` redis-sentinel processes monitoring it, on free
 * 127.0.0.1 ports, and waits until the replica is in sync and every sentinel knows the replica and
 * the other sentinels (before that, a failover could not be agreed on).
 */
export async function startRedisSentinel(setup: RedisSentinelSetup = {}): Promise<RedisSentinelHandle> {
  const count = setup.sentinels ?? 3;
  const dir = makeTempDir('redis');
  const started: { port: number; server: ServerProcess }[] = [];
  const stop = async () => {
    await Promise.all(started.map(({ port, server }) => haltServer(server, port)));
    removeTempDir(dir);
  };
  try {
    started.push(await startServerOnFreePort(dir, () => []));
    const primary = { host: HOST, port: started[0]!.port };
    started.push(await startServerOnFreePort(dir, () => ['--replicaof', HOST, String(primary.port)]));
    const replica = { host: HOST, port: started[1]!.port };
    await waitUntil(() => replicaInSync(replica), `replica ${HOST}:${replica.port} in sync`);
    const config = [
      `sentinel monitor ${MASTER_NAME} ${HOST} ${primary.port} ${Math.floor(count / 2) + 1}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} ${setup.downAfterMs ?? 1_000}`,
      `sentinel failover-timeout ${MASTER_NAME} ${setup.failoverTimeoutMs ?? 2_000}`,
      '',
    ].join('\n');
    const sentinels: RedisEndpoint[] = [];
    for (let i = 0; i < count; i++) {
      const file = (port: number) => {
        const configFile = path.join(dir, `sentinel-${port}.conf`);
        writeFileSync(configFile, config);
        return { binary: 'redis-sentinel', configFile } as const;
      };
      const { port } = await startServerOnFreePort(dir, () => [], file).then((one) => (started.push(one), one));
      sentinels.push({ host: HOST, port });
    }
    for (const sentinel of sentinels) {
      await waitUntil(
        async () => (await sentinelMasterField(sentinel, 'num-slaves')) === '1' && (await sentinelMasterField(sentinel, 'num-other-sentinels')) === String(count - 1),
        `sentinel ${HOST}:${sentinel.port} knowing the replica and ${count - 1} other sentinels`,
      );
    }
    return {
      masterName: MASTER_NAME,
      sentinels,
      primary,
      replica,
      async currentPrimary() {
        for (const sentinel of sentinels) {
          const reply = await command(sentinel, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => undefined);
          if (Array.isArray(reply)) return { host: String(reply[0]), port: Number(reply[1]) };
        }
        throw new Error('no sentinel answered get-master-addr-by-name');
      },
      kill: (node) => crash(processAt(started, node)),
      subscriberCount: (channel) => subscriberCountOn(started.slice(0, 2), channel),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
