// SubscriptionHealthCheck (pure logic, publish mocked, fake timers): lost only when a published token doesn't come back; never while Redis is unreachable; stop() clears.

import { SubscriptionHealthCheck } from '../support/internals';

beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

/** A check whose publish behaves as `publish` says and whose received tokens `echo` decides. */
function check(publish: (token: string) => Promise<unknown>) {
  const lost = jest.fn();
  const published: string[] = [];
  const health = new SubscriptionHealthCheck({
    intervalMs: 1_000,
    timeoutMs: 500,
    publish: (token) => {
      published.push(token);
      return publish(token);
    },
    lost,
  });
  return { health, lost, published };
}

describe('SubscriptionHealthCheck', () => {
  it('publishes a fresh token every interval and reports nothing while each comes back', async () => {
    const { health, lost, published } = check(async (token) => {
      void Promise.resolve().then(() => health.received(token)); // (queueMicrotask is faked too)
      return 1;
    });
    health.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(published).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(published).toEqual(['1']);
    await jest.advanceTimersByTimeAsync(3_500); // three more intervals
    expect(published).toEqual(['1', '2', '3', '4']);
    expect(lost).not.toHaveBeenCalled();
    health.stop();
  });

  it('reports a lost subscription when a published token does not come back within the timeout, then keeps checking', async () => {
    const { health, lost, published } = check(async () => 1);
    health.start();
    await jest.advanceTimersByTimeAsync(1_499);
    expect(lost).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost).toHaveBeenCalledWith(expect.stringContaining('within 500 ms'));
    await jest.advanceTimersByTimeAsync(1_500);
    expect(published).toEqual(['1', '2']);
    expect(lost).toHaveBeenCalledTimes(2);
    health.stop();
  });

  it('ignores a stale or foreign token', async () => {
    const { health, lost } = check(async () => {
      health.received('not-the-token');
      return 1;
    });
    health.start();
    await jest.advanceTimersByTimeAsync(1_500);
    expect(lost).toHaveBeenCalledTimes(1);
    health.stop();
  });

  it('reports nothing when the PUBLISH fails or never answers (Redis unreachable: last-known rules stay)', async () => {
    const failing = check(() => Promise.reject(new Error('ECONNREFUSED')));
    const hanging = check(() => new Promise(() => undefined));
    failing.health.start();
    hanging.health.start();
    await jest.advanceTimersByTimeAsync(6_000);
    expect(failing.published.length).toBeGreaterThanOrEqual(3);
    expect(hanging.published.length).toBeGreaterThanOrEqual(3);
    expect(failing.lost).not.toHaveBeenCalled();
    expect(hanging.lost).not.toHaveBeenCalled();
    failing.health.stop();
    hanging.health.stop();
  });

  it('stops publishing and clears its timer on stop(), also mid-check', async () => {
    const { health, lost, published } = check(async () => 1);
    health.start();
    await jest.advanceTimersByTimeAsync(1_100); // a check is waiting for its token
    health.stop();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(published).toEqual(['1']);
    expect(lost).not.toHaveBeenCalled();
  });

  it('never runs with an interval of Infinity', async () => {
    const health = new SubscriptionHealthCheck({ intervalMs: Infinity, timeoutMs: 500, publish: jest.fn(), lost: jest.fn() });
    health.start();
    expect(jest.getTimerCount()).toBe(0);
    health.stop();
  });
});
