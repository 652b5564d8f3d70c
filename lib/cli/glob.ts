// `--buckets` patterns: `*` for any run of characters, `?` for one, matched without regular expressions.

/** A compiled `--buckets` pattern. */
export interface BucketPattern {
  /** The pattern as given. */
  readonly text: string;
  /** True when it has no `*` or `?`: it names one bucket, which is checked even when it has no rules. */
  readonly literal: boolean;
  /** The text before the first `*` or `?`: every matching name starts with it. */
  readonly prefix: string;
  matches(name: string): boolean;
}

/** Whether `segment` (a part of the pattern without `*`, `?` standing for any one character) matches `name` at `at`. */
function segmentAt(name: string, at: number, segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i];
    if (char !== '?' && char !== name[at + i]) return false;
  }
  return true;
}

/**
 * Whether `name` matches `segments` (the pattern split at its `*`s). The first segment must match at
 * the start and the last one at the end; each one between is taken at its leftmost place after the
 * previous one, which is enough for `*`. No position is tried twice for a segment, so the work is at
 * most the name's length times the pattern's, whatever either holds.
 */
function matchesSegments(name: string, segments: readonly string[]): boolean {
  const first = segments[0]!;
  if (segments.length === 1) return name.length === first.length && segmentAt(name, 0, first);
  const last = segments[segments.length - 1]!;
  const end = name.length - last.length;
  if (end < first.length || !segmentAt(name, 0, first) || !segmentAt(name, end, last)) return false;
  let at = first.length;
  for (let k = 1; k < segments.length - 1; k++) {
    const segment = segments[k]!;
    while (at + segment.length <= end && !segmentAt(name, at, segment)) at++;
    if (at + segment.length > end) return false;
    at += segment.length;
  }
  return true;
}

/** Compiles a `--buckets` pattern: `*` matches any run of characters (none too), `?` exactly one, the rest itself (case-sensitively). */
export function compileBucketPattern(text: string): BucketPattern {
  const segments = text.split('*');
  let wild = text.indexOf('?');
  const star = text.indexOf('*');
  if (wild === -1 || (star !== -1 && star < wild)) wild = star;
  return {
    text,
    literal: wild === -1,
    prefix: wild === -1 ? text : text.slice(0, wild),
    matches: (name) => matchesSegments(name, segments),
  };
}
