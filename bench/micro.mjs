// bench/micro.mjs
// Child-process entry for in-process measurements, each in a fresh process free of load-generator noise.
// Usage (by bench/run.mjs only): node [--expose-gc] bench/micro.mjs <engine|heap|middleware|zipf> '<JSON options>'

import { engineNs } from './engine-ns.mjs';
import { heapPerBucket } from './heap.mjs';
import { middlewareNs } from './middleware-ns.mjs';
import { zipfHitRate } from './zipf.mjs';

const measurements = { engine: engineNs, heap: heapPerBucket, middleware: middlewareNs, zipf: zipfHitRate };
const [name = '', options = '{}'] = process.argv.slice(2);
const measure = measurements[/** @type {keyof typeof measurements} */ (name)];
if (measure === undefined) throw new TypeError(`unknown measurement "${name}"; use one of ${Object.keys(measurements).join(', ')}`);
process.send?.(await measure(JSON.parse(options)));
process.disconnect?.();
