// The demo page's own server (another origin than the bucket endpoint): static page, presigned URLs, rule admin, block explanations.

import {
  CreateBucketCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  DeleteObjectCommand,
  S3Client,
  S3ServiceException,
  type CORSRule,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import createDebug from 'debug';
import express from 'express';
import type { Request, Response } from 'express';
import { convert, DIALECTS, isConversionError, type ConversionWarning } from 'express-bucket-cors';
import { lint, type CorsConfiguration } from 'express-bucket-cors/core';
import { isS3Error, S3_LINT_PACKS, serializeCorsJson } from 'express-bucket-cors/s3';
import { isContainerName } from 'express-bucket-cors/mediastore';
import { MEDIASTORE_DATA_PATH, MEDIASTORE_SERVICE } from './mediastore.js';
import { createDemoMetrics } from './metrics.js';
import { presignUrl, type Credentials } from './sigv4.js';

const debug = createDebug('express-bucket-cors:demo:page');

/** Options of {@link createPageServer}. */
export interface PageServerOptions {
  /** The bucket endpoint as browsers reach it, e.g. `http://localhost:9000`. */
  readonly endpoint: string;
  /** Keys the page server signs with (the browser never sees them). */
  readonly credentials: Credentials;
  /** Folder holding `index.html` and `app.js`. */
  readonly publicDir: string;
  /**
   * Host names (no port) the page is served under; the API refuses any other `Host`, so a site that
   * points its own name at this address (DNS rebinding) cannot call it. Default: `localhost`,
   * `127.0.0.1` and `[::1]`.
   */
  readonly hostNames?: readonly string[];
}

/** The page server: an Express app, and `close()` for its S3 client and metrics subscriptions. */
export interface PageServer {
  readonly app: express.Express;
  close(): void;
}

/** Presigned URLs live this long: enough to click, short enough not to matter if copied. */
const PRESIGN_SECONDS = 300;
/** A header the page may add to uploads; signed as a header (not hoisted to the query), so the browser must send it and preflight. */
export const NOTE_HEADER = 'x-amz-meta-note';

type Presignable = 'PutObject' | 'GetObject' | 'DeleteObject' | 'ListObjectsV2';

interface PresignRequest {
  readonly operation?: Presignable;
  readonly bucket?: string;
  readonly key?: string;
  readonly note?: string;
}

/** The loopback host names, the default of `hostNames`. */
export const LOOPBACK_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];
/** `Sec-Fetch-Site` values of the page's own calls (and of a URL typed into the address bar). */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/** Headers a browser may send without a preflight (Fetch "CORS-safelisted request-headers", simplified). */
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language']);
const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);

/** A sample configuration for `origin`: what the page needs, with ETag exposed and no preflight caching. */
export function sampleRules(origin: string): CORSRule[] {
  return [
    {
      ID: 'demo-page',
      AllowedOrigins: [origin],
      AllowedMethods: ['GET', 'PUT', 'HEAD', 'DELETE'],
      AllowedHeaders: ['*'],
      ExposeHeaders: ['ETag', 'x-amz-request-id'],
      MaxAgeSeconds: 0,
    },
  ];
}

/** What the editor takes, said whenever it gets something else: S3's shapes, then every other provider the library reads, with its default shape. */
export const EDITOR_SHAPES =
  'The editor takes S3 rules as the console\'s list [{"AllowedOrigins":[…],"AllowedMethods":[…],…}], the AWS CLI\'s {"CORSRules":[…]} or the XML <CORSConfiguration>, ' +
  `or another provider's rules, converted to S3's: ${DIALECTS.filter((dialect) => dialect.name !== 's3').map((dialect) => `${dialect.title} ${dialect.formats[0]!.shape}`).join('; ')}.`;

/** How the registry's `unrecognized` problem ends, before it lists its shapes. */
const SHAPES_FOLLOW = '; expected one of';

/** Rules the editor cannot save: `name` is the API's code when the format's reader is an API's own (`MalformedJSON`, `InvalidRequest`). */
class EditorRulesError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

