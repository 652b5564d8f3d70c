// Reads a signature's parts from the Authorization header or a presigned URL's query, refusing malformed ones.

import type { IncomingMessage } from 'node:http';
import type { SigV4Errors, SignatureCarrier } from './errors.js';
import { headerValue, queryValue, type QueryParameters } from './request.js';
import { isValidExpires, parseAmzDate } from './time.js';
import type { SigV4Service } from './types.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** What a request claims about its signature, with the credential scope checked against the verifier's. */
export interface SignatureClaim {
  readonly carrier: SignatureCarrier;
  readonly accessKeyId: string;
  readonly region: string;
  /** `X-Amz-Date` as sent, and as epoch milliseconds. */
  readonly amzDate: string;
  readonly time: number;
  /** Lower-case names, as listed (`host;x-amz-date`). */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** Presigned only: `X-Amz-Expires` as sent (validated). */
  readonly expires: string | undefined;
}

/** What the scope must name: the verifier's service, and its region when it has one. */
export interface ScopeRules {
  readonly service: SigV4Service;
  readonly region: string | undefined;
  readonly errors: SigV4Errors;
}

/** `AKID/20130524/us-east-1/s3/aws4_request` → key, date and region; the service and region held to `rules`. */
function parseScope(credential: string, carrier: SignatureCarrier, rules: ScopeRules) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[0] === '' || parts[4] !== 'aws4_request' || parts[2] === '' || !/^\d{8}$/.test(parts[1]!))
    throw rules.errors.malformed(carrier, { kind: 'credential' });
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (service !== rules.service) throw rules.errors.malformed(carrier, { kind: 'service', given: service, expected: rules.service });
  if (rules.region !== undefined && region !== rules.region) throw rules.errors.malformed(carrier, { kind: 'region', given: region, expected: rules.region });
  return { accessKeyId, date, region };
}

/** X-Amz-Date read and matched with the credential scope's date. */
function datedClaim(amzDate: string | undefined, scopeDate: string, carrier: SignatureCarrier, errors: SigV4Errors) {
  const time = amzDate === undefined ? Number.NaN : parseAmzDate(amzDate);
  if (Number.isNaN(time)) throw errors.missingDate(carrier);
  if (amzDate!.slice(0, 8) !== scopeDate) throw errors.malformed(carrier, { kind: 'credential-date', credentialDate: scopeDate, amzDate: amzDate!.slice(0, 8) });
  return { amzDate: amzDate!, time };
}

/** `Credential=…, SignedHeaders=…, Signature=…` (any order, spaces optional) → the three values. */
function authorizationFields(authorization: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const field of authorization.slice(ALGORITHM.length + 1).split(',')) {
    const equals = field.indexOf('=');
    if (equals !== -1) fields.set(field.slice(0, equals).trim(), field.slice(equals + 1).trim());
  }
  return fields;
}

/** The claim of a header-signed request (`Authorization: AWS4-HMAC-SHA256 …`). */
export function parseHeaderClaim(req: IncomingMessage, authorization: string, rules: ScopeRules): SignatureClaim {
  const { errors } = rules;
  if (!authorization.startsWith(`${ALGORITHM} `)) throw errors.unsupportedAlgorithm();
  const fields = authorizationFields(authorization);
  const [credential, list, signature] = [fields.get('Credential'), fields.get('SignedHeaders'), fields.get('Signature')];
  if (credential === undefined || list === undefined || signature === undefined || list === '') throw errors.malformed('header', { kind: 'components' });
  const scope = parseScope(credential, 'header', rules);
  const dated = datedClaim(headerValue(req, 'x-amz-date'), scope.date, 'header', errors);
  return { carrier: 'header', ...scope, ...dated, signedHeaders: list.split(';'), signature, expires: undefined };
}

const PRESIGN_PARAMETERS = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

/** The claim of a presigned URL (`X-Amz-Algorithm`, `X-Amz-Credential`, … in the query). */
export function parseQueryClaim(query: QueryParameters, rules: ScopeRules): SignatureClaim {
  const { errors } = rules;
  const algorithm = queryValue(query, 'X-Amz-Algorithm');
  const values = PRESIGN_PARAMETERS.map((name) => queryValue(query, name));
  if (algorithm === undefined || values.some((value) => value === undefined || value === '')) throw errors.malformed('query', { kind: 'components' });
  if (algorithm !== ALGORITHM) throw errors.malformed('query', { kind: 'algorithm' });
  const [credential, amzDate, expires, list, signature] = values as [string, string, string, string, string];
  const scope = parseScope(credential, 'query', rules);
  if (!isValidExpires(expires)) throw errors.malformed('query', { kind: 'expires', value: expires });
  const dated = datedClaim(amzDate, scope.date, 'query', errors);
  return { carrier: 'query', ...scope, ...dated, signedHeaders: list.split(';'), signature, expires };
}
