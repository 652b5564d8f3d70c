// `node bench/compile-bound.mjs`: how long one read of the largest configurations a dialect accepts keeps the event loop busy (parse, check, compile), the bound docs/behaviour.md states.
// Each shape is built through the dialect's own parser, so that it is one the dialect would store, then read by a fresh RuleCache from a store that hands out the stored JSON text, as Redis does.

import os from 'node:os';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const RUNS = 20;

await ensureBuilt();
const { RuleCache } = await import('express-bucket-cors');
const { parseCorsPolicy, MAX_POLICY_CHARACTERS } = await import('express-bucket-cors/mediastore');
const { parseCorsXml, validateCorsConfiguration, MAX_CORS_DOCUMENT_BYTES } = await import('express-bucket-cors/s3');

/**
 * The longest policy of 100 rules of `rule(r, pad)` within MediaStore's limit: `pad` grown while it fits.
 * @param {(r: number, pad: string) => Record<string, unknown>} rule
 */
function largestPolicy(rule) {
  const policyOf = (/** @type {number} */ pad) => Array.from({ length: 100 }, (_, r) => rule(r, 'a'.repeat(pad)));
  let pad = 0;
  while (JSON.stringify(policyOf(pad + 1)).length <= MAX_POLICY_CHARACTERS) pad += 1;
  return parseCorsPolicy(policyOf(pad));
}

/**
 * The largest S3 document of 100 rules of `rule(r, pad)` within 64 KB, checked as PutBucketCors checks it.
 * @param {(r: number, pad: string) => string} rule  one `<CORSRule>` element
 */
function largestDocument(rule) {
  const documentOf = (/** @type {number} */ pad) => `<CORSConfiguration>${Array.from({ length: 100 }, (_, r) => rule(r, 'a'.repeat(pad))).join('')}</CORSConfiguration>`;
  let pad = 0;
  while (Buffer.byteLength(documentOf(pad + 1)) <= MAX_CORS_DOCUMENT_BYTES) pad += 1;
  const configuration = parseCorsXml(documentOf(pad));
  validateCorsConfiguration(configuration);
  return configuration;
}

const hundred = (/** @type {(i: number) => string} */ value) => Array.from({ length: 100 }, (_, i) => value(i));
const xmlList = (/** @type {string} */ tag, /** @type {string[]} */ values) => values.map((value) => `<${tag}>${value}</${tag}>`).join('');

