// What the SigV4 verifier is given (keys) and what it answers (who signed, and what they said about the body).

/** What the server knows of one access key. */
export interface SigV4Secret {
  readonly secretAccessKey: string;
  /** Who the key belongs to (an account ID, a user name: yours to define), handed on in {@link SignedPrincipal.owner}. Default: none. */
  readonly owner?: string;
}

/** One access key, for the array form of {@link SigV4VerifierOptions.credentials}. */
export interface SigV4Credential extends SigV4Secret {
  readonly accessKeyId: string;
}

/** Finds an access key's secret; `undefined` for a key the server does not know (answered as an unknown key). */
export type SigV4CredentialLookup = (accessKeyId: string) => SigV4Secret | undefined | Promise<SigV4Secret | undefined>;

/**
 * What `x-amz-content-sha256` said about the body.
 * - `sha256`: the body's hash is signed; `checked` is true once the verifier compared it with the body
 *   it was handed (false when `verify` was called without a body: compare it yourself).
 * - `unsigned`: `UNSIGNED-PAYLOAD` (always for presigned S3 URLs): the body is not covered by the signature.
 * - `streaming`: an `aws-chunked` body (`STREAMING-…`); only reported when `verify` was called without a body.
 */
export type PayloadClaim =
  | { readonly kind: 'sha256'; readonly hex: string; readonly checked: boolean }
  | { readonly kind: 'unsigned' }
  | { readonly kind: 'streaming'; readonly mode: string };

/** A request whose signature verified. */
export interface SignedPrincipal {
  readonly kind: 'signed';
  readonly accessKeyId: string;
  /** {@link SigV4Secret.owner} of the key, or `undefined` when the lookup gave none. */
  readonly owner: string | undefined;
  /** The credential scope's region. */
  readonly region: string;
  readonly payload: PayloadClaim;
  /** `header`: an `Authorization` header; `query`: a presigned URL. */
  readonly via: 'header' | 'query';
}

/** Who sent a request: nobody in particular (no signature at all), or the holder of a key. */
export type Principal = { readonly kind: 'anonymous' } | SignedPrincipal;

/** The SigV4 service names the verifier speaks for; each failure is answered in that service's errors. */
export type SigV4Service = 's3' | 'mediastore';
