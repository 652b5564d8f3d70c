// `npm run bench:soak [-- --seconds 180]`: two instances (bucketCors + the ?cors router) on one real
// redis-server under steady load, while Redis is stopped (SIGSTOP), resumed, killed and started afresh;
// prints requests by status, the slowest answers, and each instance's RSS and open descriptors before and after.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUCKET, OBJECT_PATH, PREFLIGHT_HEADERS, ACTUAL_HEADERS, THREE_RULES } from './harness/fixtures.mjs';
import { startServer } from './harness/processes.mjs';
import { startRedis } from './harness/redis.mjs';
import { percentile } from './harness/stats.mjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    'stall-seconds': { type: 'string', default: '10' },
    'down-seconds': { type: 'string', default: '5' },
    rate: { type: 'string', default: '200' },
    connections: { type: 'string', default: '4' },
    'timeout-seconds': { type: 'string', default: '15' },
  },
});

/** @param {string} name @param {number} min @returns {number} the flag as a number, at least `min` */
function numberFlag(name, min) {
  const value = Number(flags[/** @type {keyof typeof flags} */ (name)]);
  if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number of at least ${min}`);
  return value;
}

/** Total run time; the faults are placed at fixed fractions of it. */
const SECONDS = numberFlag('seconds', 20);
/** How long redis-server stays stopped (SIGSTOP) before SIGCONT. */
const STALL_SECONDS = numberFlag('stall-seconds', 1);
/** How long Redis is down between the kill and the fresh start. */
const DOWN_SECONDS = numberFlag('down-seconds', 1);
/** Requests per second over both instances, spread evenly across the connections. */
const RATE = numberFlag('rate', 1);
/** Keep-alive connections per instance, each sending one request at a time. */
const CONNECTIONS = numberFlag('connections', 1);
/** A request not answered within this is abandoned (socket destroyed) and counted as `timeout`. */
const TIMEOUT_MS = numberFlag('timeout-seconds', 1) * 1000;

/** Seconds between two RSS / descriptor samples of each instance under load. */
const SAMPLE_SECONDS = Math.max(1, Math.round(SECONDS / 12));
/** When each fault starts, in seconds from the start of the load. */
const STALL_AT = SECONDS * 0.2;
const KILL_AT = Math.max(SECONDS * 0.55, STALL_AT + STALL_SECONDS + 5);
if (KILL_AT + DOWN_SECONDS + 5 > SECONDS) throw new Error('--seconds is too short for the stall and the restart: give it more, or shorten --stall-seconds / --down-seconds');

/** @param {string} line */
const progress = (line) => process.stderr.write(`soak: ${line}\n`);

await ensureBuilt({ log: progress });
const { serializeCorsXml } = await import('express-bucket-cors/s3');
/** The PutBucketCors body the load writes, again and again: the rules the instances start with. */
const CORS_XML = /** @type {string} */ (serializeCorsXml(THREE_RULES));
/** What the load sends, with weights: mostly actual GETs and preflights, some ?cors reads, a few writes. */
const REQUEST_KINDS = [
  { kind: 'GET object', weight: 50, method: 'GET', path: OBJECT_PATH, headers: ACTUAL_HEADERS },
  { kind: 'OPTIONS object', weight: 30, method: 'OPTIONS', path: OBJECT_PATH, headers: PREFLIGHT_HEADERS },
  { kind: 'GET ?cors', weight: 15, method: 'GET', path: `/${BUCKET}?cors`, headers: {} },
  {
    kind: 'PUT ?cors',
    weight: 5,
    method: 'PUT',
    path: `/${BUCKET}?cors`,
    headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(CORS_XML).digest('base64') },
    body: CORS_XML,
  },
];
const TOTAL_WEIGHT = REQUEST_KINDS.reduce((sum, { weight }) => sum + weight, 0);

/** @returns {(typeof REQUEST_KINDS)[number]} a request kind, by weight */
function pickKind() {
  let ticket = Math.random() * TOTAL_WEIGHT;
  for (const kind of REQUEST_KINDS) if ((ticket -= kind.weight) < 0) return kind;
  return REQUEST_KINDS[0];
}

/**
 * One request, abandoned after {@link TIMEOUT_MS}. The outcome is the status code (for actual GETs
 * also whether CORS headers came back), `timeout`, or the socket error's code.
 * @param {Agent} agent @param {string} origin @param {(typeof REQUEST_KINDS)[number]} kind
 * @returns {Promise<{ outcome: string, ms: number }>}
 */
function timedRequest(agent, origin, kind) {
  const started = performance.now();
  return new Promise((resolve) => {
    const finish = (/** @type {string} */ outcome) => resolve({ outcome, ms: performance.now() - started });
    const req = request(`${origin}${kind.path}`, { method: kind.method, headers: kind.headers, agent }, (res) => {
      res.resume();
      res.once('end', () => {
        const cors = kind.method === 'GET' && kind.path === OBJECT_PATH ? (res.headers['access-control-allow-origin'] === undefined ? ' without CORS headers' : ' with CORS headers') : '';
        finish(`${res.statusCode}${cors}`);
      });
      res.once('error', (error) => finish(`error ${/** @type {NodeJS.ErrnoException} */ (error).code ?? error.message}`));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.once('error', (error) => finish(/** @type {NodeJS.ErrnoException} */ (error).code === 'timeout' ? 'timeout' : `error ${/** @type {NodeJS.ErrnoException} */ (error).code ?? error.message}`));
    req.end(kind.body);
  });
}

/**
 * @typedef {object} PhaseStats
 * @property {Record<string, Record<string, Record<string, number>>>} counts  instance → request kind → outcome → count
 * @property {number[]} latencies  every answer's time, ms
 * @property {{ ms: number, instance: string, kind: string, outcome: string }} slowest
 */

/** The phases, in order; `phase` is the one requests are counted in when they start. */
const PHASES = ['steady', 'redis stopped (SIGSTOP)', 'resumed (SIGCONT)', 'redis killed', 'fresh redis'];
/** @type {Record<string, PhaseStats>} */
const stats = Object.fromEntries(PHASES.map((name) => [name, { counts: {}, latencies: [], slowest: { ms: 0, instance: '', kind: '', outcome: '' } }]));
let phase = PHASES[0];

/** @param {string} instance @param {string} kind @param {string} outcome @param {number} ms @param {string} startedIn */
function record(instance, kind, outcome, ms, startedIn) {
  const phaseStats = stats[startedIn];
  const byKind = ((phaseStats.counts[instance] ??= {})[kind] ??= {});
  byKind[outcome] = (byKind[outcome] ?? 0) + 1;
  phaseStats.latencies.push(ms);
  if (ms > phaseStats.slowest.ms) phaseStats.slowest = { ms, instance, kind, outcome };
}

/**
 * One connection's loop: paced requests until `deadline()`, each waiting for the previous answer.
 * @param {string} instance @param {string} origin @param {number} perSecond @param {() => number} deadline
 */
async function connectionLoop(instance, origin, perSecond, deadline) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const interval = 1000 / perSecond;
  let next = performance.now() + Math.random() * interval;
  try {
    while (performance.now() < deadline()) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      // Paced, not catching up: after a slow answer the loop goes on at the normal rate.
      next = Math.max(next + interval, performance.now());
      const kind = pickKind();
      const startedIn = phase;
      const { outcome, ms } = await timedRequest(agent, origin, kind);
      record(instance, kind.kind, outcome, ms, startedIn);
    }
  } finally {
    agent.destroy();
  }
}

/** @param {number} pid @returns {{ rssMiB: number, fds: number } | undefined} memory and open descriptors from /proc, or undefined when the process is gone */
function processFigures(pid) {
  try {
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { rssMiB: Math.round((rssKiB / 1024) * 10) / 10, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return undefined;
  }
}

/** @param {import('./harness/redis.mjs').BenchRedis} redis @returns {Promise<number>} clients connected to Redis (INFO clients), this script's own one included */
async function redisClients(redis) {
  return Number(/^connected_clients:(\d+)/m.exec(await redis.client.info('clients'))?.[1]);
}

const redis = await startRedis();
// This script's own connection (pid and client counts) sees the outages too; they are the point, not errors.
redis.client.on('error', () => {});
/** Set when redis-server is stopped, so every way out resumes it first. */
let stoppedRedisPid = 0;
let ending = false;
const endEarly = () => {
  progress('interrupted: ending the load now');
  ending = true;
};
process.once('SIGINT', endEarly).once('SIGTERM', endEarly);

/** @type {import('./harness/processes.mjs').ServerProcess[]} */
let servers = [];
/** @type {Record<string, unknown>} */
const report = { seconds: SECONDS, stall_seconds: STALL_SECONDS, down_seconds: DOWN_SECONDS, rate: RATE, connections_per_instance: CONNECTIONS, timeout_seconds: TIMEOUT_MS / 1000 };
let failed = false;
/** @type {NodeJS.Timeout | undefined} */
let sampler;
try {
  const options = { variant: 'redis', redisUrl: redis.url, bucket: BUCKET, configuration: THREE_RULES, admin: true };
  servers = await Promise.all(['A', 'B'].map((name) => startServer(name, options)));
  const seeding = new Agent();
  const put = await timedRequest(seeding, servers[0].origin, REQUEST_KINDS[3]);
  seeding.destroy();
  if (put.outcome !== '200') throw new Error(`seeding PUT ?cors answered ${put.outcome}`);
  await sleep(500); // lets the instance close its side of the seeding connection before descriptors are counted

  // "Before": idle, after start-up and the first PUT; "after": idle again, once the load has ended. Both
  // without the load's connections, so their descriptor counts compare directly.
  report.before = { instances: Object.fromEntries(servers.map((server) => [server.name, processFigures(server.pid)])), redis_clients: await redisClients(redis) };
  /** @type {Record<string, Array<{ second: number, rssMiB: number, fds: number } | undefined>>} */
  const samples = Object.fromEntries(servers.map((server) => [server.name, []]));
  report.samples = samples;

  const loadStarted = performance.now();
  const loadEnds = loadStarted + SECONDS * 1000;
  const deadline = () => (ending ? 0 : loadEnds);
  const elapsed = () => (performance.now() - loadStarted) / 1000;
  const perConnection = RATE / (servers.length * CONNECTIONS);
  progress(`${SECONDS} s of load: ${RATE} req/s over ${servers.length} instances × ${CONNECTIONS} connections; stall at ${STALL_AT.toFixed(0)} s for ${STALL_SECONDS} s, kill at ${KILL_AT.toFixed(0)} s, fresh start ${DOWN_SECONDS} s later`);
  const loops = servers.flatMap((server) => Array.from({ length: CONNECTIONS }, () => connectionLoop(server.name, server.origin, perConnection, deadline)));

  /** Sleeps until `at` seconds into the load (or until interrupted). */
  const until = async (/** @type {number} */ at) => {
    while (!ending && elapsed() < at) await sleep(Math.min(250, (at - elapsed()) * 1000));
  };
  // RSS and descriptors under load, every SAMPLE_SECONDS: growth that levels off is warm-up, steady growth a leak.
  sampler = setInterval(() => {
    for (const server of servers) {
      const figures = processFigures(server.pid);
      samples[server.name].push(figures && { second: Math.round(elapsed()), ...figures });
    }
  }, SAMPLE_SECONDS * 1000);

  await until(STALL_AT);
  if (!ending) {
    stoppedRedisPid = await redis.pid();
    process.kill(stoppedRedisPid, 'SIGSTOP');
    phase = PHASES[1];
    progress(`${elapsed().toFixed(1)} s: redis-server ${stoppedRedisPid} stopped (SIGSTOP)`);
    await until(STALL_AT + STALL_SECONDS);
    process.kill(stoppedRedisPid, 'SIGCONT');
    stoppedRedisPid = 0;
    phase = PHASES[2];
    progress(`${elapsed().toFixed(1)} s: redis-server resumed (SIGCONT)`);
  }

  await until(KILL_AT);
  if (!ending) {
    const pid = await redis.pid();
    process.kill(pid, 'SIGKILL');
    phase = PHASES[3];
    progress(`${elapsed().toFixed(1)} s: redis-server ${pid} killed (SIGKILL)`);
    await until(KILL_AT + DOWN_SECONDS);
    await redis.restart();
    phase = PHASES[4];
    progress(`${elapsed().toFixed(1)} s: a fresh, empty redis-server on the same port (the load's PUT ?cors writes the rules again)`);
  }

  await Promise.all(loops);
  clearInterval(sampler);
  progress(`${elapsed().toFixed(1)} s: load ended; settling 2 s before measuring "after"`);
  await sleep(2000);
  report.after = { instances: Object.fromEntries(servers.map((server) => [server.name, processFigures(server.pid)])), redis_clients: await redisClients(redis) };
} catch (error) {
  failed = true;
  ending = true; // the connection loops stop at their next request
  progress(`FAILED: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  clearInterval(sampler);
  if (stoppedRedisPid !== 0) process.kill(stoppedRedisPid, 'SIGCONT');
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
}

// ---- report ----

/** @param {number} ms */
const formatMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const lines = [];
for (const name of PHASES) {
  const { counts, latencies, slowest } = stats[name];
  if (latencies.length === 0) continue;
  lines.push(`\n## ${name}: ${latencies.length} requests, p50 ${formatMs(percentile(latencies, 50))}, p99 ${formatMs(percentile(latencies, 99))}, slowest ${formatMs(slowest.ms)} (${slowest.kind} on ${slowest.instance}: ${slowest.outcome})`);
  for (const [instance, byKind] of Object.entries(counts).sort()) {
    for (const [kind, outcomes] of Object.entries(byKind).sort()) {
      lines.push(`  ${instance}  ${kind.padEnd(15)} ${Object.entries(outcomes).sort().map(([outcome, count]) => `${outcome}: ${count}`).join(', ')}`);
    }
  }
}
const reached = PHASES.filter((name) => stats[name].latencies.length > 0);
const slowest = reached.reduce((worst, name) => (stats[name].slowest.ms > worst.ms ? stats[name].slowest : worst), { ms: 0, instance: '', kind: '', outcome: '' });
lines.push(`\nslowest answer overall: ${formatMs(slowest.ms)} (${slowest.kind} on ${slowest.instance}: ${slowest.outcome})`);
const before = /** @type {{ instances: Record<string, { rssMiB: number, fds: number } | undefined>, redis_clients: number } | undefined} */ (report.before);
const after = /** @type {typeof before} */ (report.after);
for (const server of servers) {
  const b = before?.instances[server.name];
  const a = after?.instances[server.name];
  lines.push(`instance ${server.name} (pid ${server.pid}), idle before → idle after: RSS ${b?.rssMiB ?? '?'} → ${a?.rssMiB ?? 'gone'} MiB, open descriptors ${b?.fds ?? '?'} → ${a?.fds ?? 'gone'}`);
  const series = /** @type {Record<string, Array<{ second: number, rssMiB: number, fds: number } | undefined>>} */ (report.samples ?? {})[server.name] ?? [];
  lines.push(`  under load, every ${SAMPLE_SECONDS} s: RSS MiB ${series.map((sample) => sample?.rssMiB ?? 'gone').join(' ')}; descriptors ${series.map((sample) => sample?.fds ?? 'gone').join(' ')}`);
  if (a === undefined) failed = true;
}
lines.push(`redis connected clients: ${before?.redis_clients ?? '?'} → ${after?.redis_clients ?? '?'}`);

// Recovered: in the last phase each instance answered preflights with 200 and actual GETs with CORS headers again.
const last = stats[PHASES[PHASES.length - 1]].counts;
const recovered = servers.every(({ name }) => (last[name]?.['OPTIONS object']?.['200'] ?? 0) > 0 && (last[name]?.['GET object']?.['200 with CORS headers'] ?? 0) > 0);
lines.push(`recovered after the fresh start: ${recovered ? 'yes' : 'NO'}`);
if (!recovered && !ending) failed = true;
process.stdout.write(`# soak${lines.join('\n')}\n`);

report.phases = Object.fromEntries(
  reached.map((name) => {
    const { latencies, slowest: slowestInPhase, counts } = stats[name];
    return [name, { requests: latencies.length, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99), slowest: slowestInPhase, counts }];
  }),
);
report.recovered = recovered;
const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}soak.json`, `${JSON.stringify(report, null, 2)}\n`);
progress(`figures also in bench/results/soak.json`);
process.exitCode = failed ? 1 : 0;
