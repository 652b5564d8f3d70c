// Property tests: decidePreflight / decideActual give the answers of the naive reference model
// (reference-model.ts) on random configurations and requests drawn from small alphabets.

import fc from 'fast-check';
import { compileCorsConfiguration, decideActual, decidePreflight, type BucketCorsState, type CorsRequestInfo, type CorsConfiguration, type CorsRule } from 'express-bucket-cors/core';
import { validateCorsConfiguration } from 'express-bucket-cors/s3';
import { assertProperty } from '../support/properties';
import { headerMap } from './fixtures';
import { referenceActual, referencePreflight, type ReferenceBucket } from './reference-model';

/** Text from a few pieces, mostly from `common`, now and then from `odd`: small alphabets make matches frequent. */
const textOf = (common: readonly string[], odd: readonly string[], minPieces: number, maxPieces: number) =>
  fc
    .array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constantFrom(...odd) }), { minLength: minPieces, maxLength: maxPieces })
    .map((pieces) => pieces.join(''));

// Origins from URL-ish pieces; the odd ones are characters an Origin may not carry (it then never matches).
const ORIGIN_PIECES = ['https://', 'http://', 'a', 'b', '.a', '.ab', ':1', 'A'];
const ODD_ORIGIN_PIECES = [' ', '\u00e4', '\n', '\u007f', '~'];
/** A non-empty literal AllowedOrigin (rules hold no control character but TAB, LF, CR). */
const originText = textOf(ORIGIN_PIECES, ODD_ORIGIN_PIECES, 1, 4);
/** Either side of an AllowedOrigin's `*`, possibly empty. */
const originPart = textOf(ORIGIN_PIECES, ODD_ORIGIN_PIECES, 0, 3);
/** A non-empty request Origin: anything a client may send, NUL included. */
const requestOriginText = textOf(ORIGIN_PIECES, [...ODD_ORIGIN_PIECES, '\u0000'], 1, 4);
const allowedOrigin = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('*', '') },
  { weight: 4, arbitrary: originText },
  { weight: 5, arbitrary: fc.tuple(originPart, originPart).map(([prefix, suffix]) => `${prefix}*${suffix}`) },
);

const HEADER_PIECES = ['x-', 'a', 'b', 'A', 'B', '-c'];
const headerText = textOf(HEADER_PIECES, ['_', '~', '1'], 0, 3);
const allowedHeader = fc.oneof(
  { weight: 1, arbitrary: fc.constant('*') },
  { weight: 4, arbitrary: headerText },
  { weight: 4, arbitrary: fc.tuple(headerText, headerText).map(([prefix, suffix]) => `${prefix}*${suffix}`) },
);

const CORS_METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] as const;

const rule: fc.Arbitrary<CorsRule> = fc
  .record({
    origins: fc.array(allowedOrigin, { minLength: 1, maxLength: 3 }),
    methods: fc.array(fc.constantFrom(...CORS_METHODS), { minLength: 1, maxLength: 3 }),
    allowedHeaders: fc.option(fc.array(allowedHeader, { maxLength: 3 }), { nil: undefined }),
    exposeHeaders: fc.option(fc.array(fc.constantFrom('ETag', 'x-a', 'X-B'), { maxLength: 2 }), { nil: undefined }),
    maxAge: fc.option(fc.oneof(fc.constantFrom(0, -1), fc.integer({ min: -2147483648, max: 2147483647 })), { nil: undefined }),
  })
  .map(({ origins, methods, allowedHeaders, exposeHeaders, maxAge }) => ({
    AllowedOrigins: origins,
    AllowedMethods: methods,
    ...(allowedHeaders !== undefined && { AllowedHeaders: allowedHeaders }),
    ...(exposeHeaders !== undefined && { ExposeHeaders: exposeHeaders }),
    ...(maxAge !== undefined && { MaxAgeSeconds: maxAge }),
  }));

const configuration: fc.Arbitrary<CorsConfiguration> = fc.array(rule, { minLength: 1, maxLength: 12 }).map((rules) => ({ CORSRules: rules }));

