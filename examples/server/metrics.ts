// The demo's /metrics: the library's diagnostics_channel events counted with prom-client, in Prometheus's text format.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS, type CorsDecisionEvent, type InvalidationReceivedEvent, type StoreErrorEvent } from 'express-bucket-cors';
import { Counter, Registry } from 'prom-client';

/** A registry fed by the library's events while open; `close()` unsubscribes. */
export interface DemoMetrics {
  readonly registry: Registry;
  close(): void;
}

/** Counts decisions (by dialect, kind, outcome, reason, source, cache), store errors and invalidations. */
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

  const onDecision = (message: unknown) => {
    const { dialect, kind, outcome, reason, source, cache } = message as CorsDecisionEvent;
    decisions.inc({ dialect, kind, outcome, reason: reason ?? 'none', source, cache });
  };
  const onStoreError = (message: unknown) => {
    const { caller, kind } = message as StoreErrorEvent;
    storeErrors.inc({ caller, kind });
  };
  const onInvalidation = (message: unknown) => invalidations.inc({ type: (message as InvalidationReceivedEvent).type });
  subscribe(DIAGNOSTICS_CHANNELS.decision, onDecision);
  subscribe(DIAGNOSTICS_CHANNELS.storeError, onStoreError);
  subscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
  return {
    registry,
    close() {
      unsubscribe(DIAGNOSTICS_CHANNELS.decision, onDecision);
      unsubscribe(DIAGNOSTICS_CHANNELS.storeError, onStoreError);
      unsubscribe(DIAGNOSTICS_CHANNELS.invalidation, onInvalidation);
    },
  };
}
