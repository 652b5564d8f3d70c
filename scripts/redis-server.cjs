// @ts-check
// Starts real redis-server processes (one node, or a 3-master cluster) on free loopback ports, for the
// integration tests (through __tests__/support/redis.ts) and the benchmark (bench/harness/redis.mjs),
// and the building blocks of the failover setups (__tests__/support/redis-failover.ts: redis-sentinel,
// replicas) and of the Varnish launcher (spawnWatched).
// Plain CommonJS with checked JSDoc types, so that jest requires it and node imports it, neither transpiling.
'use strict';

const { spawn, execFile } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

/**
 * A running Redis server a test can talk to, count commands on, stop and restart.
 * @typedef {object} RedisServerHandle
 * @property {string} host
 * @property {number} port
 * @property {string} url  `redis://host:port` (or `REDIS_URL` as given).
 * @property {boolean} external  True when the server comes from `REDIS_URL`: `stop()` then leaves it running and `restart()` rejects.
 * @property {() => Promise<void>} stop  Stops the server (SHUTDOWN NOSAVE, SIGKILL if it lingers) and removes its temp dir.
 * @property {() => Promise<void>} restart  Starts a fresh, empty server on the same port, stopping the current one first (works after `stop()` too).
 * @property {(cmd: string) => Promise<number>} commandCount  How often the server executed `cmd` so far (`INFO commandstats`), 0 when never.
 * @property {(field: string) => Promise<number>} stat  A numeric field of `INFO stats`, e.g. `total_reads_processed` (read events on client sockets).
 */

/**
 * A running 3-master Redis Cluster on loopback.
 * @typedef {object} RedisClusterHandle
 * @property {{ host: string, port: number }[]} nodes
 * @property {(node: { host: string, port: number }, cmd: string) => Promise<number>} commandCount  How often `node` executed `cmd` so far (`INFO commandstats`), 0 when never.
 * @property {(node: { host: string, port: number }, field: string) => Promise<number>} stat  A numeric `INFO stats` field of `node`.
 * @property {() => Promise<void>} stop  Stops every node and removes the temp dir.
 */

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** Message for tests that need to stop or restart the server when `REDIS_URL` points elsewhere. */
const EXTERNAL_REDIS_SKIP = 'skipped: needs a redis-server started by the test support (unset REDIS_URL)';

// Every redis-server this process started and every temp dir it made: killed / removed on exit, even
// when a test fails without calling stop().
/** @type {Set<import('node:child_process').ChildProcess>} */
const livingProcesses = new Set();
/** @type {Set<string>} */
const tempDirs = new Set();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of livingProcesses) child.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A fresh temp dir named `bucket-cors-<what>-…`, removed on exit if the caller doesn't. @param {string} [what] @returns {string} */
function makeTempDir(what = 'redis') {
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), `bucket-cors-${what}-`));
  tempDirs.add(dir);
  return dir;
}

/** @param {string} dir */
function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * A port nobody listens on right now: the kernel picks one for a throwaway listener.
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * True when nobody listens on `port` right now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function isFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/**
 * A port with the next one free too (the demo listens on PORT and PORT+1).
 * @returns {Promise<number>}
 */
async function freePortPair() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
  throw new Error('no two neighbouring free ports on the loopback interface after 50 tries');
}

// ---- a minimal RESP client, so the launcher needs nothing but node and redis-server ----

/** @typedef {string | number | null | Error | Reply[]} Reply */

/**
 * Parses one RESP reply from `buffer` at `offset`; undefined while incomplete.
 * @param {Buffer} buffer
 * @param {number} offset
 * @returns {{ reply: Reply, end: number } | undefined}
 */
