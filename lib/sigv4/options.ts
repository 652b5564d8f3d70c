// The verifier's options and their checks (through lib/options.ts, like every public constructor).

import { oneOf, optionalFunction, readOptions, type CheckedOptions, type OptionCheck, type OptionChecks } from '../options.js';
import type { SigV4Credential, SigV4CredentialLookup, SigV4Secret, SigV4Service } from './types.js';

/** Default {@link SigV4VerifierOptions.maxSkewMs}: 15 minutes, as S3. */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

/** Options of `createSigV4Verifier`. */
export interface SigV4VerifierOptions {
  /**
   * The keys the server knows. Required. A lookup `(accessKeyId) => { secretAccessKey, owner? } |
   * undefined` (may be async; `undefined` answers as an unknown key; a lookup that throws fails the
   * request with the router's internal error), or for a fixed set an array of `{ accessKeyId,
   * secretAccessKey, owner? }` or a record `{ [accessKeyId]: { secretAccessKey, owner? } }`.
   */
  readonly credentials: SigV4CredentialLookup | readonly SigV4Credential[] | Readonly<Record<string, SigV4Secret>>;
  /**
   * The service the credential scope must name, which also picks the errors (S3's XML `S3Error`s or
   * MediaStore's JSON `MediaStoreError`s) and the signing rules (S3 signs the path as sent, others
   * encode it once more). Default `'s3'`.
   */
  readonly service?: SigV4Service;
  /** The region the credential scope must name (else AuthorizationHeaderMalformed with `Region`). Default: any region. */
  readonly region?: string;
  /** Largest distance, in ms, between a header-signed request's X-Amz-Date and the server clock. Default 900,000 (15 minutes, as S3). */
  readonly maxSkewMs?: number;
  /**
   * Whether `x-amz-content-sha256: UNSIGNED-PAYLOAD` is accepted (the body is then not covered by the
   * signature). Default: `true` for `'s3'` (as S3: header-signed and presigned), `false` for
   * `'mediastore'`, whose control plane signs every body; set `true` for a MediaStore data plane.
   */
  readonly unsignedPayload?: boolean;
  /** The clock, in epoch milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isSecret = (value: unknown): value is SigV4Secret =>
  isRecord(value) && typeof value.secretAccessKey === 'string' && value.secretAccessKey !== '' && (value.owner === undefined || typeof value.owner === 'string');

/** A fixed set of keys as a lookup; `undefined` when `value` is not one of the two accepted shapes. */
function fixedLookup(value: unknown): SigV4CredentialLookup | undefined {
  const entries: [string, unknown][] | undefined = Array.isArray(value)
    ? value.map((item: unknown) => [isRecord(item) && typeof item.accessKeyId === 'string' ? item.accessKeyId : '', item])
    : isRecord(value)
      ? Object.entries(value)
      : undefined;
  if (entries === undefined || entries.length === 0 || entries.some(([id, secret]) => id === '' || !isSecret(secret))) return undefined;
  const secrets = new Map(entries.map(([id, secret]) => [id, { secretAccessKey: (secret as SigV4Secret).secretAccessKey, owner: (secret as SigV4Secret).owner }]));
  return (accessKeyId) => secrets.get(accessKeyId);
}

const credentialsOption: OptionCheck<SigV4CredentialLookup> = (value, fail) => {
  if (typeof value === 'function') return value as SigV4CredentialLookup;
  const lookup = fixedLookup(value);
  if (lookup === undefined)
    fail(
      'be given: a function (accessKeyId) => { secretAccessKey, owner? } | undefined, a non-empty array of ' +
        '{ accessKeyId, secretAccessKey, owner? }, or a record { [accessKeyId]: { secretAccessKey, owner? } }',
    );
  return lookup!;
};

const regionOption: OptionCheck<string | undefined> = (value, fail) => {
  if (value !== undefined && (typeof value !== 'string' || value === '')) fail('be a region name like "us-east-1", or be left out (default: any region)');
  return value as string | undefined;
};

const skewOption: OptionCheck<number> = (value, fail) => {
  if (value === undefined) return DEFAULT_MAX_SKEW_MS;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`be a whole number of milliseconds >= 0 (default ${DEFAULT_MAX_SKEW_MS})`);
  return value as number;
};

const unsignedOption: OptionCheck<boolean | undefined> = (value, fail) => {
  if (value !== undefined && typeof value !== 'boolean') fail("be true or false, or be left out (default: true for 's3', false for 'mediastore')");
  return value as boolean | undefined;
};

/** One check per verifier option; `sigv4Authorizer` accepts the same ones. */
export const VERIFIER_CHECKS = {
  credentials: credentialsOption,
  service: oneOf(['s3', 'mediastore'], 's3'),
  region: regionOption,
  maxSkewMs: skewOption,
  unsignedPayload: unsignedOption,
  now: optionalFunction<() => number>('() => number returning epoch milliseconds'),
} satisfies OptionChecks<SigV4VerifierOptions>;

/** Checked verifier options. */
export type CheckedVerifierOptions = CheckedOptions<typeof VERIFIER_CHECKS>;

export const readVerifierOptions = (owner: string, given: unknown): CheckedVerifierOptions => readOptions(owner, given, VERIFIER_CHECKS);
