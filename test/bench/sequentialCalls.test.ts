import { sequentialRoundTrips, windowedUserOrder } from '../../bench/sequentialCalls';

describe('sequentialRoundTrips', () => {
  it('counts calls logged one latency apart as a chain', () => {
    expect(sequentialRoundTrips([1000, 1050, 1101, 1152], 50)).toBe(4);
  });

  it('counts calls logged together as one round trip', () => {
    expect(sequentialRoundTrips([1000, 1001, 1003, 999], 50)).toBe(1);
  });

  it('takes the longest chain when parallel legs join', () => {
    // Two legs in parallel (two calls, then one), joined by a last call.
    expect(sequentialRoundTrips([1050, 1100, 1051, 1150], 50)).toBe(3);
  });

  it('allows a little clock rounding', () => {
    expect(sequentialRoundTrips([1000, 1049], 50)).toBe(2);
    expect(sequentialRoundTrips([1000, 1040], 50)).toBe(1);
  });

  it('needs an injected latency', () => {
    expect(() => sequentialRoundTrips([1, 2], 0)).toThrow(RangeError);
    expect(sequentialRoundTrips([], 50)).toBe(0);
  });
});

describe('windowedUserOrder', () => {
  it('cycles through each window of users in turn', () => {
    expect(windowedUserOrder(4, 8, 2)).toEqual([0, 1, 0, 1, 2, 3, 2, 3]);
  });

  it('sends every user at least once when there are enough requests, and exactly `requests` in all', () => {
    const order = windowedUserOrder(10_000, 100_000, 1000);
    expect(order).toHaveLength(100_000);
    expect(new Set(order).size).toBe(10_000);
  });

  it('handles a last window that is short, and a remainder', () => {
    expect(windowedUserOrder(3, 7, 2)).toEqual([0, 1, 0, 1, 2, 2, 2]);
  });
});
