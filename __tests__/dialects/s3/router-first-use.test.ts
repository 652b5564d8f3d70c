// corsRouter when a dependency it loads on first use (the XML parser, a CRC) cannot be loaded: the admin
// call answers 500 InternalError, the stored rules stay, nothing is left unhandled, and the next call
// loads it again (lib/on-first-use.ts).

import request from 'supertest';
import { MemoryRuleStore } from 'express-bucket-cors';
import { corsRouter } from 'express-bucket-cors/s3';
import { corsXml, md5, startRouterApp, type RouterApp } from './router-harness';
import { expectS3Error, T01_RULE } from '../../conformance/admin-cases';

/** The modules whose loading fails while named here. */
const failing = new Set<string>();

jest.mock('fast-xml-parser', () => {
  if (failing.has('fast-xml-parser')) throw new Error('fast-xml-parser: cannot be loaded');
  return jest.requireActual('fast-xml-parser');
});
jest.mock('@aws-crypto/crc32', () => {
  if (failing.has('@aws-crypto/crc32')) throw new Error('@aws-crypto/crc32: cannot be loaded');
  return jest.requireActual('@aws-crypto/crc32');
});

/** CRC32 of `body`, big-endian base64 as the AWS SDK sends it (computed without the mocked package). */
function crc32Header(body: string): string {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(body)) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return bytes.toString('base64');
}

describe('corsRouter with a dependency that fails to load on first use', () => {
  const previous = { CORSRules: [{ AllowedOrigins: ['https://previous.example'], AllowedMethods: ['GET' as const] }] };
  const logger = { warn: jest.fn(), error: jest.fn() };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  let store: MemoryRuleStore;
  let app: RouterApp;

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));
  beforeEach(async () => {
    failing.clear();
    logger.error.mockClear();
    store = new MemoryRuleStore();
    await store.put('b', previous);
    app = await startRouterApp({ router: { store, authorize: () => true, logger } });
  });
  afterEach(() => app.close());

  const put = (body: string, headers: Record<string, string>) => request(app.url).put('/b?cors').set('Content-Type', 'application/xml').set(headers).send(body);

  // These two come first: once a module has loaded, it stays loaded for the rest of this file.
  it('is constructed, options checked, without loading either', () => {
    failing.add('fast-xml-parser').add('@aws-crypto/crc32');
    expect(() => corsRouter({ store } as never)).toThrow(/authorize/);
    expect(typeof corsRouter({ store, authorize: () => true })).toBe('function');
  });

  it('answers GetBucketCors without the XML parser (serializing needs no parser)', async () => {
    failing.add('fast-xml-parser');
    const res = await request(app.url).get('/b?cors');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<AllowedOrigin>https://previous.example</AllowedOrigin>');
  });

  it.each([
    ['the XML parser', 'fast-xml-parser', (body: string) => ({ 'content-md5': md5(body) })],
    ['a CRC', '@aws-crypto/crc32', (body: string) => ({ 'x-amz-checksum-crc32': crc32Header(body) })],
  ])('%s: PutBucketCors answers 500 InternalError and keeps the rules; the next call loads it', async (_what, specifier, integrity) => {
    const body = corsXml([T01_RULE]);
    failing.add(specifier);
    expectS3Error(await put(body, integrity(body)), 500, 'InternalError', 'We encountered an internal error. Please try again.');
    expect((await store.get('b'))?.configuration).toEqual(previous);
    expect(String(logger.error.mock.calls[0]?.[1])).toContain(`${specifier}: cannot be loaded`);

    failing.clear();
    expect((await put(body, integrity(body))).status).toBe(200);
    expect((await store.get('b'))?.configuration).not.toEqual(previous);
    expect(unhandled).toEqual([]);
  });
});
