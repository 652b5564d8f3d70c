// The literal AllowedOrigins of a compiled configuration, each with its candidate rules and, once asked, its answers: one flat list, not an object per Origin.

import type { ActualDecision } from './decision.js';

/**
 * Up to this many literal Origins are found by comparing the request's Origin with each in turn: a
 * fresh Origin string from the parser has no hash yet, and computing one costs more than a few
 * comparisons (most fail on the length). More go through a Map.
 */
export const COMPARED_ORIGINS = 8;

/** The decisions kept for one literal Origin, by method slot (`log2(methodBit)`). */
export type OriginAnswers = Array<ActualDecision | undefined>;

/** Slots per Origin in the flat list: the Origin, its candidates, its answers. */
const STRIDE = 3;

/**
 * The slot of the one Origin no rule lists whose answers are kept: the last such Origin asked of a
 * configuration with origin patterns (`https://*.example.com`), so that repeated requests from it
 * are one comparison and allocate nothing, as for a listed Origin.
 */
export const UNLISTED = -2;

/**
 * The literal Origins of one configuration. A slot (what {@link find} returns) names one Origin:
 * its candidates are the indexes (ascending, distinct) of every rule that could match it, checked in
 * full in stored order; its answers are the actual-request decisions without requested headers,
 * `undefined` until `decideActual` first asks (and again after it gives them up, see decide.ts).
 */
export class LiteralOrigins {
  readonly #slots: Array<string | readonly number[] | OriginAnswers | undefined>;
  readonly #bySlot: Map<string, number> | undefined;
  /** The unlisted Origin whose answers are kept, with them (one field: most configurations never set it). */
  #unlisted: { readonly origin: string; readonly answers: OriginAnswers } | undefined = undefined;

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

  /** The answers kept in `slot` ({@link UNLISTED} included). */
  answers(slot: number): OriginAnswers | undefined {
    return slot === UNLISTED ? this.#unlisted?.answers : (this.#slots[slot + 2] as OriginAnswers | undefined);
  }

  /** The answers kept for `origin`, which no rule lists, if it is the one whose answers are kept. */
  unlistedAnswers(origin: string): OriginAnswers | undefined {
    const unlisted = this.#unlisted;
    return unlisted !== undefined && unlisted.origin === origin ? unlisted.answers : undefined;
  }

  /** Keeps `answers` in `slot`; for {@link UNLISTED}, as those of `origin` (undefined: gives them up). */
  setAnswers(slot: number, answers: OriginAnswers | undefined, origin?: string): void {
    if (slot !== UNLISTED) this.#slots[slot + 2] = answers;
    else this.#unlisted = answers === undefined || origin === undefined ? undefined : { origin, answers };
  }
}
