// The compiled origin index (literal origins, suffix buckets, scanned rules) picks exactly the rule a plain first-match scan picks.

import { compileCorsConfiguration, decideActual, decidePreflight, type CorsRule } from 'express-bucket-cors/core';
import { requestOf } from './fixtures';

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Reference matcher written independently of lib/core/wildcard.ts (slices instead of startsWith/endsWith). */
function referenceOriginMatch(pattern: string, origin: string): boolean {
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === origin;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return origin.length >= prefix.length + suffix.length && origin.slice(0, prefix.length) === prefix && origin.slice(origin.length - suffix.length) === suffix;
}

function referenceFirstMatch(rules: readonly CorsRule<string>[], origin: string, method: string): number {
  return rules.findIndex((rule) => rule.AllowedMethods.includes(method) && rule.AllowedOrigins.some((pattern) => referenceOriginMatch(pattern, origin)));
}

const PIECES = ['a', 'b', '.x', '.y', 'ab', 'https://', '.com', ''];
const METHODS = ['GET', 'PUT', 'POST'];

describe('rule lookup through the origin index', () => {
  test('agrees with a plain first-match scan on random configurations', () => {
    const next = random(20261121);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const word = () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(PIECES)).join('');
    let checked = 0;
    for (let round = 0; round < 300; round++) {
      const rules: CorsRule<string>[] = Array.from({ length: 1 + Math.floor(next() * 12) }, () => ({
        AllowedOrigins: Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
          const kind = next();
          if (kind < 0.05) return '*';
          if (kind < 0.5) return word();
          return `${word()}*${word()}`;
        }),
        AllowedMethods: [pick(METHODS), pick(METHODS)],
      }));
      const state = { kind: 'configured' as const, rules: compileCorsConfiguration({ CORSRules: rules }) };
      for (let i = 0; i < 30; i++) {
        const origin = word() || 'o';
        const method = pick(METHODS);
        const expected = referenceFirstMatch(rules, origin, method);
        const decision = decidePreflight(requestOf({ origin, requestMethod: method }), state);
        expect(decision.allowed ? decision.ruleIndex : -1).toBe(expected);
        const actual = decideActual(requestOf({ method, origin }), state);
        expect(actual.matched ? actual.ruleIndex : -1).toBe(expected);
        checked++;
      }
    }
    expect(checked).toBe(9000);
  });

  test('more than 16 suffix lengths still finds the first matching rule', () => {
    const rules: CorsRule<string>[] = Array.from({ length: 40 }, (_, i) => ({ AllowedOrigins: [`https://*.${'s'.repeat(i + 1)}.example`], AllowedMethods: ['GET'] }));
    rules.push({ AllowedOrigins: ['https://*'], AllowedMethods: ['GET'] });
    const compiled = compileCorsConfiguration({ CORSRules: rules });
    expect(compiled.suffixBuckets).toHaveLength(0);
    const state = { kind: 'configured' as const, rules: compiled };
    expect(decidePreflight(requestOf({ origin: 'https://a.sss.example', requestMethod: 'GET' }), state)).toMatchObject({ allowed: true, ruleIndex: 2 });
    expect(decidePreflight(requestOf({ origin: 'https://a.other', requestMethod: 'GET' }), state)).toMatchObject({ allowed: true, ruleIndex: 40 });
  });

  test('a pattern rule before a literal rule for the same origin wins', () => {
    const state = {
      kind: 'configured' as const,
      rules: compileCorsConfiguration({
        CORSRules: [
          { AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET'], MaxAgeSeconds: 1 },
          { AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET'], MaxAgeSeconds: 2 },
        ],
      }),
    };
    expect(decidePreflight(requestOf({ origin: 'https://app.example.com', requestMethod: 'GET' }), state)).toMatchObject({ allowed: true, ruleIndex: 0 });
  });
});
