// The raw path and query of an S3 request, read from the URL exactly as the client sent it.

import type { IncomingMessage } from 'node:http';
import { S3Error } from 'express-bucket-cors/s3';

/** Query parameters, decoded; a parameter without `=` has the value `''`; repeated ones are arrays. */
export type QueryParameters = Record<string, string | string[]>;

/** The request target split into its raw (still percent-encoded) path and its decoded query. */
export interface RequestTarget {
  readonly rawPath: string;
  readonly query: QueryParameters;
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
};

/**
 * Splits `req.originalUrl` (Express) or `req.url`. `+` stays a plus sign: S3 clients encode spaces
 * as `%20`, and SigV4 signs the query that way.
 */
export function requestTarget(req: IncomingMessage): RequestTarget {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  const query: QueryParameters = {};
  if (mark !== -1) {
    for (const part of url.slice(mark + 1).split('&')) {
      if (part === '') continue;
      const equals = part.indexOf('=');
      const name = decode(equals === -1 ? part : part.slice(0, equals));
      const value = equals === -1 ? '' : decode(part.slice(equals + 1));
      const earlier = query[name];
      query[name] = earlier === undefined ? value : Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
    }
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
