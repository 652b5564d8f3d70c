// Prints what Chromium and Firefox do with CORS answers a bare loopback server varies at will (values the
// library never sends too); docs/behaviour.md "Browsers" quotes it. Not part of the suite (no .test.ts): run it with
//   npx jest --testMatch '**/e2e/chromium-firefox-probe.ts' --testTimeout 600000
// With libfaketime installed (apt-get install libfaketime) it also checks Chromium's Max-Age cap by moving
// the browser's clocks forward; Firefox does not start under libfaketime (its allocator deadlocks).

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BROWSER_NAMES, launchBrowser, type BrowserName, type TestPage } from '../support/browsers';

const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The CORS server: every answer is chosen by the query string — `acao=star` (else the Origin is echoed),
 * `creds` (Allow-Credentials: true), `ah` (Allow-Headers; `echo` repeats the request's), `maxage`, `eh` (Expose-Headers).
 */
function corsServer(seen: Seen[]): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    seen.push({ method: req.method ?? '', path: url.pathname, headers: req.headers });
    const q = url.searchParams;
    res.setHeader('Access-Control-Allow-Origin', q.get('acao') === 'star' ? '*' : (req.headers.origin ?? '*'));
    if (q.has('creds')) res.setHeader('Access-Control-Allow-Credentials', 'true');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST');
      const allowHeaders = q.get('ah') === 'echo' ? req.headers['access-control-request-headers'] : q.get('ah');
      if (allowHeaders) res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      if (q.has('maxage')) res.setHeader('Access-Control-Max-Age', q.get('maxage') ?? '');
    } else {
      res.setHeader('ETag', '"probe"');
      res.setHeader('x-amz-request-id', 'probe');
      if (q.has('eh')) res.setHeader('Access-Control-Expose-Headers', q.get('eh') ?? '');
    }
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const pageServer = (): Promise<Server> => {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end('<!doctype html><title>probe</title>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
};
const portOf = (server: Server) => (server.address() as AddressInfo).port;
const closeAll = (...servers: Server[]) => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));

type FetchInit = { method?: string; headers?: Record<string, string>; body?: string; cache?: RequestCache; credentials?: RequestCredentials };

/** `fetch()` in the page: the status and the ETag / x-amz-request-id it may read, or the refusal. */
function pageFetch(page: TestPage, url: string, init: FetchInit): Promise<string> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        return `${response.status} etag=${response.headers.get('etag') ?? '-'} request-id=${response.headers.get('x-amz-request-id') ?? '-'}`;
      } catch (error) {
        return String(error);
      }
    },
    { url, init },
  );
}

