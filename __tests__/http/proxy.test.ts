// backendProxy between real loopback servers: bodies streamed both ways, Host and signatures kept, the gateway's CORS headers
// kept and the backend's dropped, connection headers not forwarded, failures answered 502/504, client aborts passed on.

import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { backendProxy, bucketCors, MemoryRuleStore, type BackendProxyOptions } from 'express-bucket-cors';

const ORIGIN = 'https://app.example';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly sha256: string;
  readonly bytes: number;
}

/** Starts a server on a free loopback port. */
async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** A backend that records what it got (body hashed) and answers `answer(req)`, or with the body it received. */
function recordingBackend(received: Received[], answer?: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, sha256: hash.digest('hex'), bytes });
      if (answer !== undefined) return answer(req, res);
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('x-backend', '1');
      res.end(`got ${bytes} bytes`);
    });
  };
}

interface Response {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function send(url: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest({ host: target.hostname, port: target.port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('backendProxy', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });

  /** A gateway: bucketCors (bucket `photos` allows ORIGIN for GET and PUT), then the proxy to `backendUrl`. */
  async function gateway(proxyOptions: Partial<BackendProxyOptions> & { url: string }) {
    const store = new MemoryRuleStore();
    await store.put('photos', { CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT'], ExposeHeaders: ['ETag'] }] });
    const cors = bucketCors({ store });
    const proxy = backendProxy(proxyOptions);
    const { server, url } = await listen((req, res) => cors(req, res, () => proxy(req, res)));
    servers.push(server);
    return url;
  }

  it('streams a 5 MB body to the backend and back, with method, path, query and Host as received', async () => {
    const received: Received[] = [];
    const backend = await listen(recordingBackend(received, (req, res) => res.end(createHash('sha256').update(req.url!).digest())));
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    const body = Buffer.alloc(5 * 1024 * 1024, 7);
    const res = await send(url, { method: 'PUT', path: '/photos/a%20b/c?x-id=PutObject&partNumber=1', headers: { host: 'photos.s3.example.test', 'x-amz-date': '20261207T000000Z' }, body });
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/photos/a%20b/c?x-id=PutObject&partNumber=1', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') });
    expect(received[0]!.headers.host).toBe('photos.s3.example.test');
    expect(received[0]!.headers['x-amz-date']).toBe('20261207T000000Z');
    expect(received[0]!.headers['content-length']).toBe(String(body.length));
  });

  it("keeps the gateway's CORS headers, drops the backend's own, merges Vary and passes the backend's other headers", async () => {
    const backend = await listen(recordingBackend([]));
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    const res = await send(url, { path: '/photos/k', headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-expose-headers']).toBe('ETag');
    expect(res.headers.vary).toBe('Origin, Access-Control-Request-Headers, Access-Control-Request-Method, Accept-Encoding');
    expect(res.headers['x-backend']).toBe('1');
    const refused = await send(url, { path: '/photos/k', headers: { origin: 'https://evil.example' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers preflights itself: the backend never sees them', async () => {
    const received: Received[] = [];
    const backend = await listen(recordingBackend(received));
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    const res = await send(url, { method: 'OPTIONS', path: '/photos/k', headers: { origin: ORIGIN, 'access-control-request-method': 'PUT' } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-methods']).toBe('GET, PUT');
    expect(received).toHaveLength(0);
  });

  it("passes the backend's errors through with the CORS headers", async () => {
    const backend = await listen(
      recordingBackend([], (_req, res) => {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'application/xml');
        res.end('<Error><Code>NoSuchKey</Code></Error>');
      }),
    );
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    const res = await send(url, { path: '/photos/missing', headers: { origin: ORIGIN } });
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('<Error><Code>NoSuchKey</Code></Error>');
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('does not forward connection headers, nor those Connection names, nor Expect', async () => {
    const received: Received[] = [];
    const backend = await listen(recordingBackend(received));
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    await send(url, { path: '/photos/k', headers: { connection: 'keep-alive, x-hop', 'x-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers', 'proxy-authorization': 'Basic x', 'x-end': '1' } });
    const headers = received[0]!.headers;
    for (const name of ['x-hop', 'keep-alive', 'te', 'proxy-authorization']) expect(headers[name]).toBeUndefined();
    expect(headers['x-end']).toBe('1');
  });

  it('answers 502 with the CORS headers when the backend cannot be reached', async () => {
    const stopped = await listen(() => {});
    await close(stopped.server);
    const url = await gateway({ url: stopped.url });
    const res = await send(url, { method: 'PUT', path: '/photos/k', headers: { origin: ORIGIN }, body: Buffer.alloc(100_000) });
    expect(res.status).toBe(502);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('speaks TLS to an https backend (loaded when such a proxy is made) and answers 502 when its certificate is not trusted', async () => {
    // A TCP listener standing for the backend: the first byte a TLS client sends is 0x16, a handshake record.
    const firstBytes: number[] = [];
    const backend = createTcpServer((socket) =>
      socket.once('data', (chunk: Buffer) => {
        firstBytes.push(chunk[0]!);
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const url = await gateway({ url: `https://127.0.0.1:${(backend.address() as AddressInfo).port}` });
    const res = await send(url, { path: '/photos/k', headers: { origin: ORIGIN } });
    await new Promise<void>((resolve) => backend.close(() => resolve()));
    expect(firstBytes).toEqual([0x16]);
    expect(res.status).toBe(502);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('answers 504 when the backend does not start answering within timeoutMs, and onFailure can word it', async () => {
    const backend = await listen(() => {});
    servers.push(backend.server);
    const failures: string[] = [];
    const url = await gateway({
      url: backend.url,
      timeoutMs: 200,
      onFailure: (failure, _req, res) => {
        failures.push(failure);
        res.statusCode = 504;
        res.end('slow backend');
      },
    });
    const res = await send(url, { path: '/photos/k' });
    expect(res.status).toBe(504);
    expect(res.body.toString()).toBe('slow backend');
    expect(failures).toEqual(['timeout']);
  });

  it('aborts the backend request when the client goes away', async () => {
    let backendClosed: () => void;
    const closed = new Promise<void>((resolve) => (backendClosed = resolve));
    const backend = await listen((req) => req.on('close', () => backendClosed()));
    servers.push(backend.server);
    const url = await gateway({ url: backend.url });
    const target = new URL(url);
    const client = httpRequest({ host: target.hostname, port: target.port, method: 'PUT', path: '/photos/k', headers: { 'content-length': '1000000' }, agent: false });
    client.on('error', () => {});
    client.write(Buffer.alloc(1000));
    setTimeout(() => client.destroy(), 100);
    await closed;
  });

  it.each([
    ['not a URL', 'backend'],
    ['a path', 'http://127.0.0.1:9000/prefix'],
    ['a query', 'http://127.0.0.1:9000/?x=1'],
    ['another scheme', 'ftp://127.0.0.1'],
  ])('refuses a url with %s', (_what, url) => {
    expect(() => backendProxy({ url })).toThrow(/backendProxy: `url` must be the backend's base URL/);
  });

  it('refuses unknown options with a hint', () => {
    expect(() => backendProxy({ url: 'http://127.0.0.1:9000', timeout: 5 } as BackendProxyOptions)).toThrow('did you mean `timeoutMs`?');
  });
});
