// PutBucketCors rule validation (docs/behaviour.md §3.4, T04–T13) and parseCorsConfiguration for both body formats.

import { S3Errors, type S3Error, parseCorsConfiguration, validateCorsConfiguration, serializeCorsXml } from 'express-bucket-cors/s3';
import type { CorsConfiguration, CorsRule } from 'express-bucket-cors/core';

const base: CorsRule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };
const withRule = (overrides: Partial<CorsRule<string>>): CorsConfiguration<string> => ({ CORSRules: [{ ...base, ...overrides }] });
const errorView = (error: S3Error) => ({ status: error.status, code: error.code, message: error.message, extra: error.extra });

function rejection(config: CorsConfiguration<string>) {
  try {
    validateCorsConfiguration(config);
  } catch (error) {
    return errorView(error as S3Error);
  }
  throw new Error('expected a rejection');
}

describe('validateCorsConfiguration', () => {
  test.each<[string, CorsConfiguration<string>, S3Error]>([
    ['T04 unsupported method', withRule({ AllowedOrigins: ['*', 'https://test.com'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'MYMETHOD'] }), S3Errors.unsupportedMethod('MYMETHOD')],
    ['T05 no rules', { CORSRules: [] }, S3Errors.malformedXml()],
    ['T07 two wildcards in an origin', withRule({ AllowedOrigins: ['*example*.com'] }), S3Errors.originWildcards('*example*.com')],
    ['T08 wildcard in ExposeHeader', withRule({ ExposeHeaders: ['x-amz-meta-*'] }), S3Errors.exposeHeaderWildcard('x-amz-meta-*')],
    ['T08 lone * in ExposeHeader', withRule({ ExposeHeaders: ['*'] }), S3Errors.exposeHeaderWildcard('*')],
    ['T09 lower-case method', withRule({ AllowedMethods: ['get'] }), S3Errors.unsupportedMethod('get')],
    ['V5 PATCH', withRule({ AllowedMethods: ['PATCH'] }), S3Errors.unsupportedMethod('PATCH')],
    ['V5 OPTIONS', withRule({ AllowedMethods: ['OPTIONS'] }), S3Errors.unsupportedMethod('OPTIONS')],
    ['V5 empty method', withRule({ AllowedMethods: [''] }), S3Errors.unsupportedMethod('')],
    ['T10 no AllowedMethod', withRule({ AllowedMethods: [] }), S3Errors.malformedXml()],
    ['T11 no AllowedOrigin', withRule({ AllowedOrigins: [] }), S3Errors.malformedXml()],
    ['V7 two wildcards in an AllowedHeader', withRule({ AllowedHeaders: ['x-*-*'] }), S3Errors.allowedHeaderWildcards('x-*-*')],
    ['V9 space in an AllowedHeader', withRule({ AllowedHeaders: ['x amz'] }), S3Errors.invalidHeaderCharacter('x amz')],
    ['V9 colon in an AllowedHeader', withRule({ AllowedHeaders: ['x-amz:'] }), S3Errors.invalidHeaderCharacter('x-amz:')],
    ['V9 non-ASCII in an ExposeHeader', withRule({ ExposeHeaders: ['x-é'] }), S3Errors.invalidHeaderCharacter('x-é')],
    ['V9 slash in an ExposeHeader', withRule({ ExposeHeaders: ['a/b'] }), S3Errors.invalidHeaderCharacter('a/b')],
    // Configurations that did not come through a parser (a store, code): the parsers' MaxAgeSeconds check applies too.
    ['V11 fractional MaxAgeSeconds', withRule({ MaxAgeSeconds: 1.5 }), S3Errors.malformedXml()],
    ['V11 MaxAgeSeconds beyond 32 bits', withRule({ MaxAgeSeconds: 2 ** 31 }), S3Errors.malformedXml()],
    ['V11 MaxAgeSeconds that is not a number', withRule({ MaxAgeSeconds: '60\r\nSet-Cookie: x' as unknown as number }), S3Errors.malformedXml()],
    ['V10 ID of 256 characters', withRule({ ID: 'i'.repeat(256) }), S3Errors.ruleIdTooLong()],
    // A key S3's schema lacks, as its XML and JSON parsers refuse one: not silently dropped.
    ['an unknown rule field', withRule({ Exposeheaders: ['ETag'] } as Partial<CorsRule>), S3Errors.malformedXml()],
    ['an unknown top-level key', { ...withRule({}), Rules: [] } as CorsConfiguration, S3Errors.malformedXml()],
  ])('%s', (_name, config, expected) => {
    expect(rejection(config)).toEqual(errorView(expected));
  });

  test('T12/T13 exactly 100 rules pass, 101 are too many', () => {
    const rules = (count: number): CorsConfiguration => ({ CORSRules: Array.from({ length: count }, (_, i) => ({ ...base, ID: `r${i}` })) });
    expect(validateCorsConfiguration(rules(100)).CORSRules).toHaveLength(100);
    expect(rejection(rules(101))).toEqual(errorView(S3Errors.tooManyRules()));
  });

  test('accepts what S3 accepts and returns the configuration unchanged', () => {
    const config: CorsConfiguration = {
      CORSRules: [
        {
          ID: 'i'.repeat(255),
          AllowedOrigins: ['', '*', 'https://test.com', 'http://*.example.com', 'localhost'],
          AllowedMethods: ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'],
          AllowedHeaders: ['*', 'x-amz-*', 'X-AMZ-Meta-Foo', ''],
          ExposeHeaders: ['ETag', 'x-amz-request-id'],
          MaxAgeSeconds: -1,
        },
        { AllowedOrigins: ['https://a'], AllowedMethods: ['GET'], MaxAgeSeconds: 0 },
      ],
    };
    expect(validateCorsConfiguration(config)).toBe(config);
  });

  test('takes parsed JSON as it is: a string where a list belongs is refused, never iterated', () => {
    expect(rejection(JSON.parse('{"CORSRules":[{"AllowedOrigins":"http://localhost:7641","AllowedMethods":["GET"]}]}')).code).toBe('MalformedXML');
    expect(() => validateCorsConfiguration({ CORSRules: [{ AllowedOrigins: 'http://localhost:7641', AllowedMethods: ['GET'] }] }, 'json')).toThrow(
      S3Errors.malformedJson('rule 1: AllowedOrigins must be a list of strings').message,
    );
    expect(() => validateCorsConfiguration([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }], 'json')).toThrow(
      S3Errors.malformedJson('the configuration must be an object with a list of rules').message,
    );
  });

  test('checks run in the docs/behaviour.md §3.4 order', () => {
    // A missing method anywhere beats the rule count; the count beats per-rule checks.
    const many = Array.from({ length: 101 }, () => ({ ...base, AllowedMethods: ['get'] }));
    expect(rejection({ CORSRules: [...many, { ...base, AllowedMethods: [] }] }).code).toBe('MalformedXML');
    expect(rejection({ CORSRules: many })).toEqual(errorView(S3Errors.tooManyRules()));
    // Within a rule: methods, origins, allowed headers, expose headers, ID.
    const bad: CorsRule<string> = { ID: 'i'.repeat(300), AllowedOrigins: ['*a*'], AllowedMethods: ['get'], AllowedHeaders: ['a b'], ExposeHeaders: ['*'] };
    expect(rejection({ CORSRules: [bad] })).toEqual(errorView(S3Errors.unsupportedMethod('get')));
    expect(rejection({ CORSRules: [{ ...bad, AllowedMethods: ['GET'] }] })).toEqual(errorView(S3Errors.originWildcards('*a*')));
    expect(rejection({ CORSRules: [{ ...bad, AllowedMethods: ['GET'], AllowedOrigins: ['*'] }] })).toEqual(errorView(S3Errors.invalidHeaderCharacter('a b')));
    expect(rejection({ CORSRules: [{ ...bad, AllowedMethods: ['GET'], AllowedOrigins: ['*'], AllowedHeaders: [] }] })).toEqual(errorView(S3Errors.exposeHeaderWildcard('*')));
    expect(rejection({ CORSRules: [{ ...bad, AllowedMethods: ['GET'], AllowedOrigins: ['*'], AllowedHeaders: [], ExposeHeaders: [] }] })).toEqual(errorView(S3Errors.ruleIdTooLong()));
    // Rules in document order: the first rule's error is reported.
    expect(rejection({ CORSRules: [{ ...base, AllowedOrigins: ['*x*'] }, { ...base, AllowedMethods: ['get'] }] })).toEqual(errorView(S3Errors.originWildcards('*x*')));
  });
});

