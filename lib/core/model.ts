// The S3 CORS configuration model, in the AWS SDK's object shape (PutBucketCors / GetBucketCors).

/** The five methods S3 accepts in `AllowedMethod`, compared case-sensitively. */
export type CorsMethod = 'GET' | 'PUT' | 'HEAD' | 'POST' | 'DELETE';

/**
 * One CORS rule (S3 `CORSRule`). Every string is kept verbatim as the bucket owner sent it:
 * S3 returns `AllowedHeader` casing and an empty `AllowedOrigin` unchanged on GetBucketCors.
 */
export interface CorsRule {
  /** Optional identifier, at most 255 characters. */
  readonly ID?: string;
  /** Origins that may make cross-origin requests; each may contain at most one `*` wildcard. Required. */
  readonly AllowedOrigins: readonly string[];
  /** Methods the origins may use: `GET`, `PUT`, `HEAD`, `POST`, `DELETE`. Required. */
  readonly AllowedMethods: readonly string[];
  /** Headers a preflight may ask for (`Access-Control-Request-Headers`); at most one `*` each. Default: none. */
  readonly AllowedHeaders?: readonly string[];
  /** Response headers browsers may read (`Access-Control-Expose-Headers`); no wildcards. Default: none. */
  readonly ExposeHeaders?: readonly string[];
  /** Seconds a browser may cache the preflight answer (`Access-Control-Max-Age`). Default: not sent. */
  readonly MaxAgeSeconds?: number;
}

/** A bucket's whole CORS configuration: 1 to 100 rules, evaluated in order, first match wins. */
export interface CorsConfiguration {
  readonly CORSRules: readonly CorsRule[];
}

/** Where the request points inside the bucket: `<ResourceType>` in S3's preflight errors. */
export type ResourceType = 'BUCKET' | 'OBJECT';

/** Ordered `[name, value]` response header pairs. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;
