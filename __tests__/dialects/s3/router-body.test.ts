// corsRouter bodies: hostile XML, oversized and aborted uploads, and bodies other parsers read first.

import express, { type RequestHandler } from 'express';
import { connect } from 'node:net';
import request from 'supertest';
import type { CorsRouterOptions } from 'express-bucket-cors/s3';
import { MemoryRuleStore } from 'express-bucket-cors';
import { corsXml, md5, rawRequest, startRouterApp, type RouterApp } from './router-harness';

// Express 4 is installed under an npm alias that has no type declarations of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const express4 = require('express4') as typeof express;

const ORIGINAL = corsXml([{ ID: 'original', AllowedOrigins: ['https://keep.test'], AllowedMethods: ['GET'] }]);
const TEN_MB = 10 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newLogger() {
  return { warn: jest.fn(), error: jest.fn() };
}

async function startApp(options: { express?: 4 | 5; before?: RequestHandler[]; router?: Partial<CorsRouterOptions> } = {}) {
  const store = new MemoryRuleStore();
  const logger = newLogger();
  const app = await startRouterApp({ express: options.express, before: options.before, router: { store, authorize: () => true, logger, ...options.router } });
  expect((await putXml(app, ORIGINAL)).status).toBe(200);
  return { app, store, logger };
}

const putXml = (app: RouterApp, body: string | Buffer, headers: Record<string, string> = { 'content-md5': md5(body) }) =>
  request(app.url).put('/b?cors').set('Content-Type', 'application/xml').set(headers).send(body);

/** The stored configuration is still ORIGINAL, and the server still answers. */
async function expectUntouched(app: RouterApp): Promise<void> {
  const res = await request(app.url).get('/b?cors').set('Accept', 'application/json');
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).CORSRules).toEqual([{ ID: 'original', AllowedOrigins: ['https://keep.test'], AllowedMethods: ['GET'] }]);
}

