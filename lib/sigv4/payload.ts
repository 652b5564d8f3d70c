// x-amz-content-sha256: which payload hash the canonical request ends with, and whether the body matches it.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SigV4Errors } from './errors.js';
import type { SignatureClaim } from './parse.js';
import { headerValue, queryValue, type QueryParameters } from './request.js';
import type { PayloadClaim, SigV4Service } from './types.js';

const UNSIGNED = 'UNSIGNED-PAYLOAD';
const STREAMING_MODES: ReadonlySet<string> = new Set([
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);

/** The request body, handed over or read on demand (only when the signature or the claim covers it). */
export type BodySource = Buffer | (() => Promise<Buffer>) | undefined;

/** What the payload part of the verification settles. */
export interface PayloadRules {
  readonly service: SigV4Service;
  readonly unsignedPayload: boolean;
  readonly errors: SigV4Errors;
}

const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
const readBody = (body: BodySource): Promise<Buffer> => (typeof body === 'function' ? body() : Promise.resolve(body ?? Buffer.alloc(0)));

/**
 * The payload hash as the client stated it: the header when header-signed, `X-Amz-Content-Sha256`
 * when presigned (a presigner never signs a header of the body it does not know), or none.
 */
function statedHash(req: IncomingMessage, query: QueryParameters, claim: SignatureClaim): string | undefined {
  return claim.carrier === 'header' ? headerValue(req, 'x-amz-content-sha256') : queryValue(query, 'X-Amz-Content-Sha256');
}

/**
 * The hash the canonical request ends with, and the claim it makes. S3 requires the header on
 * header-signed requests and takes presigned URLs as `UNSIGNED-PAYLOAD`; every other service signs the
 * body's hash when none is stated, presigned or not (so the body is read then). Refuses what `rules`
 * does not accept.
 */
export async function payloadOf(req: IncomingMessage, query: QueryParameters, claim: SignatureClaim, body: BodySource, rules: PayloadRules) {
  const { errors } = rules;
  let stated = statedHash(req, query, claim);
  if (stated === undefined && rules.service === 's3') {
    if (claim.carrier === 'header') throw errors.missingPayloadHash();
    stated = UNSIGNED;
  }
  if (stated === undefined) {
    const hex = sha256Hex(await readBody(body));
    return { hash: hex, claim: { kind: 'sha256', hex, checked: body !== undefined } satisfies PayloadClaim };
  }
  if (stated === UNSIGNED) {
    if (!rules.unsignedPayload) throw errors.unsignedRefused();
    return { hash: stated, claim: { kind: 'unsigned' } satisfies PayloadClaim };
  }
  if (STREAMING_MODES.has(stated)) {
    // A body handed over is one to check, and chunk signatures are not checked here.
    if (body !== undefined) throw errors.streamingRefused();
    return { hash: stated, claim: { kind: 'streaming', mode: stated } satisfies PayloadClaim };
  }
  if (!/^[0-9a-f]{64}$/.test(stated)) throw errors.invalidPayloadHash(stated);
  return { hash: stated, claim: { kind: 'sha256', hex: stated, checked: false } satisfies PayloadClaim };
}

/** After the signature verified: a signed hash must be the body's (when there is a body to compare with). */
export async function checkPayload(claim: PayloadClaim, body: BodySource, errors: SigV4Errors): Promise<PayloadClaim> {
  if (claim.kind !== 'sha256' || claim.checked || body === undefined) return claim;
  const computed = sha256Hex(await readBody(body));
  if (computed !== claim.hex) throw errors.payloadMismatch(claim.hex, computed);
  return { ...claim, checked: true };
}
