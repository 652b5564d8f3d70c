// explain() gives the middleware's own verdict (decidePreflight / decideActual) and a per-rule analysis consistent with it.

import fc from 'fast-check';
import { compileCorsConfiguration, decideActual, decidePreflight, explain, RuleViolationError, type ExplainRequest, type CorsConfiguration, type CorsRule } from 'express-bucket-cors/core';
import { CONFIGS, requestOf } from './fixtures';

/** The engine's verdict for the same request, as explain() reports it. */
function engineVerdict(configuration: CorsConfiguration, request: ExplainRequest) {
  const state = { kind: 'configured', rules: compileCorsConfiguration(configuration) } as const;
  const requestHeaders = Array.isArray(request.requestHeaders) ? request.requestHeaders.join(',') : (request.requestHeaders as string | undefined);
  if (request.preflight) {
    const decision = decidePreflight(requestOf({ origin: request.origin, requestMethod: request.requestMethod ?? request.method, requestHeaders }), state);
    return decision.allowed ? { allowed: true, rule: decision.ruleIndex, reason: null } : { allowed: false, rule: null, reason: decision.reason };
  }
  const decision = decideActual(requestOf({ method: request.method, origin: request.origin, requestMethod: request.requestMethod, requestHeaders }), state);
  return decision.matched ? { allowed: true, rule: decision.ruleIndex, reason: null } : { allowed: false, rule: null, reason: decision.reason };
}

/**
 * What is wrong with explain()'s answer (empty when nothing): it must agree with the engine, and its per-rule
 * analysis must name the answering rule as the first without failures. Plain comparisons, so that tens of
 * thousands of cases stay fast; one expect per test.
 */
function disagreement(configuration: CorsConfiguration, request: ExplainRequest): string[] {
  const explanation = explain(configuration, request);
  const engine = engineVerdict(configuration, request);
  const problems: string[] = [];
  if (explanation.allowed !== engine.allowed || explanation.rule !== engine.rule || explanation.reason !== engine.reason)
    problems.push(`verdict ${JSON.stringify([explanation.allowed, explanation.rule, explanation.reason])} ≠ engine ${JSON.stringify(engine)}`);
  const firstClean = explanation.rules.findIndex((rule) => rule.failed.length === 0);
  if ((explanation.reason === 'no-match' || explanation.allowed) && (firstClean === -1 ? null : firstClean) !== explanation.rule) problems.push(`first rule without failures is ${firstClean}`);
  if ((explanation.suggestion === null) !== explanation.allowed) problems.push('suggestion present iff refused');
  if (explanation.headers.length > 0 !== explanation.allowed) problems.push('headers present iff allowed');
  return problems.map((problem) => `${problem} for ${JSON.stringify(request)} on ${JSON.stringify(configuration)}`);
}

// Every value the decision vectors (__tests__/dialects/s3/decide.test.ts) use, crossed with every §16 configuration.
const ORIGINS = [undefined, '', 'https://localhost:4200', 'http://localhost:4200', 'http://random:1234', 'localhost:4566', 'http://test.origin.com', 'http://test.origin.com/', 'http://origin.com',
  'startend', 'start12end', 'prefix', 'prefix.suffix', 'foo.suffix', '0start12end', 'bla.prefix', 'foo.suffix.get', 'foo.put', 'http://first.com', 'http://other.com', 'http://example.com',
  'https://a\r\nSet-Cookie: x=1', 'https://ä.example', 'https://x', 'whatever'];
const METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'get', 'TRACE', ''];
const HEADERS = [undefined, 'x-amz-request-payer', 'x-amz-request-payer, x-amz-expected-bucket-owner', 'x-AMZ-expected-BUCKET-owner, x-amz-server-side-encryption',
  'x-amz-expected-bucket-owner,x-amz-server-side-encryption', 'X-Amz-Meta-Color', 'x-amz-meta-color, x-other', ' a ,, B ,', 'a, b c', 'x:y', ' , ', 'a,'.repeat(201)];