describe('hostile bodies', () => {
  let app: RouterApp;
  let logger: ReturnType<typeof newLogger>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    ({ app, logger } = await startApp());
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app.close();
  });
  afterEach(async () => {
    await expectUntouched(app);
    expect(logger.error).not.toHaveBeenCalled();
    expect(unhandled).toEqual([]);
  });

  const rule = (origin: string) => `<CORSRule><AllowedOrigin>${origin}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>`;

  it('billion laughs: refused with 400, quickly, nothing expanded', async () => {
    let entities = '<!ENTITY lol0 "lol">';
    for (let i = 1; i <= 9; i++) entities += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    const body = `<?xml version="1.0"?><!DOCTYPE CORSConfiguration [${entities}]><CORSConfiguration>${rule('&lol9;')}</CORSConfiguration>`;
    const started = Date.now();
    const res = await putXml(app, body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
    expect(res.text).not.toContain('lollol');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('external entity: refused, the file is never read into the configuration', async () => {
    const body = `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><CORSConfiguration>${rule('&xxe;')}</CORSConfiguration>`;
    const res = await putXml(app, body);
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('root:');
  });

  it('a DOCTYPE alone: refused', async () => {
    const res = await putXml(app, `<!DOCTYPE CORSConfiguration><CORSConfiguration>${rule('*')}</CORSConfiguration>`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
  });

  it('10,000-deep nesting, XML and JSON: refused with 400, no stack overflow', async () => {
    // Fully closed, 10,000 levels of XML would exceed the 64 KB cap: the parser must cope while descending.
    const xml = `<CORSConfiguration>${'<a>'.repeat(10000)}</CORSConfiguration>`;
    const xmlRes = await putXml(app, xml);
    expect(xmlRes.status).toBe(400);
    expect(xmlRes.text).toContain('<Code>MalformedXML</Code>');
    const json = `{"CORSRules":${'['.repeat(10000)}${']'.repeat(10000)}}`;
    const jsonRes = await request(app.url).put('/b?cors').set('Content-Type', 'application/json').set('Content-MD5', md5(json)).send(json);
    expect(jsonRes.status).toBe(400);
    expect(jsonRes.headers['content-type']).toBe('application/xml');
  });

  it('invalid UTF-8: refused with 400', async () => {
    const body = Buffer.concat([Buffer.from('<CORSConfiguration><CORSRule><AllowedOrigin>'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>')]);
    const res = await putXml(app, body);
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MalformedXML</Code>');
  });

  it.each([
    ['declared by Content-Length', { 'content-length': TEN_MB }],
    ['streamed without Content-Length', { 'transfer-encoding': 'chunked' }],
  ])('a 10 MB body %s: answered 400 MaxMessageLengthExceeded long before it is all sent', async (_label, sizeHeader) => {
    const memoryBefore = process.memoryUsage().arrayBuffers;
    const res = await rawRequest(
      app,
      { method: 'PUT', path: '/b?cors', headers: { 'content-type': 'application/xml', 'content-md5': md5('x'), ...sizeHeader } },
      async (send, responded) => {
        // Paced, so the server has every chance to answer before the client is done.
        for (let sent = 0; sent < TEN_MB && !responded(); sent += CHUNK.length) {
          await send(CHUNK);
          await pause(10);
        }
      },
    );
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>MaxMessageLengthExceeded</Code><Message>Your request was too big.</Message><MaxMessageLengthBytes>65536</MaxMessageLengthBytes>');
    // Typically after one or two 64 KiB chunks; the bound leaves room for a slow, shared machine.
    expect(res.bytesSent).toBeLessThan(TEN_MB / 4);
    // Nothing near the 10 MB was retained (generous bound: other tests' garbage may still be around).
    expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(8 * 1024 * 1024);
  });

  it('a 10 MB body sent at full speed in one go: clean 400, then the server is fine', async () => {
    const res = await putXml(app, Buffer.alloc(TEN_MB, 'a'));
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MaxMessageLengthExceeded</Code>');
  });

  it('after refusing an oversized body, the connection drains it and serves the next request', async () => {
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (received += text));
    const big = 'a'.repeat(200 * 1024);
    socket.write(`PUT /b?cors HTTP/1.1\r\nHost: x\r\nContent-MD5: ${md5(big)}\r\nContent-Length: ${big.length}\r\n\r\n${big}`);
    socket.write('GET /b?cors HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 200 && !received.includes('</CORSConfiguration>'); i++) await pause(10);
    socket.destroy();
    const [first, second] = received.split('HTTP/1.1 ').slice(1);
    expect(first).toMatch(/^400 /);
    expect(first).toContain('<Code>MaxMessageLengthExceeded</Code>');
    expect(second).toMatch(/^200 /);
    expect(second).toContain('<ID>original</ID>');
  });

  it('a client that stalls after an oversized start has its connection closed, not kept forever', async () => {
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write(`PUT /b?cors HTTP/1.1\r\nHost: x\r\nContent-MD5: ${md5('x')}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    socket.write(`30000\r\n${'a'.repeat(0x30000)}\r\n`);
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    expect(received).toContain('<Code>MaxMessageLengthExceeded</Code>');
    // Closed by the server after its linger period (a few seconds), well before any HTTP server timeout.
    expect(Date.now() - started).toBeLessThan(15000);
  });

  it('a body cut off mid-stream: no response attempt fails, the server stays healthy', async () => {
    const socket = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`PUT /b?cors HTTP/1.1\r\nHost: x\r\nContent-MD5: ${md5(ORIGINAL)}\r\nContent-Length: ${ORIGINAL.length}\r\n\r\n${ORIGINAL.slice(0, 40)}`);
    await pause(50);
    socket.destroy();
    await pause(50);
    // A chunked body cut off the same way.
    const chunked = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => chunked.once('connect', resolve));
    chunked.write(`PUT /b?cors HTTP/1.1\r\nHost: x\r\nContent-MD5: ${md5('x')}\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n${'a'.repeat(1000)}`);
    await pause(50);
    chunked.destroy();
    await pause(50);
    expect((await putXml(app, ORIGINAL)).status).toBe(200);
  });

  it('a client that leaves while authorization is pending gets no response and breaks nothing', async () => {
    let release!: (allowed: boolean) => void;
    const pending = new Promise<boolean>((resolve) => (release = resolve));
    const slow = await startApp({ router: { authorize: (req) => (req.headers['x-slow'] === undefined ? true : pending) } });
    try {
      const socket = connect(slow.app.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`PUT /b?cors HTTP/1.1\r\nHost: x\r\nx-slow: 1\r\nContent-MD5: ${md5('x')}\r\nContent-Length: 1000\r\n\r\nabc`);
      await pause(50);
      socket.destroy();
      await pause(50);
      release(true);
      await pause(50);
      expect(slow.logger.error).not.toHaveBeenCalled();
      await expectUntouched(slow.app);
    } finally {
      await slow.app.close();
    }
  });
});

describe.each([5, 4] as const)('bodies read by body-parser first (Express %i)', (major) => {
  const parsers = major === 4 ? express4 : express;
  const anyType = () => true;

  it('express.raw(): the Buffer is used and its checksum verified', async () => {
    const { app } = await startApp({ express: major, before: [parsers.raw({ type: anyType })] });
    try {
      const body = corsXml([{ ID: 'raw', AllowedOrigins: ['*'], AllowedMethods: ['PUT'] }]);
      expect((await putXml(app, body)).status).toBe(200);
      expect((await putXml(app, ORIGINAL, { 'content-md5': md5(body) })).text).toContain('<Code>BadDigest</Code>');
      expect((await request(app.url).get('/b?cors')).text).toContain('<ID>raw</ID>');
    } finally {
      await app.close();
    }
  });

  it('express.raw() with its 100kb default limit: our 65,536-byte cap still applies', async () => {
    const { app } = await startApp({ express: major, before: [parsers.raw({ type: anyType })] });
    try {
      const body = corsXml([{ AllowedOrigins: ['o'.repeat(80 * 1024)], AllowedMethods: ['GET'] }]);
      expect((await putXml(app, body)).text).toContain('<Code>MaxMessageLengthExceeded</Code>');
      await expectUntouched(app);
    } finally {
      await app.close();
    }
  });

  it('express.text(): the string is used (UTF-8) and its checksum verified', async () => {
    const { app } = await startApp({ express: major, before: [parsers.text({ type: anyType })] });
    try {
      const body = corsXml([{ ID: 'text-é', AllowedOrigins: ['https://ü.test'], AllowedMethods: ['GET'] }]);
      expect((await putXml(app, body)).status).toBe(200);
      expect(JSON.parse((await request(app.url).get('/b?cors').set('Accept', 'application/json')).text).CORSRules[0].ID).toBe('text-é');
      expect((await putXml(app, body, { 'content-md5': md5(ORIGINAL) })).text).toContain('<Code>BadDigest</Code>');
    } finally {
      await app.close();
    }
  });

  it('express.json() that parsed the body: 500 InternalError, explained in the log, rules untouched', async () => {
    const { app, logger } = await startApp({ express: major, before: [parsers.json()] });
    try {
      const json = JSON.stringify({ CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] });
      const res = await request(app.url).put('/b?cors').set('Content-Type', 'application/json').set('Content-MD5', md5(json)).send(json);
      expect(res.status).toBe(500);
      expect(res.text).toContain('<Code>InternalError</Code>');
      expect(String(logger.error.mock.calls[0]?.[1])).toMatch(/consumed by another body parser.*Mount corsRouter\(\) before/s);
      await expectUntouched(app);
    } finally {
      await app.close();
    }
  });

  it('express.json() that skipped an XML body: the router reads the stream itself', async () => {
    const { app } = await startApp({ express: major, before: [parsers.json()] });
    try {
      const body = corsXml([{ ID: 'xml', AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);
      expect((await putXml(app, body)).status).toBe(200);
      expect((await request(app.url).get('/b?cors')).text).toContain('<ID>xml</ID>');
    } finally {
      await app.close();
    }
  });
});
