// Instructions per call, counted by valgrind's callgrind on `node --single-threaded`: deterministic where timings are noisy.
// Usage: node bench/instructions.mjs [--quick] [case ...] | --annotate [case]   (bench/run.mjs calls instructionsPerCall())
//        node --single-threaded bench/instructions.mjs --workload '<JSON case and plan>'   (what valgrind runs, once per case)

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import diagnosticsChannel from 'node:diagnostics_channel';
import { parseArgs, promisify } from 'node:util';
import cors from 'cors';
import { ACTUAL_HEADERS, BUCKET, CORS_PACKAGE_OPTIONS, OBJECT_PATH, ORIGIN, PREFLIGHT_HEADERS, S3_ACTUAL_RESPONSE_HEADERS, THREE_RULES, UNMATCHED_ORIGIN } from './harness/fixtures.mjs';
import { bucketName, threeRulesUnique } from './measure/heap.mjs';
import { CPU_COUNT, spawnUnpinned } from './harness/processes.mjs';

/** The `Vary` value bucketCors sends. */
const VARY = /** @type {string} */ (S3_ACTUAL_RESPONSE_HEADERS.find(([header]) => header === 'Vary')?.[1]);
import { ensureBuilt } from '../scripts/ensure-build.mjs';

/**
 * Measured cases, each a connect-style handler called once per new request/response pair;
 * `request_objects` only builds the pairs, and is subtracted from the others (`request_objects_fresh`
 * from the cases whose Origin and URL are fresh strings, as a server's parser makes them). `resolve`,
 * `decide` and `set_headers` are parts of `actual` measured alone (with `cache_lookup`, they explain
 * its gap to the floor); `cold_parse`, `cold_key`, `cold_validate` and `cold_compile` are parts of
 * `cold_lookup`; `miss_harness` is what the miss cases spend outside the cache (an awaited call, a
 * bucket name), subtracted in the `*_own` figures.
 */
export const CASES = /** @type {const} */ ([
  'request_objects',
  'request_objects_fresh',
  'actual',
  'actual_constant_strings',
  'preflight',
  'floor',
  'floor_constant_strings',
  'cors_package',
  'cors_package_preflight',
  'noop',
  'cache_lookup',
  'resolve',
  'decide',
  'set_headers',
  'noop_channel_check',
  'actual_subscribed',
  'actual_wildcard',
  'refused',
  'miss_harness',
  'miss_known_content',
  'cold_lookup',
  'cold_parse',
  'cold_key',
  'cold_validate',
  'cold_compile',
  'actual_candidate_unheard',
  'actual_candidate_reported',
]);
/** The baselines, subtracted rather than reported as cases. */
const BASELINES = new Set(['request_objects', 'request_objects_fresh']);
/** The cases whose URL and header values are fresh strings per request, as in a server (`request_objects_fresh` subtracted). */
const FRESH_CASES = new Set(['request_objects_fresh', 'actual', 'preflight', 'floor', 'cors_package', 'cors_package_preflight', 'actual_subscribed', 'actual_wildcard', 'refused', 'actual_candidate_unheard', 'actual_candidate_reported']);
/** @typedef {(typeof CASES)[number]} Case */

/** Every figure {@link instructionsPerCall} reports (by default). */
export const INSTRUCTION_FIGURES = [
  ...CASES.filter((name) => !BASELINES.has(name)).map((name) => `instructions_${name}`),
  'instructions_request_objects',
  'instructions_request_objects_fresh',
  'ratio_instructions_vs_floor',
  'ratio_instructions_vs_floor_constant_strings',
  'ratio_preflight_vs_cors_package_preflight',
  'ratio_wildcard_vs_literal',
  'instructions_cold_part_key',
  'instructions_cold_part_validate',
  'instructions_cold_part_compile',
  'instructions_cold_part_read_and_cache',
  'instructions_miss_known_content_own',
  'instructions_cold_lookup_own',
  'instructions_require',
  'require_modules',
  'instructions_diagnostics_unsubscribed',
  'instructions_diagnostics_subscriber',
  'instructions_report_only_unheard',
  'instructions_report_only_reported',
];

