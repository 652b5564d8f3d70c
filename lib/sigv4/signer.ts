// Recomputes a request's signature with the AWS SDK's own signer (@smithy/signature-v4) and compares it in constant time.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { MismatchReport } from './errors.js';
import type { SignatureClaim } from './parse.js';
import { headerValue, type QueryParameters, type RequestTarget } from './request.js';
import type { SigV4Service } from './types.js';

type HttpRequest = Parameters<SignatureV4['presign']>[0];

/** The SDK's signer, keeping the canonical request and string to sign of its first signature for SignatureDoesNotMatch. */
class RecordingSigner extends SignatureV4 {
  canonicalRequest: string | undefined;
  stringToSign: string | undefined;

  protected override createCanonicalRequest(...args: Parameters<SignatureV4['createCanonicalRequest']>): string {
    const canonical = super.createCanonicalRequest(...args);
    this.canonicalRequest ??= canonical;
    return canonical;
  }

  protected override async createStringToSign(...args: Parameters<SignatureV4['createStringToSign']>): Promise<string> {
    const text = await super.createStringToSign(...args);
    this.stringToSign ??= text;
    return text;
  }
}

/** S3's URI encoding of one path segment (RFC 3986 unreserved characters stay, everything else is %XX). */
function uriEncode(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI candidates: the path as sent (what SDKs sign), then the same path re-encoded the
 * canonical way, for clients that send some characters unescaped (browsers and `~`, `'`).
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

/**
 * The signed headers with the values received, plus the payload hash the signer must use (as an
 * unsigned header unless the client signed it): then the signer signs exactly the client's list.
 */
function signingHeaders(req: IncomingMessage, names: readonly string[], payloadHash: string) {
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = headerValue(req, name) ?? '';
  headers['x-amz-content-sha256'] ??= payloadHash;
  const signable = new Set(names);
  const unsignable = new Set(Object.keys(headers).filter((name) => !signable.has(name)));
  // Presigning must not move any header into the query: the client signed them as headers.
  const unhoistable = new Set(Object.keys(headers));
  return { headers, signable, unsignable, unhoistable };
}

const sameSignature = (expected: string, actual: string): boolean =>
  expected.length === actual.length && timingSafeEqual(Buffer.from(expected), Buffer.from(actual));

/** What {@link verifySignature} needs besides the claim. */
export interface SignatureInput {
  readonly req: IncomingMessage;
  readonly target: RequestTarget;
  readonly claim: SignatureClaim;
  readonly secretAccessKey: string;
  readonly service: SigV4Service;
  /** The hash the canonical request ends with (hex, or `UNSIGNED-PAYLOAD`). */
  readonly payloadHash: string;
}

/**
 * Re-signs the request as the client described it and compares. Resolves with `undefined` on a match,
 * else with the report SignatureDoesNotMatch carries (the canonical request of the path as sent).
 */
export async function verifySignature(input: SignatureInput): Promise<MismatchReport | undefined> {
  const { req, target, claim } = input;
  // S3 signs the path as sent; every other service encodes it once more, as the AWS SDKs do.
  const signer = new RecordingSigner({
    credentials: { accessKeyId: claim.accessKeyId, secretAccessKey: input.secretAccessKey },
    region: claim.region,
    service: input.service,
    sha256: Sha256,
    uriEscapePath: input.service !== 's3',
    applyChecksum: false,
  });
  const { headers, signable, unsignable, unhoistable } = signingHeaders(req, claim.signedHeaders, input.payloadHash);
  const query: QueryParameters = { ...target.query };
  delete query['X-Amz-Signature'];
  const signingDate = new Date(claim.time);
  for (const path of canonicalPaths(target.rawPath)) {
    const request: HttpRequest = { method: req.method ?? 'GET', protocol: 'http:', hostname: '', path, query, headers };
    let computed: string;
    if (claim.carrier === 'header') {
      const signed = await signer.sign(request, { signingDate, signableHeaders: signable, unsignableHeaders: unsignable });
      const authorization = String(signed.headers['authorization']);
      computed = authorization.slice(authorization.lastIndexOf('Signature=') + 'Signature='.length);
    } else {
      const options = { signingDate, expiresIn: Number(claim.expires), signableHeaders: signable, unsignableHeaders: unsignable, unhoistableHeaders: unhoistable };
      computed = String((await signer.presign(request, options)).query?.['X-Amz-Signature']);
    }
    if (sameSignature(computed, claim.signature)) return undefined;
  }
  return { accessKeyId: claim.accessKeyId, canonicalRequest: signer.canonicalRequest ?? '', stringToSign: signer.stringToSign ?? '', signatureProvided: claim.signature };
}
