// What bucketCors resolved for a request, kept on it for later handlers: bucket, key, addressing style.

import type { IncomingMessage } from 'node:http';
import type { ResourceType } from '../core/model.js';

/** How a request named its bucket: in the Host, in the first path segment, or by a custom `resolve`. */
export type AddressingStyle = 'virtual-hosted' | 'path' | 'custom';

/** The bucket and key a request addresses, as `bucketCors` resolved it; read it with {@link requestTarget}. */
export interface ResolvedTarget {
  readonly bucket: string;
  /**
   * The object key, percent-decoded (`''` for the bucket itself). A key whose percent-encoding is
   * malformed is kept as sent, as CORS still applies to its bucket.
   */
  readonly key: string;
  /**
   * The key exactly as the URL carried it (percent-encoding untouched, query string excluded);
   * `undefined` with a custom `resolve`, whose key may not come from the URL at all.
   */
  readonly rawKey: string | undefined;
  readonly addressingStyle: AddressingStyle;
  /** `'BUCKET'` when the key is empty, `'OBJECT'` otherwise. */
  readonly resourceType: ResourceType;
  /** The `virtualHostDomains` entry the Host ended with (`'s3.example.com'`); `undefined` unless `addressingStyle` is `'virtual-hosted'`. */
  readonly baseDomain: string | undefined;
}

/**
 * The target as the addressing found it, built on every addressed request: only references to strings
 * the request already holds, so that nothing is sliced or decoded until {@link requestTarget} is read.
 * @internal
 */
export interface RequestTarget {
  readonly bucket: string;
  readonly resourceType: ResourceType;
  readonly addressingStyle: AddressingStyle;
  /** `req.url` when it was resolved (built-in addressing): the raw key is sliced from it on demand. */
  readonly url: string;
  /** Where the raw key starts in {@link url}; it ends at the query string. */
  readonly keyStart: number;
  /** `.<base domain>` for a virtual-hosted request. */
  readonly hostSuffix: string | undefined;
  /** The key a custom resolver answered. */
  readonly customKey: string | undefined;
  /** The public view, built on the first read. */
  resolved: ResolvedTarget | undefined;
}

/**
 * A {@link RequestTarget}. An object literal rather than a class: a class's field declarations would
 * define every field once more on each request, and all targets share one shape either way.
 * @internal
 */
export function newTarget(
  bucket: string,
  resourceType: ResourceType,
  addressingStyle: AddressingStyle,
  url: string,
  keyStart: number,
  hostSuffix: string | undefined,
  customKey: string | undefined,
): RequestTarget {
  return { bucket, resourceType, addressingStyle, url, keyStart, hostSuffix, customKey, resolved: undefined };
}

/** Percent-decodes `text`; `undefined` when the encoding is malformed. */
function decode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The key as the URL carried it, or `undefined` for a custom resolver's target. */
function rawKeyOf(target: RequestTarget): string | undefined {
  if (target.addressingStyle === 'custom') return undefined;
  const query = target.url.indexOf('?');
  return target.url.slice(target.keyStart, query === -1 ? target.url.length : query);
}

/**
 * The decoded key of `target` (a malformed encoding kept as sent).
 * @internal the resolver's `BucketAddress` and {@link requestTarget} share it.
 */
export function keyOf(target: RequestTarget): string {
  const raw = rawKeyOf(target);
  if (raw === undefined) return target.customKey as string;
  return decode(raw) ?? raw;
}

/**
 * Where the target is kept on the request: a registered symbol, so that the CommonJS and ES module
 * builds of the package, both loaded in one process, read each other's.
 */
const TARGET = Symbol.for('express-bucket-cors.target');

type WithTarget = IncomingMessage & { [TARGET]?: RequestTarget | undefined };

/**
 * Keeps what the addressing resolved on the request (`null`: no bucket). One property write, the
 * same on every request, so the request's hidden class stays predictable.
 * @internal
 */
export function recordTarget(req: IncomingMessage, target: RequestTarget | null): void {
  (req as WithTarget)[TARGET] = target ?? undefined;
}

/**
 * What `bucketCors` resolved for `req`: bucket, key (decoded, and as sent), addressing style,
 * resource type. `undefined` when the request names no bucket (the service root, a request target
 * that is not a path) or when no `bucketCors` has seen it yet — mount `bucketCors` before the
 * handlers that read it. The key is decoded on the first read; every read returns the same frozen object.
 *
 * A `bucketCors` mounted on a path (`app.use('/s3', bucketCors(…))`) resolved the URL relative to
 * that path; the target stays the one it resolved, wherever it is read.
 */
export function requestTarget(req: IncomingMessage): ResolvedTarget | undefined {
  const target = (req as WithTarget)[TARGET];
  if (target === undefined) return undefined;
  target.resolved ??= Object.freeze({
    bucket: target.bucket,
    key: keyOf(target),
    rawKey: rawKeyOf(target),
    addressingStyle: target.addressingStyle,
    resourceType: target.resourceType,
    baseDomain: target.hostSuffix?.slice(1),
  });
  return target.resolved;
}
