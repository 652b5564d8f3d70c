// Equal rules as one object: what the built-in stores hand out for buckets holding the same configuration, so a cache in front finds its compiled rules by identity.

import type { CorsConfiguration } from '../core/model.js';

/** The configuration objects the built-in stores hand out for every bucket holding equal rules. */
const sharedConfigurations = new WeakSet<object>();

/**
 * Whether `configuration` is an object a built-in store hands out for every bucket holding the same
 * rules, and never changes: what a cache may remember its compiled rules by. (Objects parsed afresh
 * on every read are not remembered: each would cost the cache's table a slot until collected.)
 */
export function isSharedConfiguration(configuration: object): boolean {
  return sharedConfigurations.has(configuration);
}

/** A 32-bit FNV-1a hash of `text`'s UTF-16 code units: which configurations to compare, never a proof of equality. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * The configurations a `MemoryRuleStore` holds, one object per distinct content, held weakly: a
 * content leaves with the last bucket, history entry or candidate holding it. Indexed by a hash of
 * the JSON (not the JSON itself, which would cost every distinct configuration its text once more);
 * equal hashes are told apart by comparing the JSON, which happens on writes only.
 */
export class HeldConfigurations {
  readonly #byHash = new Map<number, Array<WeakRef<CorsConfiguration>>>();
  readonly #collected = new FinalizationRegistry<number>((hash) => this.#prune(hash));

  /** A copy of `configuration` as JSON holds it, or the equal one already held (then never copied). */
  copyOf(configuration: CorsConfiguration): CorsConfiguration {
    const text = JSON.stringify(configuration);
    const hash = hashOf(text);
    const held = this.#byHash.get(hash);
    if (held !== undefined) {
      for (const ref of held) {
        const kept = ref.deref();
        if (kept !== undefined && JSON.stringify(kept) === text) return kept;
      }
    }
    const copy = JSON.parse(text) as CorsConfiguration;
    sharedConfigurations.add(copy);
    const ref = new WeakRef(copy);
    if (held === undefined) this.#byHash.set(hash, [ref]);
    else held.push(ref);
    this.#collected.register(copy, hash);
    return copy;
  }

  #prune(hash: number): void {
    const held = this.#byHash.get(hash)?.filter((ref) => ref.deref() !== undefined);
    if (held === undefined || held.length === 0) this.#byHash.delete(hash);
    else this.#byHash.set(hash, held);
  }
}

/** Most distinct rule texts a {@link RecentRules} keeps, and the longest it keeps: a few MB at most. */
export const RECENT_RULES_KEPT = 1_024;
const LONGEST_KEPT = 16_384;

/**
 * The rules of the last {@link RECENT_RULES_KEPT} distinct JSON texts a `RedisRuleStore` read, parsed
 * once: a read of rules another bucket holds too (or the same bucket, read again) hands out the
 * object parsed before, without parsing, least recently read dropped first.
 */
export class RecentRules {
  readonly #byText = new Map<string, unknown>();

  /** `JSON.parse(text)`, the same value as for an earlier equal text still kept; throws as `JSON.parse` does. */
  parse(text: string): unknown {
    const byText = this.#byText;
    const kept = byText.get(text);
    if (kept !== undefined) {
      byText.delete(text);
      byText.set(text, kept);
      return kept;
    }
    const parsed: unknown = JSON.parse(text);
    if (text.length <= LONGEST_KEPT && typeof parsed === 'object' && parsed !== null) {
      if (byText.size >= RECENT_RULES_KEPT) byText.delete(byText.keys().next().value as string);
      byText.set(text, parsed);
      sharedConfigurations.add(parsed);
    }
    return parsed;
  }
}