/** The editor's rules as S3 rules, the format they were written in, and what converting them lost. */
export interface EditorRules {
  readonly format: string;
  readonly configuration: CorsConfiguration;
  readonly warnings: readonly ConversionWarning[];
}

/**
 * The editor's text as the library reads any provider's CORS rules (`convert` to S3's JSON, the format
 * detected): S3's own shapes as S3 reads them (its codes and words), another provider's converted with
 * every loss a warning, so the SDK only ever sends what S3 would store. Whatever is not rules names
 * every shape the editor takes.
 */
export function editorRules(text: unknown): EditorRules {
  if (typeof text !== 'string' || text.trim() === '') throw new EditorRulesError('NoRules', `Nothing to read. ${EDITOR_SHAPES}`);
  try {
    const { configuration, from, warnings } = convert(text, { to: 's3-json' });
    return { format: from, configuration, warnings };
  } catch (error) {
    if (!isConversionError(error)) throw error;
    // For a document of no known shape, the editor's own list of shapes instead of the registry's.
    const what = error.problems[0] ?? '';
    const message = error.code === 'unrecognized' ? `${what.endsWith(SHAPES_FOLLOW) ? what.slice(0, -SHAPES_FOLLOW.length) : what}. ${EDITOR_SHAPES}` : error.problems.join('; ');
    throw new EditorRulesError(error.apiCode ?? 'InvalidCorsRules', message);
  }
}

/** The bucket a path-style URL names (`''` for the service root). */
const bucketOfUrl = (url: string): string => decodeURIComponent(new URL(url).pathname.split('/')[1] ?? '');

/** Where a bucket stands, for words that blame the right thing when the browser blocks a call. */
type BucketState = 'missing' | 'no-configuration' | 'configured' | 'unknown';

/** Why an actual response carries no CORS headers, by where its bucket stands. */
const NO_HEADERS_CAUSE: Readonly<Record<BucketState, string>> = {
  missing: 'the bucket does not exist, so no CORS rules apply',
  'no-configuration': 'the bucket has no CORS configuration',
  configured: 'no CORS rule of the bucket matches this origin and method',
  unknown: 'no CORS rule of the bucket matches this origin and method (or the bucket has no CORS configuration)',
};

/** `&amp;` last, so that `&amp;lt;` becomes `&lt;` and not `<`. */
const XML_ENTITIES: ReadonlyArray<readonly [string, string]> = [['&lt;', '<'], ['&gt;', '>'], ['&quot;', '"'], ['&apos;', "'"], ['&amp;', '&']];

/** The text of the first `<name>` element of an S3 error body. */
function xmlElement(body: string, name: string): string | undefined {
  const start = body.indexOf(`<${name}>`);
  const end = body.indexOf(`</${name}>`, start);
  if (start === -1 || end === -1) return undefined;
  let text = body.slice(start + name.length + 2, end);
  for (const [entity, ch] of XML_ENTITIES) text = text.split(entity).join(ch);
  return text;
}

/**
 * Why a browser refused a cross-origin request, found by replaying what the browser did from the
 * server (no CORS there): the preflight when one was needed, else the request itself with `Origin`.
 */
async function explain(url: string, method: string, headers: readonly string[], origin: string, state: BucketState): Promise<string> {
  const custom = headers.map((header) => header.toLowerCase()).filter((header) => !SAFELISTED_HEADERS.has(header));
  if (!SIMPLE_METHODS.has(method) || custom.length > 0) {
    const requestHeaders: Record<string, string> = { Origin: origin, 'Access-Control-Request-Method': method };
    if (custom.length > 0) requestHeaders['Access-Control-Request-Headers'] = custom.join(',');
    const preflight = await fetch(url, { method: 'OPTIONS', headers: requestHeaders });
    const body = await preflight.text();
    const what = `The browser first sent a preflight: OPTIONS with Origin ${origin}, Access-Control-Request-Method ${method}` +
      (custom.length > 0 ? `, Access-Control-Request-Headers ${custom.join(',')}` : '');
    if (preflight.ok) return `${what}. It is allowed now (200): the rules may have changed since, or the actual response lacked CORS headers.`;
    const message = xmlElement(body, 'Message') ?? body.slice(0, 200);
    return `${what}. The bucket refused it with ${preflight.status}: ${message}`;
  }
  const response = await fetch(url, { method, headers: { Origin: origin } });
  await response.arrayBuffer();
  const allowed = response.headers.get('access-control-allow-origin');
  if (allowed === null)
    return `The request needs no preflight, but the response (${response.status}) carries no Access-Control-Allow-Origin for ${origin}: ${NO_HEADERS_CAUSE[state]}, so the browser hides the response.`;
  return `The response now carries Access-Control-Allow-Origin: ${allowed}; the rules may have changed since.`;
}

