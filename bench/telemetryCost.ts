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
  warm: { concurrency: number; without: Summary; with: Summary }[];
}

const COLD_RUNS = 3;
const WARMUP_REQUESTS = 30;

async function startHost(env: NodeJS.ProcessEnv): Promise<{ host: HostProcess; coldMs: number }> {
  const started = performance.now();
  const host = await startHostProcess(findRepoRoot(__dirname), env);
  // The first answer: the function app (and, with telemetry, its SDK) is loaded before the host listens.
  while ((await fetch(`${host.url}/api/health`).catch(() => undefined))?.status !== 200) await new Promise((r) => setTimeout(r, 5));
  return { host, coldMs: performance.now() - started };
}

function environments(azure: LocalAzure, caFile: string): { without: NodeJS.ProcessEnv; with: NodeJS.ProcessEnv } {
  const { APPLICATIONINSIGHTS_CONNECTION_STRING: _cs, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: _auth, ...plain } = azure.settings;
  const base = { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: caFile, PORT: '0' };
  return { without: { ...base, ...plain }, with: { ...base, ...azure.settings } };
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
    const hosts = { without: await startHost(env.without), with: await startHost(env.with) };
    try {
      const token = await azure.userToken('alice');
      const warm: TelemetryCost['warm'] = [];
      for (const concurrency of [1, 16]) {
        const samples = { without: [] as number[], with: [] as number[] };
        for (const kind of ['without', 'with'] as const) await latencies(hosts[kind].host, token, WARMUP_REQUESTS, concurrency);
        // Alternating halves, so a noisy moment on the machine hits both sides alike.
        for (let half = 0; half < 2; half++) {
          for (const kind of half === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
            samples[kind].push(...(await latencies(hosts[kind].host, token, Math.ceil(requests / 2), concurrency)));
          }
        }
        warm.push({ concurrency, without: summarize(samples.without), with: summarize(samples.with) });
      }
      return { coldStartMs: { without: summarize(cold.without), with: summarize(cold.with) }, warm };
    } finally {
      await Promise.all([hosts.without.host.stop(), hosts.with.host.stop()]);
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
  const warmRows = cost.warm.map((w): Cell[] => [
    `warm, same user (cached), concurrency ${w.concurrency}`,
    w.with.count,
    `${ms(w.without.p50)} / ${ms(w.without.p99)}`,
    `${ms(w.with.p50)} / ${ms(w.with.p99)}`,
    `${delta(w.without.p50, w.with.p50)} / ${delta(w.without.p99, w.with.p99)}`,
  ]);
  return [
    'Telemetry cost (host in its own process; telemetry to the local ingestion emulator, Entra-authenticated)',
    formatTable(['cold start: process start to first answer', 'runs', 'median ms', 'max ms'], coldRows),
    '',
    formatTable(['end to end, ms', 'requests', 'without p50 / p99', 'with p50 / p99', 'added p50 / p99'], warmRows),
  ].join('\n');
}
