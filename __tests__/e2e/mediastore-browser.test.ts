// Headless Chromium and Firefox on the demo page's origin uploading to a MediaStore container of the demo: a URL presigned by
// the page server, a preflighted PUT with a custom header under the container's policy, the exposed ETag; blocked without a rule.

import { CreateContainerCommand, PutCorsPolicyCommand, type CorsRule, type MediaStoreClient } from '@aws-sdk/client-mediastore';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createPageServer, type PageServer } from '../../examples/server/page-server';
import { BLOCKED_FETCH_ERROR, BROWSER_NAMES, launchBrowser, type TestBrowser, type TestPage } from '../support/browsers';
import { closeServer, listen, startDemo, type RunningDemo } from './demo';
import { mediaStoreClient } from './mediastore-demo';

// Firefox takes several seconds to start on a fresh profile; two cores shared with other test files.
const LAUNCH_HOOK_TIMEOUT_MS = 120_000;

type Upload = { readonly ok: true; readonly status: number; readonly etag: string | null } | { readonly ok: false; readonly error: string };

/** Inside the page: asks its own server for a presigned PUT, then PUTs `body` there with a custom header. */
function upload(page: TestPage, container: string, objectPath: string, body: string): Promise<Upload> {
  return page.evaluate(
    async ({ container, objectPath, body }) => {
      const signing = await fetch('/api/mediastore/presign', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ container, path: objectPath, method: 'PUT' }) });
      const { url } = (await signing.json()) as { url: string };
      try {
        const response = await fetch(url, { method: 'PUT', headers: { 'Content-Type': 'text/plain', 'X-Demo-Note': 'from the page' }, body, cache: 'no-store' });
        return { ok: true as const, status: response.status, etag: response.headers.get('etag') };
      } catch (error) {
        return { ok: false as const, error: String(error) };
      }
    },
    { container, objectPath, body },
  );
}

const md5 = (text: string): string => `"${createHash('md5').update(text).digest('hex')}"`;

describe.each(BROWSER_NAMES)('headless %s on the demo page → the demo\'s MediaStore data plane', (browserName) => {
  const container = 'uploads';
  let demo: RunningDemo;
  let client: MediaStoreClient;
  let pageServer: PageServer;
  let pageListener: Server;
  let browser: TestBrowser;
  let page: TestPage;
  let otherPage: TestPage;
  let pageOrigin: string;

  const putPolicy = (allowedHeaders: string[]) => {
    const policy: CorsRule[] = [{ AllowedOrigins: [pageOrigin], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: allowedHeaders, ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }];
    return client.send(new PutCorsPolicyCommand({ ContainerName: container, CorsPolicy: policy }));
  };
  /**
   * The methods of the requests for the container's objects the demo received since `from` (the demo
   * page itself calls the S3 API too). Matched by `/<container>/clips/`: Express may already have
   * stripped the `/_mediastore` mount point from the recorded URL.
   */
  const dataPlaneMethods = (from: number) => demo.requests.slice(from).filter((line) => line.includes(`/${container}/clips/`)).map((line) => line.split(' ')[0]);
  const objectUrl = (objectPath: string) => `${demo.endpoint}/_mediastore/${container}/${objectPath}`;

  beforeAll(async () => {
    demo = await startDemo();
    client = mediaStoreClient(demo);
    pageServer = createPageServer({ endpoint: demo.endpoint, credentials: demo.demo.credentials, publicDir: path.join(__dirname, '../../examples/public') });
    pageListener = await listen(pageServer.app);
    const pagePort = (pageListener.address() as AddressInfo).port;
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    await client.send(new CreateContainerCommand({ ContainerName: container }));
    await putPolicy(['content-type', 'x-demo-*']);
    browser = await launchBrowser(browserName);
    page = await browser.open(`${pageOrigin}/`);
    // Same page server, other host name: another origin, which the policy does not list.
    otherPage = await browser.open(`http://localhost:${pagePort}/`);
  }, LAUNCH_HOOK_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (pageListener) await closeServer(pageListener);
    pageServer?.close();
    client?.destroy();
    await demo?.stop();
  });

  test('a PUT with a custom header is preflighted, then stored, and the page reads the exposed ETag', async () => {
    const before = demo.requests.length;
    expect(await upload(page, container, 'clips/first.txt', 'uploaded')).toEqual({ ok: true, status: 200, etag: md5('uploaded') });
    expect(dataPlaneMethods(before)).toEqual(['OPTIONS', 'PUT']);
    const stored = await fetch(objectUrl('clips/first.txt'));
    expect(await stored.text()).toBe('uploaded');
  });

  test('another origin is blocked at the preflight', async () => {
    const before = demo.requests.length;
    expect(await upload(otherPage, container, 'clips/other.txt', 'x')).toEqual({ ok: false, error: BLOCKED_FETCH_ERROR[browserName] });
    expect(dataPlaneMethods(before)).toEqual(['OPTIONS']);
  });

  test('without a rule allowing the custom header the PUT never leaves the browser', async () => {
    await putPolicy(['content-type']);
    const before = demo.requests.length;
    expect(await upload(page, container, 'clips/second.txt', 'y')).toEqual({ ok: false, error: BLOCKED_FETCH_ERROR[browserName] });
    expect(dataPlaneMethods(before)).toEqual(['OPTIONS']);
    expect((await fetch(objectUrl('clips/second.txt'))).status).toBe(404);
  });
});
