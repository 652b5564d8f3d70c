// Passes requests on to another HTTP server (a CORS gateway in front of an S3 server without per-bucket CORS): bodies
// streamed both ways, Host kept so SigV4 signatures still verify there, the gateway's CORS headers kept on every answer.

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import vary from 'vary';
import { discardUnreadBody } from './body.js';
import { describeValue, durationMs, optionalFunction, readOptions, type OptionCheck, type OptionChecks } from '../options.js';
import { onFirstUse } from '../on-first-use.js';

/** Default {@link BackendProxyOptions.timeoutMs}. */
export const DEFAULT_PROXY_TIMEOUT_MS = 60_000;

/** Why the backend gave no answer: it could not be reached, or it did not start answering within `timeoutMs`. */
export type ProxyFailure = 'unreachable' | 'timeout';

/** Options of {@link backendProxy}. */
export interface BackendProxyOptions {
  /** The server requests go to, e.g. `http://127.0.0.1:9000` (http or https, no path). Required. */
  readonly url: string;
  /** Longest wait, in ms, for the backend to start answering (its status line). Default: 60,000. */
  readonly timeoutMs?: number;
  /**
   * Answers a request the backend gave no answer to. Default: an empty 502 (`unreachable`) or 504
   * (`timeout`), with the CORS headers already set, so a browser can read the status.
   */
  readonly onFailure?: (failure: ProxyFailure, req: IncomingMessage, res: ServerResponse, error: Error) => void;
}

/** Headers of one connection, never forwarded (RFC 9110 §7.6.1), and `Expect`, which this server already answered. */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

/** The backend's base URL, parsed; `undefined` unless it is http(s) without path or query. */
function baseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  const bare = (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && url.search === '' && url.hash === '';
  return bare ? url : undefined;
}

const urlOption: OptionCheck<string> = (value, fail) => {
  if (baseUrl(value) === undefined) fail(`be the backend's base URL, e.g. "http://127.0.0.1:9000" (http or https, no path or query), not ${describeValue(value)}`, false);
  return value as string;
};

const OPTION_CHECKS = {
  url: urlOption,
  timeoutMs: durationMs(DEFAULT_PROXY_TIMEOUT_MS),
  onFailure: optionalFunction<NonNullable<BackendProxyOptions['onFailure']>>('(failure, req, res, error) => void'),
} satisfies OptionChecks<BackendProxyOptions>;

/** The request's headers minus those of the connection (and those its `Connection` names). */
function forwardedHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set((headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

/**
 * Copies the backend's answer onto `res`: its status and headers, except connection headers and its
 * own CORS headers (the gateway's rules decide those); its `Vary` is merged with the gateway's.
 */
function copyAnswer(answer: IncomingMessage, res: ServerResponse): void {
  res.statusCode = answer.statusCode ?? 502;
  if (answer.statusMessage) res.statusMessage = answer.statusMessage;
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name.startsWith('access-control-')) continue;
    if (name === 'vary') vary(res, String(value));
    else res.setHeader(name, value);
  }
}

function defaultFailure(failure: ProxyFailure, _req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = failure === 'timeout' ? 504 : 502;
  res.setHeader('Content-Length', 0);
  res.end();
}

/** TLS loads only for a proxy to an https backend: most send to plain HTTP on a private network. */
const nodeHttps = onFirstUse<typeof import('node:https')>('node:https');

/**
 * A connect-style handler that sends every request it gets to `url` and streams the answer back:
 * method, path and query as received, headers as received (the `Host` too, so signatures the backend
 * checks still verify) minus connection headers, the body streamed without buffering. Mount it after
 * `bucketCors` (and `corsRouter`): the CORS headers they set stay on the answer, whatever the backend
 * says (its own `Access-Control-*` headers are dropped, its `Vary` merged). A backend that cannot be
 * reached, or does not start answering within `timeoutMs`, gets `onFailure`; a client that goes away
 * aborts the backend request.
 *
 * @throws TypeError when an option is wrong.
 */
export function backendProxy(options: BackendProxyOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { timeoutMs, onFailure = defaultFailure, ...checked } = readOptions('backendProxy', options, OPTION_CHECKS);
  const url = baseUrl(checked.url)!;
  const send = url.protocol === 'https:' ? nodeHttps().request : httpRequest;
  return (req, res) => {
    let answered = false;
    const fail = (failure: ProxyFailure, error: Error): void => {
      if (answered || res.headersSent) return void res.destroy(error);
      answered = true;
      req.unpipe(outgoing);
      discardUnreadBody(req, res);
      onFailure(failure, req, res, error);
    };
    const outgoing = send({ protocol: url.protocol, hostname: url.hostname, port: url.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers), timeout: timeoutMs });
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`backend did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (error: Error & { code?: string }) => fail(error.code === 'ETIMEDOUT' ? 'timeout' : 'unreachable', error));
    outgoing.on('response', (answer) => {
      answered = true;
      // The timeout bounds the wait for an answer, not how long a large download may take.
      outgoing.setTimeout(0);
      copyAnswer(answer, res);
      pipeline(answer, res, () => {});
    });
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    // pipe, not pipeline: a backend failure must not destroy the client's socket before it is answered.
    req.pipe(outgoing);
  };
}