function parseReply(buffer, offset) {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(/** @type {number} */ (buffer[offset]));
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new Error(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      /** @type {Reply[]} */
      const items = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (item === undefined) return undefined;
        items.push(item.reply);
        position = item.end;
      }
      return { reply: count < 0 ? null : items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** @param {readonly string[]} args @returns {string} */
function encodeCommand(args) {
  return `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
}

/** @typedef {{ readonly host: string, readonly port: number, readonly username?: string, readonly password?: string }} Endpoint */

/**
 * Sends commands on a fresh connection and resolves with their replies (Redis errors as `Error`
 * values). Rejects on connection failure or timeout; resolves with fewer replies when the server
 * closes the connection first (SHUTDOWN).
 * @param {Endpoint} endpoint
 * @param {readonly (readonly string[])[]} commands
 * @param {number} [timeoutMs]
 * @returns {Promise<Reply[]>}
 */
function sendCommands(endpoint, commands, timeoutMs = 2_000) {
  const all = endpoint.password === undefined ? commands : [authCommand(endpoint), ...commands];
  return new Promise((resolve, reject) => {
    const socket = net.connect(endpoint.port, endpoint.host);
    /** @type {Reply[]} */
    const replies = [];
    let buffer = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply from ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(all.map(encodeCommand).join('')));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let offset = 0;
      for (let parsed = parseReply(buffer, offset); parsed !== undefined; parsed = parseReply(buffer, offset)) {
        replies.push(parsed.reply);
        offset = parsed.end;
      }
      buffer = buffer.subarray(offset);
      if (replies.length >= all.length) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(endpoint.password === undefined ? replies : replies.slice(1)));
  });
}

/** @param {Endpoint} endpoint @returns {string[]} */
function authCommand(endpoint) {
  const password = /** @type {string} */ (endpoint.password);
  return endpoint.username ? ['AUTH', endpoint.username, password] : ['AUTH', password];
}

/** @param {Endpoint} endpoint @param {string[]} args @returns {Promise<Reply>} */
async function command(endpoint, ...args) {
  const [reply] = await sendCommands(endpoint, [args]);
  if (reply instanceof Error) throw new Error(`${args[0]} on ${endpoint.host}:${endpoint.port}: ${reply.message}`);
  return reply ?? null;
}

/** @param {Endpoint} endpoint @param {string} cmd @returns {Promise<number>} */
async function commandCountOn(endpoint, cmd) {
  const info = String(await command(endpoint, 'INFO', 'commandstats'));
  const prefix = `cmdstat_${cmd.toLowerCase()}:calls=`;
  const line = info.split('\r\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number.parseInt(line.slice(prefix.length), 10);
}

/**
 * A numeric field of `INFO stats` (the INFO command itself counts as one read of its connection).
 * @param {Endpoint} endpoint
 * @param {string} field
 * @returns {Promise<number>}
 */
async function statOn(endpoint, field) {
  const info = String(await command(endpoint, 'INFO', 'stats'));
  const line = info.split('\r\n').find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`INFO stats of ${endpoint.host}:${endpoint.port} has no ${field}`);
  return Number(line.slice(field.length + 1));
}

// ---- server processes ----

/**
 * @typedef {object} ServerProcess
 * @property {import('node:child_process').ChildProcess} child
 * @property {Promise<void>} exited
 * @property {import('node:child_process').ChildProcess} watchdog  Kills the server and removes its dir if the process that started it dies without stopping it (even by SIGKILL).
 * @property {() => string} output
 */

/**
 * Starts `binary` with `args`, its output collected, watched so that it dies (and `dir` goes) with the
 * process that started it; `missing` is what its output says when it isn't installed. Also used for
 * varnishd by the HTTP cache tests.
 * @param {string} binary
 * @param {readonly string[]} args
 * @param {string} dir
 * @param {string} missing
 * @returns {ServerProcess}
 */
function spawnWatched(binary, args, dir, missing) {
  installExitHook();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  livingProcesses.add(child);
  let output = '';
  const collect = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) => {
    child.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      output += error.code === 'ENOENT' ? missing : String(error);
      livingProcesses.delete(child);
      resolve();
    });
    child.once('exit', () => {
      livingProcesses.delete(child);
      resolve();
    });
  });
  // `read` returns when our end of the pipe closes, which the kernel does when this process dies.
  const watchdog = spawn('sh', ['-c', 'read _; kill -9 "$1" 2>/dev/null; rm -rf "$2"', `${path.basename(binary)}-watchdog`, String(child.pid ?? 0), dir], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  /** @type {net.Socket} */ (/** @type {unknown} */ (watchdog.stdin)).unref();
  livingProcesses.add(watchdog);
  watchdog.once('exit', () => livingProcesses.delete(watchdog));
  return { child, exited, watchdog, output: () => output };
}

/** True while the process runs. @param {ServerProcess} server @returns {boolean} */
function isRunning(server) {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/**
 * Which program serves: a data node, or a sentinel reading (and rewriting) its config file.
 * @typedef {{ binary: 'redis-server' } | { binary: 'redis-sentinel', configFile: string }} ServerKind
 */

/** @type {ServerKind} */
const DATA_NODE = { binary: 'redis-server' };

/**
 * @param {number} port
 * @param {string} dir
 * @param {readonly string[]} extraArgs
 * @param {ServerKind} [kind]
 * @returns {ServerProcess}
 */
function spawnServer(port, dir, extraArgs, kind = DATA_NODE) {
  // A replica's first sync waits repl-diskless-sync-delay (5 s) for more replicas to join it; none will.
  const config = kind.binary === 'redis-sentinel' ? [kind.configFile] : ['--repl-diskless-sync-delay', '0'];
  const args = [...config, '--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs];
  const missing = `${kind.binary} is not on PATH: apt-get install -y ${kind.binary}${kind.binary === 'redis-server' ? ' (or set REDIS_URL)' : ''}`;
  return spawnWatched(kind.binary, args, dir, missing);
}

/** @param {ServerProcess} server @param {number} port @returns {Promise<void>} */
async function waitForPong(server, port) {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await haltServer(server, port);
      throw new Error(`redis-server on port ${port} exited during startup:\n${server.output()}`);
    }
    const reply = await command({ host: HOST, port }, 'PING').catch(() => undefined);
    if (reply === 'PONG') return;
    if (Date.now() > deadline) {
      await haltServer(server, port);
      throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms:\n${server.output()}`);
    }
    await delay(20);
  }
}

