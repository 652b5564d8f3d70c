// The PutBucketCors / GetBucketCors / DeleteBucketCors conformance cases of docs/behaviour.md §16 (T01–T25), over raw HTTP:
// the router tests and the conformance suite (every integration recipe) run the same cases.
// Setup they expect: bucket `b` (the client's `bucket`) exists without rules, `nosuch` does not, and its owner is 111122223333.

import type { CorsRule } from 'express-bucket-cors/core';
import { md5, type ConformanceClient, type RawResponse } from './http';

/** Asserts an S3 XML error: status, code, message, extra members in order, request ids in headers and body. */
export function expectS3Error(res: RawResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): void {
  expect({ status: res.status, text: res.text }).toMatchObject({ status });
  expect(res.headers['content-type']).toBe('application/xml');
  const members = Object.entries(extra)
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('');
  const requestId = res.headers['x-amz-request-id'];
  expect(requestId).toMatch(/^[0-9A-F]{16}$/);
  expect(res.headers['x-amz-id-2']).toBeTruthy();
  expect(res.text).toContain(`<Error><Code>${code}</Code><Message>${message}</Message>${members}<RequestId>${requestId}</RequestId>`);
}

/** Values of every `<name>` element of an XML document, in order. */
export function elements(xml: string, name: string): string[] {
  const values: string[] = [];
  for (const part of xml.split(`<${name}>`).slice(1)) values.push(part.slice(0, part.indexOf(`</${name}>`)));
  return values;
}

const element = (name: string, values: readonly string[] | undefined): string => (values ?? []).map((value) => `<${name}>${value}</${name}>`).join('');

/** A PutBucketCors XML document, children in SDK order; values are inserted as given (already escaped). */
/** Any methods, so that tests can send what S3 refuses. */
export function corsXml(rules: readonly CorsRule<string>[], namespace = true): string {
  const body = rules
    .map(
      (rule) =>
        `<CORSRule>${rule.ID === undefined ? '' : `<ID>${rule.ID}</ID>`}${element('AllowedHeader', rule.AllowedHeaders)}` +
        `${element('AllowedMethod', rule.AllowedMethods)}${element('AllowedOrigin', rule.AllowedOrigins)}` +
        `${element('ExposeHeader', rule.ExposeHeaders)}${rule.MaxAgeSeconds === undefined ? '' : `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>`}</CORSRule>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration${namespace ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : ''}>${body}</CORSConfiguration>`;
}

/** PUT of an XML body, with its Content-MD5 unless other integrity headers are given. */
export const put = (c: ConformanceClient, path: string, body: string | Buffer, headers: Record<string, string> = { 'content-md5': md5(body) }) =>
  c.send({ method: 'PUT', path, headers: { 'content-type': 'application/xml', ...headers }, body });
export const get = (c: ConformanceClient, path = '/b?cors', headers: Record<string, string> = {}) => c.send({ method: 'GET', path, headers });
export const del = (c: ConformanceClient, path: string) => c.send({ method: 'DELETE', path });
export const jsonOf = async (c: ConformanceClient, bucket = 'b') => (await get(c, `/${bucket}?cors`, { accept: 'application/json' })).text;

export const T01_RULE: CorsRule = {
  AllowedOrigins: ['https://test.com', 'https://app.test.com', 'http://test.com:80'],
  AllowedMethods: ['GET', 'PUT', 'HEAD'],
  MaxAgeSeconds: 3000,
  AllowedHeaders: ['x-amz-expected-bucket-owner', 'x-amz-server-side-encryption'],
};
export const C6_XML = corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }]);

/** One case: its title (starting with the vector ids) and the requests and assertions, against a fresh bucket `b`. */
export interface AdminCase {
  readonly id: string;
  run(client: ConformanceClient): Promise<void>;
}

