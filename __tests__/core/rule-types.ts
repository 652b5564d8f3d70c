// Type tests (checked by `npm run typecheck`, not run): AllowedMethods holds only the methods the dialect accepts, so a
// typo such as 'get' fails to compile; untyped input (parsed JSON) still goes through the validators, which take unknown.

import { bucketCors } from 'express-bucket-cors';
import { compileCorsConfiguration, explain, lint, type CorsConfiguration, type CorsMethod, type CorsRule } from 'express-bucket-cors/core';
import { mediaStorePolicyToS3Configuration, type CorsPolicy } from 'express-bucket-cors/mediastore';
import { parseCorsJson, validateCorsConfiguration } from 'express-bucket-cors/s3';

export const upload: CorsRule = { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'POST', 'DELETE'] };

// @ts-expect-error: S3 compares methods case-sensitively, 'get' is not one of them
export const lowerCase: CorsRule = { AllowedOrigins: ['*'], AllowedMethods: ['get'] };

// @ts-expect-error: PATCH is no S3 CORS method
export const patch: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] };

// @ts-expect-error: the same for options given to the middleware
export const middleware = bucketCors({ defaultRules: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['Get'] }] } });

/** A configuration in a variable needs its type (or `satisfies`), else TypeScript widens the methods to string. */
export const declared = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] } satisfies CorsConfiguration;
export const widened = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }] };
// @ts-expect-error: string[] is not CorsMethod[]
export const notWithoutItsType: CorsConfiguration = widened;

/** Another dialect's methods: the engine (compile, explain, lint) takes any method names. */
export const otherDialect: CorsConfiguration<'GET' | 'PATCH'> = { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] };
export const engineTakesAny = [compileCorsConfiguration(otherDialect), lint(otherDialect), explain(otherDialect, { origin: '*', method: 'PATCH', preflight: true })];

/** Untyped input: the validators take unknown and return the typed configuration. */
export const fromJson: CorsConfiguration = validateCorsConfiguration(JSON.parse('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}'));
export const parsed: readonly CorsMethod[] = parseCorsJson('{"CORSRules":[{"AllowedOrigins":["*"],"AllowedMethods":["GET"]}]}').CORSRules[0]!.AllowedMethods;

/** MediaStore's policies: S3's methods without POST. */
export const policy: CorsPolicy = [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT', 'HEAD', 'DELETE'], AllowedHeaders: [] }];
// @ts-expect-error: MediaStore has no POST
export const postPolicy: CorsPolicy = [{ AllowedOrigins: ['*'], AllowedMethods: ['POST'], AllowedHeaders: [] }];
export const converted: CorsConfiguration = mediaStorePolicyToS3Configuration(policy);
