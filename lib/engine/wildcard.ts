// lib/engine/wildcard.ts
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
  if (star === -1) return { prefix: pattern, suffix: '', hasWildcard: false };
  return { prefix: pattern.slice(0, star), suffix: pattern.slice(star + 1), hasWildcard: true };
}

/**
 * True when `value` matches `pattern`, case-sensitively: equal to a literal pattern, or starting with
 * the prefix and ending with the suffix without the two overlapping (the `*` part may be empty).
 */
export function matchesWildcard(pattern: WildcardPattern, value: string): boolean {
  if (!pattern.hasWildcard) return value === pattern.prefix;
  return (
    value.length >= pattern.prefix.length + pattern.suffix.length &&
    value.startsWith(pattern.prefix) &&
    value.endsWith(pattern.suffix)
  );
}
