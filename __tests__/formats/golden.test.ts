// Each provider's documentation example (golden/README.md) reads into the S3 rules stated here, writes back, and names its losses.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convert, FORMATS, parseConfiguration, type CorsConfiguration } from 'express-bucket-cors';

const golden = (file: string) => readFileSync(join(__dirname, 'golden', file), 'utf8');
const codes = (warnings: ReadonlyArray<{ code: string }>) => warnings.map((warning) => warning.code);

interface Golden {
  readonly file: string;
  readonly format: string;
  /** The format detection picks when it is not `format` (a MediaStore policy is a bare list, read as the S3 console's): then read by name. */
  readonly detectedAs?: string;
  readonly rules: CorsConfiguration['CORSRules'];
  readonly readWarnings: readonly string[];
  /** The document the rules write back to in `format`, parsed (JSON) or as text (XML). */
  readonly back: unknown;
  readonly backWarnings: readonly string[];
}

const GOLDEN: readonly Golden[] = [
  {
    file: 'gcs.json',
    format: 'gcs-json',
    rules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['Content-Type', 'ETag'], ExposeHeaders: ['Content-Type', 'ETag'], MaxAgeSeconds: 3600 }],
    readWarnings: [],
    back: [{ origin: ['https://app.example.com'], method: ['GET', 'PUT'], responseHeader: ['Content-Type', 'ETag'], maxAgeSeconds: 3600 }],
    backWarnings: [],
  },
  {
    file: 'gcs.xml',
    format: 'gcs-xml',
    rules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET'], AllowedHeaders: ['Content-Type'], ExposeHeaders: ['Content-Type'], MaxAgeSeconds: 3600 }],
    readWarnings: [],
    back: '<?xml version="1.0" encoding="UTF-8"?>\n<CorsConfig><Cors><Origins><Origin>https://app.example.com</Origin></Origins><Methods><Method>GET</Method></Methods><ResponseHeaders><ResponseHeader>Content-Type</ResponseHeader></ResponseHeaders><MaxAgeSec>3600</MaxAgeSec></Cors></CorsConfig>\n',
    backWarnings: [],
  },
  {
    file: 'azure.xml',
    format: 'azure-xml',
    rules: [{ AllowedOrigins: ['http://www.contoso.com', 'http://www.fabrikam.com'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['x-ms-meta-data*', 'x-ms-meta-target*', 'x-ms-meta-abc'], MaxAgeSeconds: 200 }],
    readWarnings: ['expose-header-dropped'],
    back: '<?xml version="1.0" encoding="utf-8"?>\n<StorageServiceProperties><Cors><CorsRule><AllowedOrigins>http://www.contoso.com,http://www.fabrikam.com</AllowedOrigins><AllowedMethods>PUT,GET</AllowedMethods><AllowedHeaders>x-ms-meta-data*,x-ms-meta-target*,x-ms-meta-abc</AllowedHeaders><ExposedHeaders></ExposedHeaders><MaxAgeInSeconds>200</MaxAgeInSeconds></CorsRule></Cors></StorageServiceProperties>\n',
    backWarnings: [],
  },
  {
    file: 'azure.json',
    format: 'azure-json',
    rules: [{ AllowedOrigins: ['http://www.contoso.com', 'http://www.fabrikam.com'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['x-ms-meta-data*', 'x-ms-meta-target*', 'x-ms-meta-abc'], MaxAgeSeconds: 200 }],
    readWarnings: ['method-dropped', 'expose-header-dropped'],
    back: { corsRules: [{ allowedOrigins: ['http://www.contoso.com', 'http://www.fabrikam.com'], allowedMethods: ['PUT', 'GET'], allowedHeaders: ['x-ms-meta-data*', 'x-ms-meta-target*', 'x-ms-meta-abc'], exposedHeaders: [], maxAgeInSeconds: 200 }] },
    backWarnings: [],
  },
  {
    file: 'b2.json',
    format: 'b2-json',
    rules: [{ ID: 'downloadFromAnyOrigin', AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['range', 'authorization'], ExposeHeaders: ['x-bz-content-sha1'], MaxAgeSeconds: 3600 }],
    readWarnings: ['operation-dropped'],
    back: [{ corsRuleName: 'downloadFromAnyOrigin', allowedOrigins: ['https://app.example.com'], allowedOperations: ['s3_get', 's3_head'], allowedHeaders: ['range', 'authorization'], exposeHeaders: ['x-bz-content-sha1'], maxAgeSeconds: 3600 }],
    backWarnings: [],
  },
  {
    file: 'r2.json',
    format: 'r2-json',
    rules: [{ ID: 'app', AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
    readWarnings: [],
    back: { rules: [{ id: 'app', allowed: { origins: ['https://app.example.com'], methods: ['GET', 'PUT'], headers: ['content-type'] }, exposeHeaders: ['ETag'], maxAgeSeconds: 3600 }] },
    backWarnings: [],
  },
  {
    file: 'r2-dashboard.json',
    format: 's3-console',
    rules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
    readWarnings: [],
    back: [{ AllowedHeaders: ['content-type'], AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://app.example.com'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
    backWarnings: [],
  },
  {
    file: 'r2-dashboard.json',
    format: 'r2-dashboard',
    detectedAs: 's3-console',
    rules: [{ AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
    readWarnings: [],
    back: [{ AllowedHeaders: ['content-type'], AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://app.example.com'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3600 }],
    backWarnings: [],
  },
  {
    file: 's3.xml',
    format: 's3-xml',
    rules: [
      { AllowedOrigins: ['http://www.example1.com'], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'] },
      { AllowedOrigins: ['http://www.example2.com'], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'] },
      { AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
    ],
    readWarnings: [],
    back: '<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedOrigin>http://www.example1.com</AllowedOrigin></CORSRule><CORSRule><AllowedHeader>*</AllowedHeader><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedOrigin>http://www.example2.com</AllowedOrigin></CORSRule><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>\n',
    backWarnings: [],
  },
  {
    file: 'mediastore.json',
    format: 'mediastore-json',
    detectedAs: 's3-console',
    rules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }],
    readWarnings: [],
    back: [{ AllowedOrigins: ['*'], AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD'], MaxAgeSeconds: 3000 }],
    backWarnings: [],
  },
  {
    file: 's3-cli.json',
    format: 's3-json',
    rules: [{ ID: 'uploads', AllowedOrigins: ['http://www.example.com'], AllowedMethods: ['PUT', 'POST', 'DELETE'], AllowedHeaders: ['*'], ExposeHeaders: ['x-amz-server-side-encryption', 'x-amz-request-id', 'x-amz-id-2'], MaxAgeSeconds: 3000 }],
    readWarnings: [],
    back: JSON.parse(golden('s3-cli.json')),
    backWarnings: [],
  },
];

test('every registered format has its golden file', () => {
  expect(FORMATS.map(({ format }) => format.name).filter((name) => !GOLDEN.some((entry) => entry.format === name))).toEqual([]);
});

describe.each(GOLDEN)('$file as $format', ({ file, format, detectedAs, rules, readWarnings, back, backWarnings }) => {
  test(`is detected as ${detectedAs ?? format} and reads into the S3 rules stated`, () => {
    expect(parseConfiguration(golden(file)).format.name).toBe(detectedAs ?? format);
    const parsed = parseConfiguration(golden(file), { format });
    expect(parsed.format.name).toBe(format);
    expect(parsed.configuration.CORSRules).toEqual(rules);
    expect(codes(parsed.warnings)).toEqual(readWarnings);
  });

  test(`the rules write back to ${format}`, () => {
    const written = convert({ CORSRules: rules }, { to: format });
    expect(typeof back === 'string' ? written.document : JSON.parse(written.document)).toEqual(back);
    expect(codes(written.warnings)).toEqual(backWarnings);
    expect(parseConfiguration(written.document, { format }).configuration.CORSRules).toEqual(rules);
  });
});

describe('lossy cases of the golden rules, each with its warning', () => {
  const s3 = golden('s3-cli.json');

  test('S3 → GCS: the ID is dropped and the two header lists merge', () => {
    const { warnings, document } = convert(s3, { to: 'gcs' });
    expect(codes(warnings)).toEqual(['id-dropped', 'headers-merged']);
    expect(warnings[1]).toMatchObject({ rule: 0, format: 'gcs-json' });
    expect(JSON.parse(document)[0].responseHeader).toEqual(['x-amz-server-side-encryption', 'x-amz-request-id', 'x-amz-id-2', '*']);
  });

  test('S3 → Azure: the ID is dropped; S3 → B2: the ID is kept as the rule name', () => {
    expect(codes(convert(s3, { to: 'azure' }).warnings)).toEqual(['id-dropped']);
    const b2 = convert(s3, { to: 'b2' });
    expect(codes(b2.warnings)).toEqual([]);
    expect(JSON.parse(b2.document)[0]).toMatchObject({ corsRuleName: 'uploads', allowedOperations: ['s3_put', 's3_post', 's3_delete'] });
  });

  test('B2 → S3 → B2: the native download operation does not come back', () => {
    const there = convert(golden('b2.json'), { to: 's3' });
    expect(codes(there.warnings)).toEqual(['operation-dropped']);
    expect(there.warnings[0]!.message).toContain('b2_download_file_by_name');
    expect(JSON.parse(convert(there.document, { to: 'b2' }).document)[0].allowedOperations).toEqual(['s3_get', 's3_head']);
  });

  test('S3 XML → MediaStore: POST dropped from the rules that allow it; MediaStore → S3 exact', () => {
    const { warnings } = convert(golden('s3.xml'), { to: 'mediastore' });
    expect(warnings.map(({ code, rule }) => [code, rule])).toEqual([['method-dropped', 0], ['method-dropped', 1]]);
    expect(convert(golden('mediastore.json'), { from: 'mediastore', to: 's3-xml', strict: true }).warnings).toEqual([]);
  });

  test('strict refuses each lossy golden conversion, and accepts the exact ones', () => {
    expect(() => convert(golden('azure.json'), { to: 's3', strict: true })).toThrow(expect.objectContaining({ code: 'lossy' }));
    expect(() => convert(golden('b2.json'), { to: 's3-xml', strict: true })).toThrow(/operation-dropped/);
    expect(convert(golden('r2.json'), { to: 's3-xml', strict: true }).warnings).toEqual([]);
  });
});
