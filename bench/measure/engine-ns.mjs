// Engine cost: ns per preflight decision against 100 rules (last rule matches, and no rule matches).

import { HUNDRED_RULES, OBJECT_PATH, ORIGIN, UNMATCHED_ORIGIN } from '../harness/fixtures.mjs';
import { nsPerCall } from '../harness/timing.mjs';

/**
 * @param {{ batches: number, iterations: number }} plan
 * @returns {Promise<{ engine_ns_last_of_100: number, engine_ns_no_match: number }>}
 */
export async function engineNs(plan) {
  const { compileCorsConfiguration, decidePreflight } = await import('express-bucket-cors/core');
  const state = { kind: 'configured', rules: compileCorsConfiguration(HUNDRED_RULES) };
  const lastRule = { method: 'OPTIONS', origin: ORIGIN, requestMethod: 'PUT', requestHeaders: 'content-type', resourceType: 'OBJECT' };
  const noMatch = { ...lastRule, origin: UNMATCHED_ORIGIN };
  const matched = decidePreflight(lastRule, state);
  if (!matched.allowed || matched.ruleIndex !== 99) throw new Error(`${OBJECT_PATH}: expected rule 99 to allow the preflight, got ${JSON.stringify(matched)}`);
  if (decidePreflight(noMatch, state).allowed) throw new Error('expected no rule to allow an unmatched origin');
  /** @param {object} request @returns {(iterations: number) => number} */
  const decideMany = (request) => (/** @type {number} */ iterations) => {
    let sink = 0; // consumed, so that the decisions cannot be optimised away
    for (let i = 0; i < iterations; i += 1) {
      const decision = decidePreflight(request, state);
      sink += decision.allowed ? decision.ruleIndex : 1;
    }
    return sink;
  };
  const ns = await nsPerCall(
    [
      { name: 'last', run: decideMany(lastRule) },
      { name: 'none', run: decideMany(noMatch) },
    ],
    plan,
  );
  return { engine_ns_last_of_100: ns.last.median, engine_ns_no_match: ns.none.median };
}
