// The S3 CORS conformance vectors of docs/behaviour.md §16 (preflights T26–T55, actual requests T56–T69), as data:
// the middleware tests and the conformance suite (every integration recipe) run the same table.

import { CONFIGS } from '../core/fixtures';

export const O = 'https://localhost:4200';
export const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
export const NOT_ENABLED = 'CORSResponse: CORS is not enabled for this bucket.';
export const NOT_FOUND = 'CORSResponse: Bucket not found';
export const NO_ORIGIN = 'Insufficient information. Origin request header needed.';

export type ConfigName = keyof typeof CONFIGS | 'none';

/** Expected CORS headers of a match: ACAO (+ ACAC when not `*`), ACAM, and the optional ones. */
export function match(origin: string, methods: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    ...(origin === '*' ? {} : { 'access-control-allow-credentials': 'true' }),
    'access-control-allow-methods': methods,
    ...extra,
  };
}
export const maxAge = (seconds: number) => ({ 'access-control-max-age': String(seconds) });
export const allowHeaders = (value: string) => ({ 'access-control-allow-headers': value });

export interface Refusal {
  readonly status: 400 | 403;
  readonly code: 'BadRequest' | 'AccessForbidden';
  readonly message: string;
  readonly method?: string;
  readonly resourceType?: 'BUCKET' | 'OBJECT';
}
export const badRequest = (message: string): Refusal => ({ status: 400, code: 'BadRequest', message });
export const forbidden = (message: string, method: string, resourceType: 'BUCKET' | 'OBJECT'): Refusal => ({ status: 403, code: 'AccessForbidden', message, method, resourceType });

export interface PreflightVector {
  readonly id: string;
  readonly config: ConfigName;
  readonly path?: string;
  readonly headers: Record<string, string>;
  /** Expected CORS headers of a 200, or the refusal. */
  readonly expected: Record<string, string> | Refusal;
}

export const isRefusal = (expected: PreflightVector['expected']): expected is Refusal => typeof expected.status === 'number';

export const acrm = (method: string, extra: Record<string, string> = {}) => ({ 'Access-Control-Request-Method': method, ...extra });

export const PREFLIGHTS: PreflightVector[] = [
  { id: 'T26', config: 'none', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T27', config: 'none', headers: { Origin: 'whatever', ...acrm('PUT') }, expected: forbidden(NOT_ENABLED, 'PUT', 'BUCKET') },
  { id: 'T28', config: 'none', headers: { Origin: 'whatever' }, expected: forbidden(NOT_ENABLED, 'OPTIONS', 'BUCKET') },
  { id: 'T29', config: 'none', path: '/nosuch/k', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T30', config: 'none', path: '/nosuch/k', headers: { Origin: 'whatever' }, expected: forbidden(NOT_FOUND, 'OPTIONS', 'BUCKET') },
  { id: 'T31', config: 'C1', headers: { Referer: O, ...acrm('PUT') }, expected: badRequest(NO_ORIGIN) },
  { id: 'T32', config: 'C1', headers: { Origin: O, ...acrm('PUT') }, expected: match(O, 'GET, PUT', maxAge(3000)) },
  { id: 'T33', config: 'C1', headers: { Origin: 'http://localhost:4200', ...acrm('PUT') }, expected: forbidden(NOT_ALLOWED, 'PUT', 'OBJECT') },
  { id: 'T34', config: 'C2', headers: { Origin: 'http://random:1234', ...acrm('PUT') }, expected: match('*', 'GET, PUT', maxAge(3000)) },
  { id: 'T35', config: 'C3', headers: { Origin: O, ...acrm('GET') }, expected: match(O, 'GET', maxAge(3000)) },
  { id: 'T36', config: 'C3', path: '/b/knew', headers: { Origin: O, ...acrm('PUT') }, expected: forbidden(NOT_ALLOWED, 'PUT', 'OBJECT') },
  {
    id: 'T37',
    config: 'C3',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-request-payer') }),
  },
  {
    id: 'T38',
    config: 'C3',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer, x-amz-expected-bucket-owner' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-request-payer, x-amz-expected-bucket-owner') }),
  },
  {
    id: 'T39',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: forbidden(NOT_ALLOWED, 'GET', 'OBJECT'),
  },
  {
    id: 'T40',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-AMZ-expected-BUCKET-owner, x-amz-server-side-encryption' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-expected-bucket-owner, x-amz-server-side-encryption') }),
  },
  {
    id: 'T41',
    config: 'C4',
    headers: { Origin: O, ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-expected-bucket-owner,x-amz-server-side-encryption' }) },
    expected: match(O, 'GET', { ...maxAge(3000), ...allowHeaders('x-amz-expected-bucket-owner, x-amz-server-side-encryption') }),
  },
  {
    id: 'T42',
    config: 'C5',
    headers: { Origin: 'localhost:4566', ...acrm('GET') },
    expected: match('*', 'GET', { 'access-control-expose-headers': 'x-amz-id-2, x-amz-request-id, x-amz-request-payer' }),
  },
  { id: 'T43', config: 'C6', headers: { Origin: 'localhost:4566', ...acrm('GET') }, expected: match('*', 'GET') },
  {
    id: 'T44',
    config: 'C6',
    headers: { Origin: 'localhost:4566', ...acrm('GET', { 'Access-Control-Request-Headers': 'x-amz-request-payer' }) },
    expected: forbidden(NOT_ALLOWED, 'GET', 'OBJECT'),
  },
  { id: 'T45', config: 'C7', path: '/b', headers: { Origin: 'http://test.origin.com', ...acrm('GET') }, expected: match('http://test.origin.com', 'GET, PUT', maxAge(3000)) },
  { id: 'T46', config: 'C7', path: '/b', headers: { Origin: 'http://test.origin.com/', ...acrm('GET') }, expected: forbidden(NOT_ALLOWED, 'GET', 'BUCKET') },
  ...['startend', 'start12end', 'prefix', 'prefix.suffix', 'foo.suffix'].map(
    (origin): PreflightVector => ({ id: `T47 ${origin}`, config: 'C8', path: '/b', headers: { Origin: origin, ...acrm('GET') }, expected: match(origin, 'GET') }),
  ),
  ...['0start12end', 'bla.prefix', 'foo.suffix.get', 'foo.put'].map(
    (origin): PreflightVector => ({ id: `T48 ${origin}`, config: 'C8', path: '/b', headers: { Origin: origin, ...acrm('GET') }, expected: forbidden(NOT_ALLOWED, 'GET', 'BUCKET') }),
  ),
  { id: 'T49', config: 'C8', path: '/b', headers: { Origin: 'foo.put', ...acrm('PUT') }, expected: match('foo.put', 'PUT') },
  { id: 'T50 first', config: 'C9', path: '/b', headers: { Origin: 'http://first.com', ...acrm('GET') }, expected: match('http://first.com', 'GET', maxAge(100)) },
  { id: 'T50 other', config: 'C9', path: '/b', headers: { Origin: 'http://other.com', ...acrm('GET') }, expected: match('*', 'GET, POST', maxAge(200)) },
  {
    id: 'T51',
    config: 'C10',
    headers: { Origin: 'http://example.com', ...acrm('GET', { 'Access-Control-Request-Headers': 'X-Amz-Meta-Color' }) },
    expected: match('http://example.com', 'GET', allowHeaders('x-amz-meta-color')),
  },
  { id: 'T52', config: 'C3', headers: { Origin: O }, expected: badRequest('Invalid Access-Control-Request-Method: null') },
  { id: 'T53 none', config: 'none', headers: { Origin: 'https://x', ...acrm('get') }, expected: badRequest('Invalid Access-Control-Request-Method: get') },
  { id: 'T53 C1', config: 'C1', headers: { Origin: 'https://x', ...acrm('get') }, expected: badRequest('Invalid Access-Control-Request-Method: get') },
  { id: 'T54', config: 'C1', path: '/', headers: { Origin: 'https://x' }, expected: forbidden(NOT_FOUND, 'OPTIONS', 'BUCKET') },
  { id: 'T54 no Origin', config: 'C1', path: '/', headers: {}, expected: badRequest(NO_ORIGIN) },
  { id: 'T55', config: 'C1', headers: { Authorization: 'AWS fakeKey:fakesignature', Origin: O, ...acrm('PUT') }, expected: match(O, 'GET, PUT', maxAge(3000)) },
  {
    id: 'T55 presigned query',
    config: 'C1',
    path: '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=bogus&versionId=1',
    headers: { Origin: O, ...acrm('PUT') },
    expected: match(O, 'GET, PUT', maxAge(3000)),
  },
];

