// Origin patterns grouped by suffix, so that deciding a request from an Origin looks up its candidate rules instead of scanning them.

/** Origin patterns whose suffix (text after `*`) has `length` characters, by suffix. */
export interface SuffixBucket {
  /** Suffix length: the part of the Origin to look up is its last `length` characters. */
  readonly length: number;
  /** Suffix → indexes (ascending) of the rules with such a pattern. */
  readonly rules: ReadonlyMap<string, readonly number[]>;
}

/** Comparator for `Array.prototype.sort` on rule indexes. */
export const ascending = (a: number, b: number): number => a - b;

/** The indexes (ascending) of the rules whose `bucket` suffix `origin` ends with, if any. */
export function suffixMatch(bucket: SuffixBucket, origin: string): readonly number[] | undefined {
  return bucket.length > origin.length ? undefined : bucket.rules.get(origin.slice(origin.length - bucket.length));
}

/**
 * Appends to `into` the indexes (ascending within each bucket, not across them) of the rules whose
 * origin suffix `origin` ends with.
 */
export function addSuffixCandidates(buckets: readonly SuffixBucket[], origin: string, into: number[]): void {
  for (const bucket of buckets) {
    const indexes = suffixMatch(bucket, origin);
    if (indexes !== undefined) for (let i = 0; i < indexes.length; i++) into.push(indexes[i]!);
  }
}
