// Launches the system's headless Chromium (playwright-core) or Firefox ESR (puppeteer-core over WebDriver BiDi) behind one small interface.

import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

/** The browsers the e2e tests run in. */
export type BrowserName = 'chromium' | 'firefox';
export const BROWSER_NAMES: readonly BrowserName[] = ['chromium', 'firefox'];

/** Where each browser is installed, and the Debian package `scripts/test.sh` installs it from. */
export const BROWSER_INSTALLS: Readonly<Record<BrowserName, { readonly executablePath: string; readonly debianPackage: string }>> = {
  chromium: { executablePath: '/usr/bin/chromium', debianPackage: 'chromium' },
  firefox: { executablePath: '/usr/bin/firefox-esr', debianPackage: 'firefox-esr' },
};

/**
 * The `String(error)` of a `fetch()` the browser refused (CORS failure, blocked preflight). Each browser words it
 * differently and neither says why: the reason only reaches the developer console.
 */
export const BLOCKED_FETCH_ERROR: Readonly<Record<BrowserName, string>> = {
  chromium: 'TypeError: Failed to fetch',
  firefox: 'TypeError: NetworkError when attempting to fetch resource.',
};

/** Every page opens with this viewport, in both browsers (their defaults differ). */
export const VIEWPORT = { width: 1024, height: 768 } as const;

/** A function run inside a page: its source is sent there, so it may use only its argument and the page's globals. */
export type PageFunction<Arg, Result> = (arg: Arg) => Result | Promise<Result>;

