// One fast-check set-up for every property test: a fixed seed, so a failure reproduces run after run.

import fc from 'fast-check';

/**
 * The seed every property runs with: `FAST_CHECK_SEED` when set (to replay a report, or to explore
 * other inputs), else a fixed one. fast-check prints it, with the failing path, in every failure.
 */
export const PROPERTY_SEED = process.env.FAST_CHECK_SEED === undefined ? 20261201 : Number(process.env.FAST_CHECK_SEED);

/** Asserts `property` over `numRuns` generated inputs with {@link PROPERTY_SEED}. */
export function assertProperty<Ts>(property: fc.IRawProperty<Ts>, numRuns: number): void {
  fc.assert(property, { seed: PROPERTY_SEED, numRuns });
}
