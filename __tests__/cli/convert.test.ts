// `bucket-cors convert` and file reading across providers, as a subprocess: losses on stderr, --strict, limits, shapes named.

import { cliWorkspace } from './run';

const { cli, file } = cliWorkspace('bucket-cors-convert-');

test('convert --from --to between providers: losses on stderr, --strict refuses them, --json carries them', async () => {
  const gcs = file('gcs.json', JSON.stringify([{ origin: ['https://app.example'], method: ['GET', 'PATCH'], responseHeader: ['ETag'], maxAgeSeconds: 600 }]));
  const toS3 = await cli.run(['convert', '--from', 'gcs', '--to', 's3-xml', gcs]);
  expect(toS3.code).toBe(0);
  expect(toS3.stdout).toContain('<AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://app.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader>');
  expect(toS3.stderr).toContain('warning method-dropped: gcs-json rule 1: Google Cloud Storage method "PATCH" dropped');
  const strict = await cli.run(['convert', '--to', 'json', '--strict', gcs]);
  expect(strict).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('method-dropped') });
  const json = JSON.parse((await cli.run(['convert', '--to', 'azure', '--json', gcs])).stdout);
  expect(json).toMatchObject({ from: 'gcs-json', to: 'azure-xml', configuration: { CORSRules: [{ AllowedMethods: ['GET'] }] } });
  expect(json.warnings.map((warning: { code: string }) => warning.code)).toEqual(['method-dropped']);
});

test('a shape no format has is a usage error naming the shapes expected; a target’s limits are a refusal', async () => {
  const unknown = await cli.run(['convert', '--to', 'json', file('odd.json', JSON.stringify({ cors_rules: [] }))]);
  expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('gcs-json: [{"origin"') });
  const six = file('six.json', JSON.stringify({ CORSRules: Array.from({ length: 6 }, (_, i) => ({ AllowedOrigins: [`https://${i}.example`], AllowedMethods: ['GET'] })) }));
  expect(await cli.run(['convert', '--to', 'azure', six])).toMatchObject({ code: 1, stderr: expect.stringContaining('at most 5 rules') });
});

test('lint and explain read every provider’s format: the console list, R2’s wrangler file, B2 rules', async () => {
  const console = await cli.run(['lint', file('console.json', JSON.stringify([{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'] }])), '--json']);
  expect(JSON.parse(console.stdout)).toMatchObject({ format: 's3-console', warnings: [] });
  const r2 = file('r2.json', JSON.stringify({ rules: [{ allowed: { origins: ['https://app.example'], methods: ['PUT'] } }] }));
  expect(JSON.parse((await cli.run(['lint', r2, '--json'])).stdout).warnings.map((warning: { code: string }) => warning.code)).toEqual(['upload-without-etag', 'sdk-headers-not-allowed']);
  const b2 = file('b2.json', JSON.stringify([{ corsRuleName: 'downloads', allowedOrigins: ['https://app.example'], allowedOperations: ['s3_get'], maxAgeSeconds: 60 }]));
  expect(await cli.run(['explain', b2, '--origin', 'https://app.example', '--method', 'GET'])).toMatchObject({ code: 0, stdout: expect.stringContaining('CORS headers from rule 1 ("downloads")') });
});
