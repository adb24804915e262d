import { combineCounts, perRequest, type UpstreamCounts } from '../../bench/upstreams';

const counts = (n: number): UpstreamCounts => ({ entraMetadata: n, entraToken: n + 1, managedIdentity: n, keyVault: 2 * n, powerBiGet: n, generateToken: n, userIssuer: 0 });

describe('upstream counts', () => {
  it('fold over runs (a sum, the most of any run) and divide per request, kind by kind', () => {
    expect(combineCounts((a, b) => a + b, [counts(1), counts(2)])).toEqual({ entraMetadata: 3, entraToken: 5, managedIdentity: 3, keyVault: 6, powerBiGet: 3, generateToken: 3, userIssuer: 0 });
    expect(combineCounts(Math.max, [counts(1), counts(3), counts(2)])).toEqual(counts(3));
    expect(perRequest(counts(2), 4)).toEqual({ entraMetadata: 0.5, entraToken: 0.75, managedIdentity: 0.5, keyVault: 1, powerBiGet: 0.5, generateToken: 0.5, userIssuer: 0 });
  });
});