/** One browser's answers, as [question, answer] rows. */
async function probe(name: BrowserName): Promise<[string, string][]> {
  const seen: Seen[] = [];
  const [api, origin] = await Promise.all([corsServer(seen), pageServer()]);
  const base = `http://127.0.0.1:${portOf(api)}`;
  const browser = await launchBrowser(name);
  const rows: [string, string][] = [['version', browser.version]];
  try {
    const page = await browser.open(`http://127.0.0.1:${portOf(origin)}/`);
    const put = (pathAndQuery: string, cache: RequestCache = 'default') =>
      pageFetch(page, `${base}${pathAndQuery}`, { method: 'PUT', headers: { 'x-amz-meta-a': '1' }, body: 'x', cache });
    /** OPTIONS as O, anything else as its first letter, for requests to `pathname`. */
    const trace = (pathname: string) => seen.filter((request) => request.path === pathname).map((request) => request.method[0]).join('');

    for (let i = 0; i < 3; i++) await put('/first-of-session?ah=echo&maxage=600');
    for (let i = 0; i < 3; i++) await put('/later?ah=echo&maxage=600');
    rows.push(['3 PUTs, Max-Age 600: first URL of the session / a later one (O = preflight, P = PUT)', `${trace('/first-of-session')} / ${trace('/later')}`]);

    for (const maxAge of ['0', '-1', 'junk', '2']) {
      const pathname = `/max-age-${maxAge}`;
      await put(`${pathname}?ah=echo&maxage=${maxAge}`);
      await put(`${pathname}?ah=echo&maxage=${maxAge}`);
      await sleep(3000);
      await put(`${pathname}?ah=echo&maxage=${maxAge}`);
      rows.push([`Max-Age ${maxAge}: PUT, PUT, 3 s, PUT`, trace(pathname)]);
    }
    await put('/max-age-absent?ah=echo');
    await sleep(1000);
    await put('/max-age-absent?ah=echo');
    await sleep(3000);
    await put('/max-age-absent?ah=echo');
    await sleep(2000);
    await put('/max-age-absent?ah=echo');
    rows.push(['no Max-Age: PUT, 1 s, PUT, 3 s, PUT, 2 s, PUT', trace('/max-age-absent')]);

    for (const cache of ['default', 'no-store', 'no-cache', 'reload', 'force-cache'] as const) {
      const pathname = `/cache-${cache}`;
      await put(`${pathname}?ah=echo&maxage=600`);
      for (let i = 0; i < 2; i++) await put(`${pathname}?ah=echo&maxage=600`, cache);
      rows.push([`Max-Age 600: PUT, then 2 PUTs with cache: '${cache}'`, trace(pathname)]);
    }

    const preflightOf = async (pathname: string, query: string, init: FetchInit) => {
      const result = await pageFetch(page, `${base}${pathname}?${query}`, init);
      const preflight = seen.find((request) => request.path === pathname && request.method === 'OPTIONS');
      const requested = preflight === undefined ? 'no preflight' : `Access-Control-Request-Headers: ${preflight.headers['access-control-request-headers'] ?? '(none)'}`;
      return `${requested}; ${result}`;
    };
    const headerCases: [string, string, string, FetchInit][] = [
      ['PUT with X-Amz-Meta-B, x-amz-meta-a, Content-Type: text/plain, Accept: text/plain', '/h-mixed', 'ah=echo&maxage=0', { method: 'PUT', headers: { 'X-Amz-Meta-B': '1', 'x-amz-meta-a': '2', 'Content-Type': 'text/plain', Accept: 'text/plain' }, body: 'x' }],
      ['POST with Content-Type: application/json', '/h-json', 'ah=echo&maxage=0', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }],
      ['PUT with only Content-Type: text/plain', '/h-safelisted', 'ah=echo&maxage=0', { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body: 'x' }],
      ['GET with an empty x-amz-meta-a', '/h-empty', 'ah=echo&maxage=0', { headers: { 'x-amz-meta-a': '' } }],
      ['GET with Authorization, Allow-Headers: *', '/h-auth-star', 'ah=*&maxage=0', { headers: { Authorization: 'AWS4-HMAC-SHA256 probe' } }],
      ['GET with x-amz-meta-a, Allow-Headers: X-AMZ-META-A', '/h-upper', 'ah=X-AMZ-META-A&maxage=0', { headers: { 'x-amz-meta-a': '1' } }],
      ['GET with x-amz-meta-a, Allow-Headers: "x-b , x-amz-meta-a"', '/h-spaced', `ah=${encodeURIComponent('x-b , x-amz-meta-a')}&maxage=0`, { headers: { 'x-amz-meta-a': '1' } }],
    ];
    for (const range of ['bytes=0-0', 'bytes=5-', 'bytes=-5', 'bytes=0-1,3-4']) {
      headerCases.push([`GET with Range: ${range}, Allow-Headers: x-other`, `/range-${range}`, 'ah=x-other&maxage=0', { headers: { Range: range }, cache: 'no-store' }]);
    }
    const credentialCases: [string, string, string, FetchInit][] = [
      ["credentials: 'include', ACAO *", '/c-star', 'acao=star', { credentials: 'include', cache: 'no-store' }],
      ["credentials: 'include', ACAO * and Allow-Credentials: true", '/c-star-creds', 'acao=star&creds', { credentials: 'include', cache: 'no-store' }],
      ["credentials: 'include', Origin echoed, no Allow-Credentials", '/c-echo', '', { credentials: 'include', cache: 'no-store' }],
      ["credentials: 'include', Origin echoed and Allow-Credentials: true", '/c-echo-creds', 'creds', { credentials: 'include', cache: 'no-store' }],
      ['Expose-Headers: etag (lower case)', '/e-lower', 'eh=etag', { cache: 'no-store' }],
      ['Expose-Headers: *', '/e-star', `eh=${encodeURIComponent('*')}`, { cache: 'no-store' }],
      ["Expose-Headers: *, credentials: 'include', Allow-Credentials: true", '/e-star-creds', `eh=${encodeURIComponent('*')}&creds`, { credentials: 'include', cache: 'no-store' }],
    ];
    for (const [question, pathname, query, init] of [...headerCases, ...credentialCases]) rows.push([question, await preflightOf(pathname, query, init)]);

    const preflight = seen.find((request) => request.path === '/h-mixed' && request.method === 'OPTIONS');
    rows.push(['preflight request headers, in order', Object.keys(preflight?.headers ?? {}).join(' ')]);
  } finally {
    await browser.close();
    await closeAll(api, origin);
  }
  return rows;
}

