// The parts of an incoming request SigV4 signs, read exactly as the client sent them.

import type { IncomingMessage } from 'node:http';

/** Query parameters, decoded; a parameter without `=` has the value `''`; repeated ones are arrays. */
export type QueryParameters = Record<string, string | string[]>;

/** The request target split into its raw (still percent-encoded) path and its decoded query. */
export interface RequestTarget {
  readonly rawPath: string;
  readonly query: QueryParameters;
}

/** Undecodable text stays as sent: the signature over it then simply does not match. */
function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Splits `req.originalUrl` (Express: the URL before any mount point was cut off, which is what the
 * client signed) or `req.url`. `+` stays a plus sign: SigV4 clients encode spaces as `%20`.
 */
export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  const query: QueryParameters = {};
  if (mark === -1) return { rawPath, query };
  for (const part of url.slice(mark + 1).split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decode(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? '' : decode(part.slice(equals + 1));
    const earlier = query[name];
    query[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return { rawPath, query };
}

/** The first value of a query parameter, or `undefined` when absent. */
export function queryValue(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A header as one string (repeated headers joined with `,`, as SigV4 canonicalizes them). */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  return values === undefined ? undefined : values.join(',');
}
