// The core's profile-driven validation: neutral violations, their order, and the profile's switches.

import { type CorsConfiguration, type CorsRule, assertValidRules, describeRuleViolation, findRuleViolation, MAX_STORED_RULES_CHARACTERS, RuleViolationError, STORED_RULES_PROFILE, type RuleProfile } from 'express-bucket-cors/core';
import { MAX_POLICY_CHARACTERS, parseCorsPolicy } from 'express-bucket-cors/mediastore';
import { MAX_CORS_DOCUMENT_BYTES, parseCorsXml } from 'express-bucket-cors/s3';

const rule = (overrides: Partial<CorsRule> = {}): CorsRule => ({ AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET'], ...overrides });
const config = (...rules: CorsRule[]): CorsConfiguration => ({ CORSRules: rules });

/** A strict profile, shaped like MediaStore's, to exercise every switch. */
const STRICT: RuleProfile = {
  methods: ['GET', 'PUT', 'HEAD', 'DELETE'],
  maxRules: 3,
  requiresAllowedHeaders: true,
  ruleIds: false,
  maxValueLength: { origin: 20, header: 10 },
  maxValuesPerField: 2,
  emptyValues: false,
  maxAgeSeconds: [0, 100],
};

describe('findRuleViolation', () => {
  test('a valid configuration has none, under either profile', () => {
    expect(findRuleViolation(config(rule({ AllowedHeaders: [] })), STRICT)).toBeUndefined();
    expect(findRuleViolation(config(rule()), STORED_RULES_PROFILE)).toBeUndefined();
  });

  test.each<[string, unknown, object]>([
    ['not an object', 'rules', { code: 'not-a-configuration' }],
    ['no rule list', {}, { code: 'not-a-configuration' }],
    ['a misspelt rule list', { CORSrules: [] }, { code: 'unknown-field', rule: undefined, name: 'CORSrules' }],
    ['a key beside the rule list', { CORSRules: [rule()], Rules: [] }, { code: 'unknown-field', rule: undefined, name: 'Rules' }],
    ['a misspelt field', { CORSRules: [rule(), { ...rule(), Exposeheaders: ['ETag'] }] }, { code: 'unknown-field', rule: 1, name: 'Exposeheaders' }],
    ['a field of no rule at all', { CORSRules: [{ ...rule(), Comment: 'x' }] }, { code: 'unknown-field', rule: 0, name: 'Comment' }],
    ['a rule that is no object', { CORSRules: [rule(), 7] }, { code: 'wrong-type', rule: 1, field: undefined }],
    ['origins not strings', { CORSRules: [{ AllowedOrigins: [1], AllowedMethods: ['GET'] }] }, { code: 'wrong-type', rule: 0, field: 'AllowedOrigins' }],
    ['a fractional MaxAgeSeconds', config(rule({ MaxAgeSeconds: 1.5, AllowedHeaders: [] })), { code: 'wrong-type', rule: 0, field: 'MaxAgeSeconds' }],
    ['no rules', config(), { code: 'no-rules' }],
    ['no methods', config(rule({ AllowedMethods: [], AllowedHeaders: [] })), { code: 'missing-field', rule: 0, field: 'AllowedMethods' }],
    ['no AllowedHeaders where required', config(rule()), { code: 'missing-field', rule: 0, field: 'AllowedHeaders' }],
    ['MaxAgeSeconds out of range', config(rule({ AllowedHeaders: [], MaxAgeSeconds: -1 })), { code: 'max-age-out-of-range', rule: 0, value: -1, min: 0, max: 100 }],
    ['too many rules', config(...Array.from({ length: 4 }, () => rule({ AllowedHeaders: [] }))), { code: 'too-many-rules', count: 4, limit: 3 }],
    ['an ID where rules have none', config(rule({ AllowedHeaders: [], ID: 'x' })), { code: 'id-not-allowed', rule: 0 }],
    ['too many values', config(rule({ AllowedHeaders: ['a', 'b', 'c'] })), { code: 'too-many-values', rule: 0, field: 'AllowedHeaders', count: 3, limit: 2 }],
    ['an empty value', config(rule({ AllowedHeaders: [''] })), { code: 'empty-value', rule: 0, field: 'AllowedHeaders' }],
    ['a value too long', config(rule({ AllowedHeaders: ['x-very-long-name'] })), { code: 'value-too-long', rule: 0, field: 'AllowedHeaders', limit: 10 }],
    ['a method the profile lacks', config(rule({ AllowedHeaders: [], AllowedMethods: ['POST'] })), { code: 'unsupported-method', rule: 0, value: 'POST' }],
    ['two wildcards', config(rule({ AllowedHeaders: [], AllowedOrigins: ['https://*.*'] })), { code: 'too-many-wildcards', field: 'AllowedOrigins', value: 'https://*.*' }],
    ['a wildcard in ExposeHeaders', config(rule({ AllowedHeaders: [], ExposeHeaders: ['x-*'] })), { code: 'wildcard-not-allowed', field: 'ExposeHeaders', value: 'x-*' }],
    ['a header name with a space', config(rule({ AllowedHeaders: ['a b'] })), { code: 'invalid-header-name', field: 'AllowedHeaders', value: 'a b' }],
  ])('%s', (_what, configuration, expected) => {
    expect(findRuleViolation(configuration, STRICT)).toMatchObject(expected);
  });

  test('checks structure across all rules before values, then rule by rule in stored order, methods first', () => {
    const later = rule({ AllowedHeaders: [], AllowedMethods: ['POST'] });
    // The value error of rule 0 loses to the missing field of rule 1.
    expect(findRuleViolation(config(later, rule()), STRICT)).toMatchObject({ code: 'missing-field', rule: 1 });
    // Methods are checked before origins within a rule.
    expect(findRuleViolation(config(rule({ AllowedHeaders: [], AllowedMethods: ['POST'], AllowedOrigins: ['**'] })), STRICT)).toMatchObject({ code: 'unsupported-method' });
    expect(findRuleViolation(config(rule({ AllowedHeaders: [] }), later), STRICT)).toMatchObject({ code: 'unsupported-method', rule: 1 });
  });

  test('the stored profile accepts what S3 accepts: empty values, IDs up to 255, negative MaxAgeSeconds, POST', () => {
    expect(findRuleViolation(config(rule({ AllowedOrigins: [''], AllowedHeaders: [''], ID: 'i'.repeat(255), MaxAgeSeconds: -5, AllowedMethods: ['POST'] })), STORED_RULES_PROFILE)).toBeUndefined();
    expect(findRuleViolation(config(rule({ ID: 'i'.repeat(256) })), STORED_RULES_PROFILE)).toMatchObject({ code: 'value-too-long', field: 'ID', limit: 255 });
  });
});

describe('describeRuleViolation and assertValidRules', () => {
  test('say which rule (counted from 1), which field and why', () => {
    expect(describeRuleViolation({ code: 'unsupported-method', rule: 1, value: 'POST' })).toBe('rule 2: AllowedMethods holds the unsupported method "POST"');
    expect(describeRuleViolation({ code: 'missing-field', rule: 0, field: 'AllowedHeaders' })).toBe('rule 1: AllowedHeaders is required');
    expect(describeRuleViolation({ code: 'unknown-field', rule: 2, name: 'MaxAge' })).toBe(
      'rule 3: unknown key "MaxAge" (did you mean "MaxAgeSeconds"?); a rule\'s keys are ID, AllowedOrigins, AllowedMethods, AllowedHeaders, ExposeHeaders, MaxAgeSeconds',
    );
    expect(describeRuleViolation({ code: 'unknown-field', rule: undefined, name: 'CORSrules' })).toBe('unknown key "CORSrules" at the top level (did you mean "CORSRules"?); the configuration holds only "CORSRules"');
  });

  test('assertValidRules returns the configuration, or throws a RuleViolationError carrying the violation', () => {
    const valid = config(rule({ AllowedHeaders: [] }));
    expect(assertValidRules(valid, STRICT)).toBe(valid);
    let thrown: unknown;
    try {
      assertValidRules(config(rule()), STRICT);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RuleViolationError);
    expect((thrown as RuleViolationError).violation).toEqual({ code: 'missing-field', rule: 0, field: 'AllowedHeaders' });
    expect((thrown as Error).message).toBe('invalid CORS configuration: rule 1: AllowedHeaders is required');
  });
});

describe('values every wire format carries back', () => {
  test.each([
    ['NUL in an ID', rule({ ID: 'a\u0000' }), 'ID'],
    ['a lone surrogate in an origin', rule({ AllowedOrigins: ['https://\ud800.example'] }), 'AllowedOrigins'],
    ['U+FFFF in an ID', rule({ ID: 'x\uffff' }), 'ID'],
    ['U+0001 in an origin', rule({ AllowedOrigins: ['https://a\u0001'] }), 'AllowedOrigins'],
  ])('%s is refused in every profile (a JSON body could otherwise store what XML cannot return)', (_what, bad, field) => {
    expect(findRuleViolation(config(bad), STORED_RULES_PROFILE)).toMatchObject({ code: 'invalid-character', rule: 0, field });
  });

  test('TAB, LF, CR, astral characters and surrogate pairs are fine', () => {
    expect(findRuleViolation(config(rule({ ID: 'a\tb\nc\rd 😀', AllowedOrigins: ['https://\u{1F600}.example'] })), STORED_RULES_PROFILE)).toBeUndefined();
  });
});

describe('MAX_STORED_RULES_CHARACTERS', () => {
  const characters = (configuration: CorsConfiguration) => JSON.stringify(configuration.CORSRules).length;

  test('is the larger of what the dialects accept: MediaStore policy characters, twice S3 document bytes', () => {
    expect(MAX_STORED_RULES_CHARACTERS).toBe(Math.max(MAX_POLICY_CHARACTERS, 2 * MAX_CORS_DOCUMENT_BYTES));
  });

  test('holds the longest MediaStore policy and the S3 document whose JSON grows the most', () => {
    // 100 rules of 100 origins, padded to exactly the policy limit.
    const rule = (i: number, pad: number) => ({ AllowedOrigins: Array.from({ length: 100 }, (_, j) => `https://o${j}.${'a'.repeat(pad)}.r${i}.example`), AllowedMethods: ['GET'], AllowedHeaders: ['*'] });
    const policyOf = (pad: number) => Array.from({ length: 100 }, (_, i) => rule(i, pad));
    let pad = 1;
    while (JSON.stringify(policyOf(pad + 1)).length <= MAX_POLICY_CHARACTERS) pad++;
    const policy = policyOf(pad);
    const room = MAX_POLICY_CHARACTERS - JSON.stringify(policy).length; // under one character per origin
    for (let k = 0; k < room; k++) policy[Math.floor(k / 100)]!.AllowedOrigins[k % 100] += 'a';
    expect(JSON.stringify(policy)).toHaveLength(MAX_POLICY_CHARACTERS);
    expect(characters(parseCorsPolicy(policy))).toBeLessThanOrEqual(MAX_STORED_RULES_CHARACTERS);

    // A value of quotes: one XML character each, two in JSON (\").
    const frame = '<CORSConfiguration><CORSRule><AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';
    const quotes = '"'.repeat(MAX_CORS_DOCUMENT_BYTES - frame.length);
    const xml = frame.replace('<AllowedOrigin>', `<AllowedOrigin>${quotes}`);
    expect(Buffer.byteLength(xml)).toBe(MAX_CORS_DOCUMENT_BYTES);
    const s3 = parseCorsXml(xml);
    expect(characters(s3)).toBeGreaterThan(2 * quotes.length);
    expect(characters(s3)).toBeLessThanOrEqual(MAX_STORED_RULES_CHARACTERS);
  });
});
