// Finds the bucket (and key) a request addresses — virtual-hosted or path-style, as S3 does (express-bucket-cors/docs/behaviour.md §2).

import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../core/model.js';
import { describeValue, readOptions, type OptionChecks } from '../options.js';
import { keyOf, newTarget, type RequestTarget } from './target.js';

/** The bucket a request addresses and the object key within it; `key` is `''` for the bucket itself. */
export interface BucketAddress {
  readonly bucket: string;
  readonly key: string;
}

/**
 * Finds the bucket a request addresses, or `null` when it addresses none (the service root, or a
 * path this library should leave alone). May be synchronous or return a promise.
 */
export type BucketResolver = (req: IncomingMessage) => BucketAddress | null | Promise<BucketAddress | null>;

/**
 * How requests name buckets. The same object is given to `bucketCors()` and `corsRouter()`.
 */
export interface AddressingOptions {
  /**
   * Base domains for virtual-hosted-style requests: with `'s3.example.com'`, a request to
   * `photos.s3.example.com` (any port, any case) addresses bucket `photos` and the whole path is the key.
   * Bare host names only: no scheme, port, path or wildcard. Default `[]` (no virtual hosting).
   */
  readonly virtualHostDomains?: readonly string[];
  /**
   * Whether requests to any other host are path-style: `/photos/a/b` → bucket `photos`, key `a/b`.
   * Default `true`.
   */
  readonly pathStyle?: boolean;
  /**
   * Your own resolver; replaces the built-in logic entirely (then leave out `virtualHostDomains` and
   * `pathStyle`). Return `null` for requests that name no bucket. Default: none (built-in logic).
   */
  readonly resolve?: BucketResolver;
}

/** The resolved addressing: the resolver plus what the middleware needs to recognise the service root. */
export interface Addressing {
  readonly resolve: BucketResolver;
  /**
   * The same resolution as `resolve`, as a {@link RequestTarget}: the built-in addressing slices the
   * bucket only, and answers synchronously.
   */
  target(req: IncomingMessage): RequestTarget | null | Promise<RequestTarget | null>;
  /**
   * True when the request is path-style to `/` (the S3 service root: ListBuckets), which the built-in
   * path-style resolver alone can tell; always false with a custom resolver or with path-style off.
   */
  isServiceRoot(req: IncomingMessage): boolean;
  /** True when a custom `resolve` replaces the built-in logic (its `null` answers are its own). */
  readonly custom: boolean;
}

/** Each option's type; the values inside (base domains, the resolver's answers) are checked where they are used. */
const ADDRESSING_CHECKS = {
  virtualHostDomains: (value) => {
    if (value !== undefined && !Array.isArray(value))
      throw new TypeError(`addressing.virtualHostDomains must be an array of host names, e.g. ["s3.example.com"], not ${describeValue(value)}.`);
    return value as readonly string[] | undefined;
  },
  pathStyle: (value) => {
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`addressing.pathStyle must be true or false (default true), not ${describeValue(value)}.`);
    return value as boolean | undefined;
  },
  resolve: (value) => {
    if (value !== undefined && typeof value !== 'function')
      throw new TypeError(`addressing.resolve must be a function (req) => { bucket, key } | null, or be left out; not ${describeValue(value)}.`);
    return value as BucketResolver | undefined;
  },
} satisfies OptionChecks<AddressingOptions>;

/** Checks one configured base domain and returns it lower-cased; the message says what to change. */
function checkBaseDomain(value: unknown, index: number): string {
  const where = `addressing.virtualHostDomains[${index}]`;
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`${where} must be a non-empty host name such as "s3.example.com", not ${describeValue(value)}.`);
  const domain = value.trim().toLowerCase();
  const scheme = domain.indexOf('://');
  if (scheme !== -1) {
    const host = domain.slice(scheme + 3).split('/')[0]!.split(':')[0];
    throw new TypeError(`${where} "${value}" must be a bare host name: remove the scheme (use "${host}").`);
  }
  if (domain.includes('/')) throw new TypeError(`${where} "${value}" must be a bare host name: remove the path (use "${domain.split('/')[0]}").`);
  if (domain.startsWith('[') || domain.split(':').length > 2)
    throw new TypeError(`${where} "${value}" is an IPv6 address; virtual hosting needs a DNS name such as "s3.example.com".`);
  if (domain.includes(':')) throw new TypeError(`${where} "${value}" must not include a port: use "${domain.split(':')[0]}" (the port is ignored when matching).`);
  if (domain.includes('*')) throw new TypeError(`${where} "${value}" must not contain a wildcard: give the base domain ("s3.example.com" serves "<bucket>.s3.example.com").`);
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..'))
    throw new TypeError(`${where} "${value}" has an empty label: remove leading, trailing or doubled dots.`);
  for (let i = 0; i < domain.length; i++) {
    const code = domain.charCodeAt(i);
    if (code <= 0x20 || code >= 0x7f) throw new TypeError(`${where} "${value}" contains a space or a non-ASCII character; use its ASCII (punycode) form.`);
  }
  return domain;
}

