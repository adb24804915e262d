import { parseArgs } from 'node:util';

// Command-line parameters of `npm run bench -- --latency-ms 20 ...`. Every count is bounded so a
// run stays short on a small machine whatever is passed.

export interface BenchOptions {
  /** Delay injected into every emulator call, standing in for network and service time. */
  latencyMs: number;
  coldRequests: number;
  warmRequests: number;
  concurrency: number;
  simHours: number;
}

interface Limit {
  flag: string;
  key: keyof BenchOptions;
  fallback: number;
  min: number;
  max: number;
}

const LIMITS: Limit[] = [
  { flag: 'latency-ms', key: 'latencyMs', fallback: 50, min: 0, max: 1000 },
  { flag: 'cold', key: 'coldRequests', fallback: 50, min: 1, max: 500 },
  { flag: 'warm', key: 'warmRequests', fallback: 200, min: 1, max: 1000 },
  { flag: 'concurrency', key: 'concurrency', fallback: 8, min: 1, max: 64 },
  // 72 h is 4320 requests, under the 5000 entries an emulator's request log keeps.
  { flag: 'sim-hours', key: 'simHours', fallback: 24, min: 1, max: 72 },
];

export const USAGE = `usage: npm run bench -- [${LIMITS.map((l) => `--${l.flag} N`).join('] [')}]
${LIMITS.map((l) => `  --${l.flag.padEnd(12)} default ${l.fallback} (${l.min}..${l.max})`).join('\n')}`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: Object.fromEntries(LIMITS.map((l) => [l.flag, { type: 'string' as const }])),
  });
  const options: BenchOptions = { latencyMs: 0, coldRequests: 0, warmRequests: 0, concurrency: 0, simHours: 0 };
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
