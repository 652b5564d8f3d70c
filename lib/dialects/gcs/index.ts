// Google Cloud Storage's CORS formats. This file only re-exports.

export { GCS_PROFILE, GCS_ANY_METHOD } from './profile.js';
export { GCS_FORMATS, GCS_JSON_FORMAT, GCS_XML_FORMAT, gcsEntriesToS3, s3ToGcsEntries, type GcsCorsEntry } from './formats.js';
