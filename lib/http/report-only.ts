// Report-only rules on the request path: a bucket's candidate decides the request too, and a different answer is published, never sent (express-bucket-cors/docs/behaviour.md §19.11).

import type { BucketCorsState } from '../core/compile.js';
import { decideActual, decidePreflight } from '../core/decide.js';
import type { ActualDecision, CorsRequestInfo, PreflightDecision } from '../core/decision.js';
import { comparableDecision, decisionDifference } from '../core/report-only.js';
import { reportOnlyChannel, type ReportOnlyEvent, type ReportOnlyOutcome } from '../diagnostics.js';
import type { CandidateRules } from '../cache/entries.js';
import { keyOf, type RequestTarget } from './target.js';

function outcomeOf(decision: PreflightDecision | ActualDecision): ReportOnlyOutcome {
  if ('allowed' in decision) return decision.allowed ? { outcome: 'allowed', rule: decision.ruleIndex, reason: null } : { outcome: 'refused', rule: null, reason: decision.reason };
  return decision.matched ? { outcome: 'matched', rule: decision.ruleIndex, reason: null } : { outcome: 'unmatched', rule: null, reason: decision.reason };
}

/**
 * Decides `request` against the enforced state and the candidate, and publishes a
 * {@link ReportOnlyEvent} when they answer differently. Touches neither the request nor the
 * response; called only while the report-only channel has subscribers.
 */
export function reportCandidate(dialect: string, target: RequestTarget, request: CorsRequestInfo, enforcedState: BucketCorsState, candidate: CandidateRules): void {
  const preflight = request.method === 'OPTIONS';
  const enforced = preflight ? decidePreflight(request, enforcedState) : decideActual(request, enforcedState);
  const proposed = preflight ? decidePreflight(request, candidate.state) : decideActual(request, candidate.state);
  const difference = decisionDifference(preflight, comparableDecision(enforced), comparableDecision(proposed));
  if (difference === undefined) return;
  reportOnlyChannel.publish({
    dialect,
    kind: preflight ? 'preflight' : 'actual',
    bucket: target.bucket,
    key: keyOf(target),
    method: request.method,
    origin: request.origin ?? null,
    difference,
    enforced: outcomeOf(enforced),
    candidate: outcomeOf(proposed),
    candidateVersion: candidate.version,
  } satisfies ReportOnlyEvent);
}

/** Whether report-only evaluation has anyone to tell: without a subscriber, a candidate costs nothing. */
export const reportOnlyListened = (): boolean => reportOnlyChannel.hasSubscribers;
