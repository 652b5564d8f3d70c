// The figures the benchmark reports, their goals, and the Markdown tables printed to stdout.

import { median, round } from './stats.mjs';

/**
 * @typedef {object} Figure
 * @property {string} key  JSON key in bench/results/latest.json
 * @property {string} label
 * @property {string} goal
 * @property {((value: number, figures: Record<string, number>) => boolean) | undefined} met  undefined: shown for contrast only
 */

/** @type {Figure[]} */
export const FIGURES = [
  { key: 'ratio_actual_vs_bare', label: 'Actual GET req/s, `redis` / `bare`', goal: '≥ 0.95', met: (v) => v >= 0.95 },
  { key: 'ratio_actual_vs_noop', label: 'Actual GET, `redis` / `noop-middleware`, by server CPU time per request', goal: '≥ 0.97', met: (v) => v >= 0.97 },
  { key: 'ratio_actual_vs_floor', label: 'Actual GET, `redis` / `floor` (same six headers, no rules), by server CPU time per request', goal: '≥ 0.98', met: (v) => v >= 0.98 },
  { key: 'ratio_actual_vs_cors', label: 'Actual GET req/s, `redis` / `cors-package`', goal: '≥ 1.0', met: (v) => v >= 1 },
  { key: 'ratio_naive_vs_bare', label: 'Actual GET req/s, `naive-redis` / `bare`', goal: 'contrast', met: undefined },
  { key: 'ratio_noop_middleware_vs_bare', label: 'Actual GET req/s, `noop-middleware` / `bare` (what any `app.use` layer costs)', goal: 'calibration', met: undefined },
  { key: 'ratio_preflight_vs_bare', label: 'Preflight req/s (`redis` OPTIONS) / `bare` GET', goal: '≥ 1.05', met: (v) => v >= 1.05 },
  { key: 'redis_reads_per_10k_hot', label: 'Redis reads per 10,000 requests, hot bucket', goal: '0', met: (v) => v === 0 },
  { key: 'redis_reads_cold_burst', label: 'Redis reads for 1,000 concurrent requests, cold bucket (worst trial)', goal: '1', met: (v) => v === 1 },
  { key: 'invalidation_p50_ms', label: 'PUT ?cors → other instance decides with it, p50 ms', goal: '–', met: undefined },
  { key: 'redis_round_trips_per_10k_cold', label: 'Redis round trips for 10,000 cold buckets over 50 callers (one server)', goal: '≤ 1,000', met: (v) => v <= 1000 },
  { key: 'redis_round_trips_per_10k_cold_cluster', label: 'Redis round trips for 10,000 cold buckets over 50 callers (3-master Cluster)', goal: '≤ 1,000', met: (v) => v <= 1000 },
  { key: 'invalidation_p99_ms', label: 'PUT ?cors → other instance decides with it, p99 ms', goal: '< 50', met: (v) => v < 50 },
  { key: 'engine_ns_last_of_100', label: 'Engine ns per preflight, 100 rules, last matches', goal: '< 1,000', met: (v) => v < 1000 },
  { key: 'engine_ns_no_match', label: 'Engine ns per preflight, 100 rules, none matches', goal: '< 1,000', met: (v) => v < 1000 },
  { key: 'heap_bytes_per_cached_bucket_shared', label: 'Heap bytes per cached bucket, buckets sharing 10 configurations (3 rules)', goal: '≤ 150', met: (v) => v <= 150 },
  { key: 'heap_bytes_per_cached_bucket', label: 'Heap bytes per cached bucket, each its own 3-rule configuration', goal: '≤ 1,500', met: (v) => v <= 1500 },
  { key: 'cache_estimate_bytes_per_cached_bucket', label: 'The cache’s own estimate of the same (counted against `maxBytes`)', goal: '≥ heap', met: (v, all) => v >= all.heap_bytes_per_cached_bucket },
  { key: 'default_budget_buckets_of_their_own', label: 'Buckets of their own (3 rules) the default 64 MiB budget holds, by the estimate', goal: '≥ 40,000', met: (v) => v >= 40_000 },
  { key: 'heap_bytes_per_cached_bucket_unique_values', label: 'Heap bytes per cached bucket, 3 rules sharing no value with any other configuration', goal: '–', met: undefined },
  { key: 'cache_estimate_bytes_per_cached_bucket_unique_values', label: 'The cache’s own estimate of the same', goal: '≥ heap', met: (v, all) => v >= all.heap_bytes_per_cached_bucket_unique_values },
  { key: 'heap_bytes_per_cached_bucket_presigned_urls', label: 'Heap bytes per cached bucket, names sliced from 660-character presigned URLs (shared configurations)', goal: '–', met: undefined },
  { key: 'cache_estimate_bytes_per_cached_bucket_presigned_urls', label: 'The cache’s own estimate of the same', goal: '≥ heap', met: (v, all) => v >= all.heap_bytes_per_cached_bucket_presigned_urls },
  { key: 'heap_bytes_per_cached_large_bucket', label: 'Heap bytes per cached bucket, 100-rule configuration of 59 KB JSON', goal: '≤ 3× JSON', met: (v, all) => v <= 3 * all.large_configuration_json_bytes },
  { key: 'cache_estimate_bytes_per_cached_large_bucket', label: 'The cache’s own estimate of the same', goal: '≥ heap', met: (v, all) => v >= all.heap_bytes_per_cached_large_bucket },
  { key: 'redis_bytes_per_stored_bucket', label: 'Redis used_memory per stored bucket, 100,000 3-rule configurations of their own (value and history)', goal: 'reported', met: undefined },
  { key: 'redis_stored_value_bytes', label: 'The stored value of one of them (its JSON is `configuration_json_bytes`)', goal: 'reported', met: undefined },
  { key: 'zipf_hit_rate_default', label: 'Cache hit rate, Zipf(1.0) over 1,000,000 buckets, default options, 10,000 lookups/s, after warm-up', goal: '≥ 0.9', met: (v) => v >= 0.9 },
  { key: 'zipf_hit_rate_distinct_default', label: 'The same, each bucket with a 3-rule configuration of its own', goal: '≥ 0.8', met: (v) => v >= 0.8 },
  { key: 'zipf_cache_bytes_distinct', label: 'The cache’s bytes at the end of that run (its estimate)', goal: '–', met: undefined },
  { key: 'zipf_store_reads_per_lookup_default', label: 'Store reads per lookup behind that hit rate: misses and refreshes of expired entries', goal: '–', met: undefined },
  { key: 'zipf_refreshes_per_lookup_default', label: 'Of which refreshes of expired entries (sent 50 ms at a time)', goal: '–', met: undefined },
  { key: 'ratio_zipf_vs_hot', label: 'Actual GET, Zipf(1.0) over 1,000,000 buckets / one hot bucket, by server CPU time per request', goal: '≥ 0.9', met: (v) => v >= 0.9 },
  { key: 'zipf_load_hit_rate', label: 'Cache hit rate the server had during those Zipf rounds (1 − keys Redis read / requests)', goal: '–', met: undefined },
  { key: 'ratio_cold_vs_hot', label: '10,000 requests to distinct uncached buckets / to one hot bucket, 50 connections, by server CPU time per request', goal: '≥ 0.8', met: (v) => v >= 0.8 },
  { key: 'instructions_actual', label: 'Instructions per actual request, `bucketCors` (memory store, warm)', goal: '–', met: undefined },
  { key: 'instructions_preflight', label: 'Instructions per preflight, `bucketCors`', goal: '–', met: undefined },
  { key: 'instructions_floor', label: 'Instructions per call, floor (bucket from path, one Map lookup, the same six headers), fresh strings', goal: 'reference', met: undefined },
  { key: 'instructions_floor_constant_strings', label: 'The floor again with constant request strings (the previous `instructions_floor`)', goal: 'reference', met: undefined },
  { key: 'instructions_actual_constant_strings', label: 'Instructions per actual request, `bucketCors`, constant request strings', goal: '–', met: undefined },
  { key: 'instructions_cors_package', label: 'Instructions per actual request, `cors` package with credentials (four of S3’s six headers)', goal: 'reference', met: undefined },
  { key: 'instructions_cors_package_preflight', label: 'Instructions per preflight, `cors` package, the same headers as `bucketCors`', goal: 'reference', met: undefined },
  { key: 'ratio_preflight_vs_cors_package_preflight', label: 'Instructions, `bucketCors` preflight / `cors` preflight', goal: '≤ 1.0', met: (v) => v <= 1 },
  { key: 'instructions_actual_wildcard', label: 'Instructions per actual request matched by `https://*.example.com`', goal: '≤ 1.05× literal', met: (v, all) => v <= 1.05 * all.instructions_actual },
  { key: 'instructions_refused', label: 'Instructions per actual request no rule of a literal-only configuration matches', goal: '≤ 2,000', met: (v) => v <= 2000 },
  { key: 'instructions_miss_known_content', label: 'Instructions per cache miss whose content is compiled already (MemoryRuleStore)', goal: '≤ 34,841 (half its first measure, 69,683)', met: (v) => v <= 34_841 },
  { key: 'instructions_cold_lookup', label: 'Instructions per cold lookup: read, check, compile a 3-rule bucket of its own (MemoryRuleStore)', goal: 'reported', met: undefined },
  { key: 'instructions_cold_part_key', label: 'Of which the content key', goal: 'breakdown', met: undefined },
  { key: 'instructions_cold_part_validate', label: 'Of which the checks (validation)', goal: 'breakdown', met: undefined },
  { key: 'instructions_cold_part_compile', label: 'Of which the compile', goal: 'breakdown', met: undefined },
  { key: 'instructions_cold_part_read_and_cache', label: 'Of which the store read, the deadline and the cache entry', goal: 'breakdown', met: undefined },
  { key: 'instructions_cold_parse', label: 'A Redis read’s JSON.parse of such a configuration (not part of the MemoryRuleStore figure)', goal: 'reported', met: undefined },
  { key: 'instructions_require', label: 'Instructions of `require(\'express-bucket-cors\')`', goal: 'reported', met: undefined },
  { key: 'require_modules', label: 'Modules it loads', goal: 'reported', met: undefined },
  { key: 'instructions_noop', label: 'Instructions per call, noop middleware', goal: 'reference', met: undefined },
  { key: 'instructions_cache_lookup', label: 'Instructions per cache hit (`RuleCache.lookup` alone)', goal: 'breakdown', met: undefined },
  { key: 'instructions_resolve', label: 'Instructions per call, the built-in addressing alone (bucket and resource type)', goal: 'breakdown', met: undefined },
  { key: 'instructions_decide', label: 'Instructions per call, `decideActual` alone (a repeated answer)', goal: 'breakdown', met: undefined },
  { key: 'instructions_set_headers', label: 'Instructions per call, the five matched headers and `Vary` as `bucketCors` sets them', goal: 'breakdown', met: undefined },
  { key: 'ratio_instructions_vs_floor', label: 'Instructions, `bucketCors` actual / floor, fresh request strings', goal: '≤ 1.05', met: (v) => v <= 1.05 },
  { key: 'ratio_instructions_vs_floor_constant_strings', label: 'The same with constant request strings', goal: '–', met: undefined },
  { key: 'middleware_ns_actual', label: 'Middleware ns per actual request, `bucketCors` (cached)', goal: '≤ cors', met: (v, all) => v <= all.cors_package_ns_actual },
  { key: 'cors_package_ns_actual', label: 'Middleware ns per actual request, `cors` package', goal: 'reference', met: undefined },
  { key: 'headers_only_ns_actual', label: 'ns to set the same headers as `bucketCors` with `res.setHeader` alone (floor)', goal: 'reference', met: undefined },
];