/** @param {ServerProcess} server @param {number} port @returns {Promise<void>} */
async function haltServer(server, port) {
  if (isRunning(server)) {
    await sendCommands({ host: HOST, port }, [['SHUTDOWN', 'NOSAVE']], 1_000).catch(() => undefined);
    const timer = setTimeout(() => server.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await server.exited;
    clearTimeout(timer);
  }
  server.watchdog.kill('SIGKILL');
}

/**
 * Starts a server; retries on another port when the chosen one was taken in the meantime.
 * @param {string} dir
 * @param {(port: number) => string[]} extraArgs
 * @param {(port: number) => ServerKind} [kind]
 * @returns {Promise<{ port: number, server: ServerProcess }>}
 */
async function startServerOnFreePort(dir, extraArgs, kind = () => DATA_NODE) {
  /** @type {unknown} */
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const server = spawnServer(port, dir, extraArgs(port), kind(port));
    try {
      await waitForPong(server, port);
      return { port, server };
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(server.output())) throw error;
    }
  }
  throw lastError;
}

/** @param {number} ms @returns {Promise<void>} */
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** @param {string} url @returns {RedisServerHandle} */
function externalServer(url) {
  const parsed = new URL(url);
  /** @type {Endpoint} */
  const endpoint = {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
  };
  return {
    host: endpoint.host,
    port: endpoint.port,
    url,
    external: true,
    stop: async () => undefined,
    restart: () => Promise.reject(new Error(EXTERNAL_REDIS_SKIP)),
    commandCount: (cmd) => commandCountOn(endpoint, cmd),
    stat: (field) => statOn(endpoint, field),
  };
}

/**
 * Starts `redis-server` (from PATH) on a free 127.0.0.1 port, without persistence, and waits for PONG.
 * With `REDIS_URL` set, uses that server instead (then `external` is true).
 * @returns {Promise<RedisServerHandle>}
 */
