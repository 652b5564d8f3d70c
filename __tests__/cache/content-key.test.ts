import fc from 'fast-check';
import { configurationOfKey, contentKey } from '../support/internals';

/** The rule table's fields, in its order. */
const FIELDS = ['ID', 'AllowedOrigins', 'AllowedMethods', 'AllowedHeaders', 'ExposeHeaders', 'MaxAgeSeconds'] as const;

describe('contentKey', () => {
  // Strings with everything JSON escapes: quotes, backslashes, control characters, lone and paired surrogates.
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u0000', '\ud800', '\udc00x', '\ud83d\ude00', 'https://a.example', '*'));
  const rule = fc.record(
    {
      ID: text,
      AllowedMethods: fc.array(text, { maxLength: 4 }),
      AllowedOrigins: fc.array(text, { maxLength: 4 }),
      AllowedHeaders: fc.array(text, { maxLength: 4 }),
      ExposeHeaders: fc.array(text, { maxLength: 4 }),
      MaxAgeSeconds: fc.oneof(fc.integer(), fc.double()),
    },
    { requiredKeys: [] },
  );

  /** A configuration's table fields as JSON holds them: what the key must tell apart, and only that. */
  const asJson = (rules: ReadonlyArray<Record<string, unknown>>) => JSON.parse(JSON.stringify(rules.map((r) => Object.fromEntries(FIELDS.filter((field) => r[field] !== undefined).map((field) => [field, r[field]])))));

  it('decodes to the very values of the table fields, whatever JSON escapes: equal keys mean equal rules', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), (rules) => {
        const key = contentKey({ CORSRules: rules }) as string;
        expect(configurationOfKey(key).CORSRules).toEqual(asJson(rules));
      }),
      { numRuns: 500 },
    );
  });

  it('tells an absent field from an empty list, null, 0 and a one-value list', () => {
    const variants = [{}, { MaxAgeSeconds: 0 }, { MaxAgeSeconds: [0] }, { MaxAgeSeconds: null }, { ExposeHeaders: [] }, { ExposeHeaders: [[]] }, { ID: '' }, { ID: 0 }];
    const keys = variants.map((fields) => contentKey({ CORSRules: [{ AllowedMethods: ['GET'], ...fields }] }));
    expect(new Set(keys).size).toBe(variants.length);
    expect(contentKey({ CORSRules: [{ AllowedMethods: ['GET'], note: 'outside the table' }] })).toBe(keys[0]);
  });

  it('gives the configuration back for a valid one', () => {
    const configuration = { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://a.example', 'https://*.b.example'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }, { ID: 'say "hi"\\', AllowedMethods: ['PUT'], AllowedOrigins: ['*'], AllowedHeaders: [] }] };
    expect(configurationOfKey(contentKey(configuration) as string)).toEqual(configuration);
  });

  it('leaves lists with a toJSON, holes or other values to JSON.stringify', () => {
    const withToJson = Object.assign(['GET'], { toJSON: () => ['PUT'] });
    // eslint-disable-next-line no-sparse-arrays
    const sparse = ['GET', , 'PUT'];
    const methodsBit = 1 << FIELDS.indexOf('AllowedMethods');
    expect(contentKey({ CORSRules: [{ AllowedMethods: withToJson }] })).toBe(`[[${methodsBit},["PUT"]]]`);
    expect(contentKey({ CORSRules: [{ AllowedMethods: sparse, MaxAgeSeconds: Number.NaN }] })).toBe(`[[${methodsBit | (1 << FIELDS.indexOf('MaxAgeSeconds'))},["GET",null,"PUT"],null]]`);
    expect(contentKey({ CORSRules: [{ AllowedMethods: [1, 'GET'] }] })).toBe(`[[${methodsBit},[1,"GET"]]]`);
  });
});