/**
 * The API acts with the demo's keys for whoever calls it, so only the page itself may call it. Refused
 * with 403: another `Host` than `hostNames`; a `Sec-Fetch-Site` other than same-origin; an `Origin`
 * other than the page's own. Refused with 415: a call that changes something without
 * `Content-Type: application/json`, which a cross-site form or a `no-cors` fetch cannot send (and a
 * cross-site `fetch` may only send after a preflight, which this server never allows).
 */
function refuse(req: Request, res: Response, status: number, message: string): void {
  debug('%s %s refused: %s', req.method, req.originalUrl, message);
  res.status(status).json({ error: status === 403 ? 'Forbidden' : 'UnsupportedMediaType', message });
}

/** A `Host` other than `hostNames` (a DNS-rebinding page) is refused with 403: for the API and for `/metrics`. */
function refuseOtherHosts(hostNames: ReadonlySet<string>) {
  return (req: Request, res: Response, next: () => void): void => {
    if (!hostNames.has(req.hostname.toLowerCase())) return refuse(req, res, 403, `Host ${JSON.stringify(req.get('host'))} is not a name this page is served under.`);
    next();
  };
}

function refuseCrossSite() {
  return (req: Request, res: Response, next: () => void): void => {
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    if (site !== undefined && !OWN_FETCH_SITES.has(site)) return refuse(req, res, 403, `Cross-site request refused (Sec-Fetch-Site: ${site}).`);
    if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`) return refuse(req, res, 403, `Cross-origin request from ${origin} refused.`);
    if (req.method !== 'GET' && req.method !== 'HEAD' && !req.is('application/json')) return refuse(req, res, 415, 'Send the request body as application/json.');
    next();
  };
}

/** Creates the page server; `endpoint` must be what the browser uses, since presigned URLs sign the Host. */
export function createPageServer(options: PageServerOptions): PageServer {
  const { endpoint, credentials, publicDir, hostNames = LOOPBACK_NAMES } = options;
  if (typeof endpoint !== 'string' || !endpoint.startsWith('http')) throw new TypeError('createPageServer: `endpoint` must be an http(s) URL.');
  if (typeof publicDir !== 'string' || publicDir === '') throw new TypeError('createPageServer: `publicDir` must be the folder of index.html.');
  // Presigned PUT URLs must not carry a checksum of an empty body (the SDK default would add one).
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });

  const app = express();
  app.disable('x-powered-by');
  app.use(express.static(publicDir));
  // Browsers ask for /favicon.ico whatever the page links to; the icon is an SVG.
  app.get('/favicon.ico', (_req, res) => res.redirect(301, '/favicon.svg'));
  // The S3 port has no free paths (any name may be a bucket): the library's metrics are served here.
  const metrics = createDemoMetrics();
  const ownHosts = refuseOtherHosts(new Set(hostNames.map((name) => name.toLowerCase())));
  app.get('/metrics', ownHosts, (_req, res, next) => {
    metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
  });
  app.use('/api', ownHosts, refuseCrossSite());
  // The editor's text travels as a JSON string: S3's largest document (64 KB), its quotes escaped, fits.
  app.use('/api', express.json({ limit: '160kb' }));

  /** Runs an API call; S3 errors become JSON `{ error, message }` with the S3 status. */
  const api = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response) => {
    handler(req, res).then(
      (result) => {
        if (!res.headersSent) res.json(result ?? {});
      },
      (error: unknown) => {
        // The library's own S3Errors (validation before the SDK sends anything) keep S3's code and status.
        const status = error instanceof S3ServiceException ? (error.$metadata.httpStatusCode ?? 500) : isS3Error(error) ? error.status : 400;
        const name = isS3Error(error) ? error.code : error instanceof Error ? error.name : 'Error';
        debug('%s %s → %d %s', req.method, req.url, status, name);
        if (!res.headersSent) res.status(status).json({ error: name, message: error instanceof Error ? error.message : String(error) });
      },
    );
  };
  const bucketOf = (req: Request): string => {
    const bucket = (req.body?.bucket ?? req.query.bucket) as unknown;
    if (typeof bucket !== 'string' || bucket === '') throw new Error('Name a bucket.');
    return bucket;
  };
  const originOf = (req: Request): string => `${req.protocol}://${req.get('host')}`;

  app.get('/api/config', api(async (req) => ({ endpoint, origin: originOf(req), sampleRules: sampleRules(originOf(req)), noteHeader: NOTE_HEADER })));
  app.get('/api/buckets', api(async () => ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name)));
  app.post('/api/buckets', api(async (req) => s3.send(new CreateBucketCommand({ Bucket: bucketOf(req), ACL: req.body?.acl === 'public-read' ? 'public-read' : 'private' })).then(() => ({ created: bucketOf(req) }))));
  app.get('/api/cors', api(async (req) => {
    try {
      return { rules: (await s3.send(new GetBucketCorsCommand({ Bucket: bucketOf(req) }))).CORSRules ?? [] };
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchCORSConfiguration') return { rules: null };
      throw error;
    }
  }));
  /** Where `bucket` stands: GetBucketCors tells a missing bucket from one without rules. */
  const bucketState = async (bucket: string): Promise<BucketState> => {
    try {
      await s3.send(new GetBucketCorsCommand({ Bucket: bucket }));
      return 'configured';
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchBucket') return 'missing';
      if (error instanceof S3ServiceException && error.name === 'NoSuchCORSConfiguration') return 'no-configuration';
      return 'unknown';
    }
  };
  // Read and validated here first (the SDK would iterate a string of origins into one-character origins):
  // the editor's text in any provider's format, stored as the S3 rules it converts to.
  app.put('/api/cors', api(async (req) => {
    const Bucket = bucketOf(req);
    const { format, configuration, warnings } = editorRules(req.body?.text);
    const CORSRules = (JSON.parse(serializeCorsJson(configuration)) as { CORSRules: CORSRule[] }).CORSRules;
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules } }));
    return { saved: true, format, rules: CORSRules, conversionWarnings: warnings };
  }));
  app.delete('/api/cors', api(async (req) => {
    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucketOf(req) }));
    return { deleted: true };
  }));
  app.post('/api/presign', api(async (req) => {
    const { operation, key, note } = (req.body ?? {}) as PresignRequest;
    const Bucket = bucketOf(req);
    const Key = typeof key === 'string' && key !== '' ? key : undefined;
    if (operation !== 'ListObjectsV2' && Key === undefined) throw new Error('Name a key.');
    const command =
      operation === 'PutObject' ? new PutObjectCommand({ Bucket, Key, Metadata: typeof note === 'string' && note !== '' ? { note } : undefined })
      : operation === 'GetObject' ? new GetObjectCommand({ Bucket, Key })
      : operation === 'DeleteObject' ? new DeleteObjectCommand({ Bucket, Key })
      : operation === 'ListObjectsV2' ? new ListObjectsV2Command({ Bucket })
      : undefined;
    if (command === undefined) throw new Error('operation must be PutObject, GetObject, DeleteObject or ListObjectsV2.');
    const url = await getSignedUrl(s3, command as PutObjectCommand, { expiresIn: PRESIGN_SECONDS, unhoistableHeaders: new Set([NOTE_HEADER]) });
    return { url, method: operation === 'PutObject' ? 'PUT' : operation === 'DeleteObject' ? 'DELETE' : 'GET' };
  }));
  // MediaStore's data plane wants SigV4 for writes: a page uploads to a URL presigned here (service "mediastore").
  app.post('/api/mediastore/presign', api(async (req) => {
    const { container, path, method } = (req.body ?? {}) as { container?: unknown; path?: unknown; method?: unknown };
    if (!isContainerName(container)) throw new Error('Name a container: 1 to 255 letters, digits, underscores or hyphens.');
    if (typeof path !== 'string' || path === '' || path.endsWith('/')) throw new Error('Name an object path, not ending with "/".');
    // A URL normalises `.` and `..` away: such a path would sign a URL outside the container.
    if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) throw new Error('An object path has no empty, "." or ".." segments.');
    if (method !== 'PUT' && method !== 'DELETE') throw new Error('method must be PUT or DELETE (GET and HEAD need no signature).');
    const objectUrl = `${endpoint}${MEDIASTORE_DATA_PATH}/${container}/${path.split('/').map(encodeURIComponent).join('/')}`;
    return { url: await presignUrl({ credentials, service: MEDIASTORE_SERVICE, method, url: objectUrl, expiresInSeconds: PRESIGN_SECONDS }), method };
  }));
  app.post('/api/explain', api(async (req) => {
    const { url, method, headers } = (req.body ?? {}) as { url?: string; method?: string; headers?: string[] };
    if (typeof url !== 'string' || !url.startsWith(endpoint)) throw new Error(`url must be on ${endpoint}.`);
    const upper = typeof method === 'string' ? method.toUpperCase() : 'GET';
    const names = Array.isArray(headers) ? headers : [];
    const bucket = bucketOfUrl(url);
    const state = bucket === '' ? 'unknown' : await bucketState(bucket);
    return { bucket, bucketState: state, explanation: await explain(url, upper, names, originOf(req), state), ...(await ruleLevel(url, upper, names, originOf(req))) };
  }));
  // The rules being edited, read as Save reads them (nothing is stored): the editor shows, as you type,
  // the format it read, what converting another provider's rules lost, and the lint warnings.
  app.post('/api/lint', api(async (req) => {
    const { format, configuration, warnings } = editorRules((req.body as { text?: unknown } | undefined)?.text);
    return { format, conversionWarnings: warnings, warnings: lint(configuration, { packs: S3_LINT_PACKS }) };
  }));

  /**
   * What the bucket's owner can ask the endpoint (`GET ?cors&explain`, signed with the demo's keys):
   * which rule failed on what, and the smallest change; nothing when the bucket has no rules.
   */
  async function ruleLevel(url: string, method: string, headers: readonly string[], origin: string): Promise<{ rules?: unknown; suggestion?: string | null; summary?: string }> {
    const bucket = bucketOfUrl(url);
    if (bucket === '') return {};
    const custom = headers.map((header) => header.toLowerCase()).filter((header) => !SAFELISTED_HEADERS.has(header));
    const query = new URLSearchParams({ origin, method, preflight: String(!SIMPLE_METHODS.has(method) || custom.length > 0) });
    if (custom.length > 0) query.set('headers', custom.join(','));
    const signed = await presignUrl({ credentials, service: 's3', method: 'GET', url: `${endpoint}/${encodeURIComponent(bucket)}?cors&explain&${query}`, expiresInSeconds: PRESIGN_SECONDS });
    const response = await fetch(signed);
    if (!response.ok) return {};
    const { rules, suggestion, summary } = (await response.json()) as { rules: unknown; suggestion: string | null; summary: string };
    return { rules, suggestion, summary };
  }

  // Whatever else fails (a body that is not JSON, a static file that cannot be read): a short JSON answer,
  // never Express's default page, which shows the stack and the server's file paths outside production.
  app.use((error: { status?: unknown; expose?: unknown; message?: unknown }, req: Request, res: Response, _next: (error?: unknown) => void) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 600 ? error.status : 500;
    if (status >= 500) console.error('demo page: unexpected error', error);
    if (res.headersSent) return void res.destroy();
    res.status(status).json({ error: status >= 500 ? 'InternalError' : 'BadRequest', message: error?.expose === true && typeof error.message === 'string' ? error.message : 'The request could not be served.' });
    debug('%s %s: %d', req.method, req.originalUrl, status);
  });

  return {
    app,
    close: () => {
      metrics.close();
      s3.destroy();
    },
  };
}