async function startRedis() {
  const externalUrl = process.env.REDIS_URL;
  if (externalUrl) return externalServer(externalUrl);

  const dir = makeTempDir();
  /** @type {ServerProcess | undefined} */
  let current;
  /** @type {number} */
  let port;
  try {
    ({ port, server: current } = await startServerOnFreePort(dir, () => []));
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  const endpoint = { host: HOST, port };
  return {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    external: false,
    async stop() {
      if (current !== undefined) await haltServer(current, port);
      current = undefined;
      removeTempDir(dir);
    },
    async restart() {
      if (current !== undefined) await haltServer(current, port);
      mkdirSync(dir, { recursive: true });
      tempDirs.add(dir);
      current = spawnServer(port, dir, []);
      await waitForPong(current, port);
    },
    commandCount: (cmd) => commandCountOn(endpoint, cmd),
    stat: (field) => statOn(endpoint, field),
  };
}

/**
 * Starts `count` cluster-enabled servers one after the other, each pushed onto `started` as soon as
 * it answers (so the caller can stop them all if a later one fails).
 * @param {string} dir
 * @param {number} count
 * @param {number} nodeTimeoutMs  `cluster-node-timeout`: how long a node may not answer before it is considered failing.
 * @param {{ port: number, server: ServerProcess }[]} started
 * @returns {Promise<void>}
 */
async function startClusterNodes(dir, count, nodeTimeoutMs, started) {
  for (let i = 0; i < count; i++) {
    const busPort = await freePort();
    started.push(
      await startServerOnFreePort(dir, (port) => [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', path.join(dir, `nodes-${port}.conf`),
        '--cluster-port', String(busPort),
        '--cluster-node-timeout', String(nodeTimeoutMs),
      ]),
    );
  }
}

/**
 * Joins started servers into a cluster with `redis-cli --cluster create` and waits until every node
 * reports `cluster_state:ok`.
 * @param {number[]} ports
 * @param {0 | 1} [replicas]  Replicas per master (redis-cli picks which nodes replicate).
 * @returns {Promise<void>}
 */
async function formCluster(ports, replicas = 0) {
  const addresses = ports.map((port) => `${HOST}:${port}`);
  await new Promise((resolve, reject) => {
    execFile('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`redis-cli --cluster create failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(undefined),
    );
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const port of ports) {
    while (!String(await command({ host: HOST, port }, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`cluster node ${HOST}:${port} not cluster_state:ok within ${READY_TIMEOUT_MS} ms`);
      await delay(50);
    }
  }
}

/**
 * Starts a 3-master Redis Cluster (no replicas) on free 127.0.0.1 ports and waits until every node
 * reports `cluster_state:ok`.
 * @returns {Promise<RedisClusterHandle>}
 */
async function startRedisCluster() {
  const dir = makeTempDir();
  /** @type {{ port: number, server: ServerProcess }[]} */
  const started = [];
  const stop = async () => {
    await Promise.all(started.map(({ port, server }) => haltServer(server, port)));
    removeTempDir(dir);
  };
  try {
    await startClusterNodes(dir, 3, 5_000, started);
    await formCluster(started.map(({ port }) => port));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: started.map(({ port }) => ({ host: HOST, port })),
    commandCount: (node, cmd) => commandCountOn(node, cmd),
    stat: (node, field) => statOn(node, field),
    stop,
  };
}

exports.EXTERNAL_REDIS_SKIP = EXTERNAL_REDIS_SKIP;
exports.freePort = freePort;
exports.freePortPair = freePortPair;
exports.startRedis = startRedis;
exports.startRedisCluster = startRedisCluster;

// The building blocks of the failover setups (Sentinel, Cluster with replicas) in
// __tests__/support/redis-failover.ts, and of the Varnish launcher.
exports.HOST = HOST;
exports.READY_TIMEOUT_MS = READY_TIMEOUT_MS;
exports.command = command;
exports.delay = delay;
exports.formCluster = formCluster;
exports.haltServer = haltServer;
exports.isRunning = isRunning;
exports.makeTempDir = makeTempDir;
exports.removeTempDir = removeTempDir;
exports.spawnWatched = spawnWatched;
exports.startServerOnFreePort = startServerOnFreePort;
exports.startClusterNodes = startClusterNodes;
