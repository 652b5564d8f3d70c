// Preflight and actual-request decisions for every docs/behaviour.md §16 vector (T26–T69), plus matching edges: the core's
// decisions, refusals worded by the S3 dialect.

import { compileCorsConfiguration, decideActual, type CorsRequestInfo, type CorsRule, CORS_VARY } from 'express-bucket-cors/core';
import { S3Errors, type S3Error, decidePreflight } from 'express-bucket-cors/s3';
import { headerMap, requestOf, stateOf, type StateName } from '../../core/fixtures';

const ORIGIN = 'https://localhost:4200';
const NOT_ALLOWED = S3Errors.preflightNotAllowed('GET', 'OBJECT').message;

const ACAO = 'Access-Control-Allow-Origin';
const ACAC = 'Access-Control-Allow-Credentials';
const ACAM = 'Access-Control-Allow-Methods';
const ACAH = 'Access-Control-Allow-Headers';
const ACEH = 'Access-Control-Expose-Headers';
const MAX_AGE = 'Access-Control-Max-Age';

/** Plain view of an S3Error for comparison. */
const errorView = (error: S3Error) => ({ status: error.status, code: error.code, message: error.message, extra: error.extra });

type Expected = { headers: Record<string, string> } | { error: S3Error };

interface PreflightCase {
  id: string;
  state: StateName;
  request: Partial<CorsRequestInfo>;
  expected: Expected;
}

