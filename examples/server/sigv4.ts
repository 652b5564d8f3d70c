// Verifies AWS Signature Version 4 (Authorization header and presigned URL) by re-signing with @smithy/signature-v4.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import createDebug from 'debug';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { S3Error } from 'express-bucket-cors/s3';
import { DemoErrors } from './errors.js';
import { headerValue, queryValue, requestTarget, type QueryParameters } from './request.js';

const debug = createDebug('express-bucket-cors:demo:sigv4');

/** An access key the server knows. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What the client said about the body in `x-amz-content-sha256` (presigned URLs: always unsigned). */
export type PayloadClaim =
  | { readonly kind: 'sha256'; readonly hex: string }
  | { readonly kind: 'unsigned' }
  /** `aws-chunked` body; chunk signatures and trailers are not verified by the demo. */
  | { readonly kind: 'streaming'; readonly mode: string };

/** Who sent the request. */
export type Principal =
  | { readonly kind: 'anonymous' }
  /** `region` is the credential scope's (any region is accepted). */
  | { readonly kind: 'signed'; readonly accessKeyId: string; readonly region: string; readonly payload: PayloadClaim };

/** Options of {@link createSigV4Verifier}. */
export interface SigV4VerifierOptions {
  /** The known keys. Required, at least one. */
  readonly credentials: readonly Credentials[];
  /** Largest accepted distance between the request's time and the server clock. Default 15 minutes, as S3. */
  readonly maxSkewMs?: number;
  /** The service name the credential scope must name. Default `'s3'`. */
  readonly service?: string;
}

/**
 * Resolves with the request's principal, or rejects with the S3Error S3 would answer with (other
 * services map it to their own format). `body`: the request's bytes, needed only when a header-signed
 * request of a service other than S3 sends no `x-amz-content-sha256` (its signature covers the
 * body's hash, as SigV4 does for every service but S3); without it, the empty body's hash is used.
 */
export type SigV4Verifier = (req: IncomingMessage, body?: Buffer) => Promise<Principal>;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;
const STREAMING_MODES: ReadonlySet<string> = new Set([
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);
const PRESIGN_PARAMETERS = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

type SignableRequest = Parameters<SignatureV4['presign']>[0];

interface Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly secretAccessKey: string;
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isLowerHexDigit = (code: number): boolean => isDigit(code) || (code >= 0x61 && code <= 0x66);
const every = (text: string, test: (code: number) => boolean): boolean => {
  for (let i = 0; i < text.length; i++) if (!test(text.charCodeAt(i))) return false;
  return true;
};

/** Classifies `x-amz-content-sha256`; throws InvalidArgument for anything S3 would not accept. */
function payloadClaim(value: string): PayloadClaim {
  if (value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (STREAMING_MODES.has(value)) return { kind: 'streaming', mode: value };
  if (value.length === 64 && every(value, isLowerHexDigit)) return { kind: 'sha256', hex: value };
  throw DemoErrors.invalidContentSha256();
}

/** `20130524T000000Z` → epoch milliseconds, or NaN. */
function parseAmzDate(text: string): number {
  if (text.length !== 16 || text[8] !== 'T' || text[15] !== 'Z') return Number.NaN;
  if (!every(text.slice(0, 8) + text.slice(9, 15), isDigit)) return Number.NaN;
  return Date.UTC(+text.slice(0, 4), +text.slice(4, 6) - 1, +text.slice(6, 8), +text.slice(9, 11), +text.slice(11, 13), +text.slice(13, 15));
}

/**
 * The signer the verifier re-signs with. S3 signs the path as sent; every other service encodes it
 * once more (SigV4's double encoding), as the AWS SDKs do.
 */
function signerFor(scope: Scope, service: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey: scope.secretAccessKey },
    region: scope.region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: false,
  });
}

