// S3 → X → S3 gives the configuration back whenever X can represent it (no warning), for every registered format;
// so do bucket files (export --format X, then import --format X).

import fc from 'fast-check';
import { convert, FORMATS, isConversionError, type CorsConfiguration, type CorsMethod, type CorsRule } from 'express-bucket-cors';
import { bucketFileOf, readBucketFile } from '../support/internals';
import { assertProperty } from '../support/properties';

const METHODS: CorsMethod[] = ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'];
const ORIGINS = ['https://a.example', 'https://b.example', '*', 'https://*.example', 'http://localhost:*', 'https://x.example:8080', 'https://*-app.example'];
const ALLOWED = ['content-type', 'x-amz-*', '*', 'ETag', 'x-custom', 'Authorization'];
const EXPOSED = ['ETag', 'x-amz-request-id', 'Content-Type'];

/** An optional list field: absent, or a subset (possibly empty). */
const optionalList = (pool: readonly string[]) => fc.option(fc.subarray([...pool]), { nil: undefined });

const ruleArbitrary: fc.Arbitrary<CorsRule> = fc
  .record({
    ID: fc.option(fc.constantFrom('uploads', 'web-app-1', 'rule-a', 'b2-reserved', 'x'), { nil: undefined }),
    AllowedOrigins: fc.subarray(ORIGINS, { minLength: 1 }),
    AllowedMethods: fc.subarray(METHODS, { minLength: 1 }),
    AllowedHeaders: optionalList(ALLOWED),
    ExposeHeaders: optionalList(EXPOSED),
    sameHeaders: fc.boolean(),
    MaxAgeSeconds: fc.option(fc.constantFrom(-5, 0, 600, 3600, 86400, 100000), { nil: undefined }),
  })
  .map(({ sameHeaders, ...rule }) => {
    // Half the time one list for both, as GCS holds it.
    const shaped = sameHeaders ? { ...rule, AllowedHeaders: rule.ExposeHeaders } : rule;
    return Object.fromEntries(Object.entries(shaped).filter(([, value]) => value !== undefined)) as unknown as CorsRule;
  });

/** Rules most formats hold exactly: exact origins, one header list, a max age in every range; an ID half the time. */
const plainRuleArbitrary: fc.Arbitrary<CorsRule> = fc
  .record({
    ID: fc.option(fc.constant('web-app-1'), { nil: undefined, freq: 2 }),
    AllowedOrigins: fc.subarray(['https://a.example', 'https://b.example', '*'], { minLength: 1 }),
    AllowedMethods: fc.subarray(METHODS, { minLength: 1 }),
    headers: fc.subarray(EXPOSED, { minLength: 1 }),
    MaxAgeSeconds: fc.constantFrom(0, 600, 3600),
  })
  .map(({ ID, headers, ...rule }) => ({ ...(ID === undefined ? {} : { ID }), ...rule, AllowedHeaders: headers, ExposeHeaders: headers }));

const configurationArbitrary: fc.Arbitrary<CorsConfiguration> = fc
  .oneof(fc.array(ruleArbitrary, { minLength: 1, maxLength: 6 }), fc.array(plainRuleArbitrary, { minLength: 1, maxLength: 2 }))
  .map((rules) => ({ CORSRules: rules }));

/** A rule with its empty optional lists left out: the same meaning (formats with required lists write `[]`). */
const normalised = (configuration: CorsConfiguration) =>
  configuration.CORSRules.map((rule) => Object.fromEntries(Object.entries(rule).filter(([, value]) => !(Array.isArray(value) && value.length === 0))));

const TARGETS = FORMATS.map(({ format }) => format.name);

describe.each(TARGETS)('S3 → %s → S3', (target) => {
  test('without warnings, the rules come back unchanged; every refusal is a ConversionError of the target\u2019s limits', () => {
    let exact = 0;
    assertProperty(
      fc.property(configurationArbitrary, (configuration) => {
        let there;
        try {
          there = convert(configuration, { from: 's3-json', to: target });
        } catch (error) {
          if (isConversionError(error) && error.code === 'limits') return;
          throw error;
        }
        if (there.warnings.length > 0) {
          for (const warning of there.warnings) expect(warning.rule === null || (warning.rule >= 0 && warning.rule < configuration.CORSRules.length)).toBe(true);
          return;
        }
        exact++;
        const back = convert(there.document, { from: target, to: 's3-json' });
        expect(back.warnings).toEqual([]);
        expect(normalised(back.configuration)).toEqual(normalised(configuration));
      }),
      300,
    );
    // The generator reaches configurations each format represents exactly (not only lossy ones).
    expect(exact).toBeGreaterThan(5);
  });
});

test('strict converts exactly what a lenient conversion converts without warnings, and refuses the rest', () => {
  assertProperty(
    fc.property(configurationArbitrary, fc.constantFrom(...TARGETS), (configuration, target) => {
      let lenient;
      try {
        lenient = convert(configuration, { to: target });
      } catch (error) {
        expect(isConversionError(error)).toBe(true);
        return;
      }
      if (lenient.warnings.length === 0) expect(convert(configuration, { to: target, strict: true }).document).toBe(lenient.document);
      else expect(() => convert(configuration, { to: target, strict: true })).toThrow(expect.objectContaining({ code: 'lossy', warnings: lenient.warnings }));
    }),
    300,
  );
});

/** Buckets (their names keys like any other, `__proto__` among them), mostly of rules the formats hold exactly. */
const bucketsArbitrary = fc.dictionary(
  fc.constantFrom('photos', '__proto__', 'constructor', 'b-2', 'toString'),
  fc.oneof({ weight: 3, arbitrary: fc.array(plainRuleArbitrary, { minLength: 1, maxLength: 2 }).map((rules) => ({ CORSRules: rules })) }, { weight: 1, arbitrary: configurationArbitrary }),
  { minKeys: 1, maxKeys: 3 },
);

describe.each(TARGETS)('export --format %s, then import in the same format', (target) => {
  test('gives every bucket the stored configuration back when the export lost nothing; each loss names its bucket', () => {
    let exact = 0;
    assertProperty(
      fc.property(bucketsArbitrary, (generated) => {
        const stored: Record<string, CorsConfiguration> = Object.create(null);
        for (const [bucket, configuration] of Object.entries(generated)) stored[bucket] = configuration;
        const { file, warnings, skipped } = bucketFileOf(stored, target);
        for (const line of warnings) expect(Object.keys(stored).some((bucket) => line.includes(`bucket ${bucket}, `))).toBe(true);
        if (warnings.length > 0 || skipped.length > 0) return;
        exact++;
        // Through the file's text, as import reads it.
        const imported = readBucketFile(JSON.parse(JSON.stringify(file)), target, 'file.json');
        expect(imported.map(({ bucket }) => bucket)).toEqual(Object.keys(stored));
        for (const { bucket, configuration, warnings: losses } of imported) {
          expect(losses).toEqual([]);
          expect(normalised(configuration)).toEqual(normalised(stored[bucket]!));
        }
        // The file names its format: import without --format reads it the same.
        expect(readBucketFile(JSON.parse(JSON.stringify(file)), undefined, 'file.json').map(({ configuration }) => configuration)).toEqual(imported.map(({ configuration }) => configuration));
      }),
      200,
    );
    expect(exact).toBeGreaterThan(3);
  });
});
