// Each format's shape, limits and vocabulary; detection and its errors; losses found by comparing decisions.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert, DIALECTS, FORMAT_NAMES, parseConfiguration, type ConversionWarning, type CorsConfiguration, type CorsRule } from 'express-bucket-cors';
import { selectionDifferences } from 'express-bucket-cors/core';

const codes = (warnings: readonly ConversionWarning[]) => warnings.map((warning) => warning.code);
const rules = (...list: CorsRule[]): CorsConfiguration => ({ CORSRules: list });
const APP: CorsRule = { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'], MaxAgeSeconds: 60 };
const problemsOf = (work: () => unknown): { code: string; problems: readonly string[] } => {
  try {
    work();
  } catch (error) {
    return error as { code: string; problems: readonly string[] };
  }
  throw new Error('expected a ConversionError');
};

describe('reading: every S3 shape anywhere, the format detected, a clear error when none fits', () => {
  test('S3 XML, the CLI JSON and the console list read to the same rules', () => {
    const console = [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'], MaxAgeSeconds: 60 }];
    const fromConsole = parseConfiguration(JSON.stringify(console));
    expect(fromConsole.format.name).toBe('s3-console');
    expect(parseConfiguration(JSON.stringify({ CORSRules: console })).configuration).toEqual(fromConsole.configuration);
    expect(parseConfiguration(convert(console, { to: 'xml' }).document).configuration).toEqual(fromConsole.configuration);
    expect(parseConfiguration(console).format.name).toBe('s3-console'); // a parsed value too
    expect(parseConfiguration(new TextEncoder().encode(`\uFEFF${JSON.stringify(console)}`)).format.name).toBe('s3-console');
  });

  test('no shape fits: the error says what the document is and names every shape expected', () => {
    const error = problemsOf(() => parseConfiguration('{"policy":[]}'));
    expect(error.code).toBe('unrecognized');
    expect(error.problems[0]).toBe('an object with keys policy is no CORS configuration format this reads; expected one of');
    for (const name of ['s3-json: {"CORSRules"', 's3-console: [{"AllowedOrigins"', 'gcs-json: [{"origin"', 'azure-xml: <Cors>', 'b2-json: [{"corsRuleName"', 'r2-json: {"rules"'])
      expect(error.problems.some((problem) => problem.startsWith(name))).toBe(true);
    expect(problemsOf(() => parseConfiguration('<Rules/>')).problems[0]).toContain('an XML document with root <Rules>');
    expect(problemsOf(() => parseConfiguration('hello')).code).toBe('unrecognized');
    expect(problemsOf(() => parseConfiguration('[]')).problems[0]).toContain('an empty list');
  });

  test('a near miss of S3\u2019s JSON is S3\u2019s refusal naming the fix, with S3\u2019s code; other providers\u2019 keys are not near misses', () => {
    expect(problemsOf(() => parseConfiguration('{"CorsRules":[]}'))).toMatchObject({ code: 'malformed', apiCode: 'MalformedJSON', problems: [expect.stringContaining('unknown key "CorsRules" at the top level (did you mean "CORSRules"?)')] });
    expect(problemsOf(() => parseConfiguration('{"CORSConfiguration":{"CORSRules":[]}}')).problems[0]).toContain('the rules are wrapped in "CORSConfiguration"');
    expect(parseConfiguration('{"corsRules":[{"allowedOrigins":["*"],"allowedMethods":["GET"],"allowedHeaders":[],"exposedHeaders":[],"maxAgeInSeconds":0}]}').format.name).toBe('azure-json');
    expect(parseConfiguration('{"cors":[{"origin":["*"],"method":["GET"]}]}').format.name).toBe('gcs-json');
  });

  test('invalid rules carry S3\u2019s code: a JSON document\u2019s structural failure is MalformedJSON, an XML one\u2019s MalformedXML; invalid UTF-8 too', () => {
    expect(problemsOf(() => parseConfiguration('{"CORSRules":[]}'))).toMatchObject({ apiCode: 'MalformedJSON' });
    expect(problemsOf(() => parseConfiguration('[{"origin":["*"],"method":["get"]}]'))).toMatchObject({ code: 'malformed' });
    expect(problemsOf(() => parseConfiguration('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["get"]}]}'))).toMatchObject({ apiCode: 'InvalidRequest' });
    expect(problemsOf(() => parseConfiguration(new Uint8Array([0x20, 0x3c, 0xff])))).toMatchObject({ code: 'malformed', apiCode: 'MalformedXML' });
    expect(problemsOf(() => parseConfiguration(new Uint8Array([0x7b, 0xff])))).toMatchObject({ code: 'malformed', apiCode: 'MalformedJSON' });
    // Text is held to PutBucketCors's 64 KB; a parsed value (a bucket of an export file) is not.
    const big = { CORSRules: [{ AllowedOrigins: Array.from({ length: 3_000 }, (_, i) => `https://${i}.example.com`), AllowedMethods: ['GET'] }] };
    expect(problemsOf(() => parseConfiguration(JSON.stringify(big)))).toMatchObject({ apiCode: 'MaxMessageLengthExceeded' });
    expect(parseConfiguration(big).configuration).toEqual(big);
  });

  test('a format named but not matching: malformed, naming the field; an unknown name suggests the near ones', () => {
    expect(problemsOf(() => parseConfiguration('[{"origin":"https://a.example","method":["GET"]}]'))).toMatchObject({ code: 'malformed', problems: ['gcs-json: entry 1 origin must be a list of strings'], warnings: [] });
    expect(problemsOf(() => parseConfiguration('{"rules":[{"allowed":{"origins":["*"]}}]}')).problems).toEqual(['r2-json: rules 1 allowed.methods must be a list of strings (it is required)']);
    expect(problemsOf(() => parseConfiguration('{"CORSRules":[]}', { format: 'gcs' })).problems[0]).toContain('gcs-json');
    expect(problemsOf(() => parseConfiguration('[]', { format: 'gcs-xml' })).problems).toEqual(['gcs-xml is XML: expected <CorsConfig><Cors><Origins><Origin>…</Origin></Origins><Methods><Method>…</Method></Methods><ResponseHeaders>…</ResponseHeaders><MaxAgeSec>3600</MaxAgeSec></Cors></CorsConfig>']);
    const unknown = problemsOf(() => parseConfiguration('[]', { format: 'azure-bicep' }));
    expect(unknown.code).toBe('unknown-format');
    expect(unknown.problems[0]).toContain('did you mean azure or azure-xml or azure-json?');
  });

  test('rules S3 would refuse are refused with S3’s code, whatever the format', () => {
    const error = problemsOf(() => parseConfiguration('{"rules":[{"allowed":{"origins":["*"],"methods":["get"]}}]}'));
    expect(error).toMatchObject({ code: 'invalid', problems: ['S3 would refuse it: InvalidRequest: rule 1: AllowedMethods holds the unsupported method "get"'] });
  });

  test('every format, alias and dialect name is a name convert takes', () => {
    expect(FORMAT_NAMES).toEqual(expect.arrayContaining(['s3', 'gcs', 'azure', 'b2', 'r2', 'mediastore', 's3-xml', 'xml', 's3-json', 'json', 's3-console', 'gcs-json', 'gcs-xml', 'azure-xml', 'azure-json', 'b2-json', 'r2-json', 'r2-dashboard', 'mediastore-json']));
    expect(DIALECTS.map((dialect) => [dialect.name, dialect.selection])).toEqual([['s3', 'first-match'], ['gcs', 'origin-and-method'], ['azure', 'origin-and-method'], ['b2', 'first-match'], ['r2', 'first-match'], ['mediastore', 'first-match']]);
  });

  test('a dialect of formats is three files in its folder and two lines of the registry, as docs/behaviour.md §23.6 states', () => {
    const root = join(__dirname, '..', '..', 'lib');
    const registry = readFileSync(join(root, 'formats', 'registry.ts'), 'utf8').split('\n');
    for (const { name } of DIALECTS.filter((dialect) => dialect.name !== 's3' && dialect.name !== 'mediastore')) {
      expect([name, readdirSync(join(root, 'dialects', name)).sort()]).toEqual([name, ['formats.ts', 'index.ts', 'profile.ts']]);
      const constant = `${name.toUpperCase()}_FORMATS`;
      expect(registry.filter((line) => line.includes(constant))).toEqual([`import { ${constant} } from '../dialects/${name}/index.js';`, expect.stringContaining('export const DIALECTS')]);
    }
    // S3 and MediaStore add one formats.ts to their existing folders.
    for (const name of ['s3', 'mediastore']) expect(readdirSync(join(root, 'dialects', name))).toContain('formats.ts');
  });
});

describe('Google Cloud Storage', () => {
  test('"*" methods become S3’s five; PATCH and subdomain wildcards have no S3 form; [] is no configuration', () => {
    const read = parseConfiguration('[{"origin":["https://*.example","https://a.example"],"method":["*"]},{"origin":["*"],"method":["PATCH"]}]');
    expect(read.configuration).toEqual(rules({ AllowedOrigins: ['https://a.example'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] }));
    expect(codes(read.warnings)).toEqual(['origin-dropped', 'method-wildcard-expanded', 'method-dropped', 'rule-dropped']);
    expect(read.warnings[3]).toMatchObject({ rule: 1, format: 'gcs-json' });
    expect(problemsOf(() => parseConfiguration('[]', { format: 'gcs' })).problems[0]).toContain('empty list removes');
    expect(parseConfiguration('{"name":"photos","cors":[{"origin":["*"],"method":["GET"]}]}').format.name).toBe('gcs-json');
  });

  test('XML: unknown elements and broken XML are malformed; a DOCTYPE never reaches the parser', () => {
    expect(problemsOf(() => parseConfiguration('<CorsConfig><Cors><Origins><Origin>*</Origin></Origins><Verbs/></Cors></CorsConfig>')).problems[0]).toContain('unknown element <Verbs>');
    expect(problemsOf(() => parseConfiguration('<!DOCTYPE x [<!ENTITY a "b">]><CorsConfig/>'))).toMatchObject({ code: 'malformed', problems: [expect.stringContaining('gcs-xml: not well-formed XML')] });
  });

  test('writing: AllowedHeaders and ExposeHeaders merge (one list), negative max age clamped', () => {
    const { document, warnings } = convert(rules({ ...APP, AllowedHeaders: ['x-custom'], ExposeHeaders: ['ETag'], MaxAgeSeconds: -1 }), { to: 'gcs' });
    expect(JSON.parse(document)).toEqual([{ origin: ['https://app.example'], method: ['GET'], responseHeader: ['ETag', 'x-custom'], maxAgeSeconds: 0 }]);
    expect(codes(warnings)).toEqual(['headers-merged', 'max-age-clamped']);
  });
});

describe('Azure Storage', () => {
  test('reading: MERGE dropped, comma lists trimmed, a whole service-properties body accepted, every element required', () => {
    const xml = '<?xml version="1.0" encoding="utf-8"?><StorageServiceProperties><Logging/><Cors><CorsRule><AllowedOrigins>https://a.example, https://b.example</AllowedOrigins><AllowedMethods>GET,MERGE</AllowedMethods><AllowedHeaders></AllowedHeaders><ExposedHeaders>ETag</ExposedHeaders><MaxAgeInSeconds>30</MaxAgeInSeconds></CorsRule></Cors></StorageServiceProperties>';
    const read = parseConfiguration(xml);
    expect(read.configuration).toEqual(rules({ AllowedOrigins: ['https://a.example', 'https://b.example'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 30 }));
    expect(codes(read.warnings)).toEqual(['method-dropped']);
    expect(problemsOf(() => parseConfiguration('<Cors><CorsRule><AllowedOrigins>*</AllowedOrigins><AllowedMethods>GET</AllowedMethods></CorsRule></Cors>')).problems[0]).toContain('<AllowedHeaders>, <ExposedHeaders>, <MaxAgeInSeconds> (Azure requires every element)');
    expect(parseConfiguration('{"properties":{"cors":{"corsRules":[{"allowedOrigins":["*"],"allowedMethods":["GET"],"allowedHeaders":[],"exposedHeaders":[],"maxAgeInSeconds":0}]}}}').format.name).toBe('azure-json');
  });

  test('writing: a wildcard subdomain has no Azure form, an inner header pattern neither; a missing max age is 0', () => {
    const { document, warnings } = convert(rules({ AllowedOrigins: ['https://*.example', 'https://a.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['x-ms-meta-*', 'x-*-id'] }), { to: 'azure-json' });
    expect(JSON.parse(document).corsRules).toEqual([{ allowedOrigins: ['https://a.example'], allowedMethods: ['PUT'], allowedHeaders: ['x-ms-meta-*'], exposedHeaders: [], maxAgeInSeconds: 0 }]);
    expect(codes(warnings)).toEqual(['origin-dropped', 'max-age-added', 'header-dropped']);
  });

  test('limits: 5 rules, 2 KiB of values, 256 characters a value, 64 literal and 2 prefixed headers: refusals, not warnings', () => {
    const many = (count: number) => Array.from({ length: count }, (_, i) => ({ ...APP, AllowedOrigins: [`https://${i}.example`] }));
    expect(convert(rules(...many(5)), { to: 'azure' }).warnings).toEqual([]);
    expect(problemsOf(() => convert(rules(...many(6)), { to: 'azure' }))).toMatchObject({ code: 'limits', problems: ['azure-xml: Azure Storage would refuse it: a configuration holds at most 5 rules, not 6'] });
    expect(problemsOf(() => convert(rules({ ...APP, AllowedOrigins: [`https://${'a'.repeat(250)}.example`] }), { to: 'azure' })).problems[0]).toContain('longer than 256');
    const text = Array.from({ length: 40 }, (_, i) => `https://origin-number-${i}.example`);
    expect(problemsOf(() => convert(rules({ ...APP, AllowedOrigins: text.concat(text.map((o) => o.replace('https', 'http'))) }), { to: 'azure' })).problems[0]).toMatch(/the rules hold \d+ characters of values, more than Azure's 2048/);
    const headers = Array.from({ length: 65 }, (_, i) => `x-h${i}`);
    expect(problemsOf(() => convert(rules({ ...APP, AllowedHeaders: headers }), { to: 'azure' })).problems.join()).toContain('65 literal and 0 prefixed headers');
    expect(problemsOf(() => convert(rules({ ...APP, AllowedHeaders: ['x-a*', 'x-b*', 'x-c*'] }), { to: 'azure' })).problems.join()).toContain('0 literal and 3 prefixed headers');
  });
});

describe('Backblaze B2', () => {
  test('operations: S3 methods are the s3_* operations; native ones have no S3 form', () => {
    const read = parseConfiguration('{"corsRules":[{"corsRuleName":"uploads","allowedOrigins":["*"],"allowedOperations":["b2_upload_part","s3_put"],"maxAgeSeconds":0}]}');
    expect(read.configuration).toEqual(rules({ ID: 'uploads', AllowedOrigins: ['*'], AllowedMethods: ['PUT'], MaxAgeSeconds: 0 }));
    expect(read.warnings[0]).toMatchObject({ code: 'operation-dropped', rule: 0, message: expect.stringContaining("B2's native API") });
  });

  test('names: an ID B2 refuses (short, b2-…, repeated) becomes a generated name; the max age is 0–86,400', () => {
    const { document, warnings } = convert(rules({ ...APP, ID: 'b2-mine' }, { ...APP, ID: 'web-app' }, { ...APP, ID: 'web-app', MaxAgeSeconds: 90000 }), { to: 'b2' });
    expect(JSON.parse(document).map((rule: { corsRuleName: string; maxAgeSeconds: number }) => [rule.corsRuleName, rule.maxAgeSeconds])).toEqual([['s3-rule-1', 60], ['web-app', 60], ['s3-rule-3', 86400]]);
    expect(codes(warnings)).toEqual(['id-renamed', 'id-renamed', 'max-age-clamped']);
  });

  test('limits: 100 rules, each under 1,000 bytes, no empty origin', () => {
    expect(problemsOf(() => convert(rules(...Array.from({ length: 101 }, () => APP)), { to: 'b2' })).problems.join()).toContain('at most 100 rules');
    expect(problemsOf(() => convert(rules({ ...APP, ID: 'bigrule', AllowedHeaders: Array.from({ length: 100 }, (_, i) => `x-header-${i}`) }), { to: 'b2' })).problems.join()).toMatch(/rule 1 holds \d+ bytes of strings; B2 takes less than 1000/);
    expect(problemsOf(() => convert(rules({ ...APP, ID: 'origins', AllowedOrigins: [''] }), { to: 'b2' })).problems.join()).toContain('empty value');
  });
});

describe('Cloudflare R2', () => {
  test('the dashboard’s list becomes the wrangler file ("must contain a rules array"), and back', () => {
    const dashboard = '[{"AllowedOrigins":["https://app.example"],"AllowedMethods":["GET"],"MaxAgeSeconds":60}]';
    const wrangler = convert(dashboard, { to: 'r2' });
    expect(JSON.parse(wrangler.document)).toEqual({ rules: [{ allowed: { origins: ['https://app.example'], methods: ['GET'] }, maxAgeSeconds: 60 }] });
    expect(JSON.parse(convert(wrangler.document, { to: 'r2-dashboard' }).document)).toEqual(JSON.parse(dashboard));
  });

  test('no port wildcard, max age at most 86,400', () => {
    const { document, warnings } = convert(rules({ ...APP, AllowedOrigins: ['http://localhost:*', 'https://*-app.example'], MaxAgeSeconds: 100000 }), { to: 'r2-dashboard' });
    expect(JSON.parse(document)).toEqual([{ AllowedMethods: ['GET'], AllowedOrigins: ['https://*-app.example'], MaxAgeSeconds: 86400 }]);
    expect(codes(warnings)).toEqual(['origin-dropped', 'max-age-clamped']);
  });
});

describe('rule selection: differences found by deciding requests both ways', () => {
  // Rule 1 allows the origin and PUT but only content-type; rule 2 allows any header. S3 falls through to rule 2 for x-custom.
  const fallThrough = rules(
    { AllowedOrigins: ['https://app.example'], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['content-type'], MaxAgeSeconds: 0 },
    { AllowedOrigins: ['*'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['*'], MaxAgeSeconds: 0 },
  );

  test('selectionDifferences: S3 answers with rule 2, origin-and-method selection refuses', () => {
    const differences = selectionDifferences(fallThrough);
    expect(differences).toContainEqual({ origin: 'https://app.example', method: 'PUT', requestHeaders: ['x-unlisted-header'], firstMatch: 1, originAndMethod: null });
    expect(differences.every((difference) => difference.firstMatch !== difference.originAndMethod)).toBe(true);
    expect(selectionDifferences(rules(APP))).toEqual([]);
  });

  test('to Azure and GCS: selection-differs, with the request; to R2 (first match, as S3) nothing', () => {
    const azure = convert(fallThrough, { to: 'azure' }).warnings.filter((warning) => warning.code === 'selection-differs');
    expect(azure.length).toBeGreaterThan(0);
    expect(azure[0]).toMatchObject({ rule: 1, format: 's3', message: expect.stringContaining('a preflight from https://app.example for PUT requesting') });
    expect(azure[0]!.message).toContain('S3 answers with rule 2, Azure Storage refuses it');
    expect(codes(convert(fallThrough, { to: 'gcs' }).warnings)).toContain('selection-differs');
    expect(convert(fallThrough, { to: 'r2' }).warnings).toEqual([]);
    // From GCS to S3, the same rules decide differently here than they did there.
    expect(codes(convert(convert(fallThrough, { to: 'azure-json' }).document, { to: 's3' }).warnings)).toContain('selection-differs');
    // Between two origin-and-method providers nothing changes.
    expect(codes(convert(convert(fallThrough, { to: 'azure-json' }).document, { to: 'gcs' }).warnings)).not.toContain('selection-differs');
  });
});

describe('MediaStore', () => {
  test('named: MediaStore’s own checks; POST dropped when writing, IDs too', () => {
    expect(problemsOf(() => parseConfiguration('[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]', { format: 'mediastore' })).problems[0]).toContain('ValidationException');
    const { document, warnings } = convert(rules({ ...APP, ID: 'web', AllowedMethods: ['GET', 'POST'] }), { to: 'mediastore' });
    expect(JSON.parse(document)).toEqual([{ AllowedOrigins: ['https://app.example'], AllowedHeaders: [], AllowedMethods: ['GET'], MaxAgeSeconds: 60 }]);
    expect(codes(warnings)).toEqual(['id-dropped', 'method-dropped']);
  });
});
