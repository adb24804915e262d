import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ServerProcess } from './serverProcess';
import { summarize, type Summary } from './stats';

// Process start to first successful embed answer: spawn the server, send one request the moment
// it listens, stop the clock on the 200. Run with no injected upstream latency, so the figure is
// the broker's own start-up (node, loading the app, configuration, the first request's work)
// plus loopback calls to the emulators. Repeated, since one start on a busy machine says little.

export interface ColdStartRun {
  toListeningMs: number;
  toFirstAnswerMs: number;
}

export type ColdStartResult =
  | { label: string; available: true; runs: ColdStartRun[]; firstAnswer: Summary; listening: Summary }
  | { label: string; available: false; reason: string };

export interface ColdStartOptions {
  label: string;
  runs: number;
  start: () => Promise<ServerProcess>;
  /** Embed path below the server's URL, e.g. `/api/embed/reports/sales-overview`. */
  path: string;
  token: string;
}

export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const runs: ColdStartRun[] = [];
  for (let i = 0; i < options.runs; i++) {
    const server = await options.start();
    try {
      const response = await fetch(`${server.url}${options.path}`, { headers: { authorization: `Bearer ${options.token}` } });
      const body = await response.text();
      const answeredAt = performance.now();
      if (response.status !== 200) throw new Error(`${options.label}: the first request answered ${response.status}: ${body.slice(0, 300)}`);
      runs.push({ toListeningMs: server.listeningAt - server.spawnedAt, toFirstAnswerMs: answeredAt - server.spawnedAt });
    } finally {
      await server.stop();
    }
  }
  return {
    label: options.label,
    available: true,
    runs,
    firstAnswer: summarize(runs.map((r) => r.toFirstAnswerMs)),
    listening: summarize(runs.map((r) => r.toListeningMs)),
  };
}

/** Whether a package can be loaded from the repository (installed in its node_modules). */
export function isPackageInstalled(name: string, repoRoot: string): boolean {
  try {
    createRequire(join(repoRoot, 'package.json')).resolve(name);
    return true;
  } catch {
    return false;
  }
}

export const TELEMETRY_PACKAGE = 'applicationinsights';

/**
 * The same measurement with telemetry switched on: `extraEnv` (e.g. APPLICATIONINSIGHTS_CONNECTION_STRING)
 * is added to the server's environment by `start`. Not available while the telemetry package is not installed.
 */
export async function measureColdStartWithTelemetry(
  options: Omit<ColdStartOptions, 'start'> & { repoRoot: string; start: (extraEnv: NodeJS.ProcessEnv) => Promise<ServerProcess>; extraEnv: NodeJS.ProcessEnv },
): Promise<ColdStartResult> {
  if (!isPackageInstalled(TELEMETRY_PACKAGE, options.repoRoot)) {
    return { label: options.label, available: false, reason: `not available: the ${TELEMETRY_PACKAGE} package is not installed` };
  }
  return measureColdStart({ ...options, start: () => options.start(options.extraEnv) });
}
