// A TCP proxy on loopback between the library and a real redis-server, for fault tests: pass-through, latency, black hole, reset mid-reply, dead subscriber.

import net from 'node:net';

/** Which way a chunk travels. */
type Direction = 'toServer' | 'toClient';

/** One proxied connection. */
interface Link {
  readonly client: net.Socket;
  readonly server: net.Socket;
  /** Has sent SUBSCRIBE: a pub/sub connection. */
  subscriber: boolean;
  /** Half-open for good: nothing is forwarded any more and the client is never told. */
  dead: boolean;
  /** Chunks held while the black hole is on, delivered in order when it ends. */
  readonly held: { direction: Direction; chunk: Buffer }[];
  /** When the last chunk of each direction is due, so that latency changes never reorder bytes. */
  readonly lastDue: Record<Direction, number>;
}

/** The proxy and the faults it can inject; all faults apply until {@link FaultProxy.passThrough}. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** Connections from clients that are open right now. */
  readonly openConnections: number;
  /** Connections reset by {@link resetMidReply} so far. */
  readonly resets: number;
  /** Forwards everything at once again; data held by {@link blackHole} is delivered in order. Dead subscriber connections stay dead. */
  passThrough(): void;
  /** Delays every chunk, both ways, by `ms`. */
  addLatency(ms: number): void;
  /** Every connection, current and new, is accepted but nothing is forwarded (held until `passThrough()`). */
  blackHole(): void;
  /**
   * The connections that have sent SUBSCRIBE so far go half-open for good: nothing is forwarded,
   * either way, and neither side is told. New connections pass.
   */
  blackHoleSubscribers(): void;
  /** The next reply to a non-subscriber connection: half of it is forwarded, then the connection is reset (RST). */
  resetMidReply(): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port forwarding to `target`. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const links = new Set<Link>();
  let latencyMs = 0;
  let holding = false;
  let resetPending = false;
  let resets = 0;

  const write = (socket: net.Socket, chunk: Buffer) => {
    if (!socket.destroyed) socket.write(chunk);
  };

  const deliver = (link: Link, direction: Direction, chunk: Buffer) => {
    const now = Date.now();
    const due = Math.max(now + latencyMs, link.lastDue[direction]);
    link.lastDue[direction] = due;
    const socket = direction === 'toServer' ? link.server : link.client;
    if (due <= now) write(socket, chunk);
    else setTimeout(() => write(socket, chunk), due - now);
  };

  const relay = (link: Link, direction: Direction, chunk: Buffer) => {
    if (link.dead) return;
    if (direction === 'toServer' && /subscribe/i.test(chunk.toString('latin1'))) link.subscriber = true;
    if (holding) {
      link.held.push({ direction, chunk });
      return;
    }
    if (direction === 'toClient' && resetPending && !link.subscriber && chunk.length >= 2) {
      resetPending = false;
      resets++;
      link.client.write(chunk.subarray(0, chunk.length >> 1), () => link.client.resetAndDestroy());
      link.server.destroy();
      return;
    }
    deliver(link, direction, chunk);
  };

  const proxy = net.createServer((client) => {
    const server = net.connect(target.port, target.host);
    const link: Link = { client, server, subscriber: false, dead: false, held: [], lastDue: { toServer: 0, toClient: 0 } };
    links.add(link);
    client.on('data', (chunk: Buffer) => relay(link, 'toServer', chunk));
    server.on('data', (chunk: Buffer) => relay(link, 'toClient', chunk));
    // A dead link's client is never told that the server side went away; its own close still ends the server side.
    client.on('close', () => {
      links.delete(link);
      server.destroy();
    });
    server.on('close', () => {
      if (!link.dead) client.destroy();
    });
    client.on('error', () => server.destroy());
    server.on('error', () => {
      if (!link.dead) client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', resolve);
  });
  const { port } = proxy.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    get openConnections() {
      return links.size;
    },
    get resets() {
      return resets;
    },
    passThrough() {
      latencyMs = 0;
      holding = false;
      resetPending = false;
      for (const link of links) {
        for (const { direction, chunk } of link.held.splice(0)) if (!link.dead) deliver(link, direction, chunk);
      }
    },
    addLatency(ms) {
      latencyMs = ms;
    },
    blackHole() {
      holding = true;
    },
    blackHoleSubscribers() {
      for (const link of links) if (link.subscriber) link.dead = true;
    },
    resetMidReply() {
      resetPending = true;
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
