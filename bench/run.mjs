// `npm run bench [-- --quick] [-- --cpu-prof] [-- --skip-instructions]`: measures every figure of the performance goals and prints a Markdown table.

import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { VARIANTS } from './harness/apps.mjs';
import { ACTUAL_HEADERS, BUCKET, NAIVE_KEY_PREFIX, OBJECT_PATH, THREE_RULES } from './harness/fixtures.mjs';
import { bucketName } from './measure/heap.mjs';
import { propagationDelays } from './measure/invalidation.mjs';
import { CPU_COUNT, LOAD_CPU, SERVER_CPU, canPin, firstMessage, forkPinned, pinSelfToLoadCpu, startServer } from './harness/processes.mjs';
import { commandsBetween, startRedis } from './harness/redis.mjs';
import { send } from './harness/load.mjs';
import { figuresTable, goalsMet, throughputTable } from './harness/report.mjs';
import { median, pairedRatio, percentile } from './harness/stats.mjs';
import { coldBurstReads, hotBucketReads } from './measure/store-reads.mjs';
import { INSTRUCTION_FIGURES, instructionsPerCall, requireCost } from './instructions.mjs';
import { redisBytesPerStoredBucket } from './measure/redis-memory.mjs';
import { burst, hotTarget, seedBuckets, zipfTarget } from './measure/tenancy.mjs';
import { checkCors, interleavedThroughput, loadCases } from './measure/throughput.mjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const execFileAsync = promisify(execFile);

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'cpu-prof': { type: 'boolean', default: false }, 'skip-instructions': { type: 'boolean', default: false } } });
/**
 * How much of everything to do. A full run takes about 10 minutes on a 2-CPU machine at load 3
 * (bench/README.md, "Issue #26: run time": the timed sections 5, the counted ones beside each other
 * 5; load rounds of 2 s, tenancy rounds of 2.5 s); `--quick`, a smoke run without the instruction
 * counts, under 1.
 */
const plan = flags.quick
  ? { rounds: 2, seconds: 0.5, warmupSeconds: 0.25, hotRequests: 2000, coldConcurrency: 1000, coldTrials: 1, updates: 50, engine: { batches: 3, iterations: 20_000 }, middleware: { batches: 51, iterations: 1000 }, heap: { sharedBuckets: 100_000, distinctBuckets: 2_000, largeBuckets: 30 }, zipf: { buckets: 100_000, warmup: 100_000, lookups: 100_000, requestsPerSecond: 10_000 }, tenancy: { buckets: 20_000, warmBuckets: 4_000, rounds: 2, seconds: 0.5, coldTrials: 2, coldBuckets: 1_000 }, redisMemoryBuckets: 10_000, instructions: false }
  : { rounds: 8, seconds: 2, warmupSeconds: 2, hotRequests: 10_000, coldConcurrency: 1000, coldTrials: 3, updates: 1000, engine: { batches: 9, iterations: 50_000 }, middleware: { batches: 301, iterations: 1000 }, heap: { sharedBuckets: 1_000_000, distinctBuckets: 20_000, largeBuckets: 300 }, zipf: { buckets: 1_000_000, warmup: 3_000_000, lookups: 500_000, requestsPerSecond: 10_000 }, tenancy: { buckets: 1_000_000, warmBuckets: 150_000, rounds: 5, seconds: 2.5, coldTrials: 4, coldBuckets: 5_000 }, redisMemoryBuckets: 100_000, instructions: true };

