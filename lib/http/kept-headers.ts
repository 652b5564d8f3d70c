// The CORS headers already set on a response, for servers whose error handlers remove every header before answering.

import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * The `Access-Control-*` and `Vary` headers set on `res` so far (by `bucketCors`), by lower-cased name.
 * Koa's default error handler removes every header before it answers an error; hand these back to it
 * (`error.headers = { ...error.headers, ...corsHeadersOn(ctx.res) }` in an outermost middleware) so
 * its 404s and 500s keep the CORS headers a browser needs to read them.
 */
export function corsHeadersOn(res: ServerResponse): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const name of res.getHeaderNames()) {
    if (name === 'vary' || name.startsWith('access-control-')) kept[name] = res.getHeader(name);
  }
  return kept;
}
