import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalAzure, findRepoRoot, type LocalAzure } from '../dev/emulators/localAzure';
import { startHostProcess, type HostProcess } from '../dev/hostProcess';
import type { LocalCa } from '../dev/tls/localCa';
import { runPool, summarize, type Summary } from './stats';
import { formatTable, ms, type Cell } from './table';

// What telemetry costs: cold start (process start to the first answer) with and without a
// connection string, and the warm latency of the same cached embed with and without it. Each
// host runs in its own process, as in Azure, sending to the local ingestion emulator.

export interface TelemetryCost {
  coldStartMs: { without: Summary; with: Summary };
  warm: { concurrency: number; without: Summary; with: Summary; deferred: Summary }[];
  /** Microseconds per call, in processes of their own, no HTTP: the broker's cached embed without and with telemetry, and the telemetry calls alone. */
  calls: { embedWithout: number; embedWith: number; reportsOfCachedEmbed: number; dependency: number };
}

const COLD_RUNS = 3;
const WARMUP_REQUESTS = 30;
/** Batches alternate between the two hosts, so a noisy moment on the machine hits both sides alike. */
const ROUNDS = 10;

async function startHost(env: NodeJS.ProcessEnv): Promise<{ host: HostProcess; coldMs: number }> {
  const started = performance.now();
  const host = await startHostProcess(findRepoRoot(__dirname), env);
  // The first answer: the function app (and, with telemetry, its SDK) is loaded before the host listens.
  while ((await fetch(`${host.url}/api/health`).catch(() => undefined))?.status !== 200) await new Promise((r) => setTimeout(r, 5));
  return { host, coldMs: performance.now() - started };
}

/** Batches held for ten minutes (longer than a run): what the request path alone costs, without the export. */
const EXPORT_DEFERRED = {
  OTEL_BSP_SCHEDULE_DELAY: '600000',
  OTEL_BSP_MAX_QUEUE_SIZE: '20000',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20000',
  OTEL_BLRP_SCHEDULE_DELAY: '600000',
  OTEL_BLRP_MAX_QUEUE_SIZE: '20000',
  OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '20000',
  OTEL_METRIC_EXPORT_INTERVAL: '600000',
};

type Kind = 'without' | 'with' | 'deferred';

function environments(azure: LocalAzure, caFile: string): Record<Kind, NodeJS.ProcessEnv> {
  const { APPLICATIONINSIGHTS_CONNECTION_STRING: _cs, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: _auth, ...plain } = azure.settings;
  const base = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile, PORT: '0' };
  return { without: { ...base, ...plain }, with: { ...base, ...azure.settings }, deferred: { ...base, ...azure.settings, ...EXPORT_DEFERRED } };
}

async function latencies(host: HostProcess, token: string, requests: number, concurrency: number): Promise<number[]> {
  const once = async () => {
    const started = performance.now();
    const res = await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`embed request answered ${res.status}`);
    return performance.now() - started;
  };
  return runPool(Array.from({ length: requests }), concurrency, once);
}

export async function measureTelemetryCost(ca: LocalCa, caFile: string, requests: number): Promise<TelemetryCost> {
  const azure = await startLocalAzure(ca, { telemetry: { entraAuthentication: true } });
  try {
    const env = environments(azure, caFile);
    const cold = { without: [] as number[], with: [] as number[] };
    for (let run = 0; run < COLD_RUNS; run++) {
      for (const kind of ['without', 'with'] as const) {
        const { host, coldMs } = await startHost(env[kind]);
        cold[kind].push(coldMs);
        await host.stop();
      }
    }
    const hosts = { without: await startHost(env.without), with: await startHost(env.with), deferred: await startHost(env.deferred) };
    const kinds: Kind[] = ['without', 'with', 'deferred'];
    try {
      const token = await azure.userToken('alice');
      const warm: TelemetryCost['warm'] = [];
      for (const concurrency of [1, 16]) {
        const samples: Record<Kind, number[]> = { without: [], with: [], deferred: [] };
        for (const kind of kinds) await latencies(hosts[kind].host, token, WARMUP_REQUESTS, concurrency);
        for (let round = 0; round < ROUNDS; round++) {
          for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
            samples[kind].push(...(await latencies(hosts[kind].host, token, Math.ceil(requests / ROUNDS), concurrency)));
          }
        }
        warm.push({ concurrency, without: summarize(samples.without), with: summarize(samples.with), deferred: summarize(samples.deferred) });
      }
      // The child prints its figures as the last line; SDK log lines may come before them.
      const inChild = async (mode: 'with' | 'without') => {
        const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'telemetryCallsChild.js'), mode], { env: { ...process.env, ...EXPORT_DEFERRED } });
        return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, number>;
      };
      const without = await inChild('without');
      const withTelemetry = await inChild('with');
      const calls = {
        embedWithout: without.cachedEmbed as number,
        embedWith: withTelemetry.cachedEmbed as number,
        reportsOfCachedEmbed: withTelemetry.reportsOfCachedEmbed as number,
        dependency: withTelemetry.dependency as number,
      };
      return { coldStartMs: { without: summarize(cold.without), with: summarize(cold.with) }, warm, calls };
    } finally {
      await Promise.all(Object.values(hosts).map(({ host }) => host.stop()));
    }
  } finally {
    await azure.close();
  }
}

export function telemetryCostReport(cost: TelemetryCost): string {
  const delta = (a: number, b: number) => `${b - a >= 0 ? '+' : ''}${(b - a).toFixed(1)}`;
  const coldRows: Cell[][] = [
    ['without telemetry', cost.coldStartMs.without.count, ms(cost.coldStartMs.without.p50), ms(cost.coldStartMs.without.max)],
    ['with telemetry', cost.coldStartMs.with.count, ms(cost.coldStartMs.with.p50), ms(cost.coldStartMs.with.max)],
  ];
  const pair = (a: number, b: number) => `${a} / ${b}`;
  const warmRows = cost.warm.map((w): Cell[] => [
    `warm, same user (cached), concurrency ${w.concurrency}`,
    w.with.count,
    pair(Number(ms(w.without.p50)), Number(ms(w.without.p99))),
    `${pair(Number(ms(w.with.p50)), Number(ms(w.with.p99)))} (${delta(w.without.p50, w.with.p50)} / ${delta(w.without.p99, w.with.p99)})`,
    `${pair(Number(ms(w.deferred.p50)), Number(ms(w.deferred.p99)))} (${delta(w.without.p50, w.deferred.p50)} / ${delta(w.without.p99, w.deferred.p99)})`,
  ]);
  return [
    'Telemetry cost (host in its own process; telemetry to the local ingestion emulator, Entra-authenticated)',
    formatTable(['cold start: process start to first answer', 'runs', 'median ms', 'max ms'], coldRows),
    '',
    formatTable(['end to end, ms', 'requests', 'without: p50 / p99', 'with: p50 / p99 (added)', 'with, export deferred: p50 / p99 (added)'], warmRows),
    `In process, no HTTP: a cached embed takes ${cost.calls.embedWithout.toFixed(1)} µs without telemetry, ${cost.calls.embedWith.toFixed(1)} µs with it; its event and two metric points`,
    `alone ${cost.calls.reportsOfCachedEmbed.toFixed(1)} µs, one dependency ${cost.calls.dependency.toFixed(1)} µs.`,
    '"with" includes the exporter\'s background work and the emulator receiving it, on the same cores; "export deferred"',
    'holds every batch past the run (OTEL_BSP_* / OTEL_BLRP_* / OTEL_METRIC_EXPORT_INTERVAL): the request path alone.',
  ].join('\n');
}
