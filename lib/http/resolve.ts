// Finds the bucket (and key) a request addresses — virtual-hosted or path-style, as S3 does (express-bucket-cors/docs/behaviour.md §2).

import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../core/model.js';
import { describeValue, readOptions, type OptionChecks } from '../options.js';

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

/**
 * What `bucketCors` needs of an address: the bucket, and whether the request names the bucket itself
 * or an object in it — without the key, which the built-in addressing then never slices or decodes.
 * @internal
 */
export interface RequestTarget {
  readonly bucket: string;
  readonly resourceType: ResourceType;
}

/** The resolved addressing: the resolver plus what the middleware needs to recognise the service root. */
export interface Addressing {
  readonly resolve: BucketResolver;
  /** The same resolution as `resolve`, as a {@link RequestTarget}. */
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
 */
function requestHost(req: IncomingMessage): string {
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

/**
 * The path of `req.url` without query string; `null` when the URL is not origin-form (`*`, or an
 * absolute URL a proxy forwarded), which this library does not treat as addressing a bucket.
 */
function requestPath(req: IncomingMessage): string | null {
  const url = req.url;
  if (url === undefined || url.charCodeAt(0) !== SLASH) return null;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

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

/** A checked address as a {@link RequestTarget}. */
const targetOf = (address: BucketAddress | null): RequestTarget | null => (address === null ? null : { bucket: address.bucket, resourceType: address.key === '' ? BUCKET_TARGET : OBJECT_TARGET });

/** Percent-decodes `text`; `undefined` when the encoding is malformed. */
function decode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
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
    const checked = checkedResolver(resolve);
    return {
      resolve: checked,
      target: (req) => {
        const address = checked(req);
        return isPromise(address) ? address.then(targetOf) : targetOf(address);
      },
      isServiceRoot: () => false,
      custom: true,
    };
  }

  // Longest first: with both "example.com" and "s3.example.com", "b.s3.example.com" is bucket "b".
  const suffixes = (virtualHostDomains ?? []).map((domain, i) => `.${checkBaseDomain(domain, i)}`).sort((a, b) => b.length - a.length);
  const baseDomains: ReadonlySet<string> = new Set(suffixes.map((suffix) => suffix.slice(1)));
  const usePathStyle = pathStyle ?? true;
  if (!usePathStyle && suffixes.length === 0)
    throw new TypeError('addressing: with `pathStyle: false`, give `virtualHostDomains` (or a custom `resolve`), otherwise no request names a bucket.');

  /** The bucket named by the Host, or `undefined` when the Host is not `<bucket>.<base domain>`. */
  function virtualHostBucket(req: IncomingMessage): string | undefined {
    if (suffixes.length === 0) return undefined;
    const host = requestHost(req);
    // A base domain itself is the path-style endpoint, even when it is a subdomain of another one.
    if (baseDomains.has(host)) return undefined;
    for (const suffix of suffixes) {
      if (host.length > suffix.length && host.endsWith(suffix)) return host.slice(0, host.length - suffix.length);
    }
    return undefined;
  }

  /**
   * The built-in resolution: `made(bucket, path, keyStart)` with the raw key at `path.slice(keyStart)`
   * (`keyStart === path.length` for the bucket itself), or `null`. The key is sliced only by `made`.
   */
  function locate<T>(req: IncomingMessage, made: (bucket: string, path: string, keyStart: number) => T): T | null {
    const path = requestPath(req);
    if (path === null) return null;
    const hostBucket = virtualHostBucket(req);
    if (hostBucket !== undefined) return made(hostBucket, path, 1);
    if (!usePathStyle) return null;
    const slash = path.indexOf('/', 1);
    // Taken as sent: bucket names are [a-z0-9.-] and never need percent-encoding.
    const bucket = slash === -1 ? path.slice(1) : path.slice(1, slash);
    if (bucket === '') return null;
    return made(bucket, path, slash === -1 ? path.length : slash + 1);
  }

  const addressAt = (bucket: string, path: string, keyStart: number): BucketAddress => {
    const rawKey = path.slice(keyStart);
    return { bucket, key: decode(rawKey) ?? rawKey };
  };
  const targetAt = (bucket: string, path: string, keyStart: number): RequestTarget => ({ bucket, resourceType: keyStart === path.length ? BUCKET_TARGET : OBJECT_TARGET });

  return {
    resolve: (req) => locate(req, addressAt),
    target: (req) => locate(req, targetAt),
    isServiceRoot: (req) => usePathStyle && requestPath(req) === '/' && virtualHostBucket(req) === undefined,
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
