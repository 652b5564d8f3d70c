// Bucket resolution (lib/http/resolve.ts): virtual-hosted, path-style, custom, and option validation.

import type { IncomingMessage } from 'node:http';
import { createAddressing } from '../support/internals';
import { createBucketResolver, type AddressingOptions } from 'express-bucket-cors';

const request = (host: string | undefined, url: string): IncomingMessage =>
  ({ headers: host === undefined ? {} : { host }, url }) as IncomingMessage;

describe('createBucketResolver — built-in', () => {
  const resolve = createBucketResolver({ virtualHostDomains: ['s3.example.com', 'example.com'] });

  test.each([
    ['photos.s3.example.com', '/a/b.jpg', { bucket: 'photos', key: 'a/b.jpg' }],
    ['my.photos.s3.example.com', '/k', { bucket: 'my.photos', key: 'k' }],
    ['Photos.S3.Example.COM:8080', '/', { bucket: 'photos', key: '' }],
    ['photos.s3.example.com.', '/k', { bucket: 'photos', key: 'k' }],
    ['photos.s3.example.com', '/photos/k', { bucket: 'photos', key: 'photos/k' }],
    ['photos.s3.example.com', '/a%20b%2Fc?x=%zz', { bucket: 'photos', key: 'a b/c' }],
    ['other.example.com', '/k', { bucket: 'other', key: 'k' }],
    ['s3.example.com', '/photos/a/b', { bucket: 'photos', key: 'a/b' }],
    ['example.com', '/photos', { bucket: 'photos', key: '' }],
    ['127.0.0.1:3000', '/photos/', { bucket: 'photos', key: '' }],
    ['[::1]:3000', '/photos/k?cors', { bucket: 'photos', key: 'k' }],
    ['cdn.elsewhere.net', '/photos/a%2Bb', { bucket: 'photos', key: 'a+b' }],
    ['h', '/photos/%zz/x', { bucket: 'photos', key: '%zz/x' }],
    [undefined, '/photos/k', { bucket: 'photos', key: 'k' }],
    ['h', '/', null],
    ['h', '/?list-type=2', null],
    ['h', '//k', null],
    ['h', '*', null],
    ['h', 'http://h/photos/k', null],
  ])('Host %s, url %s', (host, url, expected) => {
    expect(resolve(request(host, url))).toEqual(expected);
  });

  test('pathStyle: false leaves other hosts alone', () => {
    const virtualOnly = createBucketResolver({ virtualHostDomains: ['s3.example.com'], pathStyle: false });
    expect(virtualOnly(request('localhost', '/photos/k'))).toBeNull();
    expect(virtualOnly(request('b.s3.example.com', '/k'))).toEqual({ bucket: 'b', key: 'k' });
  });

  test('default is path-style only', () => {
    expect(createBucketResolver()(request('b.s3.example.com', '/x/k'))).toEqual({ bucket: 'x', key: 'k' });
  });
});

describe('createAddressing — the target bucketCors uses', () => {
  // The same resolution as the resolver's, without the key: resourceType says whether there is one.
  test.each([
    [['s3.example.com'], 'photos.s3.example.com', ['/', '/?cors', '/k', '/k?x', '/a/b', '/%zz', '//']],
    [[], 'h', ['/photos', '/photos/', '/photos?cors', '/photos/?x', '/photos/k', '/photos/k?x', '/photos?x/y', '/photos/a%2Fb', '/photos//', '/', '/?x', '//k', '*', 'http://h/p/k']],
  ])('virtualHostDomains %j, Host %s', (virtualHostDomains, host, urls) => {
    const addressing = createAddressing({ virtualHostDomains });
    for (const url of urls) {
      const address = addressing.resolve(request(host, url)) as { bucket: string; key: string } | null;
      const expected = address === null ? null : { bucket: address.bucket, resourceType: address.key === '' ? 'BUCKET' : 'OBJECT' };
      const target = addressing.target(request(host, url)) as { bucket: string; resourceType: string } | null;
      expect([url, target === null ? null : { bucket: target.bucket, resourceType: target.resourceType }]).toEqual([url, expected]);
    }
  });

  test('a custom resolver\'s answers, synchronous or not, become targets the same way', async () => {
    const sync = createAddressing({ resolve: (req) => (req.url === '/none' ? null : { bucket: 'b', key: req.url === '/' ? '' : 'k' }) });
    expect(sync.target(request('h', '/'))).toMatchObject({ bucket: 'b', resourceType: 'BUCKET' });
    expect(sync.target(request('h', '/x'))).toMatchObject({ bucket: 'b', resourceType: 'OBJECT' });
    expect(sync.target(request('h', '/none'))).toBeNull();
    const later = createAddressing({ resolve: async () => ({ bucket: 'b', key: 'k' }) });
    await expect(later.target(request('h', '/'))).resolves.toMatchObject({ bucket: 'b', resourceType: 'OBJECT' });
  });
});

describe('createAddressing — service root', () => {
  const addressing = createAddressing({ virtualHostDomains: ['s3.example.com'] });
  test.each([
    ['localhost', '/', true],
    ['localhost', '/?x=1', true],
    ['s3.example.com', '/', true],
    ['b.s3.example.com', '/', false],
    ['localhost', '/b', false],
  ])('Host %s, url %s → %s', (host, url, expected) => {
    expect(addressing.isServiceRoot(request(host, url))).toBe(expected);
  });
  test('never with path-style off or a custom resolver', () => {
    expect(createAddressing({ virtualHostDomains: ['s3.example.com'], pathStyle: false }).isServiceRoot(request('x', '/'))).toBe(false);
    expect(createAddressing({ resolve: () => null }).isServiceRoot(request('x', '/'))).toBe(false);
  });
});

describe('createBucketResolver — custom', () => {
  test('replaces the built-in logic', async () => {
    const custom = createBucketResolver({ resolve: async (req) => ({ bucket: String(req.headers['x-bucket']), key: '' }) });
    await expect(custom({ headers: { 'x-bucket': 'z' }, url: '/a/b' } as unknown as IncomingMessage)).resolves.toEqual({ bucket: 'z', key: '' });
  });
});

describe('option validation', () => {
  test.each<[unknown, RegExp]>([
    [{ virtualHostDomains: ['https://s3.example.com/'] }, /remove the scheme \(use "s3.example.com"\)/],
    [{ virtualHostDomains: ['s3.example.com:9000'] }, /must not include a port: use "s3.example.com"/],
    [{ virtualHostDomains: ['s3.example.com/b'] }, /remove the path/],
    [{ virtualHostDomains: ['*.s3.example.com'] }, /wildcard/],
    [{ virtualHostDomains: ['.s3.example.com'] }, /empty label/],
    [{ virtualHostDomains: ['::1'] }, /IPv6/],
    [{ virtualHostDomains: [''] }, /non-empty host name/],
    [{ virtualHostDomains: 's3.example.com' }, /must be an array/],
    [{ pathStyle: 'yes' }, /pathStyle must be true or false/],
    [{ pathStyle: false }, /give `virtualHostDomains`/],
    [{ virtualHostDomain: ['s3.example.com'] }, /unknown option `virtualHostDomain`/],
    [{ resolve: () => null, pathStyle: true }, /remove `virtualHostDomains` and `pathStyle`/],
    [{ resolve: 'bucket' }, /resolve must be a function/],
    [null, /must be an object/],
  ])('%j', (options, message) => {
    expect(() => createBucketResolver(options as AddressingOptions)).toThrow(TypeError);
    expect(() => createBucketResolver(options as AddressingOptions)).toThrow(message);
  });
});
