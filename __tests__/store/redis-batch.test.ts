// ReadBatcher (pure logic, getMany mocked): one getMany per event-loop turn, distinct keys, values back in place, failures to every reader.

import { ReadBatcher } from '../support/internals';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadBatcher', () => {
  it('sends the distinct keys of one turn in one getMany and hands each reader its own value', async () => {
    const getMany = jest.fn(async (keys: readonly string[]) => keys.map((key) => (key === 'missing' ? null : `value of ${key}`)));
    const batcher = new ReadBatcher(getMany);
    const reads = Promise.all(['a', 'b', 'a', 'missing'].map((key) => batcher.read(key)));
    expect(getMany).not.toHaveBeenCalled(); // nothing leaves before the turn ends
    await expect(reads).resolves.toEqual(['value of a', 'value of b', 'value of a', null]);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(getMany).toHaveBeenCalledWith(['a', 'b', 'missing']);
  });

  it('starts a new batch in the next turn', async () => {
    const getMany = jest.fn(async (keys: readonly string[]) => keys.map(() => 'v'));
    const batcher = new ReadBatcher(getMany);
    const first = batcher.read('a');
    await nextTurn();
    const second = batcher.read('a');
    await Promise.all([first, second]);
    expect(getMany.mock.calls).toEqual([[['a']], [['a']]]);
  });

  it('rejects every read of a batch whose getMany rejects or throws, and only those', async () => {
    const failure = new Error('connection lost');
    let calls = 0;
    const batcher = new ReadBatcher(async (keys) => {
      calls++;
      if (calls === 1) throw failure;
      if (calls === 2) return Promise.reject(failure);
      return keys.map(() => 'ok');
    });
    await expect(Promise.allSettled([batcher.read('a'), batcher.read('b')])).resolves.toEqual([
      { status: 'rejected', reason: failure },
      { status: 'rejected', reason: failure },
    ]);
    await expect(batcher.read('c')).rejects.toBe(failure);
    await expect(batcher.read('d')).resolves.toBe('ok');
  });

  it('turns a synchronous throw of getMany into rejections', async () => {
    const failure = new Error('not connected');
    const batcher = new ReadBatcher(() => {
      throw failure;
    });
    await expect(batcher.read('a')).rejects.toBe(failure);
  });
});
