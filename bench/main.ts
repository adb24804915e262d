import { loadLocalCa, type LocalCa } from '../dev/tls/localCa';
import { parseBenchArgs, USAGE, type BenchOptions } from './args';
import { startBrokerApp } from './brokerApp';
import { coldBurst, directGenerateToken, warmDistinctUsers, warmSameUser, type PhaseResult } from './httpPhases';
import { simulateInChildProcess } from './minLifetimeSim';
import { header, latencyTable, simulationReport, upstreamCallsTable } from './report';
import { measureTelemetryCost, telemetryCostReport } from './telemetryCost';
import { injectLatency } from './upstreams';
import { join } from 'node:path';

// `npm run bench`: upstream calls per request, the latency the broker adds, and Entra calls per
// hour at the minimum embed lifetime, against the local emulators. Figures only, no thresholds.

async function httpFigures(ca: LocalCa, options: BenchOptions): Promise<{ cold: PhaseResult; warm: PhaseResult[]; direct: PhaseResult[] }> {
  const app = await startBrokerApp(ca);
  try {
    injectLatency(app.azure, options.latencyMs);
    const cold = await coldBurst(app, options.coldRequests);
    const { warmRequests: n, concurrency: c } = options;
    const warm = [await warmSameUser(app, n, 1), await warmSameUser(app, n, c), await warmDistinctUsers(app, n, 1), await warmDistinctUsers(app, n, c)];
    const direct = [await directGenerateToken(app, n, 1), await directGenerateToken(app, n, c)];
    return { cold, warm, direct };
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const caDir = process.env.LOCAL_CA_DIR;
  if (!caDir) throw new Error('LOCAL_CA_DIR is not set: run through dev/withLocalCa (npm run bench)');
  const ca = await loadLocalCa(caDir);
  const started = performance.now();
  console.log(`${header(options)}\n`);

  const { cold, warm, direct } = await httpFigures(ca, options);
  console.log(`${upstreamCallsTable(cold, warm)}\n`);
  console.log(`${latencyTable([cold, ...warm, ...direct])}\n`);

  console.log(`${telemetryCostReport(await measureTelemetryCost(ca, process.env.NODE_EXTRA_CA_CERTS ?? join(caDir, 'ca.pem'), Math.max(options.warmRequests, 400)))}\n`);

  const sim = await simulateInChildProcess(options.simHours);
  console.log(`${simulationReport(sim)}\n`);
  console.log(`bench wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