/** @param {number} value */
const show = (value) => (Number.isFinite(value) ? round(value).toLocaleString('en-US') : String(value));

/**
 * @param {Record<string, number>} figures
 * @param {Record<string, { min: number, max: number }>} ranges  per-round range of the ratio figures
 * @param {Record<string, number>} cpuRatios  the ratio figures again, from server CPU time per request
 * @param {Record<string, string>} failures  error message by figure key, for figures that could not be measured
 * @returns {string}
 */
export function figuresTable(figures, ranges, cpuRatios, failures) {
  const rows = FIGURES.map(({ key, label, goal, met }) => {
    const name = `${label} [\`${key}\`]`;
    if (!(key in figures)) return `| ${name} | not measured: ${failures[key] ?? 'section failed'} | | ${goal} | **no** |`;
    const value = figures[key];
    const range = ranges[key] ? ` (${show(ranges[key].min)}–${show(ranges[key].max)})` : '';
    const cpu = key in cpuRatios ? show(cpuRatios[key]) : '';
    const verdict = met === undefined ? '' : met(value, figures) ? 'yes' : '**no**';
    return `| ${name} | ${show(value)}${range} | ${cpu} | ${goal} | ${verdict} |`;
  });
  return ['| Figure [JSON key] | Result (range over rounds) | CPU-time ratio | Goal | Met |', '|---|---|---|---|---|', ...rows].join('\n');
}

/**
 * @param {Record<string, number[]>} perSecond  req/s per round by load case
 * @param {Record<string, number[]>} cpuMicrosPerRequest  server CPU µs per request per round by load case
 * @returns {string}
 */
export function throughputTable(perSecond, cpuMicrosPerRequest) {
  const rows = Object.entries(perSecond).map(
    ([name, values]) => `| ${name} | ${show(median(values))} | ${show(Math.min(...values))}–${show(Math.max(...values))} | ${show(median(cpuMicrosPerRequest[name]))} |`,
  );
  return ['| Load case | req/s, median | req/s, range over rounds | server CPU µs per request, median |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Which goals were met, for latest.json.
 * @param {Record<string, number>} figures
 * @returns {Record<string, boolean>}
 */
export function goalsMet(figures) {
  return Object.fromEntries(FIGURES.filter(({ key, met }) => met !== undefined && key in figures).map(({ key, met }) => [key, /** @type {NonNullable<typeof met>} */ (met)(figures[key], figures)]));
}
