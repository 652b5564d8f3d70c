// `express-bucket-cors/mediastore`: AWS Elemental MediaStore's CORS-policy API over the same rules. This file only re-exports.

export { MediaStoreError, MediaStoreErrors, isMediaStoreError } from './errors.js';
export { MEDIASTORE_PROFILE, MAX_POLICY_CHARACTERS, isContainerName } from './profile.js';
export { parseCorsPolicy, policyOf, type CorsPolicy, type MediaStoreMethod } from './policy.js';
export { s3ConfigurationToMediaStorePolicy, mediaStorePolicyToS3Configuration, CorsConversionError, type MediaStoreConversion } from './convert.js';
export { mediaStoreDialect } from './dialect.js';
export { sendMediaStoreJson, sendMediaStoreError, AMZ_JSON_1_1 } from './response.js';
export {
  mediaStoreRouter,
  isMediaStoreRequest,
  parseMediaStoreInput,
  MEDIASTORE_TARGET_PREFIX,
  type MediaStoreRouterOptions,
  type MediaStoreRouterHandler,
  type MediaStoreAuthorizer,
  type MediaStoreAction,
} from './router.js';