describe('explain agrees with decidePreflight / decideActual', () => {
  test('on every decision-vector value, for every §16 configuration, preflight and actual', () => {
    const problems: string[] = [];
    let count = 0;
    for (const configuration of Object.values(CONFIGS))
      for (const origin of ORIGINS)
        for (const method of METHODS)
          for (const requestHeaders of HEADERS) {
            problems.push(...disagreement(configuration, { origin, method, requestHeaders, preflight: true }));
            problems.push(...disagreement(configuration, { origin, method: method === '' ? 'GET' : method, requestHeaders, preflight: false }));
            problems.push(...disagreement(configuration, { origin, method: 'PUT', requestMethod: method, requestHeaders, preflight: false }));
            count += 3;
          }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(count).toBe(Object.keys(CONFIGS).length * ORIGINS.length * METHODS.length * HEADERS.length * 3);
  });

  test('on random configurations and requests (property)', () => {
    const text = (chars: string[]) => fc.string({ unit: fc.constantFrom(...chars), maxLength: 3 });
    const pattern = (chars: string[]) => fc.oneof(text(chars), fc.tuple(text(chars), text(chars)).map(([a, b]) => `${a}*${b}`));
    const rule: fc.Arbitrary<CorsRule> = fc.record(
      {
        AllowedOrigins: fc.array(pattern(['a', 'b']), { minLength: 1, maxLength: 3 }),
        AllowedMethods: fc.subarray(['GET', 'PUT', 'HEAD', 'POST', 'DELETE'], { minLength: 1 }),
        AllowedHeaders: fc.array(pattern(['x', 'y', '-']), { maxLength: 3 }),
      },
      { requiredKeys: ['AllowedOrigins', 'AllowedMethods'] },
    );
    const request: fc.Arbitrary<ExplainRequest> = fc.record({
      origin: fc.option(text(['a', 'b', 'c']), { nil: undefined }),
      method: fc.constantFrom('GET', 'PUT', 'HEAD', 'POST', 'DELETE', 'PATCH', 'get'),
      requestMethod: fc.option(fc.constantFrom('GET', 'PUT', 'POST', ''), { nil: undefined }),
      requestHeaders: fc.option(fc.array(text(['x', 'y', '-', 'X', ' ']), { maxLength: 3 }).map((names) => names.join(',')), { nil: undefined }),
      preflight: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), request, (rules, req) => disagreement({ CORSRules: rules }, req).length === 0), { numRuns: 3000 });
  });
});

describe('explain: per-rule analysis and suggestion', () => {
  const configuration: CorsConfiguration = {
    CORSRules: [
      { ID: 'reads', AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] },
      { AllowedOrigins: ['https://*.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'] },
    ],
  };

  test('a refused upload preflight: each rule says what failed, the suggestion names the one header to add', () => {
    const explanation = explain(configuration, { origin: 'https://app.example', method: 'PUT', requestHeaders: 'Content-Type, X-Amz-Meta-Note, amz-sdk-request', preflight: true });
    expect(explanation).toEqual({
      allowed: false,
      rule: null,
      reason: 'no-match',
      source: 'bucket',
      summary: 'preflight refused (no rule matches)',
      rules: [
        { index: 0, label: 'rule 1 ("reads")', id: 'reads', failed: ['method', 'headers'], deniedHeaders: ['content-type', 'x-amz-meta-note', 'amz-sdk-request'] },
        { index: 1, label: 'rule 2', failed: ['headers'], deniedHeaders: ['amz-sdk-request'] },
      ],
      suggestion: 'add `amz-sdk-request` to AllowedHeaders of rule 2',
      headers: [],
    });
    expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation);
  });

  test('an allowed request names its rule and the headers sent', () => {
    const explanation = explain(configuration, { origin: 'https://cdn.example', method: 'PUT', requestHeaders: ['x-amz-date'], preflight: true });
    expect(explanation).toMatchObject({ allowed: true, rule: 1, reason: null, suggestion: null });
    expect(explanation.headers).toContainEqual(['Access-Control-Allow-Headers', 'x-amz-date']);
    expect(explanation.rules[0]).toEqual({ index: 0, label: 'rule 1 ("reads")', id: 'reads', failed: ['origin', 'method', 'headers'], deniedHeaders: ['x-amz-date'] });
    expect(explanation.summary).toBe('preflight allowed by rule 2');
  });

  test('the cheapest fix wins: one origin beats a method and a header', () => {
    const explanation = explain(configuration, { origin: 'https://other.test', method: 'GET', preflight: false });
    expect(explanation.reason).toBe('no-match');
    expect(explanation.suggestion).toBe('add `https://other.test` to AllowedOrigins of rule 1 ("reads")');
  });

  test('several changes to one rule are named together', () => {
    const one: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'] }] };
    expect(explain(one, { origin: 'https://b.example', method: 'PUT', requestHeaders: 'x-a', preflight: true }).suggestion).toBe(
      'add `https://b.example` to AllowedOrigins, `PUT` to AllowedMethods and `x-a` to AllowedHeaders of rule 1',
    );
  });

  test('refusals before matching say what the request lacks', () => {
    expect(explain(configuration, { origin: undefined, method: 'GET', preflight: true })).toMatchObject({ reason: 'no-origin', suggestion: expect.stringContaining('Origin') });
    expect(explain(configuration, { origin: 'https://app.example', method: 'GET', requestMethod: '', preflight: true })).toMatchObject({
      reason: 'missing-method',
      suggestion: expect.stringContaining('Access-Control-Request-Method'),
    });
    expect(explain(configuration, { origin: 'https://app.example', method: 'get', preflight: true })).toMatchObject({ reason: 'invalid-method', suggestion: expect.stringContaining('`get`') });
    expect(explain(configuration, { origin: 'https://app.example', method: 'PATCH', preflight: true })).toMatchObject({ reason: 'no-match', suggestion: expect.stringContaining('no rule can allow `PATCH`') });
    expect(explain(configuration, { origin: 'https://app.example', method: 'GET', requestHeaders: 'a b', preflight: true })).toMatchObject({
      reason: 'no-match',
      rules: [{ index: 0, label: 'rule 1 ("reads")', id: 'reads', failed: ['headers'], deniedHeaders: ['a b'] }, { index: 1, label: 'rule 2', failed: ['headers'], deniedHeaders: ['a b'] }],
      suggestion: '`a b` is not a valid header name: no rule can allow it',
    });
  });
});

