// diffConfigurations and groupConfigurations: rule-by-rule differences in readable lines, and buckets grouped by distinct configuration.

import { diffConfigurations, groupConfigurations, type CorsConfiguration, type CorsRule } from 'express-bucket-cors/core';

const PUBLIC: CorsRule = { AllowedOrigins: ['*'], AllowedMethods: ['GET'] };
const UPLOADS: CorsRule = { ID: 'uploads', AllowedOrigins: ['https://app.example'], AllowedMethods: ['PUT', 'POST'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 };
const ADMIN: CorsRule = { ID: 'admin', AllowedOrigins: ['https://admin.example'], AllowedMethods: ['DELETE'] };
const of = (...rules: CorsRule[]): CorsConfiguration => ({ CORSRules: rules });

describe('diffConfigurations', () => {
  it('finds nothing between equal configurations, field order of the objects aside', () => {
    const reordered = { MaxAgeSeconds: 3000, AllowedHeaders: ['*'], AllowedMethods: ['PUT', 'POST'], AllowedOrigins: ['https://app.example'], ID: 'uploads' } as CorsRule;
    expect(diffConfigurations(of(UPLOADS, PUBLIC), of(reordered, PUBLIC))).toEqual({ equal: true, differences: [], lines: [] });
    expect(diffConfigurations(null, null).equal).toBe(true);
  });

  it('reports an inserted rule as added, without calling the rules after it changed', () => {
    const diff = diffConfigurations(of(UPLOADS, PUBLIC), of(ADMIN, UPLOADS, PUBLIC));
    expect(diff.differences).toEqual([{ kind: 'added', index: 0, rule: ADMIN }]);
    expect(diff.lines).toEqual(['+ rule 1 ("admin"): AllowedOrigins: https://admin.example; AllowedMethods: DELETE']);
  });

  it('reports a removed rule and the changed fields of a rule, value by value', () => {
    const widened: CorsRule = { ...UPLOADS, AllowedOrigins: ['https://app.example', 'https://*.app.example'], MaxAgeSeconds: 60 };
    const diff = diffConfigurations(of(ADMIN, UPLOADS, PUBLIC), of(widened, PUBLIC));
    expect(diff.equal).toBe(false);
    expect(diff.differences).toEqual([
      { kind: 'removed', from: 0, rule: ADMIN },
      { kind: 'changed', from: 1, index: 0, fields: [
        { field: 'AllowedOrigins', removed: [], added: ['https://*.app.example'] },
        { field: 'MaxAgeSeconds', removed: ['3000'], added: ['60'] },
      ] },
    ]);
    expect(diff.lines).toEqual([
      '- rule 1 ("admin"): AllowedOrigins: https://admin.example; AllowedMethods: DELETE',
      '~ rule 1 ("uploads") (was rule 2): AllowedOrigins +https://*.app.example; MaxAgeSeconds -3000 +60',
    ]);
  });

  it('tells values reordered within a field, since GetBucketCors shows the order', () => {
    const diff = diffConfigurations(of(UPLOADS), of({ ...UPLOADS, AllowedMethods: ['POST', 'PUT'] }));
    expect(diff.lines).toEqual(['~ rule 1 ("uploads"): AllowedMethods -PUT -POST +POST +PUT']);
  });

  it('says when a configuration appears or goes', () => {
    expect(diffConfigurations(null, of(PUBLIC)).lines).toEqual(['no configuration → 1 rule(s)', '+ rule 1: AllowedOrigins: *; AllowedMethods: GET']);
    expect(diffConfigurations(of(PUBLIC, ADMIN), null).lines[0]).toBe('2 rule(s) → no configuration');
    expect(diffConfigurations(of(PUBLIC), null).equal).toBe(false);
  });
});

describe('groupConfigurations', () => {
  it('groups buckets by distinct configuration, the largest group first, buckets sorted', () => {
    const groups = groupConfigurations([
      ['media', of(UPLOADS, PUBLIC)],
      ['assets', of(PUBLIC)],
      ['photos', of(UPLOADS, PUBLIC)],
      ['backups', null],
      ['docs', of(UPLOADS, PUBLIC)],
      ['logs', null],
      ['reversed', of(PUBLIC, UPLOADS)],
    ]);
    expect(groups).toEqual([
      { configuration: of(UPLOADS, PUBLIC), buckets: ['docs', 'media', 'photos'] },
      { configuration: null, buckets: ['backups', 'logs'] },
      { configuration: of(PUBLIC), buckets: ['assets'] },
      { configuration: of(PUBLIC, UPLOADS), buckets: ['reversed'] },
    ]);
    expect(groupConfigurations([])).toEqual([]);
  });
});
