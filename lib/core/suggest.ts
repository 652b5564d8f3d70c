// "Did you mean": the known name a mistyped one was probably meant to be, for option names and rule fields alike.

/** Edit distance of two short strings, case-insensitive. */
function distance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/**
 * The known name closest to `name`, when it is close enough to be a typo (case aside, or a prefix of
 * it, e.g. `ttl` for `ttlMs`); `undefined` otherwise.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase().startsWith(name.toLowerCase()) ? 0.5 : distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ` (did you mean "X"?)` when `name` is close to one of `known` ({@link closestName}), else `''`: the one wording of the hint. */
export function didYouMean(name: string, known: readonly string[]): string {
  const near = closestName(name, known);
  return near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`;
}