const bucket: fc.Arbitrary<ReferenceBucket> = fc.oneof(
  { weight: 10, arbitrary: configuration.map((config) => ({ kind: 'configured' as const, configuration: config })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-configuration' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'no-bucket' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unavailable' as const }) },
);

/** Mostly the five CORS methods; the others are what preflights accept and never match, or refuse. */
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CORS_METHODS) }, { weight: 1, arbitrary: fc.constantFrom('OPTIONS', 'PATCH', 'get', 'TRACE') });

/**
 * Values that match `patterns` (a literal as is, a pattern with its `*` filled from `filler`), so
 * requests hit the configuration often; `fallback` when no pattern can be filled.
 */
function matchingValues(patterns: readonly string[], filler: fc.Arbitrary<string>, fallback: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const values = patterns.filter((pattern) => pattern !== '*').map((pattern) => filler.map((text) => pattern.replace('*', text)));
  return values.length === 0 ? fallback : fc.oneof(...values);
}

/** `Access-Control-Request-Headers` built from `name`s, separators and SP/HTAB padding. */
const requestHeadersFrom = (name: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(fc.constantFrom('', ' ', '\t', ' \t'), name, fc.constantFrom('', ' ', '\t'), fc.constantFrom(',', ',', ', ', ',,')), { maxLength: 5 })
    .map((entries) => entries.map(([before, entry, after, separator], i) => `${i === 0 ? '' : separator}${before}${entry}${after}`).join(''));

/**
 * `Access-Control-Request-Headers` around the bounds: 195–205 token names, some of the headers then
 * padded with spaces to 16,380–16,390 characters. Only tokens, so over the bounds is never also a
 * non-token (an order the rules leave open).
 */
const requestHeadersNearBounds = (name: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.array(name, { minLength: 195, maxLength: 205 }), fc.option(fc.integer({ min: 16_380, max: 16_390 }), { nil: undefined }))
    .map(([names, length]) => {
      const header = names.join(', ');
      return length === undefined ? header : header.padEnd(length, ' ');
    });

/** A requested name that is no token or empty, now and then: such a list never matches, or the entry is dropped. */
const oddName = fc.constantFrom('', 'a b', 'x:y', '\u00e9', '"a"');

/** How a request's `Access-Control-Request-Headers` is built from names, and which extra names are mixed in. */
interface HeaderShape {
  readonly headers: (name: fc.Arbitrary<string>) => fc.Arbitrary<string>;
  readonly extraNames: fc.Arbitrary<string>;
}

/**
 * Requests for `reference`: Origins and requested names mostly drawn to match its rules, methods from
 * every class the preflight tells apart, `Access-Control-Request-Headers` of `shape`.
 */
function requestsFor(reference: ReferenceBucket, shape: HeaderShape): fc.Arbitrary<CorsRequestInfo[]> {
  const rules = reference.kind === 'configured' ? reference.configuration.CORSRules : [];
  const nonEmptyHeader = headerText.filter((text) => text !== '');
  const origin = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(undefined, '') },
    { weight: 4, arbitrary: requestOriginText },
    { weight: 8, arbitrary: matchingValues(rules.flatMap((rule) => rule.AllowedOrigins), originPart, originText) },
  );
  const requestedName = fc.oneof(
    { weight: 4, arbitrary: nonEmptyHeader },
    // An empty result (from an empty AllowedHeader) is an empty entry: dropped, as it should be.
    { weight: 8, arbitrary: matchingValues(rules.flatMap((rule) => rule.AllowedHeaders ?? []), headerText, nonEmptyHeader) },
    { weight: 2, arbitrary: shape.extraNames },
  );
  const configuredMethods = rules.flatMap((rule) => rule.AllowedMethods);
  const someMethod = configuredMethods.length === 0 ? method : fc.oneof(method, fc.constantFrom(...configuredMethods));
  const request = fc.record({
    method: someMethod,
    origin,
    requestMethod: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(undefined, '') }, { weight: 6, arbitrary: someMethod }),
    requestHeaders: fc.option(shape.headers(requestedName), { nil: undefined, freq: 2 }),
    resourceType: fc.constantFrom('BUCKET' as const, 'OBJECT' as const),
  });
  return fc.array(request, { minLength: 1, maxLength: 12 });
}

