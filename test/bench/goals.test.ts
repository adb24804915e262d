import { MEMORY_BOUND_MIB, structuralGoals, type StructuralFigures } from '../../bench/goals';
import type { UpstreamCounts } from '../../bench/upstreams';

const none: UpstreamCounts = { entraMetadata: 0, entraToken: 0, managedIdentity: 0, keyVault: 0, powerBiGet: 0, generateToken: 0, userIssuer: 0 };
const coldBurst: UpstreamCounts = { entraMetadata: 1, entraToken: 1, managedIdentity: 1, keyVault: 2, powerBiGet: 2, generateToken: 2, userIssuer: 2 };

function figures(overrides: Partial<StructuralFigures> = {}): StructuralFigures {
  return {
    errors: [{ label: 'warm', errors: 0 }],
    coldBurst: { counts: coldBurst, users: 2 },
    cacheHit: [{ label: 'hit', counts: none, requests: 100 }],
    cacheMiss: [{ label: 'miss', counts: { ...none, generateToken: 100 }, requests: 100 }],
    peakRssMiB: 120,
    memoryRequests: 100_000,
    memoryUsers: 10_000,
    ...overrides,
  };
}

const failedNames = (f: StructuralFigures) => structuralGoals(f).filter((g) => !g.passed).map((g) => g.name);

describe('structuralGoals', () => {
  it('passes a run that meets every goal', () => {
    expect(failedNames(figures())).toEqual([]);
  });

  it('fails on any error in any row, naming the row', () => {
    const goals = structuralGoals(figures({ errors: [{ label: 'warm', errors: 0 }, { label: 'burst', errors: 3 }] }));
    expect(goals.find((g) => !g.passed)?.observed).toBe('burst: 3');
  });

  it('fails when a cache hit calls anything upstream', () => {
    expect(failedNames(figures({ cacheHit: [{ label: 'hit', counts: { ...none, userIssuer: 1 }, requests: 100 }] }))).toEqual(['hit: no upstream call']);
  });

  it('fails when a cache miss makes more than one call, or another kind of call', () => {
    expect(failedNames(figures({ cacheMiss: [{ label: 'miss', counts: { ...none, generateToken: 200 }, requests: 100 }] }))).toHaveLength(1);
    expect(failedNames(figures({ cacheMiss: [{ label: 'miss', counts: { ...none, generateToken: 100, powerBiGet: 1 }, requests: 100 }] }))).toHaveLength(1);
  });

  it('fails when a cache miss was answered without a GenerateToken', () => {
    expect(failedNames(figures({ cacheMiss: [{ label: 'miss', counts: { ...none, generateToken: 99 }, requests: 100 }] }))).toHaveLength(1);
  });

  it('fails a cold burst that repeats the credential chain or GenerateToken', () => {
    expect(failedNames(figures({ coldBurst: { counts: { ...coldBurst, entraToken: 2 }, users: 2 } }))).toHaveLength(1);
    expect(failedNames(figures({ coldBurst: { counts: { ...coldBurst, keyVault: 4 }, users: 2 } }))).toHaveLength(1);
    expect(failedNames(figures({ coldBurst: { counts: { ...coldBurst, generateToken: 3 }, users: 2 } }))).toHaveLength(1);
  });

  it('fails over the memory bound, and when memory could not be measured', () => {
    expect(failedNames(figures({ peakRssMiB: MEMORY_BOUND_MIB + 1 }))).toHaveLength(1);
    expect(failedNames(figures({ peakRssMiB: undefined }))).toHaveLength(1);
  });
});
