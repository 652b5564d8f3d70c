// The CORS response headers: names as S3 writes them, values assembled for a matched rule.

import type { HeaderList } from './model.js';
import { WILDCARD } from './wildcard.js';

/** Response header names exactly as S3 writes them (express-bucket-cors/docs/behaviour.md §11). */
export const ALLOW_ORIGIN = 'Access-Control-Allow-Origin';
/** See {@link ALLOW_ORIGIN}. */
export const ALLOW_CREDENTIALS = 'Access-Control-Allow-Credentials';
/** See {@link ALLOW_ORIGIN}. */
export const ALLOW_METHODS = 'Access-Control-Allow-Methods';
/** See {@link ALLOW_ORIGIN}. */
export const ALLOW_HEADERS = 'Access-Control-Allow-Headers';
/** See {@link ALLOW_ORIGIN}. */
export const EXPOSE_HEADERS = 'Access-Control-Expose-Headers';
/** See {@link ALLOW_ORIGIN}. */
export const MAX_AGE = 'Access-Control-Max-Age';

/** S3's list separator in CORS response headers: comma and one space (express-bucket-cors/docs/behaviour.md §11). */
export const LIST_SEPARATOR = ', ';

/**
 * The `Vary` names S3 sends on every response where a rule matched, and never otherwise (express-bucket-cors/docs/behaviour.md
 * §1.6). Decisions never include `Vary`: callers append these (e.g. with the `vary` package) so they
 * merge with the host server's own `Vary`.
 */
export const CORS_VARY: readonly string[] = Object.freeze(['Origin', 'Access-Control-Request-Headers', 'Access-Control-Request-Method']);

/** `Access-Control-Allow-Credentials: true`, sent whenever the Origin is echoed rather than `*`. */
export const CREDENTIALS_HEADER: readonly [string, string] = [ALLOW_CREDENTIALS, 'true'];
/** `Access-Control-Allow-Origin: *`, for rules that allow any origin. */
export const WILDCARD_ORIGIN_HEADER: readonly [string, string] = [ALLOW_ORIGIN, WILDCARD];

/** What {@link matchHeaders} needs of a compiled rule: the parts computed once at compile time. */
export interface RuleResponseHeaders {
  /** True when the answer is `Access-Control-Allow-Origin: *` (and no credentials header). */
  readonly anyOrigin: boolean;
  /** `Access-Control-Allow-Methods`: every AllowedMethod, configured order. */
  readonly methodsHeader: readonly [string, string];
  /** `Access-Control-Expose-Headers` and `Access-Control-Max-Age`, each when configured. */
  readonly trailingHeaders: HeaderList;
  /**
   * The complete response for an `anyOrigin` rule when the request lists no headers; `undefined`
   * otherwise. Echoed answers depend on the Origin and are kept per literal Origin once asked
   * (`LiteralOrigin.answers` in compile.ts), not here.
   */
  readonly fixedHeaders: HeaderList | undefined;
}

/**
 * The response headers for a match, in S3's order: origin (and credentials), methods, the requested
 * headers when there are any, expose headers, max age. `origin` already passed `isValidOrigin`.
 */
export function matchHeaders(rule: RuleResponseHeaders, origin: string, requested: readonly string[] | undefined): HeaderList {
  const allowHeaders = requested !== undefined && requested.length > 0 ? requested.join(LIST_SEPARATOR) : undefined;
  if (allowHeaders === undefined && rule.fixedHeaders !== undefined) return rule.fixedHeaders;
  const headers: Array<readonly [string, string]> = rule.anyOrigin ? [WILDCARD_ORIGIN_HEADER] : [[ALLOW_ORIGIN, origin], CREDENTIALS_HEADER];
  headers.push(rule.methodsHeader);
  if (allowHeaders !== undefined) headers.push([ALLOW_HEADERS, allowHeaders]);
  for (const header of rule.trailingHeaders) headers.push(header);
  return headers;
}