function engineState(reference: ReferenceBucket): BucketCorsState {
  return reference.kind === 'configured' ? { kind: 'configured', rules: compileCorsConfiguration(reference.configuration) } : reference;
}

/** The parts of a preflight decision the model fixes: allowed, rule index, headers by name (no duplicates), or the refusal reason. */
function preflightView(request: CorsRequestInfo, state: BucketCorsState) {
  const decision = decidePreflight(request, state);
  return decision.allowed ? { allowed: true, ruleIndex: decision.ruleIndex, headers: headerMap(decision.headers) } : { allowed: false, reason: decision.reason };
}

function actualView(request: CorsRequestInfo, state: BucketCorsState) {
  const decision = decideActual(request, state);
  return decision.matched ? { matched: true, ruleIndex: decision.ruleIndex, headers: headerMap(decision.headers) } : { matched: false, reason: decision.reason };
}

/** How often each preflight outcome occurred, so the test can prove the inputs reach every branch. */
type Outcomes = Record<string, number>;

/** The property: for each request, both decisions equal the model's. */
function agreesWithModel(shape: HeaderShape, outcomes: Outcomes) {
  const cases = bucket.chain((reference) => fc.tuple(fc.constant(reference), requestsFor(reference, shape)));
  return fc.property(cases, ([reference, batch]) => {
    if (reference.kind === 'configured') validateCorsConfiguration(reference.configuration);
    const state = engineState(reference);
    for (const request of batch) {
      const expected = referencePreflight(request, reference);
      expect(preflightView(request, state)).toEqual(expected);
      const actual = referenceActual(request, reference);
      expect(actualView(request, state)).toEqual(actual);
      // Asked again: answered from the compiled rules' per-origin memo when the first one filled it.
      expect(actualView(request, state)).toEqual(actual);
      const outcome = expected.allowed ? 'allowed' : expected.reason;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  });
}

describe('decisions equal the reference model', () => {
  test('random configurations and requests (small alphabets)', () => {
    const outcomes: Outcomes = {};
    assertProperty(agreesWithModel({ headers: requestHeadersFrom, extraNames: oddName }, outcomes), 300);
    // The inputs reach every outcome, matches included, often enough to mean something.
    for (const outcome of ['allowed', 'unavailable', 'no-origin', 'invalid-method', 'no-bucket', 'no-configuration', 'missing-method', 'no-match'])
      expect(outcomes[outcome]).toBeGreaterThan(20);
    expect(outcomes.allowed!).toBeGreaterThan(200);
  });

  test('only SP and HTAB are trimmed around requested names (issue #13.6)', () => {
    const outcomes: Outcomes = {};
    // Whitespace JavaScript's trim() removes and HTTP does not: a name carrying it is no token, so it never matches.
    const padded = fc
      .tuple(fc.constantFrom('\u00a0', '\u000b', '\u000c', '\ufeff', '\u2003', '\n', '\r', ''), headerText.filter((text) => text !== ''), fc.constantFrom('\u00a0', '\u3000', '\n', ''))
      .map((parts) => parts.join(''));
    assertProperty(agreesWithModel({ headers: requestHeadersFrom, extraNames: padded }, outcomes), 150);
    expect(outcomes.allowed!).toBeGreaterThan(20);
  });

  test('requested headers around the bounds: 200 names, 16,384 characters (issue #13.4)', () => {
    const outcomes: Outcomes = {};
    assertProperty(agreesWithModel({ headers: requestHeadersNearBounds, extraNames: headerText.filter((text) => text !== '') }, outcomes), 100);
    expect(outcomes['too-many-headers']).toBeGreaterThan(20);
    expect(outcomes.allowed).toBeGreaterThan(20);
  });
});
