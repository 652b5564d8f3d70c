// The cache holds a bucket's report-only candidate compiled with its entry: counted in bytes, refreshed on its changes, and never allowed to break the enforced rules.

import { MemoryRuleStore, RuleCache, type RuleLookup, type RuleStore } from 'express-bucket-cors';
import { RULES_A, RULES_B } from '../store/contract';
import { configurationOf, silentLogger } from '../store/helpers';

const lookupOf = async (cache: RuleCache, bucket: string): Promise<RuleLookup> => cache.lookup(bucket);

describe('RuleCache with report-only candidates', () => {
  it('compiles the candidate beside the rules, reads both in one store read, and counts both in its bytes', async () => {
    const store = new MemoryRuleStore();
    const getRules = jest.spyOn(store, 'getRules');
    await store.put('photos', RULES_A);
    const plain = new RuleCache(store);
    await lookupOf(plain, 'photos');
    const withoutCandidate = plain.usage.bytes;
    const other = new MemoryRuleStore();
    await other.put('photos', RULES_B);
    const alone = new RuleCache(other);
    await lookupOf(alone, 'photos');
    // The candidate's rules cost what they cost cached alone, less that bucket's entry (under 200 bytes).
    const candidateAtLeast = alone.usage.bytes - 200;
    alone.close();
    const candidate = await store.putCandidate('photos', RULES_B);
    const cache = new RuleCache(store);
    getRules.mockClear();
    const lookup = await lookupOf(cache, 'photos');
    expect(getRules).toHaveBeenCalledTimes(1);
    expect(configurationOf(lookup)).toEqual(RULES_A);
    expect(lookup.candidate?.version).toBe(candidate.version);
    expect(lookup.candidate?.state.rules.configuration).toEqual(RULES_B);
    expect(cache.lookup('photos')).toBe(lookup); // a hit, synchronously, the same answer
    expect(cache.usage.bytes).toBeGreaterThan(withoutCandidate + candidateAtLeast);
    plain.close();
    cache.close();
  });

  it('has no candidate field at all for a bucket without one, and holds one for a bucket with only a candidate', async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_A);
    await store.putCandidate('videos', RULES_B);
    const cache = new RuleCache(store);
    expect('candidate' in (await lookupOf(cache, 'photos'))).toBe(false);
    const videos = await lookupOf(cache, 'videos');
    expect(videos.kind).toBe('no-configuration');
    expect(videos.candidate?.state.rules.configuration).toEqual(RULES_B);
    cache.close();
  });

  it("reads the bucket again when its candidate changes, is deleted or is promoted", async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_A);
    const cache = new RuleCache(store);
    expect((await lookupOf(cache, 'photos')).candidate).toBeUndefined();
    const first = await store.putCandidate('photos', RULES_B);
    expect((await lookupOf(cache, 'photos')).candidate?.version).toBe(first.version);
    await store.deleteCandidate('photos');
    expect((await lookupOf(cache, 'photos')).candidate).toBeUndefined();
    await store.putCandidate('photos', RULES_B);
    await store.promote('photos');
    const promoted = await lookupOf(cache, 'photos');
    expect(configurationOf(promoted)).toEqual(RULES_B);
    expect(promoted.candidate).toBeUndefined();
    cache.close();
  });

  it("drops a candidate-only bucket's entry when the bucket is dropped, though the rules' version (none) is unchanged", async () => {
    const store = new MemoryRuleStore();
    await store.putCandidate('videos', RULES_B);
    const cache = new RuleCache(store);
    expect((await lookupOf(cache, 'videos')).candidate).toBeDefined();
    await store.delete('videos', { history: 'drop' });
    const after = await lookupOf(cache, 'videos');
    expect(after).toEqual({ kind: 'no-configuration' });
    cache.close();
  });

  it('leaves out a candidate it will not use (invalid, or over the byte budget), logging it, and answers with the rules', async () => {
    const store = new MemoryRuleStore();
    await store.put('photos', RULES_A);
    // What a store of your own (or a hand-edited key) may hold: never came through a router.
    await store.putCandidate('photos', { CORSRules: [{ AllowedOrigins: ['https://a.example'], AllowedMethods: ['BREW'] }] } as never);
    const logger = silentLogger();
    const cache = new RuleCache(store, { logger });
    const lookup = await lookupOf(cache, 'photos');
    expect(configurationOf(lookup)).toEqual(RULES_A);
    expect(lookup.candidate).toBeUndefined();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toContain('ignoring the report-only candidate of bucket "photos"');
    cache.close();

    // Room for the rules alone, not for the pair.
    const other = new MemoryRuleStore();
    await other.put('photos', RULES_A);
    const plain = new RuleCache(other);
    await lookupOf(plain, 'photos');
    const maxBytes = plain.usage.bytes + 100;
    await other.putCandidate('photos', RULES_B);
    const tight = new RuleCache(other, { maxBytes, logger });
    const answer = await lookupOf(tight, 'photos');
    expect(configurationOf(answer)).toEqual(RULES_A);
    expect(answer.candidate).toBeUndefined();
    expect(logger.error.mock.calls[1]![0]).toContain('more than cache.maxBytes');
    plain.close();
    tight.close();
  });

  it('reads only get from a store without report-only candidates', async () => {
    const inner = new MemoryRuleStore();
    await inner.put('photos', RULES_A);
    const store: RuleStore = { get: (bucket) => inner.get(bucket), put: (b, c) => inner.put(b, c), delete: (b) => inner.delete(b), subscribe: (listener) => inner.subscribe(listener), shared: false };
    const cache = new RuleCache(store);
    expect(configurationOf(await lookupOf(cache, 'photos'))).toEqual(RULES_A);
    cache.close();
  });
});