describe('parseCorsConfiguration', () => {
  const xmlRule = (inner: string) => `<CORSConfiguration><CORSRule>${inner}</CORSRule></CORSConfiguration>`;

  test('XML: parse then validate', () => {
    expect(parseCorsConfiguration(xmlRule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>'), 'xml')).toEqual({ CORSRules: [base] });
    expect(() => parseCorsConfiguration(xmlRule('<AllowedOrigin>*</AllowedOrigin>'), 'xml')).toThrow(S3Errors.malformedXml().message);
    expect(() => parseCorsConfiguration(xmlRule('<AllowedOrigin>*</AllowedOrigin><AllowedMethod>get</AllowedMethod>'), 'xml')).toThrow(
      S3Errors.unsupportedMethod('get').message,
    );
  });

  test('JSON: parse then validate; a structural failure is MalformedJSON naming it, never MalformedXML', () => {
    expect(parseCorsConfiguration('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}', 'json')).toEqual({ CORSRules: [base] });
    expect(() => parseCorsConfiguration('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":[]}]}', 'json')).toThrow(S3Errors.malformedJson('rule 1: AllowedMethods is required').message);
    expect(() => parseCorsConfiguration('{"CORSRules":[]}', 'json')).toThrow(S3Errors.malformedJson('the configuration must have at least one rule').message);
    expect(() => parseCorsConfiguration('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["Get"]}]}', 'json')).toThrow(S3Errors.unsupportedMethod('Get').message);
  });

  test('T06 an empty AllowedOrigin is stored and serialised back as ""', () => {
    const config = parseCorsConfiguration(xmlRule('<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>'), 'xml');
    expect(config.CORSRules[0]!.AllowedOrigins).toEqual(['']);
    expect(serializeCorsXml(config)).toContain('<AllowedOrigin></AllowedOrigin>');
  });

  test('T12/T13 through XML: 100 rules are stored and serialised back in order, 101 are refused', () => {
    const body = (count: number) =>
      `<CORSConfiguration>${Array.from({ length: count }, (_, i) => `<CORSRule><ID>r${i}</ID><AllowedOrigin>https://${i}.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>`).join('')}</CORSConfiguration>`;
    const config = parseCorsConfiguration(body(100), 'xml');
    expect(config.CORSRules.map((rule) => rule.ID)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    expect(parseCorsConfiguration(serializeCorsXml(config), 'xml')).toEqual(config);
    expect(() => parseCorsConfiguration(body(101), 'xml')).toThrow(S3Errors.tooManyRules().message);
  });

  test('an unknown format is a TypeError', () => {
    expect(() => parseCorsConfiguration('{}', 'yaml' as 'json')).toThrow(TypeError);
  });
});
