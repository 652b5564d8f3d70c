// Starts a real Varnish (varnishd from Debian's varnish package) on a free loopback port in front of a backend, marking each answer X-Cache: HIT or MISS.

import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, isRunning, makeTempDir, removeTempDir, spawnWatched } from '../../scripts/redis-server.cjs';

/** A process started by the shared launcher: killed with its dir removed when the test process exits, even by SIGKILL. */
type WatchedProcess = ReturnType<typeof spawnWatched>;

/** Where Debian installs varnishd (outside a non-root PATH). */
export const VARNISHD = '/usr/sbin/varnishd';
/** Whether the tests can start Varnish here. */
export const VARNISH_INSTALLED = existsSync(VARNISHD);

/** A running Varnish. */
export interface VarnishHandle {
  readonly url: string;
  /** Stops varnishd (SIGTERM, SIGKILL if it lingers) and removes its dir. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;

/** The builtin VCL does the caching (GET/HEAD, honouring Cache-Control and Vary); this reports hits, then `extra` runs. */
function vcl(backendPort: number, extra: string): string {
  return `vcl 4.1;
backend default { .host = "${HOST}"; .port = "${backendPort}"; }
sub vcl_deliver {
  if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
${extra}`;
}

async function stopVarnish(varnish: WatchedProcess): Promise<void> {
  if (isRunning(varnish)) {
    varnish.child.kill('SIGTERM');
    const timer = setTimeout(() => varnish.child.kill('SIGKILL'), 5_000);
    await varnish.exited;
    clearTimeout(timer);
  }
  varnish.watchdog.kill('SIGKILL');
}

/** Answers once Varnish accepts connections (its own 503 while the backend is down counts). */
async function waitForVarnish(varnish: WatchedProcess, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(() => true, () => false))) {
    if (!isRunning(varnish)) throw new Error(`varnishd exited during startup:\n${varnish.output()}`);
    if (Date.now() > deadline) throw new Error(`varnishd did not answer within ${READY_TIMEOUT_MS} ms:\n${varnish.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts varnishd in the foreground on a free 127.0.0.1 port, caching in 16 MB of memory, with no
 * management port, its work dir in a temp dir, in front of `127.0.0.1:backendPort`. Runs with
 * varnishd's default jail (root drops to the `varnish` / `vcache` users the package creates).
 * `extraVcl` is added to the VCL (subroutines of the same name run in order, before the builtin ones).
 */
export async function startVarnish(backendPort: number, extraVcl = ''): Promise<VarnishHandle> {
  const dir = makeTempDir('varnish');
  // As root varnishd drops to its own users, which must read the VCL and write the work dir.
  chmodSync(dir, 0o755);
  const vclFile = path.join(dir, 'default.vcl');
  writeFileSync(vclFile, vcl(backendPort, extraVcl));
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const args = ['-F', '-a', `${HOST}:${port}`, '-f', vclFile, '-n', path.join(dir, 'work'), '-T', 'none', '-s', 'malloc,16m'];
  const varnish = spawnWatched(VARNISHD, args, dir, 'varnishd is not installed: apt-get install -y varnish');
  const stop = async () => {
    await stopVarnish(varnish);
    removeTempDir(dir);
  };
  try {
    await waitForVarnish(varnish, url);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
