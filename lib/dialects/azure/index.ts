// Azure Storage's CORS formats. This file only re-exports.

export { AZURE_PROFILE, AZURE_LIMITS } from './profile.js';
export { AZURE_FORMATS, AZURE_XML_FORMAT, AZURE_JSON_FORMAT, azureRulesToS3, s3ToAzureRules, type AzureCorsRule } from './formats.js';
