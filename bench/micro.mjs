// Child-process entry for in-process measurements, each in a fresh process free of load-generator noise.
// Usage: forked by bench/run.mjs, which sends the figures back; or alone, which builds dist/ if stale and prints them:
//   node [--expose-gc] bench/micro.mjs <engine|heap|middleware|zipf> '<JSON options>'
// e.g. node bench/micro.mjs zipf '{"buckets":1000000,"warmup":3000000,"lookups":500000,"requestsPerSecond":6500,"cache":{"ttlMs":300000}}'

import { engineNs } from './measure/engine-ns.mjs';
import { heapPerBucket } from './measure/heap.mjs';
import { middlewareNs } from './measure/middleware-ns.mjs';
import { zipfHitRate } from './measure/zipf.mjs';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const measurements = { engine: engineNs, heap: heapPerBucket, middleware: middlewareNs, zipf: zipfHitRate };
const [name = '', options = '{}'] = process.argv.slice(2);
const measure = measurements[/** @type {keyof typeof measurements} */ (name)];
if (measure === undefined) throw new TypeError(`unknown measurement "${name}"; use one of ${Object.keys(measurements).join(', ')}`);
const forked = process.send !== undefined;
if (!forked) await ensureBuilt(); // run.mjs builds once for all its children
const figures = await measure(JSON.parse(options));
if (forked) {
  process.send?.(figures);
  process.disconnect?.();
} else {
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
