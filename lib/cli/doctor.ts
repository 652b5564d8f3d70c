// Replays what browsers and AWS SDKs send to a live endpoint and reports, check by check, what would break.

import http from 'node:http';
import https from 'node:https';
import { SDK_BROWSER_HEADERS } from '../dialects/s3/index.js';
import { CliError, maskPasswords } from './output.js';

/** A request doctor sent: what a check's verdict is about. */
export interface DoctorRequest {
  readonly method: string;
  readonly url: string;
  /** Every header sent, by lower-case name (`origin` included). */
  readonly headers: Readonly<Record<string, string>>;
}

/** One check's outcome. */
export interface DoctorCheck {
  /** Stable name: `preflight-put`, `preflight-presigned`, `get`, `head`, `vary`, `etag-exposed`. */
  readonly check: string;
  readonly ok: boolean;
  /** What was seen, and when something is wrong, why it breaks and what to change. */
  readonly message: string;
  /** The request judged (`vary` and `etag-exposed` judge the GET and HEAD answers: none). */
  readonly request: DoctorRequest | null;
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
  readonly request: DoctorRequest;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Most body bytes kept from an answer: enough for an S3 error document. */
const MAX_BODY = 16_384;

function send(url: URL, method: string, headers: Record<string, string>): Promise<Answer> {
  const transport = url.protocol === 'https:' ? https : http;
  const sent: DoctorRequest = { method, url: url.href, headers: { host: url.host, ...headers } };
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, request: sent }));
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
const errorMessage = (body: string): string => /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '';
/** The CORS request headers sent, for messages: `Origin: …, Access-Control-Request-Method: …`. */
const sentLine = (request: DoctorRequest): string =>
  Object.entries(request.headers)
    .filter(([name]) => name === 'origin' || name.startsWith('access-control-'))
    .map(([name, value]) => `${name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())}: ${value}`)
    .join(', ');
const header = (answer: Answer, name: string): string => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
};
const listHas = (list: string, name: string): boolean => list.split(',').some((item) => item.trim().toLowerCase() === name.toLowerCase());
const allowsOrigin = (answer: Answer, origin: string): boolean => {
  const allowed = header(answer, 'access-control-allow-origin');
  return allowed === origin || allowed === '*';
};

/** Why S3 refused a preflight with 403 AccessForbidden, told apart by its message: no bucket, no rules, or the rules. */
function forbiddenKind(answer: Answer): 'no-bucket' | 'no-configuration' | 'rules' {
  const message = errorMessage(answer.body);
  return message.includes('Bucket not found') ? 'no-bucket' : message.includes('CORS is not enabled') ? 'no-configuration' : 'rules';
}

function forbiddenReason(answer: Answer, bucket: string): string {
  const message = errorMessage(answer.body);
  switch (forbiddenKind(answer)) {
    case 'no-bucket':
      return `403 AccessForbidden "${message}": bucket ${bucket} does not exist on this server (check --bucket, and that the endpoint takes path-style requests)`;
    case 'no-configuration':
      return `403 AccessForbidden "${message}": bucket ${bucket} has no CORS configuration (store one: bucket-cors put ${bucket} cors.json)`;
    case 'rules':
      return `403 AccessForbidden: the bucket's rules refuse it; sent ${sentLine(answer.request)} (bucket-cors explain --bucket ${bucket} --preflight with these values tells why)`;
  }
}

/** Judges a preflight answer: allowed for `method`, or why not. */
function judgePreflight(check: string, answer: Answer, target: DoctorTarget, method: string): DoctorCheck {
  const code = errorCode(answer.body);
  const verdict = (ok: boolean, message: string): DoctorCheck => ({ check, ok, message, request: answer.request });
  if (answer.status === 200 && allowsOrigin(answer, target.origin) && listHas(header(answer, 'access-control-allow-methods'), method))
    return verdict(true, `${answer.status}, allows ${method} from ${target.origin}`);
  if ((answer.status === 401 || answer.status === 403) && code !== undefined && AUTH_ERROR_CODES.includes(code))
    return verdict(
      false,
      `${answer.status} ${code}: the server checked credentials or a signature on the preflight. Browsers send preflights without credentials; answer OPTIONS before authentication (mount bucketCors() first)`,
    );
  if (answer.status === 403 && code === 'AccessForbidden') return verdict(false, forbiddenReason(answer, target.bucket));
  if (answer.status >= 200 && answer.status < 300 && header(answer, 'access-control-allow-origin') === '')
    return verdict(false, `${answer.status} without CORS headers: something in front of the server (a CDN or proxy) answers OPTIONS itself`);
  return verdict(
    false,
    `${answer.status}${code === undefined ? '' : ` ${code}`}: the browser blocks the request (Access-Control-Allow-Origin ${JSON.stringify(header(answer, 'access-control-allow-origin'))}); sent ${sentLine(answer.request)}`,
  );
}

// The query a presigned PUT carries; the browser's preflight keeps it (the values need not be valid).
const PRESIGNED_QUERY = [
  ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
  ['X-Amz-Credential', 'AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request'],
  ['X-Amz-Date', '20260101T000000Z'],
  ['X-Amz-Expires', '900'],
  ['X-Amz-SignedHeaders', 'host'],
  ['X-Amz-Signature', '0'.repeat(64)],
] as const;

