// A deliberately naive model of S3's CORS decisions, written from the rules of docs/behaviour.md
// (§8.2, §9, §10) alone — no compiled index, no helpers from lib/ — for the property tests to compare
// lib/core/decide.ts against.

import type { CorsRequestInfo, CorsConfiguration, CorsRule } from 'express-bucket-cors/core';

/** The bucket as the model sees it: its configuration as stored, none, no bucket at all, or unknown (the store failed). */
export type ReferenceBucket =
  | { readonly kind: 'configured'; readonly configuration: CorsConfiguration }
  | { readonly kind: 'no-configuration' }
  | { readonly kind: 'no-bucket' }
  | { readonly kind: 'unavailable' };

/** Response headers by name; the model never sends one twice. */
export type ReferenceHeaders = Record<string, string>;

/** The model's preflight answer. */
export type ReferencePreflight =
  | { readonly allowed: true; readonly ruleIndex: number; readonly headers: ReferenceHeaders }
  | {
      readonly allowed: false;
      readonly reason: 'unavailable' | 'no-origin' | 'invalid-method' | 'no-bucket' | 'no-configuration' | 'missing-method' | 'too-many-headers' | 'no-match';
    };

/** The model's answer for an actual (non-OPTIONS) request. */
export type ReferenceActual =
  | { readonly matched: true; readonly ruleIndex: number; readonly headers: ReferenceHeaders }
  | { readonly matched: false; readonly reason: 'unavailable' | 'no-origin' | 'no-configuration' | 'too-many-headers' | 'no-match' };

/** The only methods a rule can allow, compared case-sensitively. */
const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'];
/** What a preflight accepts as `Access-Control-Request-Method` before matching (PATCH and OPTIONS then never match). */
const PREFLIGHT_METHODS = [...CORS_METHODS, 'PATCH', 'OPTIONS'];
/** Longest `Access-Control-Request-Headers` a decision reads, in characters, and most names it evaluates. */
export const REQUESTED_HEADERS_MAX_LENGTH = 16_384;
/** See {@link REQUESTED_HEADERS_MAX_LENGTH}. */
export const REQUESTED_HEADERS_MAX_NAMES = 200;
/** RFC 9110 tchar besides letters and digits. */
const TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

function isToken(name: string): boolean {
  if (name === '') return false;
  for (const ch of name) {
    const isLetter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    const isDigit = ch >= '0' && ch <= '9';
    if (!isLetter && !isDigit && !TOKEN_SYMBOLS.includes(ch)) return false;
  }
  return true;
}

/** An Origin that can match at all: visible ASCII or space, nothing else (so nothing else is ever echoed). */
function canMatchOrigin(origin: string): boolean {
  for (const ch of origin) if (ch < ' ' || ch > '~') return false;
  return true;
}

/** Strips SP and HTAB from both ends, and nothing else (HTTP's OWS, not JavaScript's whitespace). */
function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.substring(start, end);
}

/**
 * `Access-Control-Request-Headers` as names: split on `,`, OWS trimmed, empties dropped, lower-cased.
 * `undefined` when the header is absent, `'too-many'` past the bounds, `'unmatchable'` when a name is
 * not a token. (Over the bounds with a non-token among the names is left open: the tests send none.)
 */
function requestedNames(header: string | undefined): string[] | 'too-many' | 'unmatchable' | undefined {
  if (header === undefined) return undefined;
  const names = header
    .split(',')
    .map(trimOws)
    .filter((name) => name !== '');
  if (header.length > REQUESTED_HEADERS_MAX_LENGTH || names.length > REQUESTED_HEADERS_MAX_NAMES) return 'too-many';
  if (!names.every(isToken)) return 'unmatchable';
  return names.map((name) => name.toLowerCase());
}

/** `value` against a pattern with at most one `*`: the `*` stands for any text, possibly empty; the rest is literal. */
function wildcardMatches(pattern: string, value: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === value;
  const before = pattern.substring(0, star);
  const afterStar = pattern.substring(star + 1);
  if (value.length < before.length + afterStar.length) return false;
  return value.substring(0, before.length) === before && value.substring(value.length - afterStar.length) === afterStar;
}

