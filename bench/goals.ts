import { UPSTREAM_COLUMNS, type UpstreamCounts } from './upstreams';

// The structural goals `npm run bench` fails on: how many upstream calls a request costs, that
// memory stays bounded, and that no request failed. Times are printed, never asserted: on a
// shared machine they say more about the neighbours than about the broker.

/** A quarter of the 2,048 MB Flex Consumption instance infra/ deploys; the same bound as `npm run soak`. */
export const MEMORY_BOUND_MIB = 512;

export interface Goal {
  name: string;
  passed: boolean;
  observed: string;
}

export interface StructuralFigures {
  /** Errors (non-2xx answers, connection errors, timeouts) of every row, by row label. */
  errors: readonly { label: string; errors: number }[];
  /** Totals over the cold burst, and how many distinct users it had. */
  coldBurst: { counts: UpstreamCounts; users: number };
  /** Totals and answers of each cache-hit row. */
  cacheHit: readonly { label: string; counts: UpstreamCounts; requests: number }[];
  /** Totals and answers of each cache-miss row. */
  cacheMiss: readonly { label: string; counts: UpstreamCounts; requests: number }[];
  peakRssMiB: number | undefined;
  memoryRequests: number;
  memoryUsers: number;
}

const describe = (counts: UpstreamCounts) =>
  UPSTREAM_COLUMNS.filter((c) => counts[c.key] > 0)
    .map((c) => `${counts[c.key]} ${c.title}`)
    .join(', ') || 'none';

export function structuralGoals(f: StructuralFigures): Goal[] {
  const goals: Goal[] = [];
  const failed = f.errors.filter((row) => row.errors > 0);
  goals.push({
    name: 'no request failed, in any row',
    passed: failed.length === 0,
    observed: failed.length === 0 ? '0 errors' : failed.map((row) => `${row.label}: ${row.errors}`).join('; '),
  });

  const cold = f.coldBurst.counts;
  goals.push({
    name: `cold burst: at most 1 Entra token, 1 managed-identity token, 1 secret read (2 Key Vault calls), 2 Power BI GETs and 1 GenerateToken per user (${f.coldBurst.users})`,
    passed: cold.entraToken <= 1 && cold.managedIdentity <= 1 && cold.keyVault <= 2 && cold.powerBiGet <= 2 && cold.generateToken <= f.coldBurst.users,
    observed: describe(cold),
  });

  for (const row of f.cacheHit) {
    goals.push({ name: `${row.label}: no upstream call`, passed: UPSTREAM_COLUMNS.every((c) => row.counts[c.key] === 0), observed: describe(row.counts) });
  }
  for (const row of f.cacheMiss) {
    const others = UPSTREAM_COLUMNS.filter((c) => c.key !== 'generateToken').every((c) => row.counts[c.key] === 0);
    const calls = row.counts.generateToken;
    goals.push({
      name: `${row.label}: exactly one GenerateToken per request, nothing else`,
      passed: others && calls === row.requests,
      observed: `${describe(row.counts)} for ${row.requests} answers`,
    });
  }

  goals.push({
    name: `peak memory of the broker process at most ${MEMORY_BOUND_MIB} MiB after ${f.memoryRequests} requests from ${f.memoryUsers} users`,
    passed: f.peakRssMiB !== undefined && f.peakRssMiB <= MEMORY_BOUND_MIB,
    observed: f.peakRssMiB === undefined ? 'not measured (no /proc)' : `${f.peakRssMiB.toFixed(0)} MiB`,
  });
  return goals;
}