/**
 * The object URL and its presigned form. A user name and password in the URL are not sent (browsers
 * send no credentials on a preflight, and `fetch` refuses such URLs) and never appear in messages.
 */
function probeUrls(target: DoctorTarget): { objectUrl: URL; presignedUrl: URL } {
  let base: URL;
  try {
    base = new URL(target.url);
  } catch {
    throw new CliError(`not a URL: ${JSON.stringify(maskPasswords(target.url))}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError(`doctor needs an http:// or https:// URL, not ${JSON.stringify(maskPasswords(target.url))}`);
  base.username = '';
  base.password = '';
  const objectUrl = new URL(`${base.pathname.replace(/\/$/, '')}/${encodeURIComponent(target.bucket)}/${target.key.split('/').map(encodeURIComponent).join('/')}`, base);
  const presignedUrl = new URL(objectUrl);
  for (const [name, value] of PRESIGNED_QUERY) presignedUrl.searchParams.set(name, value);
  return { objectUrl, presignedUrl };
}

/** The GET or HEAD check: readable, or why not (asking the preflight whether the rules allow it). */
async function judgeReadable(check: string, answer: Answer, method: string, target: DoctorTarget, preflight: () => Promise<Answer>): Promise<DoctorCheck> {
  const verdict = (ok: boolean, message: string): DoctorCheck => ({ check, ok, message, request: answer.request });
  if (allowsOrigin(answer, target.origin)) return verdict(true, `${answer.status} with Access-Control-Allow-Origin ${header(answer, 'access-control-allow-origin')}`);
  // Do the rules allow it? Then something in front dropped the headers.
  const asked = await preflight();
  if (judgePreflight(check, asked, target, method).ok)
    return verdict(false, `${answer.status} without CORS headers although the rules allow ${method} from this origin (its preflight passes): a CDN or proxy answers without them, or caches an answer made for another origin`);
  const kind = asked.status === 403 && errorCode(asked.body) === 'AccessForbidden' ? forbiddenKind(asked) : 'rules';
  return verdict(
    false,
    kind === 'rules'
      ? `${answer.status} without CORS headers: the browser cannot read it (no rule allows ${method} from this origin; sent Origin: ${target.origin})`
      : `${answer.status} without CORS headers: the browser cannot read it; its preflight says: ${forbiddenReason(asked, target.bucket)}`,
  );
}

/** `Vary` and `ETag` exposure, judged on the GET and HEAD answers that carried CORS headers. */
function judgeCorsAnswers(answers: readonly Answer[], origin: string): DoctorCheck[] {
  const corsAnswers = answers.filter((answer) => allowsOrigin(answer, origin));
  if (corsAnswers.length === 0) return [];
  const withoutVary = corsAnswers.filter((answer) => !listHas(header(answer, 'vary'), 'Origin'));
  const exposesEtag = corsAnswers.every((answer) => listHas(header(answer, 'access-control-expose-headers'), 'ETag'));
  return [
    withoutVary.length === 0
      ? { check: 'vary', ok: true, message: 'Vary names Origin', request: null }
      : { check: 'vary', ok: false, message: 'no Vary: Origin on a CORS response: a shared cache (CDN, proxy, browser) may serve it to another origin, or serve a response without CORS headers to this one', request: null },
    exposesEtag
      ? { check: 'etag-exposed', ok: true, message: 'ETag is exposed', request: null }
      : { check: 'etag-exposed', ok: false, message: 'ETag is not in Access-Control-Expose-Headers: browser uploads (multipart, checksums) cannot read it; add ETag to ExposeHeaders', request: null },
  ];
}

/**
 * Runs every check against `target`: the preflight of an SDK upload (PUT with the SDK's headers), the
 * preflight of a presigned-URL upload, a simple GET and a HEAD with Origin, then `Vary` and `ETag`
 * exposure on those answers. Each check carries the request it judged; a refused preflight names
 * the headers sent and tells a missing bucket or configuration from rules that refuse it.
 * Loopback-safe: only `target.url` is contacted. A network failure is a {@link CliError} (exit code 2).
 */
export async function runDoctor(target: DoctorTarget): Promise<DoctorCheck[]> {
  const { objectUrl, presignedUrl } = probeUrls(target);
  const call = async (url: URL, method: string, headers: Record<string, string>): Promise<Answer> => {
    try {
      return await send(url, method, { origin: target.origin, ...headers });
    } catch (error) {
      throw new CliError(`${method} ${url.href}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const sdkPreflight = await call(objectUrl, 'OPTIONS', { 'access-control-request-method': 'PUT', 'access-control-request-headers': SDK_BROWSER_HEADERS.join(',') });
  const presignedPreflight = await call(presignedUrl, 'OPTIONS', { 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' });
  const get = await call(objectUrl, 'GET', {});
  const head = await call(objectUrl, 'HEAD', {});
  const preflightFor = (method: string) => () => call(objectUrl, 'OPTIONS', { 'access-control-request-method': method });
  return [
    judgePreflight('preflight-put', sdkPreflight, target, 'PUT'),
    judgePreflight('preflight-presigned', presignedPreflight, target, 'PUT'),
    await judgeReadable('get', get, 'GET', target, preflightFor('GET')),
    await judgeReadable('head', head, 'HEAD', target, preflightFor('HEAD')),
    ...judgeCorsAnswers([get, head], target.origin),
  ];
}
