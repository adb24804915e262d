import { cpus, totalmem } from 'node:os';
import type { BenchOptions } from './args';
import type { ColdStartResult } from './coldStart';
import type { Goal } from './goals';
import type { SimulationResult } from './minLifetimeSim';
import { summarize } from './stats';
import { count, formatMarkdownTable, ms, ratio, type Cell } from './table';
import { perRequest, UPSTREAM_COLUMNS, type UpstreamCounts } from './upstreams';

// Renders the bench's figures as Markdown tables, ready to paste into docs/performance.md.
// Every broker figure has the anchor's (the naive design) beside it, and the ratio.

export interface Figure {
  label: string;
  /** Concurrent connections; undefined for a cold start (one request). */
  concurrency: number | undefined;
  requests: number;
  errors: number;
  /** For a cold start: the median and the slowest of the runs. */
  p50: number;
  p99: number;
  requestsPerSecond: number | undefined;
  /** Sequential upstream round trips x injected latency: what no request of this kind can beat. */
  floorMs: number | undefined;
  /** A text in place of the figures, e.g. "not available: ...". */
  unavailable?: string;
}

export interface ComparedFigure {
  broker: Figure;
  anchor: Figure | undefined;
}

export function machineLine(): string {
  const cpu = cpus();
  return `node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
}

export function header(options: BenchOptions): string {
  return [
    `powerbi-embed-broker bench: ${machineLine()}; 127.0.0.1 only`,
    `Injected upstream latency: ${options.latencyMs} ms on every call to Entra, managed identity, Key Vault, Power BI and the user IdP`,
    '(none for the cold starts). Broker and anchor each run in a process of their own; autocannon and the emulators share the bench process.',
  ].join('\n');
}

function aboveFloor(f: Figure): number | undefined {
  return f.floorMs === undefined ? undefined : f.p50 - f.floorMs;
}

export function mainTable(rows: readonly ComparedFigure[]): string {
  const cells = rows.map(({ broker: b, anchor: a }): Cell[] => {
    if (b.unavailable) return [b.label, '-', '-', '-', b.unavailable, '', '', '', '', '', '', '', ''];
    return [
      b.label,
      b.concurrency ?? '-',
      count(b.requests),
      count(b.errors),
      ms(b.p50),
      ms(b.p99),
      count(b.requestsPerSecond),
      ms(b.floorMs),
      ms(aboveFloor(b)),
      ms(a?.p50),
      count(a?.requestsPerSecond),
      ratio(a?.p50, b.p50),
      ratio(b.requestsPerSecond, a?.requestsPerSecond),
    ];
  });
  return [
    formatMarkdownTable(
      ['case', 'c', 'requests', 'errors', 'p50 ms', 'p99 ms', 'req/s', 'upstream floor ms', 'p50 above floor', 'anchor p50 ms', 'anchor req/s', 'p50 anchor ÷ broker', 'req/s broker ÷ anchor'],
      cells,
    ),
    '',
    'c: concurrent connections. Cold start: process start to the first 200, median and slowest of the runs in the p50 and p99',
    'columns, no injected latency. Upstream floor: sequential upstream round trips × injected latency. Anchor: the naive design',
    '(new msal client, Get Report and GenerateToken on every request) against the same emulators, same row shape.',
  ].join('\n');
}

export interface CallsRow {
  label: string;
  requests: number;
  counts: UpstreamCounts;
  /** Show totals instead of per-request figures (a cold burst). */
  totals?: boolean;
  sequential?: number | undefined;
}

export function upstreamCallsTable(rows: readonly CallsRow[]): string {
  const cells = rows.map((row): Cell[] => {
    const shown = row.totals ? row.counts : perRequest(row.counts, row.requests);
    const digits = row.totals ? 0 : 2;
    const total = UPSTREAM_COLUMNS.reduce((sum, c) => sum + shown[c.key], 0);
    return [row.totals ? `${row.label} (total)` : `${row.label} (per request)`, count(row.requests), ...UPSTREAM_COLUMNS.map((c) => shown[c.key].toFixed(digits)), total.toFixed(digits), row.sequential ?? '-'];
  });
  return [
    formatMarkdownTable(['case', 'requests', ...UPSTREAM_COLUMNS.map((c) => c.title), 'all', 'in sequence'], cells),
    '',
    "From the emulators' request logs. Entra GET: the authority metadata msal reads. Key Vault: HTTP calls; one secret read",
    'is two (the SDK first sends an unauthenticated challenge, answered 401). user IdP: OpenID discovery and JWKS for checking',
    'caller tokens. In sequence: the longest chain of calls each made after the one before ended (the cold path).',
  ].join('\n');
}

export function burstFloorLine(label: string, sequential: number, latencyMs: number, p50: number, runP50s: readonly number[] = [p50]): string {
  const floor = sequential * latencyMs;
  const runs = runP50s.length > 1 ? ` (median of ${runP50s.length} bursts, each on a fresh process: ${[...runP50s].sort((a, b) => a - b).map((v) => ms(v)).join(', ')} ms)` : '';
  return `${label}: floor ${sequential} sequential upstream round trips × ${latencyMs} ms = ${floor} ms; p50 ${ms(p50)} ms = ${ratio(p50, floor)} the floor${runs}`;
}

export function coldStartLine(result: ColdStartResult): string {
  if (!result.available) return `${result.label}: ${result.reason}`;
  const firstRequest = summarize(result.runs.map((r) => r.toFirstAnswerMs - r.toListeningMs));
  return `${result.label}: median ${result.firstAnswer.p50.toFixed(0)} ms; of it, medians: ${result.listening.p50.toFixed(0)} ms to listening (node, host, loading the app), ${firstRequest.p50.toFixed(0)} ms for the first request (${result.runs.length} runs)`;
}

export function entraTable(sims: readonly SimulationResult[]): string {
  const cells = sims.map((sim): Cell[] => {
    const perHour = sim.entraCalls / sim.hours;
    // The anchor asks Entra on every request: at the simulation's one request a minute, 60 an hour.
    const anchorPerHour = sim.requests / sim.hours;
    const spread = (s: { count: number; min: number; mean: number; max: number }) => (s.count ? `${s.min.toFixed(0)} / ${s.mean.toFixed(1)} / ${s.max.toFixed(0)}` : '-');
    return [
      sim.lifetime === 'fixed-60' ? '60 min (documented default)' : '60–90 min at random',
      `${sim.hours} h, ${count(sim.requests)}`,
      perHour.toFixed(2),
      anchorPerHour.toFixed(0),
      ratio(anchorPerHour, perHour),
      spread(sim.entraInterval),
      spread(sim.embedLifetime),
      sim.keyVaultReads,
    ];
  });
  const minLifetime = sims[0]?.minLifetimeMinutes;
  return [
    formatMarkdownTable(
      ['Entra token lifetime', 'simulated, requests', 'Entra calls / hour / instance', 'anchor', 'anchor ÷ broker', 'minutes between Entra calls (min / avg / max)', 'embed token minutes left at issue (min / avg / max)', 'Key Vault secret reads in all'],
      cells,
    ),
    '',
    `EMBED_MIN_LIFETIME_MINUTES=${minLifetime ?? '-'}; one request a simulated minute, each for a new user (so GenerateToken runs), on one`,
    'fake clock shared by the broker, Entra and Power BI; the broker called in process, no injected latency.',
  ].join('\n');
}

export function memoryTable(requests: number, users: number, concurrency: number, peakRssMiB: number | undefined, boundMiB: number, seconds: number): string {
  return formatMarkdownTable(
    ['case', 'requests', 'distinct users', 'c', 'seconds', 'peak RSS MiB', 'bound MiB'],
    [['broker process, fresh start', count(requests), count(users), concurrency, seconds.toFixed(1), peakRssMiB === undefined ? '-' : peakRssMiB.toFixed(0), boundMiB]],
  );
}

export function goalsReport(goals: readonly Goal[]): string {
  return goals.map((g) => `${g.passed ? 'PASS' : 'FAIL'}  ${g.name}: ${g.observed}`).join('\n');
}