const preflightCases: PreflightCase[] = [
  { id: 'T26 no Origin, no configuration', state: 'none', request: {}, expected: { error: S3Errors.preflightMissingOrigin() } },
  { id: 'T26 empty Origin counts as missing', state: 'C1', request: { origin: '', requestMethod: 'GET' }, expected: { error: S3Errors.preflightMissingOrigin() } },
  {
    id: 'T27 no configuration, ACRM PUT',
    state: 'none',
    request: { origin: 'whatever', requestMethod: 'PUT' },
    expected: { error: S3Errors.preflightCorsNotEnabled('PUT') },
  },
  { id: 'T28 no configuration, no ACRM', state: 'none', request: { origin: 'whatever' }, expected: { error: S3Errors.preflightCorsNotEnabled('OPTIONS') } },
  { id: 'T28 no configuration, empty ACRM', state: 'none', request: { origin: 'whatever', requestMethod: '' }, expected: { error: S3Errors.preflightCorsNotEnabled('OPTIONS') } },
  { id: 'T29 no bucket, no Origin', state: 'no-bucket', request: {}, expected: { error: S3Errors.preflightMissingOrigin() } },
  { id: 'T30 no bucket, Origin', state: 'no-bucket', request: { origin: 'whatever' }, expected: { error: S3Errors.preflightBucketNotFound('OPTIONS') } },
  { id: 'T31 Referer is no Origin', state: 'C1', request: { requestMethod: 'PUT' }, expected: { error: S3Errors.preflightMissingOrigin() } },
  {
    id: 'T32 matching origin',
    state: 'C1',
    request: { origin: ORIGIN, requestMethod: 'PUT' },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
  {
    id: 'T33 scheme differs',
    state: 'C1',
    request: { origin: 'http://localhost:4200', requestMethod: 'PUT' },
    expected: { error: S3Errors.preflightNotAllowed('PUT', 'OBJECT') },
  },
  {
    id: 'T34 wildcard origin',
    state: 'C2',
    request: { origin: 'http://random:1234', requestMethod: 'PUT' },
    expected: { headers: { [ACAO]: '*', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
  {
    id: 'T35 GET on GET rule',
    state: 'C3',
    request: { origin: ORIGIN, requestMethod: 'GET' },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [MAX_AGE]: '3000' } },
  },
  { id: 'T36 PUT on GET rule', state: 'C3', request: { origin: ORIGIN, requestMethod: 'PUT' }, expected: { error: S3Errors.preflightNotAllowed('PUT', 'OBJECT') } },
  {
    id: 'T37 one requested header, AllowedHeader *',
    state: 'C3',
    request: { origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'x-amz-request-payer' },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-request-payer', [MAX_AGE]: '3000' } },
  },
  {
    id: 'T38 two requested headers',
    state: 'C3',
    request: { origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'x-amz-request-payer, x-amz-expected-bucket-owner' },
    expected: {
      headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-request-payer, x-amz-expected-bucket-owner', [MAX_AGE]: '3000' },
    },
  },
  {
    id: 'T39 header not allowed',
    state: 'C4',
    request: { origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'x-amz-request-payer' },
    expected: { error: S3Errors.preflightNotAllowed('GET', 'OBJECT') },
  },
  {
    id: 'T40 headers compared case-insensitively, echoed lower-cased',
    state: 'C4',
    request: { origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'x-AMZ-expected-BUCKET-owner, x-amz-server-side-encryption' },
    expected: {
      headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-expected-bucket-owner, x-amz-server-side-encryption', [MAX_AGE]: '3000' },
    },
  },
  {
    id: 'T41 no space after comma, re-joined with ", "',
    state: 'C4',
    request: { origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'x-amz-expected-bucket-owner,x-amz-server-side-encryption' },
    expected: {
      headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-expected-bucket-owner, x-amz-server-side-encryption', [MAX_AGE]: '3000' },
    },
  },
  {
    id: 'T42 expose headers, wildcard origin, no max-age',
    state: 'C5',
    request: { origin: 'localhost:4566', requestMethod: 'GET' },
    expected: { headers: { [ACAO]: '*', [ACAM]: 'GET', [ACEH]: 'x-amz-id-2, x-amz-request-id, x-amz-request-payer' } },
  },
  { id: 'T43 minimal rule', state: 'C6', request: { origin: 'localhost:4566', requestMethod: 'GET' }, expected: { headers: { [ACAO]: '*', [ACAM]: 'GET' } } },
  {
    id: 'T44 rule without AllowedHeader, request lists one',
    state: 'C6',
    request: { origin: 'localhost:4566', requestMethod: 'GET', requestHeaders: 'x-amz-request-payer' },
    expected: { error: S3Errors.preflightNotAllowed('GET', 'OBJECT') },
  },
  {
    id: 'T45 subdomain wildcard on the bucket',
    state: 'C7',
    request: { origin: 'http://test.origin.com', requestMethod: 'GET', resourceType: 'BUCKET' },
    expected: { headers: { [ACAO]: 'http://test.origin.com', [ACAC]: 'true', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
  {
    id: 'T46 trailing slash does not match',
    state: 'C7',
    request: { origin: 'http://test.origin.com/', requestMethod: 'GET', resourceType: 'BUCKET' },
    expected: { error: S3Errors.preflightNotAllowed('GET', 'BUCKET') },
  },
  {
    id: 'C7 wildcard needs the dot before origin.com',
    state: 'C7',
    request: { origin: 'http://origin.com', requestMethod: 'GET', resourceType: 'BUCKET' },
    expected: { error: S3Errors.preflightNotAllowed('GET', 'BUCKET') },
  },
  ...['startend', 'start12end', 'prefix', 'prefix.suffix', 'foo.suffix'].map(
    (origin): PreflightCase => ({
      id: `T47 C8 origin ${origin}`,
      state: 'C8',
      request: { origin, requestMethod: 'GET', resourceType: 'BUCKET' },
      expected: { headers: { [ACAO]: origin, [ACAC]: 'true', [ACAM]: 'GET' } },
    }),
  ),
  ...['0start12end', 'bla.prefix', 'foo.suffix.get', 'foo.put'].map(
    (origin): PreflightCase => ({
      id: `T48 C8 origin ${origin}`,
      state: 'C8',
      request: { origin, requestMethod: 'GET', resourceType: 'BUCKET' },
      expected: { error: S3Errors.preflightNotAllowed('GET', 'BUCKET') },
    }),
  ),
  {
    id: 'T49 C8 foo.put with PUT',
    state: 'C8',
    request: { origin: 'foo.put', requestMethod: 'PUT', resourceType: 'BUCKET' },
    expected: { headers: { [ACAO]: 'foo.put', [ACAC]: 'true', [ACAM]: 'PUT' } },
  },
  {
    id: 'T50 first rule wins',
    state: 'C9',
    request: { origin: 'http://first.com', requestMethod: 'GET', resourceType: 'BUCKET' },
    expected: { headers: { [ACAO]: 'http://first.com', [ACAC]: 'true', [ACAM]: 'GET', [MAX_AGE]: '100' } },
  },
  {
    id: 'T50 later wildcard rule for other origins',
    state: 'C9',
    request: { origin: 'http://other.com', requestMethod: 'GET', resourceType: 'BUCKET' },
    expected: { headers: { [ACAO]: '*', [ACAM]: 'GET, POST', [MAX_AGE]: '200' } },
  },
  {
    id: 'T51 AllowedHeader prefix wildcard',
    state: 'C10',
    request: { origin: 'http://example.com', requestMethod: 'GET', requestHeaders: 'X-Amz-Meta-Color' },
    expected: { headers: { [ACAO]: 'http://example.com', [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-meta-color' } },
  },
  {
    id: 'C10 header outside the prefix',
    state: 'C10',
    request: { origin: 'http://example.com', requestMethod: 'GET', requestHeaders: 'x-amz-meta-color, x-other' },
    expected: { error: S3Errors.preflightNotAllowed('GET', 'OBJECT') },
  },
  { id: 'T52 configured bucket, no ACRM', state: 'C3', request: { origin: ORIGIN }, expected: { error: S3Errors.preflightInvalidMethod('null') } },
  { id: 'T52 configured bucket, empty ACRM', state: 'C3', request: { origin: ORIGIN, requestMethod: '' }, expected: { error: S3Errors.preflightInvalidMethod('null') } },
  ...(['C1', 'none', 'no-bucket'] as const).map(
    (state): PreflightCase => ({
      id: `T53 lower-case ACRM (${state})`,
      state,
      request: { origin: 'https://x', requestMethod: 'get' },
      expected: { error: S3Errors.preflightInvalidMethod('get') },
    }),
  ),
  { id: 'T53 TRACE', state: 'C1', request: { origin: 'https://x', requestMethod: 'TRACE' }, expected: { error: S3Errors.preflightInvalidMethod('TRACE') } },
  {
    id: 'PATCH is an accepted value that never matches',
    state: 'C2',
    request: { origin: 'https://x', requestMethod: 'PATCH' },
    expected: { error: S3Errors.preflightNotAllowed('PATCH', 'OBJECT') },
  },
  { id: 'OPTIONS is accepted before the bucket check', state: 'no-bucket', request: { origin: 'https://x', requestMethod: 'OPTIONS' }, expected: { error: S3Errors.preflightBucketNotFound('OPTIONS') } },
  {
    id: 'T54 service root',
    state: 'no-bucket',
    request: { origin: 'https://x', resourceType: 'BUCKET' },
    expected: { error: S3Errors.preflightBucketNotFound('OPTIONS') },
  },
  {
    id: 'T55 same as T32 (credentials are not the engine’s concern)',
    state: 'C1',
    request: { origin: ORIGIN, requestMethod: 'PUT' },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
];

describe('decidePreflight (docs/behaviour.md §16 T26–T55)', () => {
  test.each(preflightCases)('$id', ({ state, request, expected }) => {
    const decision = decidePreflight(requestOf(request), stateOf(state));
    if ('error' in expected) {
      expect(decision.allowed).toBe(false);
      if (!decision.allowed) expect(errorView(decision.error)).toEqual(errorView(expected.error));
    } else {
      expect(decision.allowed).toBe(true);
      if (decision.allowed) expect(headerMap(decision.headers)).toEqual(expected.headers);
    }
  });

  test('refusal reasons follow the docs/behaviour.md §8.2 order', () => {
    const reason = (state: StateName, request: Partial<CorsRequestInfo>) => {
      const decision = decidePreflight(requestOf(request), stateOf(state));
      return decision.allowed ? 'allowed' : decision.reason;
    };
    expect(reason('no-bucket', { requestMethod: 'get' })).toBe('no-origin');
    expect(reason('no-bucket', { origin: 'o', requestMethod: 'get' })).toBe('invalid-method');
    expect(reason('no-bucket', { origin: 'o' })).toBe('no-bucket');
    expect(reason('none', { origin: 'o' })).toBe('no-configuration');
    expect(reason('C1', { origin: 'o' })).toBe('missing-method');
    expect(reason('C1', { origin: 'o', requestMethod: 'GET' })).toBe('no-match');
    expect(reason('C1', { origin: ORIGIN, requestMethod: 'GET' })).toBe('allowed');
  });

  test('the not-allowed message keeps S3’s "evalution" typo', () => {
    expect(NOT_ALLOWED).toContain('the evalution of Origin');
  });
});

interface ActualCase {
  id: string;
  state: StateName;
  request: Partial<CorsRequestInfo>;
  expected: { headers: Record<string, string> } | { reason: 'no-origin' | 'no-configuration' | 'no-match' };
}

const actualCases: ActualCase[] = [
  { id: 'T56 no Origin', state: 'C1', request: { method: 'GET' }, expected: { reason: 'no-origin' } },
  { id: 'T56 empty Origin', state: 'C1', request: { method: 'GET', origin: '' }, expected: { reason: 'no-origin' } },
  {
    id: 'T57 matching origin',
    state: 'C1',
    request: { method: 'GET', origin: ORIGIN },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
  { id: 'T58 wrong origin', state: 'C1', request: { method: 'GET', origin: 'http://localhost:4200' }, expected: { reason: 'no-match' } },
  {
    id: 'T59 wildcard origin',
    state: 'C2',
    request: { method: 'GET', origin: 'http://random:1234' },
    expected: { headers: { [ACAO]: '*', [ACAM]: 'GET, PUT', [MAX_AGE]: '3000' } },
  },
  { id: 'T60 ACRM replaces the method', state: 'C3', request: { method: 'GET', origin: ORIGIN, requestMethod: 'PUT' }, expected: { reason: 'no-match' } },
  { id: 'T61 PUT not allowed', state: 'C3', request: { method: 'PUT', origin: ORIGIN }, expected: { reason: 'no-match' } },
  {
    id: 'T62 ordinary headers are not checked',
    state: 'C3',
    request: { method: 'GET', origin: ORIGIN },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [MAX_AGE]: '3000' } },
  },
  { id: 'T63 ACRH not allowed', state: 'C4', request: { method: 'GET', origin: ORIGIN, requestHeaders: 'x-amz-request-payer' }, expected: { reason: 'no-match' } },
  {
    id: 'T64 no ACRH',
    state: 'C4',
    request: { method: 'GET', origin: ORIGIN },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [MAX_AGE]: '3000' } },
  },
  {
    id: 'ACRH allowed on an actual request is echoed (UNVERIFIED §15.8)',
    state: 'C4',
    request: { method: 'GET', origin: ORIGIN, requestHeaders: 'X-Amz-Expected-Bucket-Owner' },
    expected: { headers: { [ACAO]: ORIGIN, [ACAC]: 'true', [ACAM]: 'GET', [ACAH]: 'x-amz-expected-bucket-owner', [MAX_AGE]: '3000' } },
  },
  { id: 'T65 no configuration', state: 'none', request: { method: 'GET', origin: 'whatever' }, expected: { reason: 'no-configuration' } },
  { id: 'T66 GET on missing key', state: 'C8', request: { method: 'GET', origin: 'foo.suffix' }, expected: { headers: { [ACAO]: 'foo.suffix', [ACAC]: 'true', [ACAM]: 'GET' } } },
  {
    id: 'T67 PUT with ACRM GET',
    state: 'C8',
    request: { method: 'PUT', origin: 'foo.suffix', requestMethod: 'GET' },
    expected: { headers: { [ACAO]: 'foo.suffix', [ACAC]: 'true', [ACAM]: 'GET' } },
  },
  { id: 'T68 PUT', state: 'C8', request: { method: 'PUT', origin: 'foo.put' }, expected: { headers: { [ACAO]: 'foo.put', [ACAC]: 'true', [ACAM]: 'PUT' } } },
  { id: 'T69 no bucket (service root)', state: 'no-bucket', request: { method: 'GET', origin: ORIGIN }, expected: { reason: 'no-configuration' } },
  { id: 'HEAD is its own method', state: 'C3', request: { method: 'HEAD', origin: ORIGIN }, expected: { reason: 'no-match' } },
];

describe('decideActual (docs/behaviour.md §16 T56–T69)', () => {
  test.each(actualCases)('$id', ({ state, request, expected }) => {
    const decision = decideActual(requestOf(request), stateOf(state));
    if ('reason' in expected) expect(decision).toEqual({ matched: false, reason: expected.reason });
    else {
      expect(decision.matched).toBe(true);
      if (decision.matched) expect(headerMap(decision.headers)).toEqual(expected.headers);
    }
  });
});

describe('matching edges', () => {
  const stateFor = (...rules: CorsRule[]) => ({ kind: 'configured' as const, rules: compileCorsConfiguration({ CORSRules: rules }) });
  const preflight = (rules: ReturnType<typeof stateFor>, origin: string, requestHeaders?: string) =>
    decidePreflight(requestOf({ origin, requestMethod: 'GET', requestHeaders }), rules);

  test('an Origin with CR/LF or non-ASCII never matches, even a * rule, and is never echoed', () => {
    const rules = stateFor({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }, { AllowedOrigins: ['https://a*'], AllowedMethods: ['GET'] });
    for (const origin of ['https://a\r\nSet-Cookie: x=1', 'https://a\n', 'https://ä.example', 'https://a\u0000', 'https://a\u007f']) {
      expect(preflight(rules, origin).allowed).toBe(false);
      expect(decideActual(requestOf({ method: 'GET', origin }), rules)).toEqual({ matched: false, reason: 'no-match' });
    }
  });

  test('an empty AllowedOrigin matches nothing', () => {
    const rules = stateFor({ AllowedOrigins: [''], AllowedMethods: ['GET'] });
    expect(preflight(rules, 'https://a').allowed).toBe(false);
  });

  test('* mixed with other origins answers * without credentials (UNVERIFIED §15.4)', () => {
    const decision = preflight(stateFor({ AllowedOrigins: ['https://a', '*'], AllowedMethods: ['GET'] }), 'https://a');
    expect(decision.allowed && headerMap(decision.headers)).toEqual({ [ACAO]: '*', [ACAM]: 'GET' });
  });

  test('MaxAgeSeconds 0 and negative are sent', () => {
    const zero = preflight(stateFor({ AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: 0 }), 'https://a');
    const negative = preflight(stateFor({ AllowedOrigins: ['*'], AllowedMethods: ['GET'], MaxAgeSeconds: -5 }), 'https://a');
    expect(zero.allowed && headerMap(zero.headers)[MAX_AGE]).toBe('0');
    expect(negative.allowed && headerMap(negative.headers)[MAX_AGE]).toBe('-5');
  });

  test('origins are case-sensitive, header names are not', () => {
    const rules = stateFor({ AllowedOrigins: ['https://A.example'], AllowedMethods: ['GET'], AllowedHeaders: ['X-Custom'] });
    expect(preflight(rules, 'https://a.example', 'x-custom').allowed).toBe(false);
    expect(preflight(rules, 'https://A.example', 'X-CUSTOM').allowed).toBe(true);
  });

  test('empty ACRH entries are dropped; a non-token requested name never matches (UNVERIFIED §15.7)', () => {
    const rules = stateFor({ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] });
    const dropped = preflight(rules, 'https://a', ' a ,, B ,');
    expect(dropped.allowed && headerMap(dropped.headers)[ACAH]).toBe('a, b');
    expect(preflight(rules, 'https://a', 'a, b c').allowed).toBe(false);
    expect(preflight(rules, 'https://a', 'x:y').allowed).toBe(false);
    const empty = preflight(stateFor({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }), 'https://a', ' , ');
    expect(empty.allowed && headerMap(empty.headers)).toEqual({ [ACAO]: '*', [ACAM]: 'GET' });
  });

  test('a wildcard part may be empty but prefix and suffix may not overlap', () => {
    const rules = stateFor({ AllowedOrigins: ['ab*ba'], AllowedMethods: ['GET'] });
    expect(preflight(rules, 'abba').allowed).toBe(true);
    expect(preflight(rules, 'aba').allowed).toBe(false);
  });

  test('the first matching rule wins over later ones', () => {
    const rules: CorsRule[] = [];
    for (let i = 0; i < 99; i++) rules.push({ AllowedOrigins: [`https://site${i}.example`], AllowedMethods: ['GET'] });
    rules.push({ AllowedOrigins: ['https://*.example'], AllowedMethods: ['GET'], MaxAgeSeconds: 1 });
    const state = stateFor(...rules);
    expect(decidePreflight(requestOf({ origin: 'https://site7.example', requestMethod: 'GET' }), state)).toMatchObject({ allowed: true, ruleIndex: 7 });
    expect(decidePreflight(requestOf({ origin: 'https://other.example', requestMethod: 'GET' }), state)).toMatchObject({ allowed: true, ruleIndex: 99 });
  });

  test('CORS_VARY is S3’s Vary list and decisions carry no Vary', () => {
    expect(CORS_VARY).toEqual(['Origin', 'Access-Control-Request-Headers', 'Access-Control-Request-Method']);
    const decision = decidePreflight(requestOf({ origin: ORIGIN, requestMethod: 'GET' }), stateOf('C1'));
    expect(decision.allowed && decision.headers.some(([name]) => name.toLowerCase() === 'vary')).toBe(false);
  });
});
