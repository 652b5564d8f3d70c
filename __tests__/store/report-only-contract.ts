// The report-only part of the RuleStore contract (a candidate beside the rules, its conditions, promote, its lifecycle) as one suite, run against every built-in store.

import {
  CandidateNotFoundError,
  isCandidateNotFoundError,
  PreconditionFailedError,
  rollbackConfiguration,
  type InvalidationEvent,
  type RuleStore,
} from 'express-bucket-cors';
import { RULES_A, RULES_B } from './contract';
import { nextBucketEvent, nextEvent, subscribed } from './helpers';
import { changeEventsDuring, RULES_C, storeOpener, type StorePair } from './lifecycle-contract';

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** Resolves once `store` hears its own (or its peers') invalidations. */
const listening = (store: RuleStore): Promise<unknown> => (store.shared ? subscribed(store) : Promise.resolve());

/** Registers the report-only tests; `makeStores` as for `describeLifecycleContract`. */
export function describeReportOnlyContract(name: string, makeStores: (historyLength?: number) => StorePair | Promise<StorePair>): void {
  describe(`${name}: report-only candidates and promote`, () => {
    const open = storeOpener(makeStores);

    it('keeps a candidate beside the rules with its own version, out of the history and the change events', async () => {
      const { store, peer } = await open();
      await expect(store.getRules!('photos')).resolves.toEqual({ enforced: null, candidate: null });
      const enforced = await store.put('photos', RULES_A);
      let candidate!: { version: string };
      const events = await changeEventsDuring(async () => {
        candidate = await store.putCandidate!('photos', RULES_B);
      });
      expect(events).toEqual([]);
      expect(candidate.version).not.toBe(enforced.version);
      await expect(peer.get('photos')).resolves.toEqual(enforced);
      await expect(peer.getCandidate!('photos')).resolves.toEqual({ configuration: RULES_B, version: candidate.version });
      await expect(peer.getRules!('photos')).resolves.toEqual({ enforced, candidate: { configuration: RULES_B, version: candidate.version } });
      expect(await store.history!('photos')).toHaveLength(1);
      // A candidate without rules of the bucket's own is fine: it reports what adding them would change.
      await store.putCandidate!('videos', RULES_C);
      await expect(peer.getRules!('videos')).resolves.toMatchObject({ enforced: null, candidate: { configuration: RULES_C } });
    });

    it("writes and deletes the candidate on its own version's conditions, changing nothing when one does not hold", async () => {
      const { store } = await open();
      const rules = await store.put('photos', RULES_A);
      const first = await store.putCandidate!('photos', RULES_B, { ifVersion: null });
      const refused = await rejectionOf(store.putCandidate!('photos', RULES_C, { ifVersion: null }));
      expect(refused).toBeInstanceOf(PreconditionFailedError);
      expect(refused).toMatchObject({ configuration: 'candidate', expected: null, actual: first.version });
      // The enforced version is no condition on the candidate.
      await expect(rejectionOf(store.putCandidate!('photos', RULES_C, { ifVersion: rules.version }))).resolves.toMatchObject({ configuration: 'candidate', actual: first.version });
      await expect(rejectionOf(store.deleteCandidate!('photos', { ifVersion: 'stale' }))).resolves.toMatchObject({ configuration: 'candidate' });
      await expect(store.getCandidate!('photos')).resolves.toEqual(first);
      const second = await store.putCandidate!('photos', RULES_C, { ifVersion: first.version });
      await store.deleteCandidate!('photos', { ifVersion: second.version });
      await expect(store.getCandidate!('photos')).resolves.toBeNull();
      await store.deleteCandidate!('photos'); // none is fine
      await expect(store.get('photos')).resolves.toEqual(rules);
    });

    it("tells every instance of a candidate's changes, with its version", async () => {
      const { store, peer } = await open();
      await listening(peer);
      const put = nextBucketEvent(peer, 'photos');
      const candidate = await store.putCandidate!('photos', RULES_B);
      await expect(put).resolves.toEqual<InvalidationEvent>({ type: 'bucket', bucket: 'photos', candidateVersion: candidate.version });
      const deleted = nextBucketEvent(peer, 'photos');
      await store.deleteCandidate!('photos');
      await expect(deleted).resolves.toEqual<InvalidationEvent>({ type: 'bucket', bucket: 'photos', candidateVersion: null });
    });

    it('promotes the candidate with its version in one step: recorded as source promote, announced, the candidate gone', async () => {
      const { store, peer } = await open();
      await listening(peer);
      const enforced = await store.put('photos', RULES_A);
      const candidate = await store.putCandidate!('photos', RULES_B);
      // Earlier changes' messages may still be on their way: wait for the promotion's.
      const heard = nextEvent(peer, (event) => event.type === 'bucket' && event.version === candidate.version);
      let promoted!: { version: string };
      const events = await changeEventsDuring(async () => {
        promoted = await store.promote!('photos', { ifVersion: enforced.version, ifCandidateVersion: candidate.version, principal: 'ops' });
      });
      expect(promoted).toEqual({ configuration: RULES_B, version: candidate.version });
      await expect(heard).resolves.toEqual({ type: 'bucket', bucket: 'photos', version: candidate.version, candidateVersion: null });
      expect(events).toEqual([{ bucket: 'photos', previousVersion: enforced.version, version: candidate.version, source: 'promote', principal: 'ops' }]);
      await expect(peer.getRules!('photos')).resolves.toEqual({ enforced: { configuration: RULES_B, version: candidate.version }, candidate: null });
      expect((await peer.history!('photos'))[0]).toMatchObject({ version: candidate.version, previousVersion: enforced.version, previous: RULES_A, source: 'promote', principal: 'ops' });
      // A promotion is undone like any change.
      const restored = await rollbackConfiguration(store, 'photos', enforced.version);
      await expect(peer.get('photos')).resolves.toEqual({ configuration: RULES_A, version: restored.version });
    });

    it('refuses a promotion whose conditions do not hold, or without a candidate, changing nothing', async () => {
      const { store } = await open();
      const enforced = await store.put('photos', RULES_A);
      await expect(rejectionOf(store.promote!('photos'))).resolves.toBeInstanceOf(CandidateNotFoundError);
      const candidate = await store.putCandidate!('photos', RULES_B);
      const staleRules = await rejectionOf(store.promote!('photos', { ifVersion: 'stale', ifCandidateVersion: candidate.version }));
      expect(staleRules).toMatchObject({ name: 'PreconditionFailedError', configuration: 'enforced', expected: 'stale', actual: enforced.version });
      await expect(rejectionOf(store.promote!('photos', { ifVersion: null }))).resolves.toMatchObject({ configuration: 'enforced', actual: enforced.version });
      const staleCandidate = await rejectionOf(store.promote!('photos', { ifVersion: enforced.version, ifCandidateVersion: 'stale' }));
      expect(staleCandidate).toMatchObject({ name: 'PreconditionFailedError', configuration: 'candidate', expected: 'stale', actual: candidate.version });
      await expect(store.getRules!('photos')).resolves.toEqual({ enforced, candidate });
      expect(await store.history!('photos')).toHaveLength(1);
      // Without rules of its own, "only if it has none" holds.
      const fresh = await store.putCandidate!('videos', RULES_C);
      await expect(store.promote!('videos', { ifVersion: null })).resolves.toEqual(fresh);
      expect(isCandidateNotFoundError(await rejectionOf(store.promote!('videos')))).toBe(true);
    });

    it('lets exactly one of two concurrent promotions on the same versions win', async () => {
      const { store, peer } = await open();
      const enforced = await store.put('photos', RULES_A);
      const candidate = await store.putCandidate!('photos', RULES_B);
      const conditions = { ifVersion: enforced.version, ifCandidateVersion: candidate.version };
      const outcomes = await Promise.allSettled([store.promote!('photos', conditions), peer.promote!('photos', conditions)]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(await store.history!('photos')).toHaveLength(2);
    });

    it('drops the candidate with the bucket (history drop), and keeps it when only the rules are deleted', async () => {
      const { store, peer } = await open();
      await store.put('photos', RULES_A);
      const candidate = await store.putCandidate!('photos', RULES_B);
      await store.delete('photos');
      await expect(peer.getRules!('photos')).resolves.toEqual({ enforced: null, candidate });
      await listening(peer);
      const heard = nextEvent(peer, (event) => event.type === 'bucket' && event.candidateVersion === null);
      await store.delete('photos', { history: 'drop' });
      // Said so: a cache keeps an entry read at the versions an invalidation announces.
      await expect(heard).resolves.toEqual({ type: 'bucket', bucket: 'photos', version: null, candidateVersion: null });
      await expect(peer.getRules!('photos')).resolves.toEqual({ enforced: null, candidate: null });
      await store.put('videos', RULES_A);
      await store.putCandidate!('videos', RULES_B);
      await store.delete('videos', { history: 'drop' });
      await expect(peer.getRules!('videos')).resolves.toEqual({ enforced: null, candidate: null });
    });

    it('promotes also with no history kept (historyLength 0)', async () => {
      const { store } = await open(0);
      await store.put('photos', RULES_A);
      const candidate = await store.putCandidate!('photos', RULES_B);
      await expect(store.promote!('photos')).resolves.toEqual(candidate);
      await expect(store.history!('photos')).resolves.toEqual([]);
    });
  });
}
