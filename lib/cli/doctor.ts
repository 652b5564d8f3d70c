// Replays what browsers and AWS SDKs send to a live endpoint and reports, check by check, what would break.

import http from 'node:http';
import https from 'node:https';
import { SDK_BROWSER_HEADERS } from '../core/index.js';
import { CliError } from './output.js';

/** One check's outcome. */
export interface DoctorCheck {
  /** Stable name: `preflight-put`, `preflight-presigned`, `get`, `head`, `vary`, `etag-exposed`. */
  readonly check: string;
  readonly ok: boolean;
  /** What was seen, and when something is wrong, why it breaks and what to change. */
  readonly message: string;
}

/** What doctor probes. */
export interface DoctorTarget {
  /** The endpoint, e.g. `https://s3.example.com`; requests are path-style (`/<bucket>/<key>`). */
  readonly url: string;
  readonly bucket: string;
  readonly origin: string;
  /** The object key requested. */
  readonly key: string;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Most body bytes kept from an answer: enough for an S3 error document. */
const MAX_BODY = 16_384;

function send(url: URL, method: string, headers: Record<string, string>): Promise<Answer> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
    request.end();
  });
}

/** Error codes of a request refused for its credentials or signature (S3 and look-alikes). */
const AUTH_ERROR_CODES = ['SignatureDoesNotMatch', 'AccessDenied', 'InvalidAccessKeyId', 'MissingSecurityHeader', 'AuthorizationHeaderMalformed', 'AuthorizationQueryParametersError', 'ExpiredToken', 'InvalidToken', 'Unauthorized'];

const errorCode = (body: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
const header = (answer: Answer, name: string): string => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};
const listHas = (list: string, name: string): boolean => list.split(',').some((item) => item.trim().toLowerCase() === name.toLowerCase());
const allowsOrigin = (answer: Answer, origin: string): boolean => {
  const allowed = header(answer, 'access-control-allow-origin');
  return allowed === origin || allowed === '*';
};

/** Judges a preflight answer: allowed for `method`, or why not. */
function judgePreflight(check: string, answer: Answer, origin: string, method: string): DoctorCheck {
  const code = errorCode(answer.body);
  if (answer.status === 200 && allowsOrigin(answer, origin) && listHas(header(answer, 'access-control-allow-methods'), method))
    return { check, ok: true, message: `${answer.status}, allows ${method} from ${origin}` };
  if ((answer.status === 401 || answer.status === 403) && code !== undefined && AUTH_ERROR_CODES.includes(code))
    return {
      check,
      ok: false,
      message: `${answer.status} ${code}: the server checked credentials or a signature on the preflight. Browsers send preflights without credentials; answer OPTIONS before authentication (mount bucketCors() first)`,
    };
  if (answer.status === 403 && code === 'AccessForbidden')
    return { check, ok: false, message: `403 AccessForbidden: the bucket's rules refuse it (run \`bucket-cors explain\` on them with --preflight for the reason)` };
  if (answer.status >= 200 && answer.status < 300 && header(answer, 'access-control-allow-origin') === '')
    return { check, ok: false, message: `${answer.status} without CORS headers: something in front of the server (a CDN or proxy) answers OPTIONS itself` };
  return { check, ok: false, message: `${answer.status}${code === undefined ? '' : ` ${code}`}: the browser blocks the request (Access-Control-Allow-Origin ${JSON.stringify(header(answer, 'access-control-allow-origin'))})` };
}

/**
 * Runs every check against `target`: the preflight of an SDK upload (PUT with the SDK's headers), the
 * preflight of a presigned-URL upload, a simple GET and a HEAD with Origin, then `Vary` and `ETag`
 * exposure on those answers. Loopback-safe: only `target.url` is contacted. A network failure is a
 * {@link CliError} (exit code 2).
 */
export async function runDoctor(target: DoctorTarget): Promise<DoctorCheck[]> {
  let base: URL;
  try {
    base = new URL(target.url);
  } catch {
    throw new CliError(`not a URL: ${JSON.stringify(target.url)}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError(`doctor needs an http:// or https:// URL, not ${JSON.stringify(target.url)}`);
  const objectUrl = new URL(`${base.pathname.replace(/\/$/, '')}/${encodeURIComponent(target.bucket)}/${target.key.split('/').map(encodeURIComponent).join('/')}`, base);
  const presignedUrl = new URL(objectUrl);
  // The query a presigned PUT carries; the browser's preflight keeps it (the values need not be valid).
  for (const [name, value] of [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', 'AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request'],
    ['X-Amz-Date', '20260101T000000Z'],
    ['X-Amz-Expires', '900'],
    ['X-Amz-SignedHeaders', 'host'],
    ['X-Amz-Signature', '0'.repeat(64)],
  ] as const)
    presignedUrl.searchParams.set(name, value);
  const origin = target.origin;
  const call = async (url: URL, method: string, headers: Record<string, string>): Promise<Answer> => {
    try {
      return await send(url, method, { origin, ...headers });
    } catch (error) {
      throw new CliError(`${method} ${url.href}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const sdkPreflight = await call(objectUrl, 'OPTIONS', { 'access-control-request-method': 'PUT', 'access-control-request-headers': SDK_BROWSER_HEADERS.join(',') });
  const presignedPreflight = await call(presignedUrl, 'OPTIONS', { 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' });
  const get = await call(objectUrl, 'GET', {});
  const head = await call(objectUrl, 'HEAD', {});
  const checks: DoctorCheck[] = [
    judgePreflight('preflight-put', sdkPreflight, origin, 'PUT'),
    judgePreflight('preflight-presigned', presignedPreflight, origin, 'PUT'),
  ];
  for (const [check, answer, method] of [['get', get, 'GET'], ['head', head, 'HEAD']] as const) {
    if (allowsOrigin(answer, origin)) {
      checks.push({ check, ok: true, message: `${answer.status} with Access-Control-Allow-Origin ${header(answer, 'access-control-allow-origin')}` });
      continue;
    }
    // Do the rules allow it? Then something in front dropped the headers.
    const preflight = await call(objectUrl, 'OPTIONS', { 'access-control-request-method': method });
    checks.push({
      check,
      ok: false,
      message:
        judgePreflight(check, preflight, origin, method).ok
          ? `${answer.status} without CORS headers although the rules allow ${method} from this origin (its preflight passes): a CDN or proxy answers without them, or caches an answer made for another origin`
          : `${answer.status} without CORS headers: the browser cannot read it (no rule allows ${method} from this origin)`,
    });
  }
  const corsAnswers = [get, head].filter((answer) => allowsOrigin(answer, origin));
  if (corsAnswers.length > 0) {
    const withoutVary = corsAnswers.filter((answer) => !listHas(header(answer, 'vary'), 'Origin'));
    checks.push(
      withoutVary.length === 0
        ? { check: 'vary', ok: true, message: 'Vary names Origin' }
        : { check: 'vary', ok: false, message: 'no Vary: Origin on a CORS response: a shared cache (CDN, proxy, browser) may serve it to another origin, or serve a response without CORS headers to this one' },
    );
    const exposesEtag = corsAnswers.every((answer) => listHas(header(answer, 'access-control-expose-headers'), 'ETag'));
    checks.push(
      exposesEtag
        ? { check: 'etag-exposed', ok: true, message: 'ETag is exposed' }
        : { check: 'etag-exposed', ok: false, message: 'ETag is not in Access-Control-Expose-Headers: browser uploads (multipart, checksums) cannot read it; add ETag to ExposeHeaders' },
    );
  }
  return checks;
}
