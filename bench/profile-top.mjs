// Prints the functions with the most self time (share of non-idle time) in a .cpuprofile (from `npm run bench -- --cpu-prof`).
// Usage: node bench/profile-top.mjs bench/results/profiles/server-redis.cpuprofile [count]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const [file, count = '25'] = process.argv.slice(2);
if (file === undefined) throw new TypeError('usage: node bench/profile-top.mjs <file.cpuprofile> [count]');
/** @type {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }>, samples: number[], timeDeltas: number[] }} */
const profile = JSON.parse(readFileSync(file, 'utf8'));
const root = fileURLToPath(new URL('..', import.meta.url));

/** @type {Map<number, string>} */
const frameOf = new Map();
for (const { id, callFrame } of profile.nodes) {
  const where = callFrame.url.startsWith('file://') ? relative(root, fileURLToPath(callFrame.url)) : callFrame.url || '(native)';
  frameOf.set(id, `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`);
}
/** @type {Map<string, number>} self time in µs by function */
const selfTime = new Map();
profile.samples.forEach((id, i) => {
  const frame = /** @type {string} */ (frameOf.get(id));
  selfTime.set(frame, (selfTime.get(frame) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
// Percentages of busy time: a server under test sits idle while the other variants are loaded.
const idle = [...selfTime].filter(([frame]) => frame.startsWith('(idle)'));
for (const [frame] of idle) selfTime.delete(frame);
const total = [...selfTime.values()].reduce((sum, t) => sum + t, 0);
process.stdout.write(`busy ${(total / 1e6).toFixed(2)} s; self time as a share of it:\n`);
for (const [frame, time] of [...selfTime].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${frame}\n`);
}
