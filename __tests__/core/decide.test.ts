// The core's own decisions: neutral reasons (no wording), the bounds on requested headers, HTTP whitespace.

import { compileCorsConfiguration, decideActual, decidePreflight, MAX_REQUEST_HEADERS_LENGTH, MAX_REQUESTED_HEADERS, methodBit, type BucketCorsState, type CorsConfiguration } from 'express-bucket-cors/core';
import { requestOf } from './fixtures';

const ORIGIN = 'https://app.example';
const configured = (configuration: CorsConfiguration): BucketCorsState => ({ kind: 'configured', rules: compileCorsConfiguration(configuration) });
const HEADER_RULES = configured({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type', 'x-amz-meta-*'] }] });

describe('core decisions carry reasons, not errors', () => {
  test('a refusal names the reason, the request method as sent and the resource type', () => {
    const decision = decidePreflight(requestOf({ origin: ORIGIN, requestMethod: 'GET', resourceType: 'BUCKET' }), HEADER_RULES);
    expect(decision).toEqual({ allowed: false, reason: 'no-match', requestMethod: 'GET', resourceType: 'BUCKET' });
  });

  test('unreadable rules come first, before the Origin check', () => {
    expect(decidePreflight(requestOf({}), { kind: 'unavailable' })).toMatchObject({ allowed: false, reason: 'unavailable' });
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN }), { kind: 'unavailable' })).toEqual({ matched: false, reason: 'unavailable' });
  });
});

describe('Access-Control-Request-Headers', () => {
  const preflight = (requestHeaders: string) => decidePreflight(requestOf({ origin: ORIGIN, requestMethod: 'PUT', requestHeaders }), HEADER_RULES);

  test('names are trimmed of SP and HTAB only: a no-break space is part of the name, so it never matches', () => {
    expect(preflight(' \tContent-Type\t , x-amz-meta-a ')).toMatchObject({ allowed: true });
    expect(preflight('\u00a0content-type')).toMatchObject({ allowed: false, reason: 'no-match' });
    expect(preflight('content-type\u00a0')).toMatchObject({ allowed: false, reason: 'no-match' });
  });

  test('literal allowed headers match by lookup and patterns by scan, case-insensitively', () => {
    expect(preflight('CONTENT-TYPE, X-Amz-Meta-Note')).toMatchObject({ allowed: true, headers: expect.arrayContaining([['Access-Control-Allow-Headers', 'content-type, x-amz-meta-note']]) });
    expect(preflight('content-type, x-amz-date')).toMatchObject({ allowed: false, reason: 'no-match' });
  });

  test(`at most ${MAX_REQUESTED_HEADERS} names are evaluated: one more is refused as too-many-headers`, () => {
    const names = (count: number) => Array.from({ length: count }, (_, i) => `x-amz-meta-${i}`).join(',');
    expect(preflight(names(MAX_REQUESTED_HEADERS))).toMatchObject({ allowed: true });
    expect(preflight(names(MAX_REQUESTED_HEADERS + 1))).toMatchObject({ allowed: false, reason: 'too-many-headers' });
    // Empty entries do not count as names.
    expect(preflight(`${names(MAX_REQUESTED_HEADERS)},,, ,`)).toMatchObject({ allowed: true });
  });

  test(`a header longer than ${MAX_REQUEST_HEADERS_LENGTH} characters is refused before it is split`, () => {
    expect(preflight(`x-amz-meta-${'a'.repeat(MAX_REQUEST_HEADERS_LENGTH)}`)).toMatchObject({ allowed: false, reason: 'too-many-headers' });
    expect(decideActual(requestOf({ method: 'PUT', origin: ORIGIN, requestHeaders: 'a,'.repeat(MAX_REQUEST_HEADERS_LENGTH) }), HEADER_RULES)).toEqual({
      matched: false,
      reason: 'too-many-headers',
    });
  });

  test('a rule with thousands of allowed headers still decides a capped request (the hostile case of issue #13)', () => {
    const many = configured({
      CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], AllowedHeaders: Array.from({ length: 1751 }, (_, i) => (i % 2 === 0 ? `h-${i}` : `h-${i}-*`)) }],
    });
    const requested = Array.from({ length: 5400 }, (_, i) => `h-${i}`).join(',');
    expect(decidePreflight(requestOf({ origin: ORIGIN, requestMethod: 'GET', requestHeaders: requested }), many)).toMatchObject({ reason: 'too-many-headers' });
    expect(decidePreflight(requestOf({ origin: ORIGIN, requestMethod: 'GET', requestHeaders: 'h-1750, h-1749-x' }), many)).toMatchObject({ allowed: true });
  });
});