/**
 * The host name of the request, lower-cased, without port and without a final dot; `''` when
 * absent. IPv6 literals keep their brackets (`[::1]`), so they never match a base domain.
 * @internal the path-style helper reads hosts the same way.
 */
export function requestHost(req: IncomingMessage): string {
  const header = req.headers.host;
  if (header === undefined || header === '') return '';
  let host = header.toLowerCase();
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  if (colon !== -1) host = host.slice(0, colon);
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

const SLASH = 0x2f;
const QUESTION = 0x3f;

/**
 * Where the path of `url` ends (at the query string, or the end); `-1` when the URL is not
 * origin-form (`*`, or an absolute URL a proxy forwarded), which this library does not treat as
 * addressing a bucket.
 */
function requestPathEnd(url: string | undefined): number {
  if (url === undefined || url.charCodeAt(0) !== SLASH) return -1;
  const query = url.indexOf('?');
  return query === -1 ? url.length : query;
}

/**
 * Where the first path segment of an origin-form `url` ends: at its second `/`, at the query string,
 * or at the end. Scanned by hand: it is a bucket name's few characters, where `indexOf` would cross
 * the whole URL for the `?` (a presigned URL's query string is hundreds of characters).
 */
function firstSegmentEnd(url: string): number {
  let end = 1;
  while (end < url.length) {
    const code = url.charCodeAt(end);
    if (code === SLASH || code === QUESTION) break;
    end++;
  }
  return end;
}

/** Whether the key that would start at `keyStart` of `url` is empty: the path ends there. */
const keyIsEmpty = (url: string, keyStart: number): boolean => keyStart === url.length || url.charCodeAt(keyStart) === QUESTION;

/**
 * True for a promise (any thenable), the asynchronous answer of a resolver or callback.
 * @internal shared by the handlers of lib/http.
 */
export const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown } | null)?.then === 'function';

/** A custom resolver's answer, checked: a resolver returning something else is a programming error. */
function checkAddress(address: BucketAddress | null | undefined): BucketAddress | null {
  if (address == null) return null;
  if (typeof address !== 'object' || typeof address.bucket !== 'string' || address.bucket === '' || typeof address.key !== 'string')
    throw new TypeError('addressing.resolve must return { bucket: non-empty string, key: string } or null.');
  return address;
}

/** `resolve` with its answers checked (`undefined` read as `null`), so neither handler acts on a malformed bucket. */
function checkedResolver(resolve: BucketResolver): BucketResolver {
  return (req) => {
    const resolved = resolve(req);
    return isPromise(resolved) ? resolved.then(checkAddress) : checkAddress(resolved);
  };
}

const BUCKET_TARGET: ResourceType = 'BUCKET';
const OBJECT_TARGET: ResourceType = 'OBJECT';

/** A checked custom address as a {@link RequestTarget}. */
const customTarget = (address: BucketAddress | null): RequestTarget | null =>
  address === null ? null : newTarget(address.bucket, address.key === '' ? BUCKET_TARGET : OBJECT_TARGET, 'custom', '', 0, undefined, address.key);

/** A target as the public {@link BucketAddress}. */
const addressOf = (target: RequestTarget | null): BucketAddress | null => (target === null ? null : { bucket: target.bucket, key: keyOf(target) });

/** The addressing of a custom resolver: its answers checked, its `null` its own (never the service root). */
function customAddressing(resolve: BucketResolver): Addressing {
  const checked = checkedResolver(resolve);
  return {
    resolve: checked,
    target: (req) => {
      const address = checked(req);
      return isPromise(address) ? address.then(customTarget) : customTarget(address);
    },
    isServiceRoot: () => false,
    custom: true,
  };
}