export interface ActualVector {
  readonly id: string;
  readonly config: ConfigName;
  readonly method?: 'GET' | 'PUT';
  readonly path?: string;
  readonly headers: Record<string, string>;
  readonly status: number;
  /** Expected CORS headers; `{}` = none and no CORS `Vary`. */
  readonly cors: Record<string, string>;
}

export const ACTUALS: ActualVector[] = [
  { id: 'T56', config: 'C1', headers: {}, status: 200, cors: {} },
  { id: 'T56 Referer', config: 'C1', headers: { Referer: O }, status: 200, cors: {} },
  { id: 'T57', config: 'C1', headers: { Origin: O }, status: 200, cors: match(O, 'GET, PUT', maxAge(3000)) },
  { id: 'T58', config: 'C1', headers: { Origin: 'http://localhost:4200' }, status: 200, cors: {} },
  { id: 'T59', config: 'C2', headers: { Origin: 'http://random:1234' }, status: 200, cors: match('*', 'GET, PUT', maxAge(3000)) },
  { id: 'T60', config: 'C3', headers: { Origin: O, ...acrm('PUT') }, status: 200, cors: {} },
  { id: 'T61', config: 'C3', method: 'PUT', path: '/b/knew', headers: { Origin: O, Authorization: 'AWS4-HMAC-SHA256 test' }, status: 200, cors: {} },
  { id: 'T62', config: 'C3', headers: { Origin: O, 'x-amz-request-payer': 'requester' }, status: 200, cors: match(O, 'GET', maxAge(3000)) },
  { id: 'T63', config: 'C4', headers: { Origin: O, 'Access-Control-Request-Headers': 'x-amz-request-payer' }, status: 200, cors: {} },
  { id: 'T64', config: 'C4', headers: { Origin: O, 'x-amz-request-payer': 'requester' }, status: 200, cors: match(O, 'GET', maxAge(3000)) },
  { id: 'T65', config: 'none', headers: { Origin: 'whatever' }, status: 200, cors: {} },
  { id: 'T66', config: 'C8', path: '/b/missing', headers: { Origin: 'foo.suffix' }, status: 404, cors: match('foo.suffix', 'GET') },
  { id: 'T67', config: 'C8', method: 'PUT', path: '/b/bar', headers: { Origin: 'foo.suffix', ...acrm('GET') }, status: 403, cors: match('foo.suffix', 'GET') },
  { id: 'T68', config: 'C8', method: 'PUT', path: '/b/bar', headers: { Origin: 'foo.put' }, status: 403, cors: match('foo.put', 'PUT') },
  { id: 'T69', config: 'C1', path: '/', headers: { Origin: O }, status: 200, cors: {} },
];
