// explain() with a report-only candidate, and the comparison of answers it shares with the middleware's events.

import { decisionDifference, explain, type CorsConfiguration } from 'express-bucket-cors/core';

const A = 'https://a.example';
const B = 'https://b.example';
const ENFORCED: CorsConfiguration = { CORSRules: [{ ID: 'app', AllowedOrigins: [A], AllowedMethods: ['GET'], MaxAgeSeconds: 60 }] };
const CANDIDATE: CorsConfiguration = { CORSRules: [{ ID: 'app', AllowedOrigins: [A], AllowedMethods: ['GET'], MaxAgeSeconds: 600 }, { AllowedOrigins: [B], AllowedMethods: ['GET'] }] };

describe('explain with a report-only candidate', () => {
  it('explains the request against both, saying how the candidate differs', () => {
    const refusedNow = explain(ENFORCED, { origin: B, method: 'GET', preflight: true }, { candidate: CANDIDATE });
    expect(refusedNow).toMatchObject({ allowed: false, reason: 'no-match', source: 'bucket' });
    expect(refusedNow.candidate).toMatchObject({ allowed: true, rule: 1, reason: null, difference: 'outcome', summary: 'preflight allowed by rule 2' });
    const longer = explain(ENFORCED, { origin: A, method: 'GET', preflight: true }, { candidate: CANDIDATE });
    expect(longer.candidate).toMatchObject({ allowed: true, rule: 0, difference: 'headers' });
    expect(longer.candidate!.headers).toContainEqual(['Access-Control-Max-Age', '600']);
    const same = explain(ENFORCED, { origin: 'https://c.example', method: 'GET', preflight: false }, { candidate: CANDIDATE });
    expect(same.candidate).toMatchObject({ allowed: false, difference: null });
  });

  it('leaves the explanation unchanged without a candidate', () => {
    const request = { origin: A, method: 'GET', preflight: true } as const;
    expect(explain(ENFORCED, request, {})).toEqual(explain(ENFORCED, request));
    expect('candidate' in explain(ENFORCED, request)).toBe(false);
  });

  it('explains a bucket without a configuration (null), with the reason S3 gives', () => {
    const none = explain(null, { origin: A, method: 'GET', preflight: true }, { candidate: CANDIDATE });
    expect(none).toMatchObject({ allowed: false, reason: 'no-configuration', rules: [], suggestion: 'put a CORS configuration on the bucket', headers: [] });
    expect(none.candidate).toMatchObject({ allowed: true, difference: 'outcome' });
    // Refused for another reason: S3 words the two refusals differently.
    expect(explain(null, { origin: 'https://c.example', method: 'GET', preflight: true }, { candidate: CANDIDATE }).candidate).toMatchObject({ reason: 'no-match', difference: 'refusal' });
  });

  it('validates the candidate as it validates the rules', () => {
    expect(() => explain(ENFORCED, { origin: A, method: 'GET', preflight: true }, { candidate: { CORSRules: [] } as CorsConfiguration })).toThrow(/CORS/);
  });
});

describe('decisionDifference', () => {
  const allowed = (headers: ReadonlyArray<readonly [string, string]>) => ({ allowed: true, reason: null, headers });
  const refused = (reason: string) => ({ allowed: false, reason, headers: [] });
  it('tells outcome, headers and (for preflights only) refusal differences apart', () => {
    expect(decisionDifference(true, allowed([['a', '1']]), refused('no-match'))).toBe('outcome');
    expect(decisionDifference(false, allowed([['a', '1']]), allowed([['a', '2']]))).toBe('headers');
    expect(decisionDifference(false, allowed([['a', '1']]), allowed([['a', '1'], ['b', '1']]))).toBe('headers');
    expect(decisionDifference(false, allowed([['a', '1']]), allowed([['a', '1']]))).toBeUndefined();
    expect(decisionDifference(true, refused('no-match'), refused('no-configuration'))).toBe('refusal');
    expect(decisionDifference(false, refused('no-match'), refused('no-configuration'))).toBeUndefined();
  });
});