describe('explain: numbers, words and input', () => {
  const configuration: CorsConfiguration = { CORSRules: [{ ID: 'reads', AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }] };

  test('rule and index are 0-based positions in CORSRules; every text numbers rules from 1', () => {
    const explanation = explain(configuration, { origin: 'https://app.example', method: 'GET', preflight: true });
    expect(explanation).toMatchObject({ rule: 0, source: 'bucket', summary: 'preflight allowed by rule 1 ("reads")', rules: [{ index: 0, label: 'rule 1 ("reads")' }] });
    expect(configuration.CORSRules[explanation.rule!]!.ID).toBe('reads');
  });

  test('an actual request is never "refused": it gets CORS headers or none', () => {
    const miss = explain(configuration, { origin: 'https://other.example', method: 'GET', preflight: false });
    expect(miss.summary).toBe('no CORS headers (no rule matches): the response is sent, but the browser hides it from the page');
    expect(JSON.stringify(miss)).not.toMatch(/refuse/i);
    expect(explain(configuration, { origin: 'https://app.example', method: 'GET', preflight: false }).summary).toBe('CORS headers from rule 1 ("reads")');
    expect(explain(configuration, { origin: 'https://other.example', method: 'GET', preflight: true }).summary).toBe('preflight refused (no rule matches)');
  });

  test('the summary names deployment rules when they decided', () => {
    expect(explain(configuration, { origin: 'https://app.example', method: 'GET', preflight: true }, { source: 'default' }).summary).toBe(
      "preflight allowed by rule 1 (\"reads\"); decided by the deployment's defaultRules (the bucket has no rules of its own)",
    );
    expect(explain(configuration, { origin: 'https://x.example', method: 'GET', preflight: false }, { source: 'service' })).toMatchObject({
      source: 'service',
      summary: expect.stringContaining("decided by the deployment's serviceRules (the request names no bucket)"),
    });
  });

  test('unvalidated rules get PutBucketCors\'s words in a RuleViolationError, never a raw TypeError', () => {
    const parsed = JSON.parse('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":"GET"}]}') as CorsConfiguration;
    let thrown: unknown;
    try {
      explain(parsed, { origin: 'https://app.example', method: 'GET', preflight: true });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RuleViolationError);
    expect((thrown as Error).message).toBe('invalid CORS configuration: rule 1: AllowedMethods must be a list of strings');
    expect(() => explain({ CORSRules: 'none' } as unknown as CorsConfiguration, { origin: undefined, method: 'GET', preflight: false })).toThrow(
      'invalid CORS configuration: the configuration must be an object with a list of rules',
    );
  });

  test('a request of the wrong shape is a TypeError naming the field', () => {
    const request = (fields: object) => ({ origin: 'https://app.example', method: 'GET', preflight: true, ...fields }) as ExplainRequest;
    expect(() => explain(configuration, request({ method: undefined }))).toThrow('explain: `method` must be a string');
    expect(() => explain(configuration, request({ preflight: 'yes' }))).toThrow('explain: `preflight` must be true or false');
    expect(() => explain(configuration, request({ requestHeaders: [1] }))).toThrow('explain: `requestHeaders` must be a string, a list of strings or undefined');
    expect(() => explain(configuration, request({}), { source: 'bukket' as 'bucket' })).toThrow('explain: `source` must be bucket, default or service');
  });
});
