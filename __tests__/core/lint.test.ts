// lint(): each code with a positive and a negative case, and shadowed-rule against a brute-force check.

import fc from 'fast-check';
import { compileCorsConfiguration, type CompiledRule, isValidOrigin, lint, type LintCode, type CorsConfiguration, type CorsRule, findRuleViolation, RuleViolationError } from 'express-bucket-cors/core';
import { methodBit, allowsHeader, originMatches } from '../support/internals';
import { S3_LINT_PACKS, S3_PROFILE, type AwsSdkLintCode } from 'express-bucket-cors/s3';

const SAFE: CorsRule = { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] };
const withPacks = (configuration: CorsConfiguration) => lint(configuration, { packs: S3_LINT_PACKS });
const codes = (...rules: CorsRule[]) => withPacks({ CORSRules: rules }).map((warning) => `${warning.rule}:${warning.code}`);
const shadows = (...rules: CorsRule[]) => codes(...rules).filter((code) => code.endsWith('shadowed-rule'));

describe('lint codes', () => {
  test('a clean configuration has no warnings', () => {
    const upload: CorsRule = { AllowedOrigins: ['https://app.example', 'http://localhost:3000'], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 7200 };
    expect(codes(SAFE, upload, { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] })).toEqual([]);
  });

  const cases: Array<{ code: LintCode | AwsSdkLintCode; positive: CorsRule[]; negative: CorsRule[] }> = [
    {
      code: 'shadowed-rule',
      positive: [{ AllowedOrigins: ['https://*.example'], AllowedMethods: ['GET', 'HEAD'] }, { AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'] }],
      negative: [{ AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'] }, { AllowedOrigins: ['https://*.example'], AllowedMethods: ['GET'] }],
    },
    { code: 'origin-never-matches', positive: [{ ...SAFE, AllowedOrigins: ['https://app.example/'] }], negative: [SAFE] },
    { code: 'credentials-wildcard-subdomain', positive: [{ ...SAFE, AllowedOrigins: ['https://*.example.com'] }], negative: [{ ...SAFE, AllowedOrigins: ['*'] }] },
    {
      code: 'upload-without-etag',
      positive: [{ ...SAFE, AllowedMethods: ['PUT'], AllowedHeaders: ['*'] }],
      negative: [{ ...SAFE, AllowedMethods: ['PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['etag'] }],
    },
    {
      code: 'sdk-headers-not-allowed',
      positive: [{ ...SAFE, AllowedMethods: ['POST'], AllowedHeaders: ['content-type', 'x-amz-*'], ExposeHeaders: ['ETag'] }],
      negative: [{ ...SAFE, AllowedMethods: ['POST'], AllowedHeaders: ['Content-Type', 'Authorization', 'x-amz-*', 'amz-sdk-*'], ExposeHeaders: ['ETag'] }],
    },
    { code: 'max-age-capped', positive: [{ ...SAFE, MaxAgeSeconds: 7201 }], negative: [{ ...SAFE, MaxAgeSeconds: 7200 }] },
    { code: 'duplicate-origin', positive: [{ ...SAFE, AllowedOrigins: ['https://a.example', 'https://a.example'] }], negative: [{ ...SAFE, AllowedOrigins: ['https://a.example', 'https://b.example'] }] },
    { code: 'wildcard-beside-origins', positive: [{ ...SAFE, AllowedOrigins: ['https://a.example', '*'] }], negative: [{ ...SAFE, AllowedOrigins: ['*'] }] },
  ];

  test.each(cases)('$code: positive and negative', ({ code, positive, negative }) => {
    for (const rules of [positive, negative]) expect(findRuleViolation({ CORSRules: rules }, S3_PROFILE)).toBeUndefined(); // S3 accepts both
    expect(withPacks({ CORSRules: positive }).map((warning) => warning.code)).toContain(code);
    expect(withPacks({ CORSRules: negative }).map((warning) => warning.code)).not.toContain(code);
  });

  test('the AWS SDK advice comes from the S3 lint pack only: the core alone has no opinion on SDK headers or ETag', () => {
    const upload: CorsConfiguration = { CORSRules: [{ ...SAFE, AllowedMethods: ['PUT'] }] };
    expect(lint(upload)).toEqual([]);
    expect(withPacks(upload).map((warning) => warning.code)).toEqual(['upload-without-etag', 'sdk-headers-not-allowed']);
    expect(withPacks(upload)[0]!.message).toMatch(/^rule 1: allows PUT/);
  });

  test('origin-never-matches: each spelling browsers never send, and the ones they do', () => {
    const never = ['', ' https://a.example', 'https://a.example ', 'https://a .example', 'https://a.example/', 'https://a.example/path', 'https://a.example:443', 'http://a.example:80',
      'HTTPS://a.example', 'https://A.example', 'https://*.Example.com', 'a.example', 'https://*.example/'];
    const fine = ['https://a.example', 'http://a.example:8080', 'https://a.example:80', 'http://a.example:443', 'null', '*', 'https://*.example', '*.example.com', 'http://localhost:*'];
    for (const origin of never) expect([origin, codes({ ...SAFE, AllowedOrigins: [origin] }).filter((code) => code.endsWith('never-matches'))]).toEqual([origin, ['0:origin-never-matches']]);
    for (const origin of fine) expect([origin, codes({ ...SAFE, AllowedOrigins: [origin] }).filter((code) => code.endsWith('never-matches'))]).toEqual([origin, []]);
  });

  test('max-age-capped names Firefox above its cap too', () => {
    expect(lint({ CORSRules: [{ ...SAFE, MaxAgeSeconds: 10_000 }] })[0]!.message).not.toContain('Firefox');
    expect(lint({ CORSRules: [{ ...SAFE, MaxAgeSeconds: 86_401 }] })[0]!.message).toContain('Firefox for at most 86400 s');
  });

  test('shadowing follows the wildcard semantics and the header rules', () => {
    const star: CorsRule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };
    expect(shadows(star, SAFE)).toEqual(['1:shadowed-rule']);
    // Headers: the earlier rule must allow every name the later one does.
    expect(shadows({ ...SAFE, AllowedHeaders: ['x-amz-*'] }, { ...SAFE, AllowedHeaders: ['X-Amz-Meta-*', 'x-amz-date'] })).toEqual(['1:shadowed-rule']);
    expect(shadows({ ...SAFE, AllowedHeaders: ['x-amz-*'] }, { ...SAFE, AllowedHeaders: ['content-type'] })).toEqual([]);
    // A rule without AllowedHeaders matches only requests listing none, which every rule accepts.
    expect(shadows({ ...SAFE, AllowedHeaders: ['a'] }, SAFE)).toEqual(['1:shadowed-rule']);
    // Pattern inclusion: `https://*` includes `https://*.example`, not the other way round.
    expect(shadows({ ...SAFE, AllowedOrigins: ['https://*'] }, { ...SAFE, AllowedOrigins: ['https://*.example'] })).toEqual(['1:shadowed-rule']);
    expect(shadows({ ...SAFE, AllowedOrigins: ['https://*.example'] }, { ...SAFE, AllowedOrigins: ['https://*'] })).toEqual([]);
  });
});

// ---- shadowed-rule against brute force over every short value ----

const ORIGIN_CHARS = ['a', 'b'];
const HEADER_CHARS = ['x', '-'];
/** Every string over `chars` of length 1 to `max`. */
function allStrings(chars: readonly string[], max: number): string[] {
  const out: string[] = [];
  let level = [''];
  for (let length = 1; length <= max; length++) {
    level = level.flatMap((prefix) => chars.map((c) => prefix + c));
    out.push(...level);
  }
  return out;
}
// One character outside the patterns' alphabet stands for all others; values up to 7 long exceed every pattern (≤ 4) by enough.
const ORIGIN_UNIVERSE = allStrings([...ORIGIN_CHARS, 'c'], 7);
const HEADER_UNIVERSE = allStrings([...HEADER_CHARS, 'z'], 7);
const METHODS = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'];

/** Brute force: `later` matches some request, and every request it matches (one origin, one method, none or one header name) `earlier` matches too. */
function bruteShadows(earlier: CompiledRule, later: CompiledRule): boolean {
  const origins = ORIGIN_UNIVERSE.filter((origin) => isValidOrigin(origin) && originMatches(later, origin));
  const methods = METHODS.filter((method) => (later.methodMask & methodBit(method)) !== 0);
  if (origins.length === 0 || methods.length === 0) return false;
  if (!origins.every((origin) => originMatches(earlier, origin))) return false;
  if (!methods.every((method) => (earlier.methodMask & methodBit(method)) !== 0)) return false;
  return HEADER_UNIVERSE.every((name) => !allowsHeader(later, name) || allowsHeader(earlier, name));
}

test('shadowed-rule agrees with brute force on small random configurations (property)', () => {
  const text = (chars: string[]) => fc.string({ unit: fc.constantFrom(...chars), maxLength: 2 });
  const pattern = (chars: string[]) => fc.oneof(text(chars), fc.tuple(text(chars), text(chars)).map(([a, b]) => `${a}*${b}`));
  const rule: fc.Arbitrary<CorsRule> = fc.record({
    AllowedOrigins: fc.array(pattern(ORIGIN_CHARS), { minLength: 1, maxLength: 3 }),
    AllowedMethods: fc.subarray(['GET', 'PUT'], { minLength: 1 }),
    AllowedHeaders: fc.array(pattern(HEADER_CHARS), { maxLength: 2 }),
  });
  let shadowed = 0;
  let total = 0;
  fc.assert(
    fc.property(fc.array(rule, { minLength: 2, maxLength: 4 }), (rules) => {
      const configuration: CorsConfiguration = { CORSRules: rules };
      const compiled = compileCorsConfiguration(configuration).rules;
      const expected = compiled.flatMap((later, j) => {
        const i = compiled.findIndex((earlier, index) => index < j && bruteShadows(earlier, later));
        return i === -1 ? [] : [j];
      });
      const actual = lint(configuration).filter((warning) => warning.code === 'shadowed-rule').map((warning) => warning.rule);
      total++;
      if (expected.length > 0) shadowed++;
      return JSON.stringify(actual) === JSON.stringify(expected);
    }),
    { numRuns: 1500 },
  );
  // The generator must exercise both outcomes.
  expect(shadowed).toBeGreaterThan(total / 10);
  expect(shadowed).toBeLessThan(total);
});

test('unvalidated rules get PutBucketCors\'s words in a RuleViolationError, never a raw TypeError', () => {
  const lintOf = (json: string) => () => lint(JSON.parse(json) as CorsConfiguration);
  expect(lintOf('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":"GET"}]}')).toThrow(RuleViolationError);
  expect(lintOf('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":"GET"}]}')).toThrow('invalid CORS configuration: rule 1: AllowedMethods must be a list of strings');
  expect(lintOf('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]},{"AllowedOrigins":"http://localhost:7641","AllowedMethods":["GET"]}]}')).toThrow(
    'invalid CORS configuration: rule 2: AllowedOrigins must be a list of strings',
  );
  expect(lintOf('[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]')).toThrow('invalid CORS configuration: the configuration must be an object with a list of rules');
  expect(lintOf('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["get"]}]}')).toThrow('invalid CORS configuration: rule 1: AllowedMethods holds the unsupported method "get"');
});
