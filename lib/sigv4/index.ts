// `express-bucket-cors/sigv4`: verify owners' AWS Signature Version 4 on ?cors and MediaStore calls. This file only re-exports.

export { createSigV4Verifier, type SigV4Verifier } from './verifier.js';
export { sigv4Authorizer, type SigV4Authorizer, type SigV4AuthorizerOptions, type SigV4Allow } from './authorizer.js';
export { DEFAULT_MAX_SKEW_MS, type SigV4VerifierOptions } from './options.js';
export { MAX_PRESIGNED_EXPIRES_SECONDS } from './time.js';
export type { Principal, SignedPrincipal, PayloadClaim, SigV4Credential, SigV4CredentialLookup, SigV4Secret, SigV4Service } from './types.js';
export { backendBucketExists, DEFAULT_PROBE_TIMEOUT_MS, type BackendBucketsOptions } from './probe.js';
