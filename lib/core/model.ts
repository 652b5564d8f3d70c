// The S3 CORS configuration model, in the AWS SDK's object shape (PutBucketCors / GetBucketCors).

/** The five methods S3 accepts in `AllowedMethod`, compared case-sensitively. */
export type CorsMethod = 'GET' | 'PUT' | 'HEAD' | 'POST' | 'DELETE';

/**
 * One CORS rule (S3 `CORSRule`). Every string is kept verbatim as the bucket owner sent it:
 * S3 returns `AllowedHeader` casing and an empty `AllowedOrigin` unchanged on GetBucketCors.
 * `Method` is what `AllowedMethods` may hold: default {@link CorsMethod}, S3's five; the dialect-neutral
 * engine (compile, explain, lint) takes `CorsRule<string>`, so that any dialect's rules fit.
 */
export interface CorsRule<Method extends string = CorsMethod> {
  /** Optional identifier, at most 255 characters. */
  readonly ID?: string;
  /** Origins that may make cross-origin requests; each may contain at most one `*` wildcard. Required. */
  readonly AllowedOrigins: readonly string[];
  /**
   * Methods the origins may use: `GET`, `PUT`, `HEAD`, `POST`, `DELETE`, upper case (S3 compares them
   * case-sensitively, so `'get'` is refused; typed as {@link CorsMethod} so that the compiler says so
   * first). Required.
   */
  readonly AllowedMethods: readonly Method[];
  /** Headers a preflight may ask for (`Access-Control-Request-Headers`); at most one `*` each. Default: none. */
  readonly AllowedHeaders?: readonly string[];
  /** Response headers browsers may read (`Access-Control-Expose-Headers`); no wildcards. Default: none. */
  readonly ExposeHeaders?: readonly string[];
  /** Seconds a browser may cache the preflight answer (`Access-Control-Max-Age`). Default: not sent. */
  readonly MaxAgeSeconds?: number;
}

/**
 * A bucket's whole CORS configuration: 1 to 100 rules, evaluated in order, first match wins. `Method`
 * as in {@link CorsRule}: default {@link CorsMethod}. Untyped input (parsed JSON, YAML) is checked at
 * run time by the validators, which take `unknown`.
 */
export interface CorsConfiguration<Method extends string = CorsMethod> {
  readonly CORSRules: readonly CorsRule<Method>[];
}

/** Where the request points inside the bucket: `<ResourceType>` in S3's preflight errors. */
export type ResourceType = 'BUCKET' | 'OBJECT';

/** Ordered `[name, value]` response header pairs. */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;