/** Calls per case: `warmup` first (JIT tiers settle), then a phase of `low` and one of `high` calls. */
export const PLANS = {
  full: { warmup: 10_000, low: 5_000, high: 15_000 },
  // Fewer calls after as long a warm-up (a shorter one measures V8 still optimising): less exact, as
  // fewer scavenges fall in each phase.
  quick: { warmup: 10_000, low: 2_500, high: 7_500 },
};

/**
 * The counted phases of the cold cases (a miss, a cold lookup and its parts: 30,000 to 300,000
 * instructions a call, where the full plan's phases took most of their time): one scavenge more or
 * less in 4,000 calls is well under 1 % of such a figure. Their warm-up is the run's plan's (after
 * 2,000 calls the miss and the cold lookup read 25 % lower and 17 % higher: bench/README.md).
 */
const COLD_PHASES = { low: 2_000, high: 6_000 };
/** The cases counted with {@link COLD_PHASES}. */
const COLD_CASES = new Set(['miss_harness', 'miss_known_content', 'cold_lookup', 'cold_parse', 'cold_key', 'cold_validate', 'cold_compile']);
/** @param {Case} name @param {{ warmup: number, low: number, high: number }} plan the run's plan @returns {{ warmup: number, low: number, high: number }} the case's */
const planOf = (name, plan) => (COLD_CASES.has(name) ? { ...plan, ...COLD_PHASES } : plan);

/** Each text's bytes, to make a fresh copy of it per request. */
const freshSources = new Map();
/**
 * `text` as a new string, as Node's HTTP parser hands out header values and URLs: a flat string
 * made for this request, whose hash V8 has not computed yet.
 * @param {string} text
 */
function freshString(text) {
  let bytes = freshSources.get(text);
  if (bytes === undefined) freshSources.set(text, (bytes = Buffer.from(text, 'latin1')));
  return bytes.latin1Slice(0, bytes.length);
}

/**
 * A request as Node's HTTP server builds it, minus the socket, with a real ServerResponse (so
 * `setHeader` does its real work). With `fresh`, the URL and the header values are new strings
 * (as in a server); otherwise the same constant strings on every request.
 * @param {Record<string, string>} headers
 * @param {string} method
 * @param {boolean} fresh
 * @param {string} [url]
 */
function requestPair(headers, method, fresh, url = OBJECT_PATH) {
  const req = new IncomingMessage(/** @type {any} */ (null));
  req.method = method;
  req.url = fresh ? freshString(url) : url;
  req.headers = { host: '127.0.0.1' };
  for (const name in headers) req.headers[name] = fresh ? freshString(/** @type {string} */ (headers[name])) : headers[name];
  return { req, res: new ServerResponse(req) };
}

/**
 * @typedef {object} CaseSetup
 * @property {(req: IncomingMessage, res: ServerResponse, next: () => void) => void | Promise<unknown>} handler  called once per request pair
 * @property {Record<string, string>} headers  request headers
 * @property {string} method
 * @property {(res: ServerResponse) => boolean} check  on the last response
 * @property {string} [url]  default OBJECT_PATH
 * @property {boolean} [awaited]  the handler's promise is awaited before the next call (a cache miss)
 * @property {boolean} [passes]  whether next() runs on every call (default: unless OPTIONS)
 */