/** Chromium under libfaketime: when does a preflight cached with Max-Age 100000 stop being reused? */
async function chromiumMaxAgeCap(): Promise<string> {
  if (!existsSync(LIBFAKETIME)) return `not checked: ${LIBFAKETIME} missing`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bucket-cors-faketime-'));
  const offsetFile = path.join(dir, 'offset');
  writeFileSync(offsetFile, '+0\n');
  // The launched browser inherits these; this process (already running) keeps its own clock.
  const fakeClock = { LD_PRELOAD: LIBFAKETIME, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_CACHE_DURATION: '1' };
  Object.assign(process.env, fakeClock);
  const restoreEnv = () => {
    for (const key of Object.keys(fakeClock)) delete process.env[key];
  };
  const seen: Seen[] = [];
  const [api, origin] = await Promise.all([corsServer(seen), pageServer()]);
  try {
    const browser = await launchBrowser('chromium');
    restoreEnv();
    try {
      const page = await browser.open(`http://127.0.0.1:${portOf(origin)}/`);
      const url = `http://127.0.0.1:${portOf(api)}/cap?ah=echo&maxage=100000`;
      const put = () => pageFetch(page, url, { method: 'PUT', headers: { 'x-amz-meta-a': '1' }, body: 'x' });
      const preflights = () => seen.filter((request) => request.method === 'OPTIONS').length;
      await put();
      await put();
      const steps = [`Max-Age 100000 at +0 s: ${preflights()} preflight(s) for 2 PUTs`];
      for (const offset of [7000, 7300]) {
        writeFileSync(offsetFile, `+${offset}\n`);
        await sleep(2500); // libfaketime rereads the file at most once a second
        await put();
        steps.push(`PUT at +${offset} s: ${preflights()} preflight(s) in all`);
      }
      return steps.join('; ');
    } finally {
      await browser.close();
    }
  } finally {
    restoreEnv();
    await closeAll(api, origin);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('probe Chromium and Firefox', async () => {
  const results = new Map<BrowserName, [string, string][]>();
  for (const name of BROWSER_NAMES) results.set(name, await probe(name));
  const chromium = results.get('chromium') ?? [];
  const firefox = new Map(results.get('firefox') ?? []);
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| question | Chromium | Firefox |', '|---|---|---|'];
  for (const [question, answer] of chromium) lines.push(`| ${cell(question)} | ${cell(answer)} | ${cell(firefox.get(question) ?? '')} |`);
  lines.push('', `Chromium Max-Age cap (libfaketime): ${await chromiumMaxAgeCap()}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  expect(results.size).toBe(BROWSER_NAMES.length);
});
