// SharedDeadlines and abortable: reads started close together share one signal, one timer and one abort listener; each still settles on its own.

import { getMaxListeners } from 'node:events';
import { abortable, SharedDeadlines } from '../support/internals';
import { collectUnhandledRejections } from './helpers';

const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SharedDeadlines', () => {
  it('gives reads started within a tenth of the timeout one signal, and later reads another', async () => {
    const deadlines = new SharedDeadlines(200);
    const signals: AbortSignal[] = [];
    const read = (value: string) => deadlines.run(async (signal) => (signals.push(signal), value));
    const first = [read('a'), read('b')];
    await sleep(40); // past 20 ms
    const second = read('c');
    await expect(Promise.all([...first, second])).resolves.toEqual(['a', 'b', 'c']);
    expect(signals[0]).toBe(signals[1]);
    expect(signals[2]).not.toBe(signals[0]);
    expect(signals.some((signal) => signal.aborted)).toBe(false);
  });

  it('settles each read like its own call: a rejection or a synchronous throw stays with that read', async () => {
    const deadlines = new SharedDeadlines(1_000);
    const failure = new Error('READONLY');
    const results = await Promise.allSettled([
      deadlines.run(async () => 'kept'),
      deadlines.run(() => Promise.reject(failure)),
      deadlines.run(() => {
        throw new TypeError('broken store');
      }),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'kept' },
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: expect.objectContaining({ message: 'broken store' }) },
    ]);
  });

  it('after timeoutMs rejects every read still waiting with a TimeoutError, and aborts their signal', async () => {
    const unhandled = await collectUnhandledRejections(async () => {
      const deadlines = new SharedDeadlines(100);
      let signal: AbortSignal | undefined;
      const started = Date.now();
      const slow = deadlines.run((given) => ((signal = given), never()));
      const alsoSlow = deadlines.run(never);
      const quick = deadlines.run(async () => 'answered');
      await expect(quick).resolves.toBe('answered');
      const timedOut = await slow.catch((error: unknown) => error);
      expect(timedOut).toMatchObject({ name: 'TimeoutError', message: 'rule store did not answer within 100 ms' });
      await expect(alsoSlow).rejects.toBe(timedOut);
      expect(Date.now() - started).toBeGreaterThanOrEqual(95);
      expect(signal?.aborted).toBe(true);
      expect(signal?.reason).toBe(timedOut);
      // A read started right after gets a live signal of its own, and its full time.
      await expect(deadlines.run(async (later) => later.aborted)).resolves.toBe(false);
    });
    expect(unhandled).toEqual([]);
  });

  it('lifts the shared signal\'s listener limit, so a store adding an abort listener per read (fetch does) gets no leak warning', async () => {
    const deadlines = new SharedDeadlines(1_000);
    const limits = new Set<number>();
    const reads = Array.from({ length: 50 }, (_, i) =>
      deadlines.run(async (signal) => {
        const onAbort = () => {};
        signal.addEventListener('abort', onAbort);
        limits.add(getMaxListeners(signal));
        await new Promise((resolve) => setImmediate(resolve));
        signal.removeEventListener('abort', onAbort);
        return i;
      }),
    );
    expect(await Promise.all(reads)).toHaveLength(50);
    expect([...limits]).toEqual([Infinity]); // a fresh AbortSignal warns past 10
    expect(getMaxListeners(new AbortController().signal)).toBe(10);
  });

  it("clears a group's timer once a later group took over and its reads have settled", async () => {
    const deadlines = new SharedDeadlines(60_000);
    const cleared = jest.spyOn(global, 'clearTimeout');
    await Promise.all([deadlines.run(async () => 1), deadlines.run(async () => 2)]);
    expect(cleared).not.toHaveBeenCalled();
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 6_001);
    await deadlines.run(async () => 3);
    expect(cleared).toHaveBeenCalledTimes(1);
  });
});

describe('abortable', () => {
  it('lets any number of waiters share one signal through a single abort listener', async () => {
    const controller = new AbortController();
    const added = jest.spyOn(controller.signal, 'addEventListener');
    const waiting = Array.from({ length: 100 }, () => abortable(never(), controller.signal));
    const answered = abortable(Promise.resolve('value'), controller.signal);
    await expect(answered).resolves.toBe('value');
    controller.abort(new Error('gave up'));
    const results = await Promise.allSettled(waiting);
    expect(results.every((result) => result.status === 'rejected' && (result.reason as Error).message === 'gave up')).toBe(true);
    expect(added).toHaveBeenCalledTimes(1);
    // An aborted signal rejects at once, without waiting for the promise.
    await expect(abortable(never(), controller.signal)).rejects.toThrow('gave up');
  });
});

afterEach(() => {
  jest.restoreAllMocks();
});