function ruleMatches(rule: CorsRule<string>, origin: string, method: string, names: string[] | undefined): boolean {
  if (!CORS_METHODS.includes(method) || !rule.AllowedMethods.includes(method)) return false;
  if (!canMatchOrigin(origin) || !rule.AllowedOrigins.some((allowed) => wildcardMatches(allowed, origin))) return false;
  const allowedHeaders = (rule.AllowedHeaders ?? []).map((header) => header.toLowerCase());
  return (names ?? []).every((name) => allowedHeaders.some((allowed) => wildcardMatches(allowed, name)));
}

function responseHeaders(rule: CorsRule, origin: string, names: string[] | undefined): ReferenceHeaders {
  const headers: ReferenceHeaders = {};
  if (rule.AllowedOrigins.includes('*')) headers['Access-Control-Allow-Origin'] = '*';
  else {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Credentials'] = 'true';
  }
  headers['Access-Control-Allow-Methods'] = rule.AllowedMethods.join(', ');
  if (names !== undefined && names.length > 0) headers['Access-Control-Allow-Headers'] = names.join(', ');
  if (rule.ExposeHeaders !== undefined && rule.ExposeHeaders.length > 0) headers['Access-Control-Expose-Headers'] = rule.ExposeHeaders.join(', ');
  if (rule.MaxAgeSeconds !== undefined) headers['Access-Control-Max-Age'] = String(rule.MaxAgeSeconds);
  return headers;
}

/** Index of the first rule that matches, or -1. */
function firstMatch(configuration: CorsConfiguration, origin: string, method: string, names: string[] | undefined): number {
  return configuration.CORSRules.findIndex((rule) => ruleMatches(rule, origin, method, names));
}

/**
 * A preflight, checks in S3's order: rules unknown (store failed); Origin missing or empty; request
 * method present but not one a preflight accepts; no bucket; no configuration; request method missing
 * or empty; requested headers past the bounds; no rule matching Origin, request method and every
 * requested header.
 */
export function referencePreflight(request: CorsRequestInfo, bucket: ReferenceBucket): ReferencePreflight {
  if (bucket.kind === 'unavailable') return { allowed: false, reason: 'unavailable' };
  const { origin, requestMethod } = request;
  if (origin === undefined || origin === '') return { allowed: false, reason: 'no-origin' };
  const hasMethod = requestMethod !== undefined && requestMethod !== '';
  if (hasMethod && !PREFLIGHT_METHODS.includes(requestMethod)) return { allowed: false, reason: 'invalid-method' };
  if (bucket.kind === 'no-bucket') return { allowed: false, reason: 'no-bucket' };
  if (bucket.kind === 'no-configuration') return { allowed: false, reason: 'no-configuration' };
  if (!hasMethod) return { allowed: false, reason: 'missing-method' };
  const names = requestedNames(request.requestHeaders);
  if (names === 'too-many') return { allowed: false, reason: 'too-many-headers' };
  if (names === 'unmatchable') return { allowed: false, reason: 'no-match' };
  const index = firstMatch(bucket.configuration, origin, requestMethod, names);
  if (index === -1) return { allowed: false, reason: 'no-match' };
  return { allowed: true, ruleIndex: index, headers: responseHeaders(bucket.configuration.CORSRules[index]!, origin, names) };
}

/**
 * An actual request: rules unknown, no Origin, no configuration (or no bucket), or requested headers
 * past the bounds get nothing; otherwise the first rule matching Origin, the request method
 * (`Access-Control-Request-Method` when non-empty, else the HTTP method) and any requested headers,
 * whose headers echo the requested names too.
 */
export function referenceActual(request: CorsRequestInfo, bucket: ReferenceBucket): ReferenceActual {
  if (bucket.kind === 'unavailable') return { matched: false, reason: 'unavailable' };
  const { origin, requestMethod } = request;
  if (origin === undefined || origin === '') return { matched: false, reason: 'no-origin' };
  if (bucket.kind !== 'configured') return { matched: false, reason: 'no-configuration' };
  const method = requestMethod !== undefined && requestMethod !== '' ? requestMethod : request.method;
  const names = requestedNames(request.requestHeaders);
  if (names === 'too-many') return { matched: false, reason: 'too-many-headers' };
  if (names === 'unmatchable') return { matched: false, reason: 'no-match' };
  const index = firstMatch(bucket.configuration, origin, method, names);
  if (index === -1) return { matched: false, reason: 'no-match' };
  return { matched: true, ruleIndex: index, headers: responseHeaders(bucket.configuration.CORSRules[index]!, origin, names) };
}
