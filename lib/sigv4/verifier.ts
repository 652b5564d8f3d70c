// createSigV4Verifier: who signed a request (header or presigned URL), or the exact error the service answers with.

import createDebug from 'debug';
import type { IncomingMessage } from 'node:http';
import { errorsFor, type SigV4Errors } from './errors.js';
import { readVerifierOptions, type CheckedVerifierOptions, type SigV4VerifierOptions } from './options.js';
import { parseHeaderClaim, parseQueryClaim, type ScopeRules, type SignatureClaim } from './parse.js';
import { checkPayload, payloadOf, type BodySource, type PayloadRules } from './payload.js';
import { headerValue, requestTarget, type RequestTarget } from './request.js';
import { verifySignature } from './signer.js';
import { checkLifetime, checkSkew } from './time.js';
import type { Principal, SigV4Secret } from './types.js';

const debug = createDebug('express-bucket-cors:sigv4');

/**
 * Resolves with who sent `req`, or rejects with the error the service answers with (`S3Error` for
 * `'s3'`, `MediaStoreError` for `'mediastore'`). `body`: the request's bytes, or a function reading
 * them (called at most once, only when the signature or a signed hash covers them). With a body, a
 * signed `x-amz-content-sha256` must be its SHA-256 and `aws-chunked` bodies are refused; without
 * one, a signed hash is returned unchecked (`payload.checked: false`) and the body counts as empty
 * where the signature itself covers it (services other than S3 without `x-amz-content-sha256`).
 */
export type SigV4Verifier = (req: IncomingMessage, body?: Buffer | (() => Promise<Buffer>)) => Promise<Principal>;

/** The parts of the verification fixed at construction. */
interface VerifierContext {
  readonly options: CheckedVerifierOptions;
  readonly errors: SigV4Errors;
  readonly scope: ScopeRules;
  readonly payload: PayloadRules;
  readonly now: () => number;
}

/** The signature mechanism the request uses: none, the header, or the query; more than one is refused. */
function carrierOf(req: IncomingMessage, target: RequestTarget, errors: SigV4Errors): 'none' | 'header' | 'query' {
  const authorization = headerValue(req, 'authorization');
  const presigned = 'X-Amz-Algorithm' in target.query || 'X-Amz-Credential' in target.query || 'X-Amz-Signature' in target.query;
  // Signature Version 2 in the query (AWSAccessKeyId, Signature, Expires): refused like a SigV2 header, never read as anonymous.
  const presignedV2 = 'AWSAccessKeyId' in target.query || 'Signature' in target.query;
  if (authorization !== undefined && (presigned || presignedV2)) throw errors.multipleAuthorizations(authorization);
  if (authorization !== undefined) return 'header';
  if (presigned) return 'query';
  if (presignedV2) throw errors.unsupportedAlgorithm();
  return 'none';
}

async function secretOf(context: VerifierContext, claim: SignatureClaim): Promise<SigV4Secret> {
  const found = await context.options.credentials(claim.accessKeyId);
  if (found === undefined || typeof found.secretAccessKey !== 'string') throw context.errors.unknownKey(claim.accessKeyId);
  return found;
}

/** Checks in order: shape → key known → time → payload claim → signature → body against a signed hash. */
async function verifyRequest(context: VerifierContext, req: IncomingMessage, body: BodySource): Promise<Principal> {
  const { errors, options } = context;
  const target = requestTarget(req);
  const carrier = carrierOf(req, target, errors);
  if (carrier === 'none') return { kind: 'anonymous' };
  const claim = carrier === 'header' ? parseHeaderClaim(req, headerValue(req, 'authorization')!, context.scope) : parseQueryClaim(target.query, context.scope);
  const secret = await secretOf(context, claim);
  const now = context.now();
  if (claim.expires === undefined) checkSkew(claim.amzDate, claim.time, now, options.maxSkewMs, errors);
  else checkLifetime(claim.amzDate, claim.time, claim.expires, now, options.maxSkewMs, errors);
  const payload = await payloadOf(req, target.query, claim, body, context.payload);
  const mismatch = await verifySignature({ req, target, claim, secretAccessKey: secret.secretAccessKey, service: options.service, payloadHash: payload.hash });
  if (mismatch !== undefined) {
    debug('%s %s: signature mismatch for %s', req.method, target.rawPath, claim.accessKeyId);
    throw errors.mismatch(mismatch);
  }
  const checked = await checkPayload(payload.claim, body, errors);
  debug('%s %s: signed by %s (%s), payload %s', req.method, target.rawPath, claim.accessKeyId, carrier, checked.kind);
  return { kind: 'signed', accessKeyId: claim.accessKeyId, owner: secret.owner, region: claim.region, payload: checked, via: carrier };
}

/** The verifier of already checked options (shared with `sigv4Authorizer`). */
export function verifierOf(options: CheckedVerifierOptions): SigV4Verifier {
  const errors = errorsFor(options.service);
  const context: VerifierContext = {
    options,
    errors,
    scope: { service: options.service, region: options.region, errors },
    payload: { service: options.service, unsignedPayload: options.unsignedPayload ?? options.service === 's3', errors },
    now: options.now ?? Date.now,
  };
  return (req, body) => verifyRequest(context, req, body);
}

/**
 * Builds a verifier of AWS Signature Version 4: `Authorization: AWS4-HMAC-SHA256 …` headers and
 * presigned URLs (`X-Amz-Algorithm`, `X-Amz-Credential`, …). It re-signs the request's canonical parts
 * with the secret of the access key its credential scope names, using the AWS SDK's own signer, and
 * compares the signatures in constant time. A request with no signature at all is `anonymous`: what
 * anonymous callers may do is the caller's decision (`sigv4Authorizer` refuses them by default).
 * Checks and errors: express-bucket-cors/docs/behaviour.md §20.
 *
 * @throws TypeError when an option is missing or wrong.
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  return verifierOf(readVerifierOptions('createSigV4Verifier', options));
}
