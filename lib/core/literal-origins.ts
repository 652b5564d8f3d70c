// The literal AllowedOrigins of a compiled configuration, each with its candidate rules and, once asked, its answers: one flat list, not an object per Origin.

import type { ActualDecision } from './decision.js';

/**
 * Up to this many literal Origins are found by comparing the request's Origin with each in turn: a
 * fresh Origin string from the parser has no hash yet, and computing one costs more than a few
 * comparisons (most fail on the length). More go through a Map.
 */
const COMPARED_ORIGINS = 8;

/** The decisions kept for one literal Origin, by method slot (`log2(methodBit)`). */
export type OriginAnswers = Array<ActualDecision | undefined>;

/** Slots per Origin in the flat list: the Origin, its candidates, its answers. */
const STRIDE = 3;

/**
 * The literal Origins of one configuration. A slot (what {@link find} returns) names one Origin:
 * its candidates are the indexes (ascending, distinct) of every rule that could match it, checked in
 * full in stored order; its answers are the actual-request decisions without requested headers,
 * `undefined` until `decideActual` first asks (and again after it gives them up, see decide.ts).
 */
export class LiteralOrigins {
  readonly #slots: Array<string | readonly number[] | OriginAnswers | undefined>;
  readonly #bySlot: Map<string, number> | undefined;

  /** @param entries each Origin (distinct, valid) with its candidates; equal candidate lists may be one array. */
  constructor(entries: ReadonlyArray<readonly [origin: string, candidates: readonly number[]]>) {
    // Sized once: a list grown by pushes keeps spare room, which every cached configuration would carry.
    this.#slots = new Array<string | readonly number[] | OriginAnswers | undefined>(entries.length * STRIDE).fill(undefined);
    entries.forEach(([origin, candidates], k) => {
      this.#slots[k * STRIDE] = origin;
      this.#slots[k * STRIDE + 1] = candidates;
    });
    this.#bySlot = entries.length > COMPARED_ORIGINS ? new Map(entries.map(([origin], k) => [origin, k * STRIDE])) : undefined;
  }

  /** The slot of `origin`, or -1 when no rule lists it. */
  find(origin: string): number {
    const bySlot = this.#bySlot;
    if (bySlot !== undefined) return bySlot.get(origin) ?? -1;
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i += STRIDE) if (slots[i] === origin) return i;
    return -1;
  }

  candidates(slot: number): readonly number[] {
    return this.#slots[slot + 1] as readonly number[];
  }

  answers(slot: number): OriginAnswers | undefined {
    return this.#slots[slot + 2] as OriginAnswers | undefined;
  }

  setAnswers(slot: number, answers: OriginAnswers | undefined): void {
    this.#slots[slot + 2] = answers;
  }
}