export const ADMIN_CASES: readonly AdminCase[] = [
  {
    id: 'T01/T02: a valid PUT answers 200 with an empty body; GET returns the same values in order',
    run: async (c) => {
      const res = await put(c, '/b?cors', corsXml([T01_RULE]));
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers['content-length']).toBe('0');
      expect(res.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(res.headers['x-amz-id-2']).toBeTruthy();

      const read = await get(c);
      expect(read.status).toBe(200);
      expect(read.headers['content-type']).toBe('application/xml');
      expect(read.headers['x-amz-request-id']).toBeTruthy();
      expect(read.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<CORSConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/">/);
      expect(elements(read.text, 'CORSRule')).toHaveLength(1);
      expect(elements(read.text, 'AllowedOrigin')).toEqual(T01_RULE.AllowedOrigins);
      expect(elements(read.text, 'AllowedMethod')).toEqual(T01_RULE.AllowedMethods);
      expect(elements(read.text, 'AllowedHeader')).toEqual(T01_RULE.AllowedHeaders);
      expect(elements(read.text, 'MaxAgeSeconds')).toEqual(['3000']);
      expect(elements(read.text, 'ExposeHeader')).toEqual([]);
      expect(elements(read.text, 'ID')).toEqual([]);
    },
  },
  {
    id: 'T03: AllowedHeader casing is kept',
    run: async (c) => {
      const headers = ['x-amz-expected-bucket-owner', 'x-amz-server-side-encryption-customer-algorithm', 'x-AMZ-server-SIDE-encryption'];
      expect((await put(c, '/b?cors', corsXml([{ AllowedOrigins: ['https://localhost:4200'], AllowedMethods: ['GET'], MaxAgeSeconds: 3000, AllowedHeaders: headers }]))).status).toBe(200);
      expect(elements((await get(c)).text, 'AllowedHeader')).toEqual(headers);
    },
  },
  {
    id: 'T04: an unsupported method',
    run: async (c) => {
      const res = await put(c, '/b?cors', corsXml([{ AllowedOrigins: ['*', 'https://test.com'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'MYMETHOD'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD');
    },
  },
  {
    id: 'T05: a configuration without rules',
    run: async (c) => {
      expectS3Error(
        await put(c, '/b?cors', '<CORSConfiguration/>'),
        400,
        'MalformedXML',
        'The XML you provided was not well-formed or did not validate against our published schema',
      );
    },
  },
  {
    id: 'T06: an empty AllowedOrigin is stored and returned',
    run: async (c) => {
      expect((await put(c, '/b?cors', corsXml([{ AllowedOrigins: [''], AllowedMethods: ['GET', 'PUT', 'HEAD'] }]))).status).toBe(200);
      expect(JSON.parse(await jsonOf(c)).CORSRules[0].AllowedOrigins).toEqual(['']);
    },
  },
  {
    id: 'T07: two wildcards in an AllowedOrigin',
    run: async (c) => {
      const res = await put(c, '/b?cors', corsXml([{ AllowedOrigins: ['*example*.com'], AllowedMethods: ['GET'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'AllowedOrigin &quot;*example*.com&quot; can not have more than one wildcard.');
    },
  },
  {
    id: 'T08: a wildcard in an ExposeHeader',
    run: async (c) => {
      const res = await put(c, '/b?cors', corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['x-amz-meta-*'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'ExposeHeader &quot;x-amz-meta-*&quot; contains wildcard. We currently do not support wildcard for ExposeHeader.');
    },
  },
  {
    id: 'T09: a lower-case method',
    run: async (c) => {
      const res = await put(c, '/b?cors', corsXml([{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }]));
      expectS3Error(res, 400, 'InvalidRequest', 'Found unsupported HTTP method in CORS config. Unsupported method is get');
    },
  },
  {
    id: 'T10/T11: a rule without AllowedMethod or without AllowedOrigin',
    run: async (c) => {
      for (const rule of ['<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>', '<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>']) {
        expect((await put(c, '/b?cors', `<CORSConfiguration>${rule}</CORSConfiguration>`)).text).toContain('<Code>MalformedXML</Code>');
      }
    },
  },
  {
    id: 'T12/T13: 100 rules are stored, 101 are refused',
    run: async (c) => {
      const rules = (count: number) => Array.from({ length: count }, (_, i) => ({ ID: `r${i}`, AllowedOrigins: [`https://o${i}.test`], AllowedMethods: ['GET'] }));
      expect((await put(c, '/b?cors', corsXml(rules(100)))).status).toBe(200);
      expect(elements((await get(c)).text, 'ID')).toEqual(rules(100).map((rule) => rule.ID));
      const res = await put(c, '/b?cors', corsXml(rules(101)));
      expect(res.status).toBe(400);
      expect(res.text).toContain('<Code>InvalidRequest</Code>');
      expect(elements((await get(c)).text, 'ID')).toHaveLength(100);
    },
  },
  {
    id: 'T14: a body over 64 KiB',
    run: async (c) => {
      const body = corsXml([{ AllowedOrigins: ['x'.repeat(65 * 1024)], AllowedMethods: ['GET'] }]);
      expectS3Error(await put(c, '/b?cors', body), 400, 'MaxMessageLengthExceeded', 'Your request was too big.', { MaxMessageLengthBytes: '65536' });
    },
  },
  {
    id: 'T14: a body of exactly 65,536 bytes is read (and judged on its content)',
    run: async (c) => {
      const head = '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>';
      const tail = '</AllowedOrigin></CORSRule></CORSConfiguration>';
      const body = head + 'o'.repeat(65536 - head.length - tail.length) + tail;
      expect(Buffer.byteLength(body)).toBe(65536);
      expect((await put(c, '/b?cors', body)).status).toBe(200);
      const over = head + 'o'.repeat(65537 - head.length - tail.length) + tail;
      expect((await put(c, '/b?cors', over)).text).toContain('<Code>MaxMessageLengthExceeded</Code>');
    },
  },
  {
    id: 'T15: no integrity header',
    run: async (c) => {
      expectS3Error(await put(c, '/b?cors', C6_XML, {}), 400, 'InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
    },
  },
  {
    id: 'T16: Content-MD5: invalid',
    run: async (c) => {
      expectS3Error(await put(c, '/b?cors', C6_XML, { 'content-md5': 'invalid' }), 400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', {
        'Content-MD5': 'invalid',
      });
    },
  },
  {
    id: 'T17: a well-formed but wrong Content-MD5',
    run: async (c) => {
      expectS3Error(
        await put(c, '/b?cors', C6_XML, { 'content-md5': md5('something else') }),
        400,
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
      );
    },
  },
  {
    id: 'T18: a correct x-amz-checksum-crc32 alone',
    run: async (c) => {
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(require('node:zlib').crc32(C6_XML));
      expect((await put(c, '/b?cors', C6_XML, { 'x-amz-checksum-crc32': crc.toString('base64') })).status).toBe(200);
    },
  },
  {
    id: 'T19: no namespace, children in any order, no MaxAgeSeconds',
    run: async (c) => {
      const body =
        '<CORSConfiguration><CORSRule><MaxAgeSeconds>10</MaxAgeSeconds><AllowedOrigin>https://a.test</AllowedOrigin><ID>x</ID>' +
        '<AllowedMethod>GET</AllowedMethod></CORSRule><CORSRule><ExposeHeader>ETag</ExposeHeader><AllowedMethod>PUT</AllowedMethod>' +
        '<AllowedHeader>*</AllowedHeader><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>';
      expect((await put(c, '/b?cors', body)).status).toBe(200);
      expect(JSON.parse(await jsonOf(c)).CORSRules).toEqual([
        { ID: 'x', AllowedOrigins: ['https://a.test'], AllowedMethods: ['GET'], MaxAgeSeconds: 10 },
        { AllowedOrigins: ['*'], AllowedMethods: ['PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
      ]);
    },
  },
  {
    id: 'T20: an unknown bucket, for each operation',
    run: async (c) => {
      for (const res of [await put(c, '/nosuch?cors', C6_XML), await get(c, '/nosuch?cors'), await del(c, '/nosuch?cors')]) {
        expectS3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: 'nosuch' });
      }
    },
  },
  {
    id: 'T21: x-amz-expected-bucket-owner of another account',
    run: async (c) => {
      expectS3Error(await put(c, '/b?cors', C6_XML, { 'content-md5': md5(C6_XML), 'x-amz-expected-bucket-owner': '222233334444' }), 403, 'AccessDenied', 'Access Denied');
      expect((await get(c)).status).toBe(404);
    },
  },
  {
    id: 'T22: a malformed x-amz-expected-bucket-owner',
    run: async (c) => {
      expectS3Error(
        await get(c, '/b?cors', { 'x-amz-expected-bucket-owner': 'abcd' }),
        400,
        'InvalidBucketOwnerAWSAccountID',
        'The value of the expected bucket owner parameter must be an AWS Account ID... [abcd]',
      );
    },
  },
  {
    id: 'T23: GET without a configuration',
    run: async (c) => {
      expectS3Error(await get(c), 404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: c.bucket });
    },
  },
  {
    id: 'T24: DELETE without a configuration',
    run: async (c) => {
      const res = await del(c, '/b?cors');
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers['x-amz-request-id']).toBeTruthy();
      expect(res.headers['x-amz-id-2']).toBeTruthy();
    },
  },
  {
    id: 'T25: PUT, DELETE, GET',
    run: async (c) => {
      expect((await put(c, '/b?cors', C6_XML)).status).toBe(200);
      expect((await get(c)).status).toBe(200);
      expect((await del(c, '/b?cors')).status).toBe(204);
      expectS3Error(await get(c), 404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', { BucketName: c.bucket });
    },
  },
];
