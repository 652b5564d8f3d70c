// The demo page in headless Chromium: create a bucket, save sample rules, upload with progress, list, see a blocked request
// explained, S3's errors shown for a refused Save and a too-large upload, each bucket's own rules in the editor, and the
// page server refusing cross-site calls. Screenshots of each state go to .tmp/screenshots/ (look at them after a change).

import { GetBucketCorsCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createPageServer, type PageServer } from '../../examples/server/page-server';
import { closeServer, listen, startDemo, type RunningDemo } from './demo';

const ROOT = path.join(__dirname, '..', '..');
const PUBLIC_DIR = path.join(ROOT, 'examples', 'public');
const SCREENSHOTS = path.join(ROOT, '.tmp', 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Small, so that a too-large upload is quick to send. */
const MAX_OBJECT_BYTES = 1024 * 1024;

describe('demo page (examples/public) in headless Chromium', () => {
  let running: RunningDemo;
  let pageServer: PageServer;
  let server: Server;
  let otherSite: Server;
  let browser: Browser;
  let page: Page;
  let pageUrl: string;
  /** Every answer the page server gave the page, as `status path`. */
  const pageAnswers: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    running = await startDemo({ maxObjectBytes: MAX_OBJECT_BYTES });
    pageServer = createPageServer({ endpoint: running.endpoint, credentials: running.demo.credentials, publicDir: PUBLIC_DIR });
    server = await listen(pageServer.app);
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    otherSite = await listen((_req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>another site</title>');
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    page.on('response', (response) => {
      if (response.url().startsWith(pageUrl)) pageAnswers.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await page.goto(`${pageUrl}/`);
    await page.locator('#endpoint', { hasText: running.endpoint }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    if (server) await closeServer(server);
    if (otherSite) await closeServer(otherSite);
    pageServer?.close();
    await running?.stop();
  });

  const log = () => page.locator('#log');
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `page-${name}.png`), fullPage: true });
  const rulesStatus = () => page.locator('#rules-status');
  const createBucket = async (name: string) => {
    await page.fill('#bucket', name);
    await page.click('#create');
    await log().locator('.entry.ok', { hasText: `Created bucket ${name}` }).waitFor();
  };
  const uploadFile = async (name: string, content: Buffer | string) => {
    await page.setInputFiles('#file', { name, mimeType: 'text/plain', buffer: Buffer.from(content) });
    await page.click('#upload');
  };

  test('a fresh page shows no error before the user did anything, and its sections read 1, 2, 3, 4', async () => {
    // The default bucket name does not exist yet: said plainly, not as a red NoSuchBucket.
    await rulesStatus().filter({ hasText: 'Bucket photos does not exist yet: create it in 1. Bucket.' }).waitFor();
    expect(await rulesStatus().getAttribute('class')).toBe('muted');
    expect(await page.locator('.blocked').count()).toBe(0);
    expect(await page.textContent('body')).not.toContain('NoSuchBucket');
    const headings = page.locator('section h2');
    const titles = (await headings.allTextContents()).map((title) => title.slice(0, 2));
    expect(titles).toEqual(['1.', '2.', '3.', '4.', 'Wh']);
    // Reading order on screen too: each numbered section starts below, or on the same row right of, the one before.
    const boxes = await Promise.all((await headings.all()).slice(0, 4).map(async (heading) => (await heading.boundingBox())!));
    for (let i = 1; i < boxes.length; i++) {
      const [before, box] = [boxes[i - 1]!, boxes[i]!];
      expect(box.y > before.y + before.height || (Math.abs(box.y - before.y) < 2 && box.x > before.x)).toBe(true);
    }
    await expect(page.textContent('#rules-shape')).resolves.toContain('The editor shows the rules as a JSON list');
    await shot('fresh');
  });

  test('upload and list across origins with the sample rules; blocked and explained once the rules are deleted', async () => {
    await createBucket('gallery');
    await page.locator('#buckets', { hasText: 'gallery' }).waitFor();

    await page.click('#sample');
    expect(JSON.parse(await page.inputValue('#rules'))[0]).toMatchObject({ ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 0 });
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Saved.' }).waitFor();

    await uploadFile('note.txt', 'hello from the page');
    await log().locator('.entry', { hasText: 'readable because the matched rule exposes it' }).waitFor();
    await page.locator('#objects td', { hasText: 'note.txt' }).waitFor();
    expect(running.requests.some((line) => line.startsWith('OPTIONS /gallery/note.txt'))).toBe(true);
    await page.uncheck('#note');
    await uploadFile('photo.txt', 'a second upload, without the note header');
    await page.locator('#objects td', { hasText: 'photo.txt' }).waitFor();
    await page.check('#note');

    await page.click('#remove');
    await rulesStatus().filter({ hasText: 'Deleted' }).waitFor();
    await page.click('#list');
    await log().locator('.entry.blocked', { hasText: 'BLOCKED by the browser (Failed to fetch). Bucket gallery has no CORS configuration: save rules in 2.' }).waitFor();
    await log().locator('.entry.why', { hasText: 'carries no Access-Control-Allow-Origin for' }).filter({ hasText: 'the bucket has no CORS configuration' }).waitFor();

    await page.click('#upload');
    await log().locator('.entry.why', { hasText: 'CORSResponse: CORS is not enabled for this bucket.' }).waitFor();
    await page.locator('#upload-status', { hasText: 'photo.txt: blocked' }).waitFor();
    // README's picture (docs/demo-page.png) is this state.
    await page.screenshot({ path: path.join(SCREENSHOTS, 'demo-page.png'), fullPage: true });
  });

  test('/metrics on the page port counts the decisions the browser caused (prom-client over diagnostics_channel)', async () => {
    const metricsText = async () => (await fetch(`${pageUrl}/metrics`)).text();
    /** The sum of the decision counters whose labels include every one of `labels`. */
    const count = (text: string, labels: readonly string[]) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('bucket_cors_decisions_total{') && labels.every((label) => line.includes(label)))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const allowed = ['kind="preflight"', 'outcome="allowed"', 'dialect="s3"'];
    const matched = ['kind="actual"', 'outcome="matched"'];
    const before = await metricsText();
    await page.click('#sample');
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Saved.' }).waitFor();
    await uploadFile('counted.txt', 'counted by /metrics');
    await page.locator('#objects td', { hasText: 'counted.txt' }).waitFor();
    const after = await metricsText();
    expect(after).toContain('# TYPE bucket_cors_decisions_total counter');
    expect(count(after, allowed)).toBeGreaterThan(count(before, allowed));
    expect(count(after, matched)).toBeGreaterThan(count(before, matched));
    // Low-cardinality labels only: no bucket name, no Origin.
    expect(after).not.toContain('gallery');
    expect(after).not.toContain(pageUrl);
  });

  test('the rule editor shows lint warnings as you type; a blocked call is explained rule by rule with a suggestion', async () => {
    await page.fill('#rules', JSON.stringify([{ AllowedOrigins: [`${pageUrl}/`], AllowedMethods: ['GET'] }]));
    await page.locator('#lint li', { hasText: 'origin-never-matches' }).waitFor();
    const rules = [{ ID: 'no-note', AllowedOrigins: [pageUrl], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }];
    await page.fill('#rules', JSON.stringify(rules));
    await page.locator('#lint li', { hasText: 'sdk-headers-not-allowed' }).waitFor();
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Saved.' }).waitFor();
    await page.check('#note');
    await uploadFile('with-note.txt', 'the note header is not allowed');
    await log().locator('.entry.why', { hasText: 'rule 1 ("no-note"): fails on headers; no AllowedHeader covers x-amz-meta-note' }).waitFor();
    await log().locator('.entry.why', { hasText: 'Suggestion: add `x-amz-meta-note` to AllowedHeaders of rule 1' }).waitFor();
    await shot('explained-rule-by-rule');
  });

  test('an upload shows its progress and disables Upload until it ends', async () => {
    await page.click('#sample');
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Saved.' }).waitFor();
    // Slow uploads down (about 2 s for this file) so the running state can be seen.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
    try {
      await uploadFile('large.bin', Buffer.alloc(400 * 1024, 'x'));
      await page.locator('#upload[disabled]').waitFor();
      await page.locator('#upload-status', { hasText: /large\.bin: [1-9][\d,]* of 409,600 bytes sent/ }).waitFor();
      expect(await page.locator('#upload-progress').isVisible()).toBe(true);
      await shot('upload-running');
    } finally {
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    }
    await page.locator('#upload-status', { hasText: 'large.bin: uploaded' }).waitFor();
    await page.locator('#upload:not([disabled])').waitFor();
    expect(await page.locator('#upload-progress').isHidden()).toBe(true);
    await page.locator('#objects td', { hasText: 'large.bin' }).waitFor();
  });

  test('a too-large upload shows S3\'s Code and Message, and claims nothing about ETag', async () => {
    const etagClaims = await log().locator('.entry', { hasText: 'ETag' }).count();
    await uploadFile('too-large.bin', Buffer.alloc(MAX_OBJECT_BYTES + 1, 'x'));
    await log().locator('.entry.blocked', { hasText: 'PutObject too-large.bin: PUT → 400' }).waitFor();
    await log().locator('.entry.why', { hasText: 'S3 said EntityTooLarge: Your proposed upload exceeds the maximum allowed size' }).waitFor();
    await page.locator('#upload-status', { hasText: 'too-large.bin: refused' }).waitFor();
    await shot('upload-too-large');
    expect(await log().locator('.entry', { hasText: 'ETag' }).count()).toBe(etagClaims);
  });

  test('a refused Save shows S3\'s error instead of "Saved.", and so does invalid JSON', async () => {
    await page.fill('#bucket', 'gallery');
    await page.click('#sample');
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Saved.' }).waitFor();

    await page.fill('#rules', JSON.stringify([{ AllowedOrigins: ['*'], AllowedMethods: ['get'] }]));
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Not saved: S3 would refuse it: InvalidRequest: rule 1: AllowedMethods holds the unsupported method "get"' }).waitFor();
    expect(await rulesStatus().getAttribute('class')).toBe('blocked');
    await shot('save-refused');

    await page.fill('#rules', '[{ "AllowedOrigins": ');
    await page.click('#save');
    await rulesStatus().filter({ hasText: 'Not saved: InvalidCorsRules: not JSON:' }).waitFor();
    await shot('save-invalid-json');
    // The stored rules are still the sample's.
    await page.click('#load');
    await rulesStatus().filter({ hasText: '1 rule(s) loaded.' }).waitFor();
    expect(JSON.parse(await page.inputValue('#rules'))[0]).toMatchObject({ ID: 'demo-page' });
  });

  test('creating or switching to another bucket shows that bucket\'s rules, never the previous ones', async () => {
    await page.fill('#bucket', 'gallery');
    await page.click('#load');
    await rulesStatus().filter({ hasText: '1 rule(s) loaded.' }).waitFor();

    await createBucket('empty-one');
    await rulesStatus().filter({ hasText: 'This bucket has no CORS configuration' }).waitFor();
    expect(await page.inputValue('#rules')).toBe('');
    expect(await page.textContent('#rules-bucket')).toBe('empty-one');
    await shot('bucket-created');

    await page.fill('#bucket', 'gallery');
    await page.press('#bucket', 'Tab'); // leaving the field is a change
    await rulesStatus().filter({ hasText: '1 rule(s) loaded.' }).waitFor();
    expect(JSON.parse(await page.inputValue('#rules'))[0]).toMatchObject({ ID: 'demo-page' });

    await page.fill('#bucket', 'no-such-bucket');
    await page.press('#bucket', 'Tab');
    await rulesStatus().filter({ hasText: 'Bucket no-such-bucket does not exist yet: create it in 1. Bucket.' }).waitFor();
    expect(await page.inputValue('#rules')).toBe('');
    // A call to it is blocked: the headline names the missing bucket instead of blaming CORS rules it does not have.
    await page.click('#list');
    const headline = log().locator('.entry.blocked', { hasText: 'ListObjectsV2: GET BLOCKED by the browser' }).last();
    await headline.filter({ hasText: 'Bucket no-such-bucket does not exist: create it in 1. Bucket.' }).waitFor();
    expect(await headline.textContent()).not.toContain('CORS rules');
    await log().locator('.entry.why', { hasText: 'the bucket does not exist, so no CORS rules apply' }).waitFor();
    await shot('bucket-missing');
  });

  describe('the rule editor checks rules with the library before anything is sent', () => {
    const storedRules = async (bucket: string) => (await running.s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules;
    /** Replaces the editor's text as a paste does (one insertion, input events fired). */
    const paste = async (text: string) => {
      await page.fill('#rules', '');
      await page.focus('#rules');
      await page.keyboard.insertText(text);
    };
    beforeAll(async () => {
      await page.fill('#bucket', 'editor');
      await page.click('#create');
      await log().locator('.entry.ok', { hasText: 'Created bucket editor' }).waitFor();
    });

    test('AllowedOrigins given as a string is refused in the parser\'s words, as you type and on Save; nothing is stored', async () => {
      await paste('[{ "AllowedOrigins": "http://localhost:7641", "AllowedMethods": ["GET"] }]');
      await page.locator('#lint li', { hasText: 'Save would be refused: s3-console: S3 would refuse it: MalformedJSON: The JSON you provided was not well-formed or did not validate against our published schema: rule 1: AllowedOrigins must be a list of strings' }).waitFor();
      await page.click('#save');
      await rulesStatus().filter({ hasText: 'Not saved: s3-console: S3 would refuse it: MalformedJSON: The JSON you provided was not well-formed or did not validate against our published schema: rule 1: AllowedOrigins must be a list of strings, not "http://localhost:7641"' }).waitFor();
      expect(await rulesStatus().getAttribute('class')).toBe('blocked');
      await shot('string-origins-refused');
      await expect(storedRules('editor')).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
    });

    test('the AWS CLI\'s {"CORSRules": [...]} pasted as it is saves, and the editor then shows its list', async () => {
      const cli = { CORSRules: [{ ID: 'from-cli', AllowedOrigins: [pageUrl], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 0 }] };
      await paste(JSON.stringify(cli, null, 2));
      await page.click('#save');
      await rulesStatus().filter({ hasText: "Saved. 1 rule(s) stored (read as s3-json), shown as the editor's list." }).waitFor();
      expect(JSON.parse(await page.inputValue('#rules'))).toEqual(cli.CORSRules);
      expect(await page.locator('#conversion li').count()).toBe(0);
      expect(await storedRules('editor')).toEqual(cli.CORSRules);
      // The refused text's warning is gone: only the stored rules' own lint remains.
      expect(await page.locator('#lint li', { hasText: 'Save would be refused' }).count()).toBe(0);
      expect(await page.locator('#lint li', { hasText: 'Could not lint' }).count()).toBe(0);
      await shot('cli-shape-saved');
    });

    test('a JSON editor never answers MalformedXML: structural refusals are MalformedJSON naming the problem; what is no rules names every shape', async () => {
      const shapes = 'The editor takes S3 rules as the console\'s list [{"AllowedOrigins":[…],"AllowedMethods":[…],…}], the AWS CLI\'s {"CORSRules":[…]} or the XML <CORSConfiguration>, or another provider\'s rules';
      for (const [text, status] of [
        ['[]', `Not saved: InvalidCorsRules: an empty list is no CORS configuration format this reads. ${shapes}`],
        ['{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": []}]}', 'Not saved: S3 would refuse it: MalformedJSON: rule 1: AllowedMethods is required'],
        ['{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}', `Not saved: InvalidCorsRules: an object with keys AllowedOrigins, AllowedMethods is no CORS configuration format this reads. ${shapes}`],
      ] as const) {
        await paste(text);
        await page.click('#save');
        await rulesStatus().filter({ hasText: status }).waitFor();
        expect(await page.textContent('body')).not.toContain('MalformedXML');
      }
      // A method S3 refuses keeps S3's own InvalidRequest, also for the CLI's shape.
      await paste('{"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["get"]}]}');
      await page.click('#save');
      await rulesStatus().filter({ hasText: 'Not saved: S3 would refuse it: InvalidRequest: rule 1: AllowedMethods holds the unsupported method "get"' }).waitFor();
      expect((await storedRules('editor'))?.[0]?.ID).toBe('from-cli');
    });

    test('S3\'s XML pasted saves as the same rules, the editor then showing them as its list', async () => {
      const rules = [{ ID: 'from-xml', AllowedHeaders: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: [pageUrl], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 }];
      await paste(`<?xml version="1.0" encoding="UTF-8"?>\n<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><ID>from-xml</ID><AllowedOrigin>${pageUrl}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>`);
      await page.click('#save');
      await rulesStatus().filter({ hasText: "Saved. 1 rule(s) stored (read as s3-xml), shown as the editor's list." }).waitFor();
      expect(await storedRules('editor')).toEqual(rules);
      expect(JSON.parse(await page.inputValue('#rules'))).toEqual(rules);
      expect(await page.locator('#conversion li').count()).toBe(0);
    });

    test('a Google Cloud Storage list pasted shows what converting loses as you type, saves as S3 rules, and keeps the warnings shown', async () => {
      const gcs = [
        { origin: [pageUrl], method: ['GET', 'PATCH'], responseHeader: ['ETag', 'Content-Type'], maxAgeSeconds: 600 },
        { origin: [pageUrl], method: ['PUT'], responseHeader: ['x-amz-meta-note'] },
      ];
      await paste(JSON.stringify(gcs, null, 2));
      await page.locator('#conversion li', { hasText: 'Converting from gcs-json: rule 1: Google Cloud Storage method "PATCH" dropped: S3 rules allow only GET, PUT, HEAD, POST, DELETE (method-dropped)' }).waitFor();
      await page.click('#save');
      await rulesStatus().filter({ hasText: "Saved. 2 rule(s) stored (read as gcs-json with 1 conversion warning(s)), shown as the editor's list." }).waitFor();
      const expected = [
        { AllowedHeaders: ['ETag', 'Content-Type'], AllowedMethods: ['GET'], AllowedOrigins: [pageUrl], ExposeHeaders: ['ETag', 'Content-Type'], MaxAgeSeconds: 600 },
        { AllowedHeaders: ['x-amz-meta-note'], AllowedMethods: ['PUT'], AllowedOrigins: [pageUrl], ExposeHeaders: ['x-amz-meta-note'] },
      ];
      expect(await storedRules('editor')).toEqual(expected);
      expect(JSON.parse(await page.inputValue('#rules'))).toEqual(expected);
      // The editor now holds S3's list (linted: its upload rule lacks the SDK's headers); what the Save
      // converted stays on screen until the rules are edited.
      await page.locator('#lint li', { hasText: 'sdk-headers-not-allowed' }).waitFor();
      const warnings = page.locator('#conversion li');
      expect(await warnings.allTextContents()).toEqual(['Converted from gcs-json: rule 1: Google Cloud Storage method "PATCH" dropped: S3 rules allow only GET, PUT, HEAD, POST, DELETE (method-dropped)']);
      await shot('gcs-converted');
      await page.focus('#rules');
      await page.keyboard.press('End');
      await page.keyboard.insertText(' ');
      await page.locator('#conversion li').first().waitFor({ state: 'detached' });
    });

    test('Azure\'s XML pasted: MERGE dropped, and a preflight Azure answers differently than S3 named (selection-differs)', async () => {
      await paste(`<Cors><CorsRule><AllowedOrigins>${pageUrl}</AllowedOrigins><AllowedMethods>PUT,MERGE</AllowedMethods><AllowedHeaders>content-type</AllowedHeaders><ExposedHeaders>ETag</ExposedHeaders><MaxAgeInSeconds>0</MaxAgeInSeconds></CorsRule><CorsRule><AllowedOrigins>${pageUrl}</AllowedOrigins><AllowedMethods>PUT</AllowedMethods><AllowedHeaders>*</AllowedHeaders><ExposedHeaders></ExposedHeaders><MaxAgeInSeconds>0</MaxAgeInSeconds></CorsRule></Cors>`);
      await page.locator('#conversion li', { hasText: 'Converting from azure-xml: rule 1: Azure Storage method "MERGE" dropped' }).waitFor();
      await page.locator('#conversion li', { hasText: '(selection-differs)' }).first().waitFor();
      await page.click('#save');
      await rulesStatus().filter({ hasText: '2 rule(s) stored (read as azure-xml with' }).waitFor();
      expect((await storedRules('editor'))?.map((rule) => rule.AllowedMethods)).toEqual([['PUT'], ['PUT']]);
      await page.locator('#conversion li', { hasText: 'Converted from azure-xml:' }).first().waitFor();
    });
  });

  test('the page loads without a single 404, favicon included', async () => {
    pageAnswers.length = 0;
    await page.reload();
    await page.locator('#endpoint', { hasText: running.endpoint }).waitFor();
    // The page's files (its API answers S3's statuses, e.g. 404 NoSuchBucket, on purpose).
    const files = pageAnswers.filter((line) => !line.includes(' /api/'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((line) => line.startsWith('4'))).toEqual([]);
    const favicon = await fetch(`${pageUrl}/favicon.ico`);
    expect([favicon.status, favicon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
  });

  describe('the page server acts for its own page only', () => {
    const bucketNames = async () => ((await running.s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((bucket) => bucket.Name);

    test('another site in the browser cannot create a bucket, by a simple text/plain POST or by a JSON fetch', async () => {
      const attacker = await browser.newPage();
      try {
        await attacker.goto(`http://localhost:${(otherSite.address() as AddressInfo).port}/`);
        const outcomes = await attacker.evaluate(async (target) => {
          const attempt = (init: RequestInit) => fetch(target, init).then((response) => String(response.status), (error: Error) => error.message);
          return [
            await attempt({ method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"bucket":"evil-text"}' }),
            await attempt({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"bucket":"evil-json"}' }),
          ];
        }, `${pageUrl}/api/buckets?bucket=evil-query`);
        // An opaque answer ('0') or a refused fetch: the browser shows the attacker nothing either way.
        expect(outcomes).toEqual(['0', 'Failed to fetch']);
      } finally {
        await attacker.close();
      }
      expect((await bucketNames()).filter((name) => name?.startsWith('evil'))).toEqual([]);
    });

    test('outside a browser: a foreign Host, Origin or Sec-Fetch-Site is 403, a change not sent as JSON 415', async () => {
      // node:http, since fetch() never sends a Host of the caller's choosing.
      const post = (headers: Record<string, string>, body = '{"bucket":"evil-node"}') =>
        new Promise<number>((resolve, reject) => {
          const { port } = server.address() as AddressInfo;
          const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/buckets?bucket=evil-query', headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
      const json = { 'content-type': 'application/json' };
      expect(await post({ ...json, Origin: 'https://attacker.example' })).toBe(403);
      expect(await post({ ...json, 'Sec-Fetch-Site': 'cross-site' })).toBe(403);
      expect(await post({ ...json, 'Sec-Fetch-Site': 'same-site' })).toBe(403);
      expect(await post({ ...json, Host: 'rebound.attacker.example' })).toBe(403);
      expect(await post({ 'content-type': 'text/plain' })).toBe(415);
      expect(await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'bucket=evil-form')).toBe(415);
      expect((await bucketNames()).filter((name) => name?.startsWith('evil'))).toEqual([]);
      // The page's own kind of call still works.
      expect(await post({ ...json, Origin: pageUrl, 'Sec-Fetch-Site': 'same-origin' }, '{"bucket":"made-by-the-page"}')).toBe(200);
      expect(await bucketNames()).toContain('made-by-the-page');
    });

    test('outside a browser: /metrics keeps to its own Host, a presign leaving the container is refused, and errors never show a stack or a path', async () => {
      const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const { port } = server.address() as AddressInfo;
          const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject);
          req.end(body);
        });
      expect((await send('GET', '/metrics', { Host: 'rebound.attacker.example' })).status).toBe(403);
      expect((await send('GET', '/metrics', {})).status).toBe(200);
      const json = { 'content-type': 'application/json', Origin: pageUrl, 'Sec-Fetch-Site': 'same-origin' };
      for (const path of ['../elsewhere/x', 'a/../../b', 'a//b', './a']) {
        const refused = await send('POST', '/api/mediastore/presign', json, JSON.stringify({ container: 'movies', path, method: 'PUT' }));
        expect([refused.status, JSON.parse(refused.text).message]).toEqual([400, 'An object path has no empty, "." or ".." segments.']);
      }
      const broken = await send('POST', '/api/buckets', json, '{"bucket":');
      expect(broken.status).toBe(400);
      expect(JSON.parse(broken.text)).toEqual({ error: 'BadRequest', message: expect.any(String) });
      expect(broken.text).not.toMatch(/\bat \S+ \(|node_modules|\/work\/|\.ts:\d/);
    });
  });
});