/** @type {[string, import('../lib/core/model.js').CorsConfiguration][]} */
const SHAPES = [
  ['MediaStore: 100 × 100 literal origins', largestPolicy((r, pad) => ({ AllowedOrigins: hundred((i) => `https://app-${i}.${pad}.r${r}.example.com`), AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'] }))],
  [
    'MediaStore: 100 × (99 literal + "https://*")',
    largestPolicy((r, pad) => ({ AllowedOrigins: [...hundred((i) => `https://app-${i}.${pad}.r${r}.example.com`).slice(1), 'https://*'], AllowedMethods: ['GET'], AllowedHeaders: [] })),
  ],
  [
    'MediaStore: 100 × (84 literal + 16 suffixes)',
    largestPolicy((r, pad) => ({
      AllowedOrigins: [...hundred((i) => `https://a${i}-${r}.${pad}.s${i % 16}${'x'.repeat(i % 16)}.example`).slice(0, 84), ...hundred((k) => `https://*.s${k}${'x'.repeat(k)}.example`).slice(0, 16)],
      AllowedMethods: ['GET'],
      AllowedHeaders: [],
    })),
  ],
  [
    // Every origin ends with all 16 nested suffixes, so each matches the patterns of every rule 16 times over.
    'MediaStore: 100 × (84 literal + 16 nested suffixes)',
    largestPolicy((r, pad) => ({
      AllowedOrigins: [...hundred((i) => `https://${i}-${r}${pad}${'x'.repeat(16)}.example`).slice(0, 84), ...hundred((k) => `https://*${'x'.repeat(k + 1)}.example`).slice(0, 16)],
      AllowedMethods: ['GET'],
      AllowedHeaders: [],
    })),
  ],
  [
    'MediaStore: 100 × 100 long headers',
    largestPolicy((r, pad) => ({ AllowedOrigins: [`https://r${r}.example.com`], AllowedMethods: ['GET'], AllowedHeaders: hundred((i) => `x-amz-meta-${pad}-${r}-${i}`), ExposeHeaders: hundred((i) => `x-e-${r}-${i}`) })),
  ],
  [
    'S3: 100 rules of literal origins + "*"',
    largestDocument((r, pad) => `<CORSRule>${xmlList('AllowedOrigin', [...Array.from({ length: 8 }, (_, i) => `https://a${i}.${pad}.r${r}.e`), 'http://*'])}<AllowedMethod>GET</AllowedMethod></CORSRule>`),
  ],
  [
    'S3: 1 rule of short origins, 99 of "*"',
    largestDocument((r, pad) =>
      r === 0
        ? `<CORSRule>${xmlList('AllowedOrigin', Array.from({ length: 1_000 + pad.length }, (_, i) => `https://${i}.e`))}<AllowedMethod>GET</AllowedMethod></CORSRule>`
        : `<CORSRule><AllowedOrigin>http://*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>`,
    ),
  ],
];

/** A shared store (as Redis is) that parses the stored text on every read. @param {string} text */
function parsingStore(text) {
  return {
    shared: true,
    get: async () => {
      const { v, rules } = JSON.parse(text);
      return { configuration: rules, version: v };
    },
    put: async () => {
      throw new Error('read-only');
    },
    delete: async () => {},
    subscribe: () => () => {},
  };
}

/**
 * One read through a fresh cache (JSON.parse, content key, checks, compile): its wall-clock and CPU
 * milliseconds. On a busy machine the CPU figure is the one to compare: it leaves out time spent waiting for a core.
 * @param {string} text
 */
async function timedRead(text) {
  const cache = new RuleCache(parsingStore(text));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const lookup = await cache.lookup('bucket');
  const { user, system } = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  if (lookup.kind !== 'configured') throw new Error(`expected compiled rules, got ${lookup.kind}: ${lookup.error}`);
  cache.close();
  return { wall, cpu: (user + system) / 1000 };
}

/** @param {number[]} values @returns {string} median and max */
const spread = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${sorted[sorted.length >> 1].toFixed(1).padStart(6)} max ${sorted[sorted.length - 1].toFixed(1).padStart(6)} ms`;
};

process.stdout.write(`node ${process.version}, ${RUNS} reads each after 3 warm-up reads; load average ${os.loadavg()[0].toFixed(1)} on ${os.availableParallelism()} cores\n`);
let worstCpu = 0;
let worstWall = 0;
for (const [name, configuration] of SHAPES) {
  const text = JSON.stringify({ v: 'bench', rules: configuration });
  for (let i = 0; i < 3; i += 1) await timedRead(text);
  const reads = [];
  for (let i = 0; i < RUNS; i += 1) reads.push(await timedRead(text));
  worstCpu = Math.max(worstCpu, ...reads.map((read) => read.cpu));
  worstWall = Math.max(worstWall, ...reads.map((read) => read.wall));
  const origins = configuration.CORSRules.reduce((sum, rule) => sum + rule.AllowedOrigins.length, 0);
  process.stdout.write(`${name.padEnd(46)} ${String(text.length).padStart(7)} chars ${String(origins).padStart(6)} origins   CPU ${spread(reads.map((read) => read.cpu))}   wall ${spread(reads.map((read) => read.wall))}\n`);
}
process.stdout.write(`worst read of an acceptable configuration: ${worstCpu.toFixed(1)} ms CPU, ${worstWall.toFixed(1)} ms wall\n`);
