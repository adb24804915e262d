import { parseArgs } from 'node:util';

// Command-line parameters of `npm run bench -- --latency-ms 20 ...`. Every count is bounded so a
// run stays short on a small machine whatever is passed.

export interface BenchOptions {
  /** Delay injected into every emulator call, standing in for network and service time. */
  latencyMs: number;
  /** Concurrent first requests against a fresh instance. */
  burst: number;
  /** Process starts measured for each cold-start row. */
  coldRuns: number;
  /** Requests per warm row (cache hit or miss, at each concurrency), unless `rowSeconds` comes first. */
  requests: number;
  rowSeconds: number;
  memoryRequests: number;
  memoryUsers: number;
  simHours: number;
}

/** The warm rows' concurrencies: one caller, a busy instance, and the Flex Consumption default per instance. */
export const CONCURRENCY_LEVELS = [1, 16, 64] as const;

interface Limit {
  flag: string;
  key: keyof BenchOptions;
  fallback: number;
  min: number;
  max: number;
}

const LIMITS: Limit[] = [
  { flag: 'latency-ms', key: 'latencyMs', fallback: 50, min: 1, max: 1000 },
  { flag: 'burst', key: 'burst', fallback: 50, min: 1, max: 500 },
  { flag: 'cold-runs', key: 'coldRuns', fallback: 5, min: 1, max: 20 },
  { flag: 'requests', key: 'requests', fallback: 2000, min: 10, max: 20000 },
  { flag: 'row-seconds', key: 'rowSeconds', fallback: 5, min: 1, max: 60 },
  { flag: 'memory-requests', key: 'memoryRequests', fallback: 100_000, min: 100, max: 200_000 },
  { flag: 'memory-users', key: 'memoryUsers', fallback: 10_000, min: 1, max: 20_000 },
  // 72 h is 4320 requests, under the 5000 entries an emulator's request log keeps.
  { flag: 'sim-hours', key: 'simHours', fallback: 24, min: 1, max: 72 },
];

export const USAGE = `usage: npm run bench -- [${LIMITS.map((l) => `--${l.flag} N`).join('] [')}]
${LIMITS.map((l) => `  --${l.flag.padEnd(16)} default ${l.fallback} (${l.min}..${l.max})`).join('\n')}`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(LIMITS.map((l) => [l.flag, { type: 'string' as const }])),
  });
  const options: BenchOptions = { latencyMs: 0, burst: 0, coldRuns: 0, requests: 0, rowSeconds: 0, memoryRequests: 0, memoryUsers: 0, simHours: 0 };
  for (const limit of LIMITS) {
    const raw = values[limit.flag];
    const value = typeof raw === 'string' ? Number(raw) : limit.fallback;
    if (!Number.isInteger(value) || value < limit.min || value > limit.max) {
      throw new RangeError(`--${limit.flag} must be a whole number from ${limit.min} to ${limit.max} (got "${String(raw)}")`);
    }
    options[limit.key] = value;
  }
  return options;
}