const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
/** @param {string} name @returns {string[]} node flags that profile one child into bench/results/profiles/<name>.cpuprofile */
const profileFlags = (name) => (flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resultsDir}profiles`, `--cpu-prof-name=${name}.cpuprofile`] : []);
/** @param {string} line */
const progress = (line) => process.stderr.write(`bench: ${line}\n`);

/** @type {Record<string, number>} */
const figures = {};
/** @type {Record<string, { min: number, max: number }>} */
const ranges = {};
/** @type {Record<string, number>} */
const cpuRatios = {};
/** @type {Record<string, string>} */
const failures = {};
/** @type {Record<string, unknown>} */
const details = {};

/** Seconds each section took, in the order they ended (printed at the end and kept in `details`). @type {Record<string, number>} */
const sectionSeconds = {};

/**
 * Runs one section; on failure records why for each of its figures and goes on with the next.
 * Never rejects, so sections can run beside each other.
 * @param {string} name  e.g. 'load'
 * @param {string[]} keys  figures the section produces
 * @param {() => Promise<void>} measure
 */
async function section(name, keys, measure) {
  const startedAt = performance.now();
  try {
    await measure();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress(`FAILED ${keys.join(', ')}: ${message}`);
    for (const key of keys) failures[key] = message.split('\n')[0];
  }
  sectionSeconds[name] = Math.round((performance.now() - startedAt) / 1000);
  progress(`${name}: ${sectionSeconds[name]} s (${Math.round((performance.now() - runStartedAt) / 1000)} s since the start)`);
}

/**
 * Forks bench/micro.mjs for one in-process measurement and adds what it reports to the figures.
 * @param {string} name
 * @param {object} options
 * @param {string[]} [nodeFlags]
 */
async function micro(name, options, nodeFlags = []) {
  const child = forkPinned('micro.mjs', [name, JSON.stringify(options)], [...nodeFlags, ...profileFlags(`micro-${name}`)]);
  Object.assign(figures, await firstMessage(child));
}

const startedAt = new Date();
const runStartedAt = performance.now();
const machine = {
  cpus: CPU_COUNT,
  cpu_model: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  os: `${process.platform} ${release()}`,
  load_average_at_start: loadavg().map((load) => Number(load.toFixed(2))),
  pinning: canPin && pinSelfToLoadCpu() ? `servers and in-process measurements on cpu${SERVER_CPU}; autocannon and redis-server on cpu${LOAD_CPU} (taskset)` : 'not pinned (no taskset)',
};
if (process.env.DEBUG) progress(`warning: DEBUG=${process.env.DEBUG} is set; debug output slows the servers under test`);
await ensureBuilt({ log: progress });
const redis = await startRedis(canPin ? { cpu: LOAD_CPU } : {});
try {
  const { RedisRuleStore } = await import('express-bucket-cors');
  const seeder = new RedisRuleStore({ client: redis.client });
  await seeder.put(BUCKET, THREE_RULES);
  await redis.client.set(NAIVE_KEY_PREFIX + BUCKET, JSON.stringify(THREE_RULES));

  await section('load', ['ratio_actual_vs_bare', 'ratio_actual_vs_noop', 'ratio_actual_vs_floor', 'ratio_actual_vs_cors', 'ratio_naive_vs_bare', 'ratio_noop_middleware_vs_bare', 'ratio_preflight_vs_bare', 'redis_reads_per_10k_hot', 'redis_reads_cold_burst'], async () => {
    const servers = await Promise.all(VARIANTS.map((variant) => startServer(variant, { variant, redisUrl: redis.url, bucket: BUCKET, configuration: THREE_RULES }, profileFlags(`server-${variant}`))));
    try {
      const redisOrigin = /** @type {string} */ (servers.find(({ name }) => name === 'redis')?.origin);
      progress(`load: ${plan.rounds} interleaved rounds × ${VARIANTS.length + 1} cases × ${plan.seconds} s`);
      const { perSecond, cpuMicrosPerRequest } = await interleavedThroughput(loadCases(servers), { ...plan, progress });
      details.throughput_req_per_s = perSecond;
      details.server_cpu_us_per_request = cpuMicrosPerRequest;
      // Ratios whose figure is the CPU-time ratio (their goals are set on it); the others report req/s.
      const cpuBased = new Set(['ratio_actual_vs_noop', 'ratio_actual_vs_floor']);
      /** @type {Array<[string, string, string]>} */
      const ratios = [
        ['ratio_actual_vs_bare', 'redis GET', 'bare GET'],
        ['ratio_actual_vs_noop', 'redis GET', 'noop-middleware GET'],
        ['ratio_actual_vs_floor', 'redis GET', 'floor GET'],
        ['ratio_actual_vs_cors', 'redis GET', 'cors-package GET'],
        ['ratio_naive_vs_bare', 'naive-redis GET', 'bare GET'],
        ['ratio_noop_middleware_vs_bare', 'noop-middleware GET', 'bare GET'],
        ['ratio_preflight_vs_bare', 'redis OPTIONS', 'bare GET'],
      ];
      for (const [key, numerator, denominator] of ratios) {
        const byThroughput = pairedRatio(perSecond[numerator], perSecond[denominator]);
        // The same comparison from server CPU time per request (inverted: higher is faster).
        const byCpu = pairedRatio(cpuMicrosPerRequest[denominator], cpuMicrosPerRequest[numerator]);
        const [figure, other] = cpuBased.has(key) ? [byCpu, byThroughput] : [byThroughput, byCpu];
        figures[key] = figure.median;
        ranges[key] = figure;
        cpuRatios[key] = byCpu.median;
        if (cpuBased.has(key)) details[`${key}_by_req_per_s`] = other.median;
      }

      progress(`store reads: ${plan.hotRequests} requests to a hot bucket, ${plan.coldTrials} × ${plan.coldConcurrency} concurrent requests to a cold one`);
      const hot = await hotBucketReads(redis, redisOrigin + OBJECT_PATH, plan.hotRequests);
      figures.redis_reads_per_10k_hot = (hot.total * 10_000) / plan.hotRequests;
      details.redis_commands_hot = hot.byCommand;
      const cold = [];
      for (let trial = 0; trial < plan.coldTrials; trial += 1) {
        const bucket = `cold-${trial}-${Date.now()}`;
        await seeder.put(bucket, THREE_RULES);
        cold.push(await coldBurstReads(redis, `${redisOrigin}/${bucket}/object`, plan.coldConcurrency));
      }
      figures.redis_reads_cold_burst = Math.max(...cold.map(({ total }) => total));
      details.redis_commands_cold_bursts = cold.map(({ byCommand }) => byCommand);
      details.cold_burst_ms = cold.map(({ burstMs }) => Math.round(burstMs));
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  });

  await section('tenancy', ['ratio_zipf_vs_hot', 'zipf_load_hit_rate', 'ratio_cold_vs_hot'], async () => {
    const { tenancy } = plan;
    // A Redis of its own: its read count is then the tenancy server's alone.
    const tenancyRedis = await startRedis(canPin ? { cpu: LOAD_CPU } : {});
    try {
      progress(`tenancy: seeding ${tenancy.buckets} + ${tenancy.coldTrials} × ${tenancy.coldBuckets} buckets (10 configurations)`);
      const coldNames = Array.from({ length: tenancy.coldTrials * tenancy.coldBuckets }, (_, i) => bucketName(tenancy.buckets + i));
      await seedBuckets(tenancyRedis.client, [...Array.from({ length: tenancy.buckets }, (_, i) => bucketName(i)), ...coldNames]);
      const server = await startServer('tenancy', { variant: 'redis', redisUrl: tenancyRedis.url, bucket: BUCKET, configuration: THREE_RULES }, profileFlags('server-tenancy'));
      try {
        // The hot bucket is the most popular one of the Zipf distribution.
        const hotPath = `/${bucketName(0)}/object`;
        const hot = { name: 'hot GET', server, target: hotTarget(server.origin, tenancy.buckets), check: checkCors };
        const zipf = { name: 'zipf GET', server, target: zipfTarget(server.origin, tenancy.buckets), check: checkCors };
        // A server that has been up a while holds its tenants' popular buckets; the rounds alone would
        // measure a cold cache (a hit rate near 0.7 after seconds). One request to each of the most
        // popular buckets gets there in seconds: Zipf(1.0) sends the top 150,000 about 0.87 of the traffic.
        progress(`tenancy: warming the cache with one request to each of the ${tenancy.warmBuckets} most popular buckets`);
        await burst(server.origin, Array.from({ length: tenancy.warmBuckets }, (_, i) => `/${bucketName(i)}/object`), 50);
        progress(`tenancy: ${tenancy.rounds} interleaved rounds × 2 cases × ${tenancy.seconds} s, Zipf(1.0) over ${tenancy.buckets} buckets vs one hot bucket`);
        let keyReadsBefore = 0;
        const { perSecond, cpuMicrosPerRequest, requests } = await interleavedThroughput([hot, zipf], {
          rounds: tenancy.rounds,
          seconds: tenancy.seconds,
          warmupSeconds: plan.warmupSeconds,
          progress,
          afterWarmup: async () => {
            keyReadsBefore = await tenancyRedis.keyReads();
          },
        });
        const keyReads = (await tenancyRedis.keyReads()) - keyReadsBefore;
        const zipfRatio = pairedRatio(cpuMicrosPerRequest['hot GET'], cpuMicrosPerRequest['zipf GET']);
        figures.ratio_zipf_vs_hot = zipfRatio.median;
        ranges.ratio_zipf_vs_hot = zipfRatio;
        cpuRatios.ratio_zipf_vs_hot = zipfRatio.median;
        details.ratio_zipf_vs_hot_by_req_per_s = pairedRatio(perSecond['zipf GET'], perSecond['hot GET']).median;
        // Only the Zipf case reads the store (the hot bucket stays cached): every key read (alone by GET or
        // batched in an MGET, so counted by keys, not commands) is one of its misses or refreshes.
        figures.zipf_load_hit_rate = 1 - keyReads / requests['zipf GET'];
        // What the server spent per key read: the Zipf case's extra CPU per request over the hot case's.
        details.zipf_server_cpu_us_per_key_read =
          (median(cpuMicrosPerRequest['zipf GET']) - median(cpuMicrosPerRequest['hot GET'])) / (keyReads / requests['zipf GET']);
        details.tenancy_throughput_req_per_s = perSecond;
        details.tenancy_server_cpu_us_per_request = cpuMicrosPerRequest;

        progress(`cold bursts: ${tenancy.coldTrials} × ${tenancy.coldBuckets} requests to distinct uncached buckets over 50 connections, each beside as many to the hot bucket`);
        /** @type {Record<'hot' | 'cold', { perSecond: number[], cpuMicrosPerRequest: number[] }>} */
        const bursts = { hot: { perSecond: [], cpuMicrosPerRequest: [] }, cold: { perSecond: [], cpuMicrosPerRequest: [] } };
        for (let trial = 0; trial < tenancy.coldTrials; trial += 1) {
          const coldPaths = coldNames.slice(trial * tenancy.coldBuckets, (trial + 1) * tenancy.coldBuckets).map((name) => `/${name}/object`);
          /** @type {Record<'hot' | 'cold', string[]>} */
          const pathsOf = { hot: coldPaths.map(() => hotPath), cold: coldPaths };
          // Alternating which goes first, so neither always meets a machine just warmed up.
          for (const kind of /** @type {const} */ (trial % 2 === 0 ? ['hot', 'cold'] : ['cold', 'hot'])) {
            const cpuBefore = await server.cpuMicros();
            bursts[kind].perSecond.push(await burst(server.origin, pathsOf[kind], 50));
            bursts[kind].cpuMicrosPerRequest.push(((await server.cpuMicros()) - cpuBefore) / tenancy.coldBuckets);
          }
        }
        // By server CPU time per request: autocannon's req/s over a fixed amount is too coarse here.
        const coldRatio = pairedRatio(bursts.hot.cpuMicrosPerRequest, bursts.cold.cpuMicrosPerRequest);
        figures.ratio_cold_vs_hot = coldRatio.median;
        ranges.ratio_cold_vs_hot = coldRatio;
        cpuRatios.ratio_cold_vs_hot = coldRatio.median;
        details.ratio_cold_vs_hot_by_req_per_s = pairedRatio(bursts.cold.perSecond, bursts.hot.perSecond).median;
        details.cold_bursts = bursts;
        const check = checkCors(await send({ url: server.origin + `/${coldNames[0]}/object`, method: 'GET', headers: ACTUAL_HEADERS }));
        if (check !== undefined) throw new Error(`cold bucket: ${check}`);
      } finally {
        await server.stop();
      }
    } finally {
      await tenancyRedis.stop();
    }
  });

  await section('invalidation', ['invalidation_p50_ms', 'invalidation_p99_ms'], async () => {
    progress(`invalidation: ${plan.updates} PUT ?cors on one instance, polled on another`);
    const options = { variant: 'redis', redisUrl: redis.url, bucket: BUCKET, configuration: THREE_RULES };
    const [writer, reader] = await Promise.all([startServer('writer', { ...options, admin: true }), startServer('reader', options, profileFlags('server-reader'))]);
    try {
      const { delaysMs, lost } = await propagationDelays(`${writer.origin}/invalidation`, `${reader.origin}/invalidation/object`, plan.updates);
      if (lost > 0) throw new Error(`${lost} of ${plan.updates} updates never reached the other instance within 2 s`);
      figures.invalidation_p50_ms = percentile(delaysMs, 50);
      figures.invalidation_p99_ms = percentile(delaysMs, 99);
      details.invalidation_max_ms = Math.max(...delaysMs);
    } finally {
      await Promise.all([writer.stop(), reader.stop()]);
    }
  });

  await section('engine', ['engine_ns_last_of_100', 'engine_ns_no_match'], async () => {
    progress('engine: ns per preflight decision');
    await micro('engine', plan.engine);
  });
  await section('middleware', ['middleware_ns_actual', 'cors_package_ns_actual', 'headers_only_ns_actual'], async () => {
    progress('middleware: ns per call, in process');
    await micro('middleware', { redisUrl: redis.url, ...plan.middleware });
  });

  // Counts, not timings, from here on (instructions, heap bytes, hit rates on a simulated clock, Redis
  // round trips and memory): they do not depend on what else runs, so they run beside each other,
  // after every timed section above, keeping both CPUs busy.
  const roundTrips = section('redis round trips', ['redis_round_trips_per_10k_cold', 'redis_round_trips_per_10k_cold_cluster'], async () => {
    progress('redis round trips: 10,000 cold lookups over 50 callers, one server and a 3-master Cluster (bench/redis-round-trips.mjs)');
    const { stdout } = await execFileAsync(process.execPath, [fileURLToPath(new URL('./redis-round-trips.mjs', import.meta.url)), '--built'], { encoding: 'utf8' });
    Object.assign(figures, JSON.parse(stdout));
  });
  const redisMemory = section('redis memory', ['redis_bytes_per_stored_bucket'], async () => {
    progress(`redis memory: ${plan.redisMemoryBuckets} buckets with 3-rule configurations of their own, through RedisRuleStore`);
    const own = await startRedis(canPin ? { cpu: LOAD_CPU } : {});
    try {
      Object.assign(figures, await redisBytesPerStoredBucket(own, plan.redisMemoryBuckets));
    } finally {
      await own.stop();
    }
  });
  const heapAndZipf = (async () => {
    await section('heap', ['heap_bytes_per_cached_bucket_shared', 'heap_bytes_per_cached_bucket', 'heap_bytes_per_cached_large_bucket', 'heap_bytes_per_cached_bucket_presigned_urls'], async () => {
      progress(`heap: ${plan.heap.sharedBuckets} buckets sharing 10 configurations, ${plan.heap.distinctBuckets} with their own, ${plan.heap.largeBuckets} large ones`);
      await micro('heap', plan.heap, ['--expose-gc']);
    });
    await section('zipf', ['zipf_hit_rate_default', 'zipf_hit_rate_distinct_default'], async () => {
      progress(`zipf: ${plan.zipf.warmup} + ${plan.zipf.lookups} lookups over ${plan.zipf.buckets} buckets at a simulated ${plan.zipf.requestsPerSecond}/s, default cache; shared configurations, then each its own`);
      await micro('zipf', plan.zipf);
    });
  })();
  if (!plan.instructions || flags['skip-instructions']) {
    for (const key of INSTRUCTION_FIGURES) failures[key] = `skipped (${flags.quick ? '--quick' : '--skip-instructions'}); node bench/instructions.mjs measures them alone`;
  } else {
    await section('instructions', INSTRUCTION_FIGURES, async () => {
      progress(`instructions: callgrind on node --single-threaded, one process per case, ${CPU_COUNT} at once (one fewer while the heap and Zipf figures run), require() beside them`);
      const [perCall, required] = await Promise.all([instructionsPerCall({ beside: heapAndZipf }), requireCost()]);
      Object.assign(figures, perCall, required);
    });
  }
  await Promise.all([heapAndZipf, roundTrips, redisMemory]);
  await seeder.close?.();
} finally {
  await redis.stop();
}

const title = `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC${flags.quick ? ' (--quick smoke run: too short to quote)' : ''}`;
const setup = [
  `${machine.cpus} CPUs (${machine.cpu_model}), ${machine.os}, Node ${machine.node}, load average at start ${machine.load_average_at_start.join(' ')}.`,
  `Pinning: ${machine.pinning}.`,
  `Load: autocannon, 10 connections, ${plan.rounds} interleaved rounds × ${plan.seconds} s per case; ratios are medians of per-round ratios (range in brackets).`,
  'CPU-time ratios compare the servers’ CPU time per request (user + system), which other load on the machine disturbs less than throughput.',
].join('\n');
process.stdout.write(`${title}\n\n${setup}\n\n${figuresTable(figures, ranges, cpuRatios, failures)}\n\n`);
if (details.throughput_req_per_s) {
  const perSecond = /** @type {Record<string, number[]>} */ (details.throughput_req_per_s);
  const cpuMicrosPerRequest = /** @type {Record<string, number[]>} */ (details.server_cpu_us_per_request);
  process.stdout.write(`${throughputTable(perSecond, cpuMicrosPerRequest)}\n`);
}

mkdirSync(resultsDir, { recursive: true });
const results = { date: startedAt.toISOString(), quick: flags.quick, machine, plan, ...figures, goals_met: goalsMet(figures), ranges, cpu_time_ratios: cpuRatios, failures, details: { ...details, section_seconds: sectionSeconds } };
writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
progress(`wrote ${resultsDir}latest.json`);
progress(`sections (s): ${Object.entries(sectionSeconds).map(([name, seconds]) => `${name} ${seconds}`).join(', ')}; total ${Math.round((performance.now() - runStartedAt) / 1000)} s`);
process.exitCode = Object.keys(failures).length > 0 ? 1 : 0;
