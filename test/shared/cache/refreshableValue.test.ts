import { RefreshableValue } from '../../../shared/cache/refreshableValue';
import { deferred, type Deferred } from '../../helpers/deferred';

// A value loaded once and kept; refresh(seen) reloads once however many callers saw the same
// stale value, and not at all when the value already changed since they read it.


/** A source whose loads the test answers one by one. */
function scriptedSource<T>() {
  const pending: Deferred<T>[] = [];
  return {
    pending,
    load: () => {
      const d = deferred<T>();
      pending.push(d);
      return d.promise;
    },
  };
}

/** Lets already-settled promises run their continuations. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('RefreshableValue', () => {
  it('loads once for concurrent first callers and then serves the kept value', async () => {
    const source = scriptedSource<{ secret: string }>();
    const value = new RefreshableValue(source.load);
    const callers = Array.from({ length: 10 }, () => value.get());
    expect(source.pending).toHaveLength(1);
    const loaded = { secret: 's1' };
    source.pending[0]?.resolve(loaded);
    const results = await Promise.all(callers);
    expect(results.every((r) => r === loaded)).toBe(true);
    await expect(value.get()).resolves.toBe(loaded);
    expect(source.pending).toHaveLength(1);
  });

  it('does not keep a failed load: the next get loads again', async () => {
    let loads = 0;
    const value = new RefreshableValue(async () => {
      loads += 1;
      if (loads === 1) throw new Error('vault unavailable');
      return 'secret';
    });
    await expect(value.get()).rejects.toThrow('vault unavailable');
    await expect(value.get()).resolves.toBe('secret');
    expect(loads).toBe(2);
  });

  it('reloads once for many concurrent callers that saw the same stale value', async () => {
    const source = scriptedSource<{ secret: string }>();
    const value = new RefreshableValue(source.load);
    const pendingFirst = value.get();
    const stale = { secret: 'old' };
    source.pending[0]?.resolve(stale);
    await pendingFirst;

    const refreshers = Array.from({ length: 10 }, () => value.refresh(stale));
    expect(source.pending).toHaveLength(2);
    const fresh = { secret: 'new' };
    source.pending[1]?.resolve(fresh);
    const results = await Promise.all(refreshers);
    expect(results.every((r) => r === fresh)).toBe(true);
    await expect(value.get()).resolves.toBe(fresh);

    // A late caller that still holds the stale value gets the fresh one without another load.
    await expect(value.refresh(stale)).resolves.toBe(fresh);
    expect(source.pending).toHaveLength(2);
  });

  it('reloads again when a caller saw the refreshed value and it stopped working too', async () => {
    let loads = 0;
    const value = new RefreshableValue(async () => ({ n: ++loads }));
    const first = await value.get();
    const second = await value.refresh(first);
    const third = await value.refresh(second);
    expect([first.n, second.n, third.n]).toEqual([1, 2, 3]);
  });

  it('shares a failed refresh with every waiting caller, keeps the old value, and retries on the next refresh', async () => {
    const source = scriptedSource<string>();
    const value = new RefreshableValue(source.load);
    const firstGet = value.get();
    source.pending[0]?.resolve('old');
    await firstGet;

    const refreshers = [value.refresh('old'), value.refresh('old')];
    expect(source.pending).toHaveLength(2);
    source.pending[1]?.reject(new Error('vault unavailable'));
    const outcomes = await Promise.allSettled(refreshers);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await expect(value.get()).resolves.toBe('old');

    const retry = value.refresh('old');
    await settle();
    expect(source.pending).toHaveLength(3);
    source.pending[2]?.resolve('new');
    await expect(retry).resolves.toBe('new');
  });

  it('refresh before any get loads the value', async () => {
    let loads = 0;
    const value = new RefreshableValue(async () => `v${++loads}`);
    await expect(value.refresh('never-seen')).resolves.toBe('v1');
    await expect(value.get()).resolves.toBe('v1');
    expect(loads).toBe(1);
  });
});

describe('RefreshableValue re-read interval', () => {
  it('reloads at most once per interval, whatever callers ask', async () => {
    let now = 0;
    let loads = 0;
    const value = new RefreshableValue(async () => ({ n: ++loads }), { minRefreshIntervalMs: 1000, now: () => now });
    const first = await value.get();
    const second = await value.refresh(first);
    expect(second).toEqual({ n: 2 });
    expect(await value.refresh(second)).toBe(second);
    now += 1000;
    expect(await value.refresh(second)).toEqual({ n: 3 });
  });
});
