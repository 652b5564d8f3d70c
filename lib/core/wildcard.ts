// S3's one-`*` patterns (AllowedOrigin, AllowedHeader): prefix + any possibly-empty text + suffix, without regular expressions.

/** The character S3 treats as a wildcard in `AllowedOrigin` and `AllowedHeader`. */
export const WILDCARD = '*';

/** A pattern split once at its first `*`, ready for {@link matchesWildcard}. */
export interface WildcardPattern {
  /** Text before the `*`; the whole pattern when it has none. */
  readonly prefix: string;
  /** Text after the `*`; empty when the pattern has none. */
  readonly suffix: string;
  /** False for a literal pattern (no `*`), which must equal the value exactly. */
  readonly hasWildcard: boolean;
  /** Shortest matching value: prefix and suffix lengths together. */
  readonly minLength: number;
  /** Char code of the suffix's first character (-1 when the suffix is empty), for a one-comparison early reject. */
  readonly suffixFirstCode: number;
}

/** Number of `*` characters in `s` (validation allows at most one in origins and allowed headers). */
export function countWildcards(s: string): number {
  let count = 0;
  for (let i = s.indexOf(WILDCARD); i !== -1; i = s.indexOf(WILDCARD, i + 1)) count++;
  return count;
}

/**
 * Splits `pattern` at its first `*`. A second `*` (rejected by validation) would stay a literal
 * character of the suffix.
 */
export function compileWildcard(pattern: string): WildcardPattern {
  const star = pattern.indexOf(WILDCARD);
  if (star === -1) return { prefix: pattern, suffix: '', hasWildcard: false, minLength: pattern.length, suffixFirstCode: -1 };
  const suffix = pattern.slice(star + 1);
  return {
    prefix: pattern.slice(0, star),
    suffix,
    hasWildcard: true,
    minLength: pattern.length - 1,
    suffixFirstCode: suffix.length === 0 ? -1 : suffix.charCodeAt(0),
  };
}

/**
 * True when `value` matches `pattern`, case-sensitively: equal to a literal pattern, or starting with
 * the prefix and ending with the suffix without the two overlapping (the `*` part may be empty).
 */
export function matchesWildcard(pattern: WildcardPattern, value: string): boolean {
  if (!pattern.hasWildcard) return value === pattern.prefix;
  if (value.length < pattern.minLength) return false;
  // Where the suffix would start: one comparison rejects most non-matches before the string scans.
  if (pattern.suffixFirstCode !== -1 && value.charCodeAt(value.length - pattern.suffix.length) !== pattern.suffixFirstCode) return false;
  // The suffix is usually the distinctive part (`*.example.com`), so it is compared first.
  return value.endsWith(pattern.suffix) && value.startsWith(pattern.prefix);
}
