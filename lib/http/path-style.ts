// The request in path style, for a backend that reads the bucket from the path: it and bucketCors then never disagree on the bucket.

import type { IncomingMessage } from 'node:http';
import { requestHost } from './resolve.js';
import { requestTarget, type ResolvedTarget } from './target.js';

/** A request's URL and Host rewritten to path style; see {@link pathStyleUrl}. */
export interface PathStyleRequest {
  /** `/<bucket>/<key>?<query>`, relative to the same mount point as `req.url`. */
  readonly url: string;
  /** The Host to send with it: the base domain (port kept) for a virtual-hosted request, else the request's own (`undefined` when it had none). */
  readonly host: string | undefined;
}

/** A key in a URL path as S3's SDKs write it: every segment percent-encoded, `/` kept. */
const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** The `:port` of a Host header, or `''`. */
function hostPort(host: string): string {
  const colon = host.lastIndexOf(':');
  return colon === -1 || colon < host.lastIndexOf(']') ? '' : host.slice(colon);
}

/**
 * `req` addressed in path style, for a backend that reads the bucket from the path (s3rver, a
 * reverse proxy to MinIO, your own router):
 *
 * - virtual-hosted (Host `photos.s3.example.com:8080`, `/a%2Fb%20c?x`): `url` `/photos/a%2Fb%20c?x`,
 *   `host` `s3.example.com:8080`. The bucket is put in front of `req.url`, which is otherwise
 *   untouched: the key's percent-encoding and the query arrive exactly as sent. When the Host no
 *   longer names the bucket (the request was rewritten already), the identity;
 * - path-style: the identity, `req.url` and the Host unchanged;
 * - custom `resolve`: `/<bucket>/<key>` with the key percent-encoded per segment (`/` kept), then the
 *   query of `req.url`; the Host unchanged.
 *
 * `req.url` is read as it is now: call it where `bucketCors` ran (the same mount point). A SigV4
 * signature covers the Host and the path: a backend that verifies signatures refuses a rewritten
 * virtual-hosted request, so verify before rewriting, or forward the request as it is.
 */
export function pathStyleUrl(target: ResolvedTarget, req: IncomingMessage): PathStyleRequest {
  const url = req.url ?? '/';
  const host = req.headers.host;
  switch (target.addressingStyle) {
    case 'path':
      return { url, host };
    case 'virtual-hosted':
      if (host === undefined || requestHost(req) !== `${target.bucket}.${target.baseDomain}`) return { url, host };
      return { url: `/${target.bucket}${url}`, host: `${target.baseDomain}${hostPort(host)}` };
    case 'custom': {
      const query = url.indexOf('?');
      return { url: `/${target.bucket}/${encodeKey(target.key)}${query === -1 ? '' : url.slice(query)}`, host };
    }
  }
}

/**
 * Rewrites `req` in place to path style ({@link pathStyleUrl}): `req.url` and `req.headers.host`
 * (`req.rawHeaders` and Express's `req.originalUrl` keep what was received). Returns the target
 * ({@link requestTarget}, unchanged: it describes the request as received), or `undefined` and
 * leaves `req` alone when there is none. A second call changes nothing.
 */
export function toPathStyle(req: IncomingMessage): ResolvedTarget | undefined {
  const target = requestTarget(req);
  if (target === undefined) return undefined;
  const { url, host } = pathStyleUrl(target, req);
  req.url = url;
  if (host !== undefined) req.headers.host = host;
  return target;
}
