// The requests and CORS configurations every variant and measurement shares, so they compare like with like.

/** The bucket the load tests hit. */
export const BUCKET = 'photos';
/** The object path every variant serves with the same trivial route. */
export const OBJECT_PATH = `/${BUCKET}/albums/2026/cat.jpg`;
/** The Origin sent on actual requests and preflights; allowed by every CORS variant. */
export const ORIGIN = 'https://app.example.com';
/**
 * Options of the `cors` package middleware, on equal footing with the rule {@link ORIGIN} matches in
 * {@link THREE_RULES}: a static origin list, credentials (S3 sends `Access-Control-Allow-Credentials`
 * whenever it echoes the Origin), the same methods, exposed headers and max-age, and status 200. A
 * preflight then gets the same headers from both; on an actual request `cors` sends four of the six
 * S3 sends (never `Access-Control-Allow-Methods` nor `Access-Control-Max-Age`).
 * @type {import('cors').CorsOptions}
 */
export const CORS_PACKAGE_OPTIONS = {
  origin: ['https://admin.example.com', ORIGIN, 'https://www.example.com'],
  credentials: true,
  methods: ['GET', 'HEAD', 'PUT'],
  exposedHeaders: ['ETag', 'x-amz-request-id'],
  maxAge: 600,
  optionsSuccessStatus: 200,
};

/**
 * What `bucketCors` sends on an actual GET from {@link ORIGIN} with {@link THREE_RULES} (its second
 * rule), with S3's names: the `floor` variant sets exactly these.
 */
export const S3_ACTUAL_RESPONSE_HEADERS = /** @type {const} */ ([
  ['Access-Control-Allow-Origin', ORIGIN],
  ['Access-Control-Allow-Credentials', 'true'],
  ['Access-Control-Allow-Methods', 'GET, HEAD, PUT'],
  ['Access-Control-Expose-Headers', 'ETag, x-amz-request-id'],
  ['Access-Control-Max-Age', '600'],
  ['Vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method'],
]);

/** Request headers of an actual GET with a matching Origin. */
export const ACTUAL_HEADERS = { origin: ORIGIN };
/** Request headers of a preflight that the second rule of {@link THREE_RULES} allows. */
export const PREFLIGHT_HEADERS = {
  origin: ORIGIN,
  'access-control-request-method': 'PUT',
  'access-control-request-headers': 'content-type,x-amz-meta-owner',
};

/**
 * A typical three-rule bucket configuration; actual GETs and preflights from {@link ORIGIN} match
 * the second rule, so a decision always skips one rule first.
 * @type {import('express-bucket-cors').CorsConfiguration}
 */
export const THREE_RULES = {
  CORSRules: [
    {
      ID: 'admin-writes',
      AllowedOrigins: ['https://admin.example.com'],
      AllowedMethods: ['PUT', 'POST', 'DELETE'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3000,
    },
    {
      ID: 'app',
      AllowedOrigins: [ORIGIN, 'https://www.example.com'],
      AllowedMethods: ['GET', 'HEAD', 'PUT'],
      AllowedHeaders: ['content-type', 'x-amz-*'],
      ExposeHeaders: ['ETag', 'x-amz-request-id'],
      MaxAgeSeconds: 600,
    },
    { ID: 'public-read', AllowedOrigins: ['*'], AllowedMethods: ['GET'] },
  ],
};

/**
 * A 100-rule configuration (S3's maximum) in which only the last rule allows {@link ORIGIN}; the
 * others mix exact and wildcard origins so that every rule is really compared.
 * @type {import('express-bucket-cors').CorsConfiguration}
 */
export const HUNDRED_RULES = {
  CORSRules: [
    ...Array.from({ length: 99 }, (_, i) => ({
      AllowedOrigins: [`https://tenant${i}.example.com`, `https://*.tenant${i}.example.net`],
      AllowedMethods: ['GET', 'PUT'],
      AllowedHeaders: ['content-type', `x-tenant-${i}-*`],
    })),
    { AllowedOrigins: [ORIGIN], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type', 'x-amz-*'], MaxAgeSeconds: 600 },
  ],
};

/** An Origin that no rule of {@link HUNDRED_RULES} allows. */
export const UNMATCHED_ORIGIN = 'https://elsewhere.example.org';

/** The Redis key under which the `naive-redis` variant keeps {@link THREE_RULES} as JSON. */
export const NAIVE_KEY_PREFIX = 'bench:naive-cors:';
