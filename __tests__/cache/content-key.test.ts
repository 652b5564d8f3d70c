import fc from 'fast-check';
import { configurationOfKey, contentKey } from '../support/internals';

/** The content key as it was first defined: every field of the table by position, each value through JSON.stringify. */
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

  it('spells each value as JSON.stringify does, so it decodes to the very values', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 4 }), (rules) => {
        const key = contentKey({ CORSRules: rules });
        const expected = `[${rules.map((r) => `[${FIELDS.map((field) => (r[field] === undefined ? '0' : `[${JSON.stringify(r[field])}]`)).join(',')}]`).join(',')}]`;
        expect(key).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the configuration back for a valid one', () => {
    const configuration = { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://a.example', 'https://*.b.example'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }, { ID: 'say "hi"\\', AllowedMethods: ['PUT'], AllowedOrigins: ['*'], AllowedHeaders: [] }] };
    expect(configurationOfKey(contentKey(configuration) as string)).toEqual(configuration);
  });

  it('leaves lists with a toJSON, holes or other values to JSON.stringify', () => {
    const withToJson = Object.assign(['GET'], { toJSON: () => ['PUT'] });
    // eslint-disable-next-line no-sparse-arrays
    const sparse = ['GET', , 'PUT'];
    expect(contentKey({ CORSRules: [{ AllowedMethods: withToJson }] })).toBe('[[0,0,[["PUT"]],0,0,0]]');
    expect(contentKey({ CORSRules: [{ AllowedMethods: sparse, MaxAgeSeconds: Number.NaN }] })).toBe('[[0,0,[["GET",null,"PUT"]],0,0,[null]]]');
    expect(contentKey({ CORSRules: [{ AllowedMethods: [1, 'GET'] }] })).toBe('[[0,0,[[1,"GET"]],0,0,0]]');
  });
});
