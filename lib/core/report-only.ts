// Whether a report-only candidate answers a request differently from the enforced rules: the one comparison the middleware's events and explain share.

import type { ActualDecision, PreflightDecision } from './decision.js';
import type { HeaderList } from './model.js';

/**
 * How a candidate's answer differs from the enforced one (express-bucket-cors/docs/behaviour.md §19.11): allowed against
 * refused (`outcome`), both allowed with other CORS headers (`headers`: another origin echo, methods,
 * headers, expose, max-age or credentials), or, for a preflight, both refused for reasons the
 * dialect words differently (`refusal`: another error body).
 */
export type DecisionDifference = 'outcome' | 'headers' | 'refusal';

/** What the comparison reads of a decision or an explanation. */
export interface ComparableAnswer {
  readonly allowed: boolean;
  readonly reason: string | null;
  readonly headers: HeaderList;
}

const NO_HEADERS: HeaderList = Object.freeze([]) as HeaderList;

/** A preflight or actual decision as a {@link ComparableAnswer} (matched actual requests count as allowed). */
export function comparableDecision(decision: PreflightDecision | ActualDecision): ComparableAnswer {
  if ('allowed' in decision) return decision.allowed ? { allowed: true, reason: null, headers: decision.headers } : { allowed: false, reason: decision.reason, headers: NO_HEADERS };
  return decision.matched ? { allowed: true, reason: null, headers: decision.headers } : { allowed: false, reason: decision.reason, headers: NO_HEADERS };
}

function sameHeaders(a: HeaderList, b: HeaderList): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]![0] !== b[i]![0] || a[i]![1] !== b[i]![1]) return false;
  return true;
}

/**
 * How `candidate` answers differently from `enforced`, or `undefined` when the response would be the
 * same. An actual request that gets no CORS headers either way is the same whatever the reasons.
 */
export function decisionDifference(preflight: boolean, enforced: ComparableAnswer, candidate: ComparableAnswer): DecisionDifference | undefined {
  if (enforced.allowed !== candidate.allowed) return 'outcome';
  if (enforced.allowed) return sameHeaders(enforced.headers, candidate.headers) ? undefined : 'headers';
  return preflight && enforced.reason !== candidate.reason ? 'refusal' : undefined;
}
