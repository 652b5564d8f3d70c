// Test harness for corsRouter: Express 5/4 apps on a real loopback server, AWS SDK clients, bodies and digests.

import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import express5, { type RequestHandler } from 'express';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { LookupFunction } from 'node:net';
import { corsRouter, type CorsRouterOptions } from 'express-bucket-cors/s3';
import type { InvalidationEvent, RuleStore } from 'express-bucket-cors';

export { corsXml } from '../../conformance/admin-cases';
export { md5 } from '../../conformance/http';

// Express 4 is installed under an npm alias that has no type declarations of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express5;

/** Status and marker header of the app's own handler after the router: proves the router called next(). */
export const FALLTHROUGH_STATUS = 418;

/** An app with the router, listening on 127.0.0.1 on a free port. */
export interface RouterApp {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** How to build the app. */
export interface RouterAppSetup {
  readonly express?: 4 | 5;
  readonly router: CorsRouterOptions;
  /** Middleware mounted before the router (body parsers, header tamperers). */
  readonly before?: readonly RequestHandler[];
  /** Path the router is mounted at (default: root). */
  readonly mountPath?: string;
}

/** Starts an Express app: `before` middleware, the router, then a fallthrough handler and an error handler. */
export async function startRouterApp(setup: RouterAppSetup): Promise<RouterApp> {
  const app = (setup.express === 4 ? express4 : express5)();
  for (const middleware of setup.before ?? []) app.use(middleware);
  if (setup.mountPath === undefined) app.use(corsRouter(setup.router));
  else app.use(setup.mountPath, corsRouter(setup.router));
  app.use((req, res) => {
    res.status(FALLTHROUGH_STATUS).setHeader('x-fallthrough', '1').send(`${req.method} ${req.url}`);
  });
  app.use(((error, _req, res, _next) => {
    res.status(599).send(String(error));
  }) as express5.ErrorRequestHandler);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves every host name to 127.0.0.1, so virtual-hosted names like `b.s3.test` reach the test server. */
const loopbackLookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

/** Base domain of the virtual-hosted tests: buckets are `<bucket>.s3.test`. */
export const VIRTUAL_HOST_DOMAIN = 's3.test';

/** A real AWS SDK v3 S3 client for the app: path-style on 127.0.0.1, or virtual-hosted on `*.s3.test`. */
export function s3ClientFor(app: Pick<RouterApp, 'url' | 'port'>, style: 'path' | 'virtual'): S3Client {
  const agent = new Agent({ keepAlive: false, lookup: loopbackLookup });
  return new S3Client({
    region: 'us-east-1',
    endpoint: style === 'path' ? app.url : `http://${VIRTUAL_HOST_DOMAIN}:${app.port}`,
    forcePathStyle: style === 'path',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    requestHandler: { httpAgent: agent },
    maxAttempts: 1,
  });
}

/** The S3 exception an SDK call rejects with; fails the test when it succeeds or throws anything else. */
export async function sdkError(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

/** A store that answers like `inner` until told to fail, then rejects every call (a Redis outage). */
export class FlakyStore implements RuleStore {
  failing = false;
  /** While set, every call waits until {@link release} (a stalled connection). */
  private stalled: Array<() => void> | undefined;
  readonly shared: boolean;
  constructor(private readonly inner: RuleStore) {
    this.shared = inner.shared;
  }
  stall(): void {
    this.stalled = [];
  }
  /** Lets every held call proceed, in order, and stops stalling. */
  release(): void {
    const held = this.stalled ?? [];
    this.stalled = undefined;
    for (const resume of held) resume();
  }
  private guard(): Promise<void> {
    if (this.stalled !== undefined) return new Promise((resolve) => this.stalled!.push(resolve));
    return this.failing ? Promise.reject(new Error('store offline')) : Promise.resolve();
  }
  get(bucket: string) {
    return this.guard().then(() => this.inner.get(bucket));
  }
  put(bucket: string, configuration: Parameters<RuleStore['put']>[1]) {
    return this.guard().then(() => this.inner.put(bucket, configuration));
  }
  delete(bucket: string) {
    return this.guard().then(() => this.inner.delete(bucket));
  }
  subscribe(listener: (event: InvalidationEvent) => void) {
    return this.inner.subscribe(listener);
  }
}

/** A raw HTTP response, read whole. */
export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Sends a request whose body is produced by `write` (called with a function that writes one chunk
 * and resolves once it is flushed), and resolves with the response as soon as it is complete,
 * whether or not the body was finished: used for oversized and streamed bodies.
 */
export function rawRequest(
  app: RouterApp,
  options: { method: string; path: string; headers?: Record<string, string | number> },
  write: (send: (chunk: Buffer) => Promise<boolean>, responded: () => boolean) => Promise<void>,
): Promise<RawResponse & { readonly bytesSent: number }> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let response: RawResponse | undefined;
    // Writes still waiting for their flush when the response arrives (a paused server never flushes them).
    const pending = new Set<() => void>();
    const req = httpRequest({ host: '127.0.0.1', port: app.port, method: options.method, path: options.path, headers: options.headers });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        response = { status: res.statusCode!, headers: res.headers, body };
        for (const release of pending) release();
        resolve({ ...response, bytesSent });
        req.destroy();
      });
    });
    // After the response, the server may reset the connection while we are still sending: expected.
    req.on('error', (error) => {
      if (response === undefined) reject(error);
    });
    const send = (chunk: Buffer): Promise<boolean> =>
      new Promise((done) => {
        if (response !== undefined || req.destroyed) return done(false);
        bytesSent += chunk.length;
        const flushed = (): void => {
          pending.delete(flushed);
          done(response === undefined);
        };
        pending.add(flushed);
        req.write(chunk, () => flushed());
      });
    write(send, () => response !== undefined).then(
      () => {
        if (response === undefined && !req.destroyed) req.end();
      },
      reject,
    );
  });
}
