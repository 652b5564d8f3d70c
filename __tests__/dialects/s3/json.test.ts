// The JSON body form: strict structure (MalformedJSON), size cap, and round-trips.

import { MAX_CORS_DOCUMENT_BYTES, S3Errors, type S3Error, parseCorsConfiguration, parseCorsJson, serializeCorsJson } from 'express-bucket-cors/s3';
import type { CorsConfiguration } from 'express-bucket-cors/core';

function codeOf(body: string | Uint8Array): string {
  try {
    parseCorsJson(body);
  } catch (error) {
    return (error as S3Error).code;
  }
  throw new Error('expected a rejection');
}

const rule = (extra: string) => `{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]${extra}}]}`;

describe('parseCorsJson', () => {
  test('reads the AWS SDK shape with every member', () => {
    const body = JSON.stringify({
      CORSRules: [{ ID: 'r', AllowedOrigins: ['https://a', ''], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['X-Amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }],
    });
    expect(parseCorsJson(body)).toEqual({
      CORSRules: [{ ID: 'r', AllowedOrigins: ['https://a', ''], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['X-Amz-*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }],
    });
    expect(parseCorsJson(Buffer.from(rule(',"MaxAgeSeconds":-3'))).CORSRules[0]!.MaxAgeSeconds).toBe(-3);
  });

  test('keeps no inherited or extra properties', () => {
    const parsed = parseCorsJson(rule(''));
    expect(Object.keys(parsed.CORSRules[0]!)).toEqual(['AllowedOrigins', 'AllowedMethods']);
  });

  test.each([
    ['not JSON', '{'],
    ['empty', ''],
    ['array root', '[]'],
    ['null root', 'null'],
    ['missing CORSRules', '{}'],
    ['extra top-level key', '{"CORSRules":[],"Bucket":"b"}'],
    ['CORSRules not an array', '{"CORSRules":{}}'],
    ['rule not an object', '{"CORSRules":["x"]}'],
    ['unknown rule key', rule(',"AllowedOrigin":["*"]')],
    ['__proto__ key', rule(',"__proto__":{"x":1}')],
    ['missing AllowedOrigins', '{"CORSRules":[{"AllowedMethods":["GET"]}]}'],
    ['missing AllowedMethods', '{"CORSRules":[{"AllowedOrigins":["*"]}]}'],
    ['origin not a string', '{"CORSRules":[{"AllowedOrigins":[1],"AllowedMethods":["GET"]}]}'],
    ['methods a string', '{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":"GET"}]}'],
    ['null ID', rule(',"ID":null')],
    ['numeric ID', rule(',"ID":5')],
    ['AllowedHeaders null', rule(',"AllowedHeaders":null')],
    ['MaxAgeSeconds a string', rule(',"MaxAgeSeconds":"5"')],
    ['MaxAgeSeconds fractional', rule(',"MaxAgeSeconds":1.5')],
    ['MaxAgeSeconds above 32 bits', rule(',"MaxAgeSeconds":2147483648')],
    ['deeply nested arrays', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
  ])('%s is MalformedJSON', (_name, body) => {
    expect(codeOf(body)).toBe('MalformedJSON');
  });

  test.each([
    ['unknown rule key', rule(',"AllowedHeader":["*"]'), 'rule 1: unknown key "AllowedHeader" (did you mean "AllowedHeaders"?)'],
    ['missing AllowedMethods', '{"CORSRules":[{"AllowedOrigins":["*"]}]}', 'rule 1: AllowedMethods is required'],
    ['a string for a list', '{"CORSRules":[{"AllowedOrigins":"*","AllowedMethods":["GET"]}]}', 'rule 1: AllowedOrigins must be a list of strings, not "*"'],
    ['a number in a list', '{"CORSRules":[{"AllowedOrigins":["*",1],"AllowedMethods":["GET"]}]}', 'rule 1: AllowedOrigins[1] must be a string, not 1'],
    ['MaxAgeSeconds a string', rule(',"MaxAgeSeconds":"5"'), 'rule 1: MaxAgeSeconds must be a whole number from -2147483648 to 2147483647, not "5"'],
    ['a wrapper object', '{"CORSConfiguration":{"CORSRules":[]}}', 'the rules are wrapped in "CORSConfiguration"'],
    ['a misspelt top-level key', '{"CorsRules":[]}', 'unknown key "CorsRules" at the top level (did you mean "CORSRules"?)'],
    ['an array root', '[]', 'the document must be an object {"CORSRules":[…]}, not an array'],
  ])('%s: the message names the rule and the field', (_name, body, detail) => {
    expect(() => parseCorsJson(body)).toThrow(`${S3Errors.malformedJson().message}: ${detail}`);
  });

  test('invalid UTF-8 is MalformedJSON', () => {
    expect(codeOf(Buffer.concat([Buffer.from('{"CORSRules":[{"ID":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}')]))).toBe('MalformedJSON');
  });

  test('65,536 bytes are read; 65,537 are MaxMessageLengthExceeded', () => {
    const shell = rule(',"ID":""');
    const sized = (bytes: number) => rule(`,"ID":"${'i'.repeat(bytes - shell.length)}"`);
    expect(parseCorsJson(sized(MAX_CORS_DOCUMENT_BYTES)).CORSRules[0]!.ID).toHaveLength(MAX_CORS_DOCUMENT_BYTES - shell.length);
    expect(codeOf(sized(MAX_CORS_DOCUMENT_BYTES + 1))).toBe('MaxMessageLengthExceeded');
    expect(codeOf(Buffer.from(sized(MAX_CORS_DOCUMENT_BYTES + 1)))).toBe('MaxMessageLengthExceeded');
  });
});

describe('serializeCorsJson', () => {
  test('writes the shape parseCorsJson reads, optional members omitted', () => {
    const config: CorsConfiguration = {
      CORSRules: [
        { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
        { ID: 'x"y', AllowedOrigins: ['', 'https://*.a'], AllowedMethods: ['PUT', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 },
      ],
    };
    const json = serializeCorsJson(config);
    expect(JSON.parse(json)).toEqual(config);
    expect(json.startsWith('{"CORSRules":[{"AllowedMethods":["GET"],"AllowedOrigins":["*"]}')).toBe(true);
    expect(parseCorsJson(json)).toEqual(config);
  });
});

describe('parseCorsConfiguration with JSON: what XML could not return is refused, as MalformedJSON', () => {
  test.each([
    ['{"CORSRules":[{"ID":"a\\u0000\\ud800","AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}', 'rule 1: ID holds a value with a control character or a lone surrogate'],
    ['{"CORSRules":[{"AllowedOrigins":["https://a\\u0001"],"AllowedMethods":["GET"]}]}', 'rule 1: AllowedOrigins holds a value with a control character or a lone surrogate'],
  ])('%s', (body, detail) => {
    expect(() => parseCorsConfiguration(body, 'json')).toThrow(detail);
    expect(() => parseCorsConfiguration(body, 'json')).toThrow(/^The JSON you provided was not well-formed/);
  });
});
