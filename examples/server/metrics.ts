// The demo's /metrics: the library's diagnostics_channel events counted with prom-client, in Prometheus's text format.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type CorsDecisionEvent, type InvalidationReceivedEvent, type ReportOnlyEvent, type StoreErrorEvent } from 'express-bucket-cors';
import { Counter, Registry } from 'prom-client';

/** A registry fed by the library's events while open; `close()` unsubscribes. */
export interface DemoMetrics {
  readonly registry: Registry;
  close(): void;
}

/** Counts decisions (by dialect, kind, outcome, reason, source, cache), store errors, invalidations and report-only divergences. */
export function createDemoMetrics(): DemoMetrics {
  const registry = new Registry();
  const decisions = new Counter({
    name: 'bucket_cors_decisions_total',
    help: 'CORS decisions of bucketCors',
    labelNames: ['dialect', 'kind', 'outcome', 'reason', 'source', 'cache'],
    registers: [registry],
  });
  const storeErrors = new Counter({ name: 'bucket_cors_store_errors_total', help: 'Failed or timed-out rule store calls', labelNames: ['caller', 'kind'], registers: [registry] });
  const invalidations = new Counter({ name: 'bucket_cors_invalidations_total', help: 'Invalidations the rule caches received', labelNames: ['type'], registers: [registry] });
  // The bucket is a label here (not on decisions): only buckets with a report-only candidate have one, and only while it diverges.
  const divergences = new Counter({
    name: 'bucket_cors_report_only_divergences_total',
    help: "Requests a bucket's report-only candidate would have answered differently",
    labelNames: ['bucket', 'kind', 'difference', 'enforced', 'candidate'],
    registers: [registry],
  });

  const onDecision = (message: unknown) => {
    const { dialect, kind, outcome, reason, source, cache } = message as CorsDecisionEvent;
    decisions.inc({ dialect, kind, outcome, reason: reason ?? 'none', source, cache });
  };
  const onStoreError = (message: unknown) => {
    const { caller, kind } = message as StoreErrorEvent;
    storeErrors.inc({ caller, kind });
  };
  const onInvalidation = (message: unknown) => invalidations.inc({ type: (message as InvalidationReceivedEvent).type });
  const onReportOnly = (message: unknown) => {
    const { bucket, kind, difference, enforced, candidate } = message as ReportOnlyEvent;
    divergences.inc({ bucket, kind, difference, enforced: enforced.outcome, candidate: candidate.outcome });
  };
  const listeners: ReadonlyArray<[string, (message: unknown) => void]> = [
    [DIAGNOSTICS_CHANNELS.decision, onDecision],
    [DIAGNOSTICS_CHANNELS.storeError, onStoreError],
    [DIAGNOSTICS_CHANNELS.invalidation, onInvalidation],
    [DIAGNOSTICS_CHANNELS.reportOnly, onReportOnly],
  ];
  for (const [channel, listener] of listeners) subscribe(channel, listener);
  return {
    registry,
    close() {
      for (const [channel, listener] of listeners) unsubscribe(channel, listener);
    },
  };
}