describe('actual requests from a literal AllowedOrigin', () => {
  const state = configured({
    CORSRules: [
      { AllowedOrigins: [ORIGIN], AllowedMethods: ['PUT'], ExposeHeaders: ['ETag'] },
      { AllowedOrigins: [ORIGIN, 'https://*.example'], AllowedMethods: ['GET', 'HEAD'], MaxAgeSeconds: 60 },
    ],
  });

  test('are decided once per method and then answered with the same frozen decision', () => {
    const first = decideActual(requestOf({ method: 'GET', origin: ORIGIN }), state);
    expect(first).toMatchObject({ matched: true, ruleIndex: 1 });
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN }), state)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Another method has its own answer; Access-Control-Request-Method counts as the method.
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN, requestMethod: 'PUT' }), state)).toMatchObject({ matched: true, ruleIndex: 0 });
    expect(decideActual(requestOf({ method: 'POST', origin: ORIGIN }), state)).toEqual({ matched: false, reason: 'no-match' });
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN }), state)).toBe(first);
  });

  test('with Access-Control-Request-Headers, are decided from the headers asked for', () => {
    const withHeaders = decideActual(requestOf({ method: 'GET', origin: ORIGIN, requestHeaders: 'x-a' }), state);
    expect(withHeaders).toMatchObject({ matched: false, reason: 'no-match' });
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN }), state)).toMatchObject({ matched: true, ruleIndex: 1 });
  });

  test('from an Origin matched by a pattern, the last such Origin keeps its answers; another one takes its place', () => {
    const byPattern = decideActual(requestOf({ method: 'GET', origin: 'https://cdn.example' }), state);
    expect(byPattern).toMatchObject({ matched: true, ruleIndex: 1, headers: [['Access-Control-Allow-Origin', 'https://cdn.example'], expect.anything(), expect.anything(), expect.anything()] });
    expect(decideActual(requestOf({ method: 'GET', origin: 'https://cdn.example' }), state)).toBe(byPattern);
    const other = decideActual(requestOf({ method: 'GET', origin: 'https://img.example' }), state);
    expect(other).toMatchObject({ matched: true, ruleIndex: 1, headers: [['Access-Control-Allow-Origin', 'https://img.example'], expect.anything(), expect.anything(), expect.anything()] });
    expect(decideActual(requestOf({ method: 'GET', origin: 'https://nowhere.test' }), state)).toEqual({ matched: false, reason: 'no-match' });
    const again = decideActual(requestOf({ method: 'GET', origin: 'https://cdn.example' }), state);
    expect(again).toEqual(byPattern);
    expect(decideActual(requestOf({ method: 'PUT', origin: 'https://cdn.example' }), state)).toEqual({ matched: false, reason: 'no-match' });
  });

  test('from an Origin no rule lists, with no origin patterns configured, are refused at once', () => {
    const literalOnly = configured({ CORSRules: [{ AllowedOrigins: [ORIGIN], AllowedMethods: ['GET'] }] });
    expect(decideActual(requestOf({ method: 'GET', origin: 'https://elsewhere.example' }), literalOnly)).toEqual({ matched: false, reason: 'no-match' });
    expect(decideActual(requestOf({ method: 'GET', origin: 'https://elsewhere.example', requestHeaders: 'x-a' }), literalOnly)).toEqual({ matched: false, reason: 'no-match' });
    expect(decideActual(requestOf({ method: 'GET', origin: ORIGIN }), literalOnly)).toMatchObject({ matched: true, ruleIndex: 0 });
  });

  test('a method outside S3\'s five never matches, and is not kept', () => {
    expect(decideActual(requestOf({ method: 'PATCH', origin: ORIGIN }), state)).toEqual({ matched: false, reason: 'no-match' });
    expect(decideActual(requestOf({ method: 'get', origin: ORIGIN }), state)).toEqual({ matched: false, reason: 'no-match' });
  });
});

describe('methods come from the profile', () => {
  const methods = ['GET', 'MERGE', 'PATCH'];
  const configuration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['MERGE'] }, { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PATCH'] }] };
  const state = { kind: 'configured', rules: compileCorsConfiguration(configuration, methods) } as const;
  const preflight = (requestMethod: string) => decidePreflight({ method: 'OPTIONS', origin: 'https://app.example', requestMethod, requestHeaders: undefined, resourceType: 'OBJECT' }, state);

  test('a profile listing MERGE compiles and decides MERGE (no core edit), and a method it does not list never matches', () => {
    expect(preflight('PATCH')).toMatchObject({ allowed: true, ruleIndex: 1 });
    expect(decideActual({ method: 'MERGE', origin: 'https://app.example', requestMethod: undefined, requestHeaders: undefined, resourceType: 'OBJECT' }, state)).toMatchObject({ matched: true, ruleIndex: 0 });
    expect(decideActual({ method: 'PUT', origin: 'https://app.example', requestMethod: undefined, requestHeaders: undefined, resourceType: 'OBJECT' }, state)).toMatchObject({ matched: false, reason: 'no-match' });
    expect(state.rules.methods).toEqual(methods);
    expect(methodBit('MERGE', methods)).toBe(2);
    expect(methodBit('merge', methods)).toBe(0);
  });

  test('the default is the stored-rules profile: S3 five, and more than 31 methods are refused', () => {
    expect(compileCorsConfiguration(configuration).methods).toEqual(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);
    expect(() => compileCorsConfiguration(configuration, Array.from({ length: 32 }, (_, i) => `M${i}`))).toThrow(RangeError);
  });
});
