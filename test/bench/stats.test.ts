import { medianRun, percentile, runPool, summarize } from '../../bench/stats';

describe('percentile', () => {
  it('is the nearest rank, always an observed value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
  });

  it('is NaN with no values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('sorts before ranking and keeps min, max and mean', () => {
    expect(summarize([3, 1, 2])).toEqual({ count: 3, min: 1, p50: 2, p99: 3, max: 3, mean: 2 });
  });
});

describe('runPool', () => {
  it('keeps at most `concurrency` tasks in flight and the results in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await runPool([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });
});

describe('medianRun', () => {
  it('picks the run with the median figure (the lower middle of an even count), whole', () => {
    const runs = [{ p50: 460, id: 'a' }, { p50: 440, id: 'b' }, { p50: 700, id: 'c' }, { p50: 450, id: 'd' }, { p50: 445, id: 'e' }];
    expect(medianRun(runs, (r) => r.p50)).toEqual({ p50: 450, id: 'd' });
    expect(medianRun(runs.slice(0, 4), (r) => r.p50).id).toBe('d');
    expect(medianRun(runs.slice(2, 3), (r) => r.p50).id).toBe('c');
    expect(() => medianRun([], () => 0)).toThrow(RangeError);
  });
});
