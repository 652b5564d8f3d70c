// The docs/behaviour.md §16 configurations C1–C10 and small helpers shared by the engine tests.

import { compileCorsConfiguration, type BucketCorsState, type CorsRequestInfo, type CorsConfiguration, type CorsRule, type HeaderList } from 'express-bucket-cors/core';

const config = (...rules: CorsRule[]): CorsConfiguration => ({ CORSRules: rules });

/** docs/behaviour.md §16 configurations. */
export const CONFIGS = {
  C1: config({ AllowedOrigins: ['https://localhost:4200'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 3000, AllowedHeaders: ['*'] }),
  C2: config({ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 3000, AllowedHeaders: ['*'] }),
  C3: config({ AllowedOrigins: ['https://localhost:4200'], AllowedMethods: ['GET'], MaxAgeSeconds: 3000, AllowedHeaders: ['*'] }),
  C4: config({
    AllowedOrigins: ['https://localhost:4200'],
    AllowedMethods: ['GET'],
    MaxAgeSeconds: 3000,
    AllowedHeaders: ['x-amz-expected-bucket-owner', 'x-amz-server-side-encryption-customer-algorithm', 'x-AMZ-server-SIDE-encryption'],
  }),
  C5: config({ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['x-amz-id-2', 'x-amz-request-id', 'x-amz-request-payer'] }),
  C6: config({ AllowedOrigins: ['*'], AllowedMethods: ['GET'] }),
  C7: config({ AllowedOrigins: ['http://*.origin.com'], AllowedMethods: ['GET', 'PUT'], MaxAgeSeconds: 3000, AllowedHeaders: ['*'] }),
  C8: config(
    { AllowedOrigins: ['*suffix'], AllowedMethods: ['GET'] },
    { AllowedOrigins: ['start*end'], AllowedMethods: ['GET'] },
    { AllowedOrigins: ['prefix*'], AllowedMethods: ['GET'] },
    { AllowedOrigins: ['*.put'], AllowedMethods: ['PUT'] },
  ),
  C9: config(
    { AllowedOrigins: ['http://first.com'], AllowedMethods: ['GET'], MaxAgeSeconds: 100 },
    { AllowedOrigins: ['*'], AllowedMethods: ['GET', 'POST'], MaxAgeSeconds: 200 },
  ),
  C10: config({ AllowedOrigins: ['http://example.com'], AllowedMethods: ['GET'], AllowedHeaders: ['x-amz-meta-*'] }),
} satisfies Record<string, CorsConfiguration>;

/** A configuration name from {@link CONFIGS}, `none` (bucket without configuration) or `no-bucket`. */
export type StateName = keyof typeof CONFIGS | 'none' | 'no-bucket';

/** The engine state for a named configuration. */
export function stateOf(name: StateName): BucketCorsState {
  if (name === 'none') return { kind: 'no-configuration' };
  if (name === 'no-bucket') return { kind: 'no-bucket' };
  return { kind: 'configured', rules: compileCorsConfiguration(CONFIGS[name]) };
}

/** A request with defaults: OPTIONS on an object, no CORS headers. */
export function requestOf(overrides: Partial<CorsRequestInfo>): CorsRequestInfo {
  return { method: 'OPTIONS', origin: undefined, requestMethod: undefined, requestHeaders: undefined, resourceType: 'OBJECT', ...overrides };
}

/** Header pairs as a plain object, failing on a duplicated name. */
export function headerMap(headers: HeaderList): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name in map) throw new Error(`duplicate header ${name}`);
    map[name] = value;
  }
  return map;
}
