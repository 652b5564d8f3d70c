// Starts demo S3 servers on free loopback ports and builds AWS SDK clients pointed at them.

import { S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDemoServer, type DemoServer, type DemoServerOptions } from '../../examples/server/app';

/** A demo server listening on 127.0.0.1. */
export interface RunningDemo {
  readonly demo: DemoServer;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Every request the server received, as `METHOD url`, oldest first. */
  readonly requests: string[];
  /** An S3 client with the demo's credentials, path-style. */
  readonly s3: S3Client;
  stop(): Promise<void>;
}

/** Listens on a free port; resolves with the bound server. */
export function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Closes a server, dropping idle keep-alive connections so it does not wait for them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function s3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
}

export async function startDemo(options: DemoServerOptions = {}): Promise<RunningDemo> {
  const demo = createDemoServer({ logger: { warn() {}, error: console.error }, ...options });
  const server = await listen(demo.app);
  const requests: string[] = [];
  server.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = s3Client(endpoint, demo.credentials);
  return {
    demo,
    endpoint,
    port,
    requests,
    s3,
    async stop() {
      s3.destroy();
      await closeServer(server);
      await demo.close();
    },
  };
}