/** What {@link presignUrl} signs. */
export interface PresignOptions {
  readonly credentials: Credentials;
  /** Credential scope. Default `'us-east-1'`. */
  readonly region?: string;
  /** Credential scope's service, e.g. `'mediastore'`. */
  readonly service: string;
  readonly method: string;
  /** The full URL the client will call (its host is signed). */
  readonly url: string;
  /** Seconds the URL stays valid, 1–604,800. */
  readonly expiresInSeconds: number;
  /** Headers the caller must send with exactly these values (e.g. `content-type`); names lower-case. Default none. */
  readonly signedHeaders?: Readonly<Record<string, string>>;
}

/**
 * A presigned URL (SigV4 query signing) that this module's verifier accepts: the payload is
 * `UNSIGNED-PAYLOAD` (the body is not known when signing), the host and `signedHeaders` are signed.
 */
export async function presignUrl(options: PresignOptions): Promise<string> {
  const url = new URL(options.url);
  const query: QueryParameters = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const scope: Scope = { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey, region: options.region ?? 'us-east-1' };
  const headers = { ...options.signedHeaders, host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  // The payload claim travels as a header the verifier supplies itself: neither signed nor moved into the query.
  const keep = new Set(['x-amz-content-sha256']);
  const presigned = await signerFor(scope, options.service).presign(
    { method: options.method, protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port), path: url.pathname, query, headers },
    { expiresIn: options.expiresInSeconds, unsignableHeaders: keep, unhoistableHeaders: new Set([...keep, ...Object.keys(options.signedHeaders ?? {})]) },
  );
  const search = Object.entries(presigned.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${encodeURIComponent(name)}=${encodeURIComponent(String(one))}`))
    .join('&');
  return `${url.origin}${url.pathname}?${search}`;
}

/** S3's URI encoding of one path segment (RFC 3986 unreserved characters stay, everything else is %XX). */
function uriEncode(segment: string): string {
  let out = '';
  for (const ch of encodeURIComponent(segment)) {
    out += ch === '!' || ch === "'" || ch === '(' || ch === ')' || ch === '*' ? `%${ch.charCodeAt(0).toString(16).toUpperCase()}` : ch;
  }
  return out;
}

/**
 * The canonical URI candidates: the path as sent (what SDKs sign), then the same path re-encoded the
 * canonical way, for clients that send some characters unescaped (e.g. browsers and `~`, `'`).
 */
function canonicalPaths(rawPath: string): string[] {
  let reencoded: string;
  try {
    reencoded = rawPath.split('/').map((segment) => uriEncode(decodeURIComponent(segment))).join('/');
  } catch {
    return [rawPath];
  }
  return reencoded === rawPath ? [rawPath] : [rawPath, reencoded];
}

const sameSignature = (expected: string, actual: string): boolean =>
  expected.length === actual.length && timingSafeEqual(Buffer.from(expected), Buffer.from(actual));

/** True when the signature `compute` gives for one of the canonical path candidates equals `signature` (constant-time compare). */
async function signatureMatches(rawPath: string, signature: string, compute: (path: string) => Promise<string>): Promise<boolean> {
  for (const path of canonicalPaths(rawPath)) if (sameSignature(await compute(path), signature)) return true;
  return false;
}

function mismatch(req: IncomingMessage, rawPath: string, scope: Scope): S3Error {
  debug('%s %s: signature mismatch for %s', req.method, rawPath, scope.accessKeyId);
  return DemoErrors.signatureDoesNotMatch(scope.accessKeyId);
}

/**
 * Builds the verifier. It re-signs the incoming request's canonical parts (method, path, query, the
 * headers the client listed as signed, payload hash) with the secret of the access key named in the
 * credential scope, using the same signing library as the AWS SDK, and compares the signatures in
 * constant time. Any region in the scope is accepted; the service must be `options.service`.
 *
 * Errors: unknown key → 403 InvalidAccessKeyId; wrong signature → 403 SignatureDoesNotMatch; expired
 * presigned URL → 403 AccessDenied; time too far off → 403 RequestTimeTooSkewed; malformed → 400.
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  if (!Array.isArray(options?.credentials) || options.credentials.length === 0)
    throw new TypeError('createSigV4Verifier: pass `credentials`, a non-empty array of { accessKeyId, secretAccessKey }.');
  const secrets = new Map(options.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const maxSkewMs = options.maxSkewMs ?? 15 * 60 * 1000;
  const service = options.service ?? 's3';

  /** `AKID/20130524/us-east-1/s3/aws4_request` → the key's scope; `malformed` builds the error for bad shapes. */
  function parseCredential(credential: string, malformed: (detail: string) => S3Error): Scope & { readonly date: string } {
    const parts = credential.split('/');
    if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts[2] === '' || parts[1]!.length !== 8)
      throw malformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
    if (parts[3] !== service) throw malformed(`incorrect service "${parts[3]}". This endpoint belongs to "${service}".`);
    const [accessKeyId, date, region] = parts as [string, string, string];
    const secretAccessKey = secrets.get(accessKeyId);
    if (secretAccessKey === undefined) throw DemoErrors.invalidAccessKeyId(accessKeyId);
    return { accessKeyId, date, region, secretAccessKey };
  }

  /** The signed headers' values, and what must be signable/unsignable so the signer uses exactly those. */
  function signedHeaders(req: IncomingMessage, list: string, extra: Record<string, string>) {
    const names = list.split(';');
    const headers: Record<string, string> = {};
    for (const name of names) headers[name] = headerValue(req, name) ?? '';
    for (const [name, value] of Object.entries(extra)) if (!(name in headers)) headers[name] = value;
    const signable = new Set(names);
    const unsignable = new Set(Object.keys(headers).filter((name) => !signable.has(name)));
    const unhoistable = new Set(Object.keys(headers).filter((name) => name.startsWith('x-amz-')));
    return { headers, signable, unsignable, unhoistable };
  }

  function checkTime(amzDate: string, scopeDate: string, malformed: (detail: string) => S3Error): number {
    const time = parseAmzDate(amzDate);
    if (Number.isNaN(time)) throw malformed(`X-Amz-Date "${amzDate}" must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.`);
    if (amzDate.slice(0, 8) !== scopeDate) throw malformed(`the credential date "${scopeDate}" does not match the request date "${amzDate.slice(0, 8)}".`);
    return time;
  }

  const request = (req: IncomingMessage, path: string, query: QueryParameters, headers: Record<string, string>): SignableRequest => ({
    method: req.method ?? 'GET',
    protocol: 'http:',
    hostname: '',
    path,
    query,
    headers,
  });

  /** `x-amz-content-sha256` as sent; for services other than S3 it is optional and the body's hash stands in. */
  function contentSha256(req: IncomingMessage, body: Buffer | undefined): string {
    const sent = headerValue(req, 'x-amz-content-sha256');
    if (sent !== undefined) return sent;
    if (service === 's3') throw DemoErrors.missingContentSha256();
    return createHash('sha256')
      .update(body ?? Buffer.alloc(0))
      .digest('hex');
  }

  async function verifyHeaderSigned(req: IncomingMessage, authorization: string, body: Buffer | undefined): Promise<Principal> {
    if (!authorization.startsWith(`${ALGORITHM} `)) throw DemoErrors.unsupportedAuthorization();
    const fields = new Map<string, string>();
    for (const field of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const equals = field.indexOf('=');
      if (equals !== -1) fields.set(field.slice(0, equals).trim(), field.slice(equals + 1).trim());
    }
    const credential = fields.get('Credential');
    const list = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    if (credential === undefined || list === undefined || signature === undefined)
      throw DemoErrors.authorizationHeaderMalformed('it must contain Credential, SignedHeaders and Signature.');
    const scope = parseCredential(credential, DemoErrors.authorizationHeaderMalformed);
    const amzDate = headerValue(req, 'x-amz-date');
    if (amzDate === undefined) throw DemoErrors.authorizationHeaderMalformed('the x-amz-date header is missing.');
    const time = checkTime(amzDate, scope.date, DemoErrors.authorizationHeaderMalformed);
    const now = Date.now();
    if (Math.abs(now - time) > maxSkewMs) throw DemoErrors.requestTimeTooSkewed(amzDate, new Date(now).toISOString());
    const payloadHash = contentSha256(req, body);
    const payload = payloadClaim(payloadHash);

    const { rawPath, query } = requestTarget(req);
    const { headers, signable, unsignable } = signedHeaders(req, list, { 'x-amz-content-sha256': payloadHash });
    const signer = signerFor(scope, service);
    const matched = await signatureMatches(rawPath, signature, async (path) => {
      const signed = await signer.sign(request(req, path, query, headers), { signingDate: new Date(time), signableHeaders: signable, unsignableHeaders: unsignable });
      const authorization = String(signed.headers['authorization']);
      return authorization.slice(authorization.lastIndexOf('Signature=') + 'Signature='.length);
    });
    if (!matched) throw mismatch(req, rawPath, scope);
    debug('%s %s: signed by %s, payload %s', req.method, rawPath, scope.accessKeyId, payloadHash);
    return { kind: 'signed', accessKeyId: scope.accessKeyId, region: scope.region, payload };
  }

  async function verifyPresigned(req: IncomingMessage, query: QueryParameters, rawPath: string): Promise<Principal> {
    const malformed = DemoErrors.authorizationQueryParametersError;
    if (queryValue(query, 'X-Amz-Algorithm') !== ALGORITHM) throw malformed(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
    const values = PRESIGN_PARAMETERS.map((name) => queryValue(query, name));
    if (values.some((value) => value === undefined))
      throw malformed(
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    const [credential, amzDate, expiresText, list, signature] = values as string[] as [string, string, string, string, string];
    const scope = parseCredential(credential, (detail) => malformed(`Error parsing the X-Amz-Credential parameter; ${detail}`));
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || expires < 1 || expires > MAX_PRESIGNED_EXPIRES_SECONDS || String(expires) !== expiresText)
      throw malformed('X-Amz-Expires must be a whole number of seconds from 1 to 604800 (one week).');
    const time = checkTime(amzDate, scope.date, malformed);
    const now = Date.now();
    if (now > time + expires * 1000) throw DemoErrors.requestExpired(new Date(time + expires * 1000).toISOString(), new Date(now).toISOString());
    if (time - now > maxSkewMs) throw DemoErrors.requestTimeTooSkewed(amzDate, new Date(now).toISOString());

    const unsignedQuery: QueryParameters = { ...query };
    delete unsignedQuery['X-Amz-Signature'];
    const payloadHash = queryValue(query, 'X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
    const { headers, signable, unsignable, unhoistable } = signedHeaders(req, list, { 'x-amz-content-sha256': payloadHash });
    const signer = signerFor(scope, service);
    const matched = await signatureMatches(rawPath, signature, async (path) => {
      const presigned = await signer.presign(request(req, path, unsignedQuery, headers), {
        signingDate: new Date(time),
        expiresIn: expires,
        signableHeaders: signable,
        unsignableHeaders: unsignable,
        unhoistableHeaders: unhoistable,
      });
      return String(presigned.query?.['X-Amz-Signature']);
    });
    if (!matched) throw mismatch(req, rawPath, scope);
    debug('%s %s: presigned by %s', req.method, rawPath, scope.accessKeyId);
    return { kind: 'signed', accessKeyId: scope.accessKeyId, region: scope.region, payload: { kind: 'unsigned' } };
  }

  return async (req, body) => {
    const authorization = headerValue(req, 'authorization');
    const { rawPath, query } = requestTarget(req);
    const presigned = 'X-Amz-Algorithm' in query || 'X-Amz-Credential' in query;
    // Signature Version 2 in the query (AWSAccessKeyId, Signature, Expires): refused like a SigV2 header, not read as anonymous.
    const presignedV2 = 'AWSAccessKeyId' in query || 'Signature' in query;
    if (authorization !== undefined && (presigned || presignedV2))
      throw DemoErrors.invalidArgument('Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified', 'Authorization', authorization);
    if (authorization !== undefined) return verifyHeaderSigned(req, authorization, body);
    if (presigned) return verifyPresigned(req, query, rawPath);
    if (presignedV2) throw DemoErrors.unsupportedAuthorization();
    return { kind: 'anonymous' };
  };
}