/** A tab showing one URL. */
export interface TestPage {
  /** Runs `pageFunction(arg)` inside the page and resolves with its (JSON-serialisable) result. */
  evaluate<Arg, Result>(pageFunction: PageFunction<Arg, Result>, arg: Arg): Promise<Result>;
  /** A PNG of the viewport. */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/** A headless browser process this test process launched. */
export interface TestBrowser {
  readonly name: BrowserName;
  /** As the browser reports it, e.g. `156.0.8078.114` or `firefox/153.8.0`. */
  readonly version: string;
  /** The browser's main process. */
  readonly pid: number;
  /** Opens a new tab at `url` and resolves once it has loaded. */
  open(url: string): Promise<TestPage>;
  /**
   * Closes the browser and resolves once its main process has exited: gracefully, or after
   * {@link CLOSE_TIMEOUT_MS} by SIGKILL to that process (never to anything else). Idempotent.
   */
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 5_000;
// Firefox took up to 25 s to start on a fresh profile while the 2-core machine was busy.
const LAUNCH_TIMEOUT_MS = 90_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Even with the flags above Chromium looks up update.googleapis.com and accounts.google.com; the tests need
  // only localhost and 127.0.0.1 (IP literals go through these rules too), so every other lookup fails at once.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

/**
 * Preferences that keep Firefox from opening connections of its own (the machine has no network beyond
 * loopback, and a test must see only the requests its pages make). Some repeat puppeteer's test profile, so
 * that they hold whatever its defaults become.
 */
const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'app.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'app.shield.optoutstudies.enabled': false,
  'browser.safebrowsing.provider.google.updateURL': '',
  'browser.safebrowsing.provider.google4.updateURL': '',
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.safebrowsing.update.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.topsites.contile.enabled': false,
  'browser.newtabpage.activity-stream.feeds.telemetry': false,
  'browser.newtabpage.activity-stream.telemetry': false,
  'browser.ping-centre.telemetry': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'extensions.update.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  'network.trr.mode': 5, // DNS over HTTPS off
  'dom.push.connection.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  // Remote settings: a closed loopback port. Release builds honour this only with MOZ_REMOTE_SETTINGS_DEVTOOLS.
  'services.settings.server': 'http://127.0.0.1:9/',
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
};

// Every browser process this process launched and every profile dir it made: killed / removed on exit too.
const livingChildren = new Set<ChildProcess>();
const profileDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test file that never reached close() (a failed beforeAll, a timeout) must still leave nothing behind.
  process.on('exit', () => {
    for (const child of livingChildren) child.kill('SIGKILL');
    for (const dir of profileDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Fails loudly, naming the package to install, when the browser is not where the tests expect it. */
function assertInstalled(name: BrowserName): string {
  const { executablePath, debianPackage } = BROWSER_INSTALLS[name];
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new Error(
      `${name} is not installed at ${executablePath}: the browser tests need it. ` +
        `Run bash scripts/test.sh as root (it installs it), or: sudo apt-get install -y ${debianPackage}`,
    );
  }
  return executablePath;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Runs `gracefulClose`, then makes sure `child` has exited, killing it (and only it) if it lingers. */
async function closeProcess(child: ChildProcess, gracefulClose: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  const graceful = gracefulClose().then(
    () => exited(child),
    () => undefined, // the close failed: straight to the kill below
  );
  try {
    await Promise.race([graceful, timedOut]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  } finally {
    clearTimeout(timer);
  }
}

function trackedBrowser(
  name: BrowserName,
  version: string,
  child: ChildProcess,
  afterExit: () => void,
  open: (url: string) => Promise<TestPage>,
  gracefulClose: () => Promise<void>,
): TestBrowser {
  const { pid } = child;
  if (pid === undefined) throw new Error(`${name} was launched but has no process id`);
  livingChildren.add(child);
  let closing: Promise<void> | undefined;
  return {
    name,
    version,
    pid,
    open,
    close() {
      closing ??= closeProcess(child, gracefulClose).finally(() => {
        livingChildren.delete(child);
        afterExit();
      });
      return closing;
    },
  };
}

async function launchChromium(): Promise<TestBrowser> {
  const executablePath = assertInstalled('chromium');
  // launchServer (not launch) hands back the browser's process, so close() can make sure it is gone.
  const server = await chromium.launchServer({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS });
  const child = server.process();
  try {
    const browser = await chromium.connect(server.wsEndpoint(), { timeout: LAUNCH_TIMEOUT_MS });
    return trackedBrowser(
      'chromium',
      browser.version(),
      child,
      () => {},
      async (url) => {
        const page = await browser.newPage({ viewport: VIEWPORT });
        await page.goto(url);
        return {
          // Both drivers type arguments as handles-or-values; ours are always plain serialisable values.
          evaluate: <Arg, Result>(pageFunction: PageFunction<Arg, Result>, arg: Arg) =>
            page.evaluate(pageFunction as (arg: unknown) => unknown, arg) as Promise<Result>,
          screenshot: () => page.screenshot(),
          close: () => page.close(),
        };
      },
      async () => {
        await browser.close();
        await server.close();
      },
    );
  } catch (error) {
    await closeProcess(child, () => server.close());
    throw error;
  }
}

async function launchFirefox(): Promise<TestBrowser> {
  const executablePath = assertInstalled('firefox');
  // Our own profile dir, removed by close() even when Firefox had to be killed.
  const profileDir = mkdtempSync(path.join(os.tmpdir(), 'bucket-cors-firefox-'));
  profileDirs.add(profileDir);
  const removeProfile = () => {
    rmSync(profileDir, { recursive: true, force: true });
    profileDirs.delete(profileDir);
  };
  let browser: Awaited<ReturnType<typeof puppeteer.launch>>;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath,
      headless: true,
      userDataDir: profileDir,
      extraPrefsFirefox: FIREFOX_PREFS,
      // Without it Firefox ignores services.settings.server and looks up firefox.settings.services.mozilla.com.
      env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
      defaultViewport: VIEWPORT,
      timeout: LAUNCH_TIMEOUT_MS,
    });
  } catch (error) {
    removeProfile(); // puppeteer itself ends a process it could not connect to
    throw error;
  }
  const child = browser.process();
  try {
    if (child === null) throw new Error('puppeteer launched Firefox but gave no process handle');
    return trackedBrowser(
      'firefox',
      await browser.version(),
      child,
      removeProfile,
      async (url) => {
        const page = await browser.newPage();
        await page.goto(url);
        return {
          evaluate: <Arg, Result>(pageFunction: PageFunction<Arg, Result>, arg: Arg) =>
            page.evaluate(pageFunction as (arg: unknown) => unknown, arg) as Promise<Result>,
          screenshot: async () => Buffer.from(await page.screenshot()),
          close: () => page.close(),
        };
      },
      () => browser.close(),
    );
  } catch (error) {
    if (child === null) await browser.close();
    else await closeProcess(child, () => browser.close());
    removeProfile();
    throw error;
  }
}

/** Launches the named browser headless; throws (naming the package to install) when it is missing. */
export function launchBrowser(name: BrowserName): Promise<TestBrowser> {
  installExitHook();
  return name === 'chromium' ? launchChromium() : launchFirefox();
}

/**
 * The pids of `pid` and every process below it, found through /proc (Linux). Browsers run renderers,
 * content and utility processes as children; a test checks that none of them outlives close().
 */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentPid(Number(entry));
    if (parent === null) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const tree: number[] = [];
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop() as number;
    tree.push(next);
    pending.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Whether `pid` is a running process (a zombie waiting to be reaped counts as gone). */
export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

function parentPid(pid: number): number | null {
  return readStat(pid)?.parent ?? null;
}

function readStat(pid: number): { state: string; parent: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone between readdir and read
  }
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so parse after the last ')'.
  const [state, parent] = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state, parent: Number(parent) };
}