/** A configuration whose one rule allows a suffix pattern matching {@link ORIGIN}. */
const WILDCARD_RULES = { CORSRules: [{ AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET', 'HEAD', 'PUT'], ExposeHeaders: ['ETag', 'x-amz-request-id'], MaxAgeSeconds: 600 }] };
/** {@link THREE_RULES} without its `*` rule: literal origins only, so an unlisted Origin matches nothing. */
const LITERAL_RULES = { CORSRules: THREE_RULES.CORSRules.slice(0, 2) };

/** @param {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} handler @param {IncomingMessage} req @param {ServerResponse} res */
const calledThrough = (handler, req, res) => new Promise((resolve) => handler(req, res, () => resolve(undefined)));

/**
 * The handler of each case, warm (rules cached), with the request it is called with.
 * @param {Case} name
 * @param {number} calls  how many calls the case makes in all (for the cases that need a bucket per call)
 * @returns {Promise<CaseSetup>}
 */
async function caseSetup(name, calls) {
  const [{ bucketCors, MemoryRuleStore, RuleCache, DIAGNOSTICS_CHANNELS, decideActual }, { decisionChannel, createAddressing, compileKeeping, configurationOfKey, contentKey }, { assertValidRules, STORED_RULES_PROFILE }] = await Promise.all([
    import('express-bucket-cors'),
    import('./harness/internals.mjs'),
    import('express-bucket-cors/core'),
  ]);
  const store = new MemoryRuleStore();
  await store.put(BUCKET, THREE_RULES);
  const ours = bucketCors({ store });
  await calledThrough(ours, ...Object.values(requestPair(ACTUAL_HEADERS, 'GET', false))); // loads the bucket into the cache
  const allowsOrigin = (/** @type {ServerResponse} */ res) => res.getHeader('access-control-allow-origin') === ORIGIN;
  const passes = () => true;
  switch (name) {
    case 'actual':
      return { handler: ours, headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin };
    case 'actual_constant_strings':
      return { handler: ours, headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin };
    case 'preflight':
      return { handler: ours, headers: PREFLIGHT_HEADERS, method: 'OPTIONS', check: (res) => allowsOrigin(res) && res.statusCode === 200 };
    case 'floor':
    case 'floor_constant_strings': {
      // What any S3-exact middleware must do at least: the bucket from the path, one Map lookup, and
      // the very headers bucketCors sends, with S3's names, through setHeader.
      const { req, res } = requestPair(ACTUAL_HEADERS, 'GET', false);
      ours(req, res, () => {});
      const sent = res.getRawHeaderNames().map((header) => /** @type {const} */ ([header, String(res.getHeader(header))]));
      const headersByBucket = new Map([[BUCKET, sent]]);
      /** @type {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} */
      const floor = (request, response, next) => {
        const url = /** @type {string} */ (request.url);
        const list = headersByBucket.get(url.slice(1, url.indexOf('/', 1)));
        if (list !== undefined) for (const [header, value] of list) response.setHeader(header, value);
        next();
      };
      return { handler: floor, headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin };
    }
    case 'cors_package':
      return { handler: cors(CORS_PACKAGE_OPTIONS), headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin };
    case 'cors_package_preflight':
      return { handler: cors(CORS_PACKAGE_OPTIONS), headers: PREFLIGHT_HEADERS, method: 'OPTIONS', check: (res) => allowsOrigin(res) && res.statusCode === 200 };
    case 'request_objects':
    case 'request_objects_fresh':
      // Building the pair and calling next(): a handler that ignored the pair let V8 treat it
      // differently from one run to the next (this baseline moved by 2,000 instructions between runs).
      return { handler: (_req, _res, next) => next(), headers: ACTUAL_HEADERS, method: 'GET', check: passes };
    case 'noop':
      return { handler: (_req, _res, next) => next(), headers: ACTUAL_HEADERS, method: 'GET', check: passes };
    case 'cache_lookup': {
      // The cache's share of a hit on its own: one lookup of a warm bucket.
      const cache = new RuleCache(store);
      await cache.lookup(BUCKET);
      /** @type {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} */
      const lookup = (_req, _res, next) => {
        if (/** @type {import('express-bucket-cors').RuleLookup} */ (cache.lookup(BUCKET)).kind === 'configured') next();
      };
      return { handler: lookup, headers: ACTUAL_HEADERS, method: 'GET', check: passes };
    }
    case 'resolve': {
      // The built-in path-style addressing alone, as bucketCors calls it.
      const addressing = createAddressing();
      /** @type {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} */
      const resolve = (req, _res, next) => {
        if (addressing.target(req) !== null) next();
      };
      return { handler: resolve, headers: ACTUAL_HEADERS, method: 'GET', check: passes };
    }
    case 'decide': {
      // The engine's decision alone, on one request-info object refilled per call as bucketCors does.
      const cache = new RuleCache(store);
      const state = await cache.lookup(BUCKET);
      const info = { method: 'GET', origin: /** @type {string | undefined} */ (undefined), requestMethod: undefined, requestHeaders: undefined, resourceType: 'OBJECT' };
      /** @type {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} */
      const decide = (req, _res, next) => {
        info.method = /** @type {string} */ (req.method);
        info.origin = req.headers.origin;
        if (decideActual(info, state).matched) next();
      };
      return { handler: decide, headers: ACTUAL_HEADERS, method: 'GET', check: passes };
    }
    case 'set_headers': {
      // The matched decision's headers, then Vary as bucketCors appends it (a getHeader first).
      const cache = new RuleCache(store);
      const { headers } = decideActual({ method: 'GET', origin: ORIGIN, requestMethod: undefined, requestHeaders: undefined, resourceType: 'OBJECT' }, await cache.lookup(BUCKET));
      /** @type {(req: IncomingMessage, res: ServerResponse, next: () => void) => void} */
      const setHeaders = (_req, res, next) => {
        for (const [header, value] of headers) res.setHeader(header, value);
        if (res.getHeader('vary') === undefined) res.setHeader('Vary', VARY);
        next();
      };
      return { handler: setHeaders, headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin };
    }
    case 'noop_channel_check':
      // What diagnostics add to a decision while nobody subscribes: the one hasSubscribers check.
      return {
        handler: (_req, _res, next) => {
          if (decisionChannel.hasSubscribers) throw new Error('nobody subscribes in this case');
          next();
        },
        headers: ACTUAL_HEADERS,
        method: 'GET',
        check: passes,
      };
    case 'actual_subscribed': {
      // The same decision with a subscriber counting events: what metrics cost when someone listens.
      let events = 0;
      diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.decision, () => void events++);
      return { handler: ours, headers: ACTUAL_HEADERS, method: 'GET', check: (res) => allowsOrigin(res) && events > 0 };
    }
    case 'actual_candidate_unheard':
    case 'actual_candidate_reported': {
      // `actual` with a report-only candidate that answers with another max-age (so every request
      // diverges): nobody listening (`unheard`), or one subscriber counting the events. Without a
      // candidate, `actual` itself is the case: its figure against main's is what candidates cost then.
      const reported = name === 'actual_candidate_reported';
      const withCandidate = new MemoryRuleStore();
      await withCandidate.put(BUCKET, THREE_RULES);
      await withCandidate.putCandidate(BUCKET, { CORSRules: THREE_RULES.CORSRules.map((rule) => ({ ...rule, MaxAgeSeconds: (rule.MaxAgeSeconds ?? 0) + 1 })) });
      const middleware = bucketCors({ store: withCandidate });
      await calledThrough(middleware, ...Object.values(requestPair(ACTUAL_HEADERS, 'GET', false)));
      let events = 0;
      if (reported) diagnosticsChannel.subscribe(DIAGNOSTICS_CHANNELS.reportOnly, () => void events++);
      return { handler: middleware, headers: ACTUAL_HEADERS, method: 'GET', check: (res) => allowsOrigin(res) && events > 0 === reported };
    }
    case 'actual_wildcard': {
      // The Origin matched by `https://*.example.com` rather than listed: the same headers as `actual`.
      await store.put('wildcard', WILDCARD_RULES);
      const url = '/wildcard/albums/2026/cat.jpg';
      await calledThrough(ours, ...Object.values(requestPair(ACTUAL_HEADERS, 'GET', false, url)));
      return { handler: ours, headers: ACTUAL_HEADERS, method: 'GET', check: allowsOrigin, url };
    }
    case 'refused': {
      // An actual request from an Origin no rule of a literal-only configuration lists: no headers at all.
      await store.put('literal', LITERAL_RULES);
      const url = '/literal/albums/2026/cat.jpg';
      await calledThrough(ours, ...Object.values(requestPair(ACTUAL_HEADERS, 'GET', false, url)));
      return { handler: ours, headers: { origin: UNMATCHED_ORIGIN }, method: 'GET', check: (res) => res.getHeader('access-control-allow-origin') === undefined, url };
    }
    case 'miss_harness': {
      // What the miss cases spend besides the cache: the bucket's name, the awaited call and its
      // promise, around a lookup that is already settled.
      const settled = Promise.resolve(/** @type {import('express-bucket-cors').RuleLookup} */ ({ kind: 'no-configuration' }));
      let call = 0;
      return {
        handler: async (_req, _res, next) => {
          if (bucketName(call++) !== '' && (await settled).kind === 'no-configuration') next();
        },
        headers: ACTUAL_HEADERS,
        method: 'GET',
        check: () => call > 0,
        awaited: true,
      };
    }
    case 'miss_known_content':
    case 'cold_lookup': {
      // One RuleCache lookup of a bucket never asked before, from MemoryRuleStore: its content already
      // compiled for another bucket (THREE_RULES), or a configuration of its own (read, checked, compiled).
      const known = name === 'miss_known_content';
      const buckets = new MemoryRuleStore();
      await buckets.put(BUCKET, THREE_RULES);
      for (let i = 0; i < calls; i += 1) await buckets.put(bucketName(i), known ? THREE_RULES : threeRulesUnique(i));
      const cache = new RuleCache(buckets, { maxBytes: 2 ** 40 });
      await cache.lookup(BUCKET);
      let call = 0;
      return {
        handler: async (_req, _res, next) => {
          if ((await cache.lookup(bucketName(call++))).kind === 'configured') next();
        },
        headers: ACTUAL_HEADERS,
        method: 'GET',
        check: () => cache.usage.buckets === call + 1 && cache.usage.configurations === (known ? 1 : call + 1),
        awaited: true,
      };
    }
    case 'cold_parse':
    case 'cold_key':
    case 'cold_validate':
    case 'cold_compile': {
      // The parts of a cold lookup, each on a configuration of its own (parsed from JSON, as a Redis
      // store hands it over): the parse alone, then with the content key, the checks, or the compile.
      const json = Array.from({ length: calls }, (_, i) => JSON.stringify(threeRulesUnique(i)));
      let call = 0;
      /** @type {Record<string, (configuration: import('express-bucket-cors').CorsConfiguration) => unknown>} */
      const parts = {
        cold_parse: (configuration) => configuration,
        cold_key: (configuration) => contentKey(configuration),
        cold_validate: (configuration) => assertValidRules(configuration, STORED_RULES_PROFILE),
        cold_compile: (configuration) => compileKeeping(configuration, '', configurationOfKey),
      };
      const part = /** @type {(configuration: import('express-bucket-cors').CorsConfiguration) => unknown} */ (parts[name]);
      return {
        handler: (_req, _res, next) => {
          if (part(JSON.parse(/** @type {string} */ (json[call++]))) !== undefined) next();
        },
        headers: ACTUAL_HEADERS,
        method: 'GET',
        check: passes,
      };
    }
    default:
      throw new TypeError(`unknown case ${String(name)}; use one of ${CASES.join(', ')}`);
  }
}

/**
 * Marks a phase boundary: valgrind runs with `--dump-before=uv_loadavg`, so each call writes the
 * counts since the previous mark to a new dump file. Node itself never calls uv_loadavg.
 */
const mark = () => loadavg();

/**
 * Tells the parent that the case is set up (on stdout) and blocks until it says go (a byte on
 * stdin): valgrind starts without instrumentation (`--instr-atstart=no`), which makes Node's
 * start-up, the imports and the set-up about four times as fast, and the parent switches it on in
 * between, so that the warm-up and the phases run instrumented as before.
 */
function awaitInstrumentation() {
  writeSync(1, 'ready\n');
  if (readSync(0, Buffer.alloc(1)) !== 1) throw new Error('stdin closed before the go');
}

/**
 * The workload run under valgrind, one case per process (so that no case inherits another's JIT
 * and heap state): set-up uninstrumented, then `warmup` calls, then (between marks) `low` calls and `high` calls, each on a
 * request pair built just before it, synchronously — as a server would, so the garbage collector
 * sees short-lived objects only.
 * @param {{ case: Case, warmup: number, low: number, high: number }} plan
 */
async function workload({ case: name, warmup, low, high }) {
  const { handler, headers, method, check, url = OBJECT_PATH, awaited = false, passes = method !== 'OPTIONS' } = await caseSetup(name, warmup + low + high);
  const fresh = FRESH_CASES.has(name);
  let nexts = 0;
  const next = () => {
    nexts += 1;
  };
  /** @type {ServerResponse | undefined} */
  let lastResponse;
  /** @param {number} count */
  const calls = (count) => {
    for (let i = 0; i < count; i += 1) {
      const { req, res } = requestPair(headers, method, fresh, url);
      handler(req, res, next);
      lastResponse = res;
    }
  };
  /** A miss settles in later turns: each call is awaited, so that its whole cost falls in its phase. @param {number} count */
  const awaitedCalls = async (count) => {
    for (let i = 0; i < count; i += 1) {
      const { req, res } = requestPair(headers, method, fresh, url);
      await handler(req, res, next);
      lastResponse = res;
    }
  };
  const run = awaited ? awaitedCalls : calls;
  awaitInstrumentation();
  await run(warmup);
  mark();
  await run(low);
  mark();
  await run(high);
  mark();
  // A preflight is answered, never passed on; building the objects alone calls nothing.
  const expectedNexts = passes ? warmup + low + high : 0;
  if (nexts !== expectedNexts || lastResponse === undefined || !check(lastResponse)) throw new Error(`${name}: next() called ${nexts} times (expected ${expectedNexts}), headers ${JSON.stringify(lastResponse?.getHeaders())}`);
}

const here = fileURLToPath(import.meta.url);
/** @param {string} line */
const progress = (line) => process.stderr.write(`instructions: ${line}\n`);

/** Installs valgrind with apt-get when it is missing and this process may (root); throws otherwise. */
export function ensureValgrind() {
  if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || spawnSync('apt-get', ['install', '-y', '-qq', 'valgrind'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status !== 0) {
    throw new Error('valgrind is missing; install it (e.g. sudo apt-get install -y valgrind)');
  }
}

/**
 * Node's flags under valgrind. A young generation of fixed size: V8 otherwise resizes it by measured
 * allocation *time*, which valgrind slows unevenly, so that the number of scavenges within a phase
 * (and the per-call figure, by several hundred instructions) varied between runs; with it, repeated
 * runs agree within a few instructions. Fixed seeds for the same reason (hash tables, Math.random).
 */
const NODE_FLAGS = ['--single-threaded', '--hash-seed=1', '--random-seed=1', '--min-semi-space-size=16', '--max-semi-space-size=16'];

const execFileAsync = promisify(execFile);

/**
 * Runs one case under callgrind, started uninstrumented and switched on (`callgrind_control -i on`)
 * when the workload says it is set up; returns the dump files of its `low` and `high` phases.
 * @param {Case} name
 * @param {{ warmup: number, low: number, high: number }} plan
 * @param {string} dir  where callgrind writes its files
 * @returns {Promise<{ low: string, high: string }>}
 */
function runCase(name, plan, dir) {
  const outFile = join(dir, `${name}.callgrind.out`);
  const workload = JSON.stringify({ case: name, ...planOf(name, plan) });
  const args = ['--tool=callgrind', '--instr-atstart=no', '--dump-before=uv_loadavg', `--callgrind-out-file=${outFile}`, process.execPath, ...NODE_FLAGS, here, '--workload', workload];
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnUnpinned('valgrind', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout?.once('data', (chunk) => {
      if (String(chunk) !== 'ready\n') return child.kill();
      execFileAsync('callgrind_control', ['-i', 'on', String(child.pid)]).then(
        () => child.stdin?.end('go\n'),
        (error) => {
          stderr += `callgrind_control: ${error instanceof Error ? error.message : String(error)}\n`;
          child.kill();
        },
      );
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`valgrind (${name}): exit ${code}\n${stderr.slice(-2000)}`));
      progress(`${name} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
      // Dump 1 ends at the first mark (the warm-up: instrumentation is off before it), dump 2 at the second (low), 3 at the third (high).
      resolve({ low: `${outFile}.2`, high: `${outFile}.3` });
    });
  });
}

/**
 * Runs `names` under callgrind, as many at once as there are CPUs (instruction counts do not
 * depend on what else runs), one fewer until `beside` settles; returns each case's phase dumps, in
 * the order of `names`.
 * @param {readonly Case[]} names
 * @param {{ warmup: number, low: number, high: number }} plan
 * @param {string} dir
 * @param {Promise<unknown>} [beside]  a measurement running meanwhile on one of the CPUs
 */
async function runCases(names, plan, dir, beside) {
  /** @type {Array<{ low: string, high: string }>} */
  const phases = [];
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < names.length) {
      const k = nextIndex++;
      phases[k] = await runCase(/** @type {Case} */ (names[k]), plan, dir);
    }
  };
  const workers = Array.from({ length: Math.max(1, CPU_COUNT - (beside === undefined ? 0 : 1)) }, worker);
  if (beside !== undefined && CPU_COUNT > 1) workers.push(beside.then(worker, worker));
  await Promise.all(workers);
  return phases;
}

/** @param {string} file a callgrind dump @returns {number} its instruction count (Ir) */
function totalInstructions(file) {
  const totals = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
  if (totals === null) throw new Error(`no totals in ${file}`);
  return Number(totals[1]);
}

/**
 * Instructions per call of every case, and the ratio of `bucketCors` (actual request) to the floor.
 * Per call = (instructions of the `high` phase − of the `low` phase) / (high − low), so that what a
 * phase costs once (the marks) cancels, minus the same for building the request pair alone.
 * @param {{ quick?: boolean, only?: readonly string[], beside?: Promise<unknown> }} [options]  `only`: the cases to run
 *   (default all); `beside`: a measurement running meanwhile, which keeps one CPU until it settles
 * @returns {Promise<Record<string, number>>}
 */
export async function instructionsPerCall({ quick = false, only = CASES, beside } = {}) {
  ensureValgrind();
  const plan = quick ? PLANS.quick : PLANS.full;
  const names = CASES.filter((name) => BASELINES.has(name) || only.includes(name));
  const dir = mkdtempSync(join(tmpdir(), 'bucket-cors-callgrind-'));
  /** @type {Record<string, number>} */
  const figures = {};
  try {
    const phases = await runCases(names, plan, dir, beside);
    const perCall = phases.map(({ low, high }, k) => {
      const counted = planOf(/** @type {Case} */ (names[k]), plan);
      return (totalInstructions(high) - totalInstructions(low)) / (counted.high - counted.low);
    });
    const [requestObjects = 0, requestObjectsFresh = 0] = perCall;
    names.forEach((name, k) => {
      if (!BASELINES.has(name)) figures[`instructions_${name}`] = Math.round(/** @type {number} */ (perCall[k]) - (FRESH_CASES.has(name) ? requestObjectsFresh : requestObjects));
    });
    figures.instructions_request_objects = Math.round(requestObjects);
    figures.instructions_request_objects_fresh = Math.round(requestObjectsFresh);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (names.length < CASES.length) return figures;
  figures.ratio_instructions_vs_floor = figures.instructions_actual / figures.instructions_floor;
  figures.ratio_instructions_vs_floor_constant_strings = figures.instructions_actual_constant_strings / figures.instructions_floor_constant_strings;
  figures.ratio_preflight_vs_cors_package_preflight = figures.instructions_preflight / figures.instructions_cors_package_preflight;
  figures.ratio_wildcard_vs_literal = figures.instructions_actual_wildcard / figures.instructions_actual;
  // A cold lookup's parts: each part case parses a configuration of its own first, as a Redis read would.
  figures.instructions_cold_part_key = figures.instructions_cold_key - figures.instructions_cold_parse;
  figures.instructions_cold_part_validate = figures.instructions_cold_validate - figures.instructions_cold_parse;
  figures.instructions_cold_part_compile = figures.instructions_cold_compile - figures.instructions_cold_parse;
  figures.instructions_cold_part_read_and_cache = figures.instructions_cold_lookup - figures.instructions_cold_part_key - figures.instructions_cold_part_validate - figures.instructions_cold_part_compile;
  // The cache's own work on a miss: less the harness's awaited call and bucket name.
  figures.instructions_miss_known_content_own = figures.instructions_miss_known_content - figures.instructions_miss_harness;
  figures.instructions_cold_lookup_own = figures.instructions_cold_lookup - figures.instructions_miss_harness;
  // Diagnostics: the per-decision cost with nobody subscribed (goal: nil), and what one subscriber adds.
  figures.instructions_diagnostics_unsubscribed = figures.instructions_noop_channel_check - figures.instructions_noop;
  figures.instructions_diagnostics_subscriber = figures.instructions_actual_subscribed - figures.instructions_actual;
  // Report-only: what a bucket's candidate adds while nobody listens, and with a subscriber (every request diverging).
  figures.instructions_report_only_unheard = figures.instructions_actual_candidate_unheard - figures.instructions_actual;
  figures.instructions_report_only_reported = figures.instructions_actual_candidate_reported - figures.instructions_actual;
  return figures;
}

/** @param {string[]} nodeArgs @returns {Promise<number>} instructions of one whole `node` run under callgrind */
function instructionsOfRun(nodeArgs) {
  const dir = mkdtempSync(join(tmpdir(), 'bucket-cors-callgrind-'));
  const outFile = join(dir, 'run.callgrind.out');
  return new Promise((resolve, reject) => {
    const child = spawnUnpinned('valgrind', ['--tool=callgrind', `--callgrind-out-file=${outFile}`, process.execPath, ...NODE_FLAGS, ...nodeArgs], { stdio: ['ignore', 'ignore', 'pipe'], cwd: fileURLToPath(new URL('..', import.meta.url)) });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`valgrind (${nodeArgs.join(' ')}): exit ${code}\n${stderr.slice(-2000)}`);
        resolve(totalInstructions(outFile));
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/**
 * What `require('express-bucket-cors')` costs a process: the instructions of a `node -e` that
 * requires it, less those of one that does nothing, and the number of modules it loads (its own
 * and its dependencies').
 * @returns {Promise<Record<string, number>>}
 */
export async function requireCost() {
  ensureValgrind();
  const requiring = "require('express-bucket-cors')";
  const [withPackage, without] = await Promise.all([instructionsOfRun(['-e', requiring]), instructionsOfRun(['-e', ''])]);
  const { stdout } = spawnSync(process.execPath, ['-e', `const before = Object.keys(require.cache).length; ${requiring}; process.stdout.write(String(Object.keys(require.cache).length - before))`], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return { instructions_require: withPackage - without, require_modules: Number(stdout) };
}

/**
 * Prints callgrind_annotate's per-function table (exclusive instructions) of one case's `high`
 * phase. JIT-compiled JavaScript has no symbols for valgrind and shows as `???`; V8 builtins
 * (Builtins_*) and C++ appear by name.
 * @param {Case} name
 * @param {boolean} quick
 */
async function annotate(name, quick) {
  ensureValgrind();
  if (!CASES.includes(name)) throw new TypeError(`unknown case ${name}; use one of ${CASES.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'bucket-cors-callgrind-'));
  try {
    const { high } = await runCase(name, quick ? PLANS.quick : PLANS.full, dir);
    const { stdout } = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', high], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    process.stdout.write(`${stdout.split('\n').slice(0, 80).join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === here) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { workload: { type: 'string' }, quick: { type: 'boolean', default: false }, annotate: { type: 'boolean', default: false } },
  });
  if (values.workload !== undefined) await workload(JSON.parse(values.workload));
  else {
    await ensureBuilt();
    if (values.annotate) await annotate(/** @type {Case} */ (positionals[0] ?? 'actual'), values.quick);
    else if (positionals[0] === 'require') process.stdout.write(`${JSON.stringify(await requireCost(), null, 2)}\n`);
    else process.stdout.write(`${JSON.stringify(await instructionsPerCall({ quick: values.quick, ...(positionals.length > 0 && { only: positionals }) }), null, 2)}\n`);
  }
}
