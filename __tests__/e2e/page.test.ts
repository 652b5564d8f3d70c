// __tests__/e2e/page.test.ts
// The demo page in headless Chromium: create a bucket, save sample rules, upload, list, then see a blocked request explained.

import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createPageServer, type PageServer } from '../../examples/server/page-server';
import { closeServer, listen, startDemo, type RunningDemo } from './demo';

const PUBLIC_DIR = path.join(__dirname, '..', '..', 'examples', 'public');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('demo page (examples/public) in headless Chromium', () => {
  let running: RunningDemo;
  let pageServer: PageServer;
  let server: Server;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    running = await startDemo();
    pageServer = createPageServer({ endpoint: running.endpoint, credentials: running.demo.credentials, publicDir: PUBLIC_DIR });
    server = await listen(pageServer.app);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.locator('#endpoint', { hasText: running.endpoint }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) await closeServer(server);
    pageServer?.close();
    await running?.stop();
  });

  const log = () => page.locator('#log');

  test('upload and list across origins with the sample rules; blocked and explained once the rules are deleted', async () => {
    await page.fill('#bucket', 'gallery');
    await page.click('#create');
    await page.locator('#buckets', { hasText: 'gallery' }).waitFor();

    await page.click('#sample');
    expect(JSON.parse(await page.inputValue('#rules'))[0]).toMatchObject({ ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 0 });
    await page.click('#save');
    await page.locator('#rules-status', { hasText: 'Saved.' }).waitFor();

    await page.setInputFiles('#file', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the page') });
    await page.click('#upload');
    await log().locator('.entry', { hasText: 'readable because the matched rule exposes it' }).waitFor();
    await page.locator('#objects td', { hasText: 'note.txt' }).waitFor();
    expect(running.requests.some((line) => line.startsWith('OPTIONS /gallery/note.txt'))).toBe(true);

    await page.click('#remove');
    await page.locator('#rules-status', { hasText: 'Deleted' }).waitFor();
    await page.click('#list');
    await log().locator('.entry.blocked', { hasText: 'BLOCKED by the browser' }).waitFor();
    await log().locator('.entry.why', { hasText: 'carries no Access-Control-Allow-Origin' }).waitFor();

    await page.click('#upload');
    await log().locator('.entry.why', { hasText: 'CORSResponse: CORS is not enabled for this bucket.' }).waitFor();
  });
});
