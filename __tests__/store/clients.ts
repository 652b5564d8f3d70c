// Every client library and major the Redis store supports, as factories, so suites run for each (parameterized, not copied).

import Redis from 'ioredis';
import Redis5 from 'ioredis5';
import * as redis6 from 'redis';
import * as redis4 from 'redis4';
import * as redis5 from 'redis5';
import type { RedisClientLike, RedisSubscriberLike } from 'express-bucket-cors';

/** Where a server or cluster node listens. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** AUTH password, for clients of a server with `requirepass`. */
  readonly password?: string;
}

/** One client library at one major version. */
export interface ClientKind {
  /** E.g. `'ioredis 6'`, `'node-redis 4'`. */
  readonly name: string;
  readonly library: 'ioredis' | 'node-redis';
  /** A client of one server, not connected yet (ioredis connects by itself, the store opens node-redis). */
  client(endpoint: Endpoint): RedisClientLike;
  /** A Cluster client, seeded with `nodes`. */
  cluster(nodes: readonly Endpoint[]): RedisClientLike;
  /** A separate connection to pass as the store's `subscriber` (connected by the store for node-redis). */
  subscriber(endpoint: Endpoint): RedisSubscriberLike;
}

/** What every client of either library can do to be closed at once; errors ignored (tests break Redis on purpose). */
interface Closable {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

const open: { client: Closable; close: () => unknown }[] = [];

function tracked<T extends Closable>(client: T, close: () => unknown): T {
  client.on('error', () => undefined);
  open.push({ client, close });
  return client;
}

/** Closes every client the factories made (call in afterAll / afterEach). */
export async function closeAllClients(): Promise<void> {
  // A node-redis client that was never opened throws "The client is closed": nothing to close then.
  for (const { close } of open.splice(0)) await Promise.resolve().then(close).catch(() => undefined);
}

/** node-redis 5 and 6 have destroy(); 4 has disconnect(). Both close without QUIT. */
function closeNodeRedis(client: object): unknown {
  const closer = client as { destroy?: () => unknown; disconnect?: () => unknown };
  return closer.destroy !== undefined ? closer.destroy() : closer.disconnect?.();
}

/** What an ioredis connection or cluster offers the tests beyond the store's needs. */
type IoredisConnection = RedisClientLike & RedisSubscriberLike & Closable & { disconnect(): void };

function ioredisKind(name: string, connect: (endpoint: Endpoint) => IoredisConnection, cluster: (nodes: Endpoint[]) => IoredisConnection): ClientKind {
  const client = (endpoint: Endpoint) => {
    const created = connect(endpoint);
    return tracked(created, () => created.disconnect());
  };
  return {
    name,
    library: 'ioredis',
    client,
    cluster: (nodes) => {
      const created = cluster(nodes.map(({ host, port }) => ({ host, port })));
      return tracked(created, () => created.disconnect());
    },
    subscriber: (endpoint) => client(endpoint),
  };
}

/** What a node-redis client or cluster offers the tests: the store's needs and an error event. */
type NodeRedisConnection = RedisClientLike & RedisSubscriberLike & Closable;

function nodeRedisKind(name: string, connect: (endpoint: Endpoint) => NodeRedisConnection, cluster: (nodes: Endpoint[]) => NodeRedisConnection): ClientKind {
  const client = (endpoint: Endpoint) => {
    const created = connect(endpoint);
    return tracked(created, () => closeNodeRedis(created));
  };
  return {
    name,
    library: 'node-redis',
    client,
    cluster: (nodes) => {
      const created = cluster([...nodes]);
      return tracked(created, () => closeNodeRedis(created));
    },
    subscriber: client,
  };
}

const socketOf = ({ host, port }: Endpoint) => ({ socket: { host, port } });
const nodeRedisOptions = (endpoint: Endpoint) => ({ ...socketOf(endpoint), ...(endpoint.password === undefined ? {} : { password: endpoint.password }) });

/** Every supported client, newest first per library. */
export const CLIENT_KINDS: readonly ClientKind[] = [
  ioredisKind('ioredis 6', ({ host, port, password }) => new Redis(port, host, { password }), (nodes) => new Redis.Cluster(nodes)),
  ioredisKind('ioredis 5', ({ host, port, password }) => new Redis5(port, host, { password }), (nodes) => new Redis5.Cluster(nodes)),
  nodeRedisKind('node-redis 6', (endpoint) => redis6.createClient(nodeRedisOptions(endpoint)), (nodes) => redis6.createCluster({ rootNodes: nodes.map(socketOf) })),
  nodeRedisKind('node-redis 5', (endpoint) => redis5.createClient(nodeRedisOptions(endpoint)), (nodes) => redis5.createCluster({ rootNodes: nodes.map(socketOf) })),
  nodeRedisKind('node-redis 4', (endpoint) => redis4.createClient(nodeRedisOptions(endpoint)), (nodes) => redis4.createCluster({ rootNodes: nodes.map(socketOf) })),
];

/** The kinds by name, for tests that mix them. */
export const clientKind = (name: string): ClientKind => {
  const kind = CLIENT_KINDS.find((candidate) => candidate.name === name);
  if (kind === undefined) throw new Error(`no client kind ${name}`);
  return kind;
};
