import { cpus } from 'node:os';
import type { BenchOptions } from './args';
import type { PhaseResult } from './httpPhases';
import { SIM_STEP_MINUTES, type SimulationResult } from './minLifetimeSim';
import type { Summary } from './stats';
import { formatPairs, formatTable, ms, type Cell } from './table';
import { perRequest, UPSTREAM_COLUMNS, type UpstreamCounts } from './upstreams';

// Renders the figures. No thresholds: the report states what was measured and how.

export function header(options: BenchOptions): string {
  return [
    `powerbi-embed-broker bench: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, 127.0.0.1 only`,
    `Injected upstream latency: ${options.latencyMs} ms on every call to Entra, managed identity, Key Vault, Power BI and the user IdP`,
    '(emulator `delay` fault, ratio 1). Client, local host, broker and emulators share one Node process and thread.',
  ].join('\n');
}

export function upstreamCallsTable(cold: PhaseResult, warm: readonly PhaseResult[]): string {
  const cells = (counts: UpstreamCounts, digits: number): Cell[] => UPSTREAM_COLUMNS.map((c) => counts[c.key].toFixed(digits));
  const rows: Cell[][] = [];
  if (cold.counts) rows.push([`${cold.label} (total)`, cold.requests, cold.concurrency, ...cells(cold.counts, 0)]);
  for (const phase of warm) {
    if (phase.counts) rows.push([`${phase.label} (per request)`, phase.requests, phase.concurrency, ...cells(perRequest(phase.counts, phase.requests), 2)]);
  }
  return [
    "Upstream calls, from the emulators' request logs",
    formatTable(['phase', 'requests', 'concurrency', ...UPSTREAM_COLUMNS.map((c) => c.title)], rows),
    'Entra GET: the authority metadata msal reads once. Key Vault: HTTP calls; one secret read is two (the SDK first',
    'sends an unauthenticated challenge, answered 401). user IdP: OpenID discovery and JWKS for checking caller tokens.',
  ].join('\n');
}

export function latencyTable(phases: readonly PhaseResult[]): string {
  const rows = phases.map((p): Cell[] => [
    p.label,
    p.requests,
    p.concurrency,
    ms(p.endToEnd.p50),
    ms(p.endToEnd.p99),
    ms(p.endToEnd.max),
    ms(p.upstream?.p50),
    ms(p.upstream?.p99),
    ms(p.overhead?.p50),
    ms(p.overhead?.p99),
  ]);
  return [
    'Latency in ms at the client (nearest-rank percentiles)',
    formatTable(['case', 'requests', 'concurrency', 'e2e p50', 'e2e p99', 'e2e max', 'GenerateToken p50', 'GenerateToken p99', 'overhead p50', 'overhead p99'], rows),
    'GenerateToken: time the broker waited on that call (its fetch, until response headers), per request.',
    'Overhead: end-to-end minus that wait, for each request: client HTTP, local host, JWT check, policy,',
    'caches, JSON; at concurrency > 1 also queueing behind other requests and the emulators on the one thread.',
  ].join('\n');
}

export function simulationReport(sim: SimulationResult): string {
  const spread = (s: Summary) => (s.count ? `min ${s.min.toFixed(1)}, avg ${s.mean.toFixed(1)}, max ${s.max.toFixed(1)}` : '-');
  const rows: [string, Cell][] = [
    ['requests (GenerateToken calls)', `${sim.requests} (${sim.generateTokenCalls})`],
    ['Entra token requests', `${sim.entraCalls} = ${(sim.entraCalls / sim.hours).toFixed(2)} per hour per instance`],
    ['minutes between Entra requests', spread(sim.entraInterval)],
    ['embed token lifetime at issue, minutes', spread(sim.embedLifetime)],
  ];
  return [
    `Minimum-lifetime simulation: EMBED_MIN_LIFETIME_MINUTES=${sim.minLifetimeMinutes}, ${sim.hours} simulated hours, one request every ${SIM_STEP_MINUTES} simulated minute`,
    'on one shared fake clock; a new user each time so GenerateToken runs; Entra token lifetimes random 60-90 min (emulator',
    'default); broker called in process (no HTTP host), no injected latency.',
    formatPairs(rows),
  ].join('\n');
}