/**
 * Builds the addressing of `options`, validated once. Path-style buckets come from the first path
 * segment (as sent), virtual-hosted ones from the Host; keys are percent-decoded. A custom resolver's
 * answers are checked: anything but `{ bucket: non-empty string, key: string }` or `null` throws
 * (rejects with) a TypeError. A key whose
 * percent-encoding is malformed is kept as sent: the bucket is still known, so CORS still applies.
 * @internal `bucketCors` and `corsRouter` use it through {@link createBucketResolver} or directly.
 */
export function createAddressing(options: AddressingOptions = {}): Addressing {
  if (options === null || typeof options !== 'object') throw new TypeError(`addressing must be an object (AddressingOptions) or be left out, not ${describeValue(options)}.`);
  const { virtualHostDomains, pathStyle, resolve } = readOptions('addressing', options, ADDRESSING_CHECKS);

  if (resolve !== undefined) {
    if (virtualHostDomains !== undefined || pathStyle !== undefined)
      throw new TypeError('addressing.resolve replaces the built-in resolution: remove `virtualHostDomains` and `pathStyle`, or remove `resolve`.');
    return customAddressing(resolve);
  }

  // Longest first: with both "example.com" and "s3.example.com", "b.s3.example.com" is bucket "b".
  const suffixes = (virtualHostDomains ?? []).map((domain, i) => `.${checkBaseDomain(domain, i)}`).sort((a, b) => b.length - a.length);
  const baseDomains: ReadonlySet<string> = new Set(suffixes.map((suffix) => suffix.slice(1)));
  const usePathStyle = pathStyle ?? true;
  if (!usePathStyle && suffixes.length === 0)
    throw new TypeError('addressing: with `pathStyle: false`, give `virtualHostDomains` (or a custom `resolve`), otherwise no request names a bucket.');

  /** The base domain (as `.<domain>`) ending `host` when it is `<bucket>.<base domain>`; `undefined` otherwise. */
  function hostSuffix(host: string): string | undefined {
    // A base domain itself is the path-style endpoint, even when it is a subdomain of another one.
    if (suffixes.length === 0 || baseDomains.has(host)) return undefined;
    for (const suffix of suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return suffix;
    }
    return undefined;
  }

  /**
   * The built-in resolution, on `req.url` itself: the path ends at the query string, the raw key
   * starts after the bucket. Only the bucket name is sliced (taken as sent: bucket names are
   * [a-z0-9.-] and never need percent-encoding).
   */
  function locate(req: IncomingMessage): RequestTarget | null {
    const url = req.url;
    if (url === undefined || url.charCodeAt(0) !== SLASH) return null;
    if (suffixes.length > 0) {
      const host = requestHost(req);
      const suffix = hostSuffix(host);
      if (suffix !== undefined) return newTarget(host.slice(0, host.length - suffix.length), keyIsEmpty(url, 1) ? BUCKET_TARGET : OBJECT_TARGET, 'virtual-hosted', url, 1, suffix, undefined);
    }
    if (!usePathStyle) return null;
    const bucketEnd = firstSegmentEnd(url);
    if (bucketEnd === 1) return null;
    const keyStart = url.charCodeAt(bucketEnd) === SLASH ? bucketEnd + 1 : bucketEnd;
    return newTarget(url.slice(1, bucketEnd), keyIsEmpty(url, keyStart) ? BUCKET_TARGET : OBJECT_TARGET, 'path', url, keyStart, undefined, undefined);
  }

  return {
    resolve: (req) => addressOf(locate(req)),
    target: locate,
    isServiceRoot: (req) => usePathStyle && requestPathEnd(req.url) === 1 && (suffixes.length === 0 || hostSuffix(requestHost(req)) === undefined),
    custom: false,
  };
}

/**
 * The bucket resolver for `options`: `options.resolve` when given, else the built-in one —
 * virtual-hosted for hosts `<bucket>.<base domain>` of `virtualHostDomains` (host compared
 * case-insensitively, port ignored, bucket names may contain dots), path-style for every other host
 * (IP literals and the base domains themselves included) unless `pathStyle` is false. The path comes
 * from `req.url`, so it is relative to an Express mount point; the query string is ignored.
 *
 * @throws TypeError when an option is wrong; the message says what to change.
 */
export function createBucketResolver(options?: AddressingOptions): BucketResolver {
  return createAddressing(options).resolve;
}
