import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SALES_REPORT_ID, DEMO_SERVICE_PRINCIPAL, DEMO_TENANT_ID, DEMO_WORKSPACE_ID } from '../dev/emulators/demoWorld';
import { findRepoRoot, startLocalAzure, type LocalAzure } from '../dev/emulators/localAzure';
import { POWER_BI_AUDIENCE } from '../dev/emulators/powerBi';
import { loadLocalCa } from '../dev/tls/localCa';
import { CONCURRENCY_LEVELS, parseBenchArgs, USAGE, type BenchOptions } from './args';
import { measureColdStart, measureColdStartWithTelemetry, type ColdStartResult } from './coldStart';
import { MEMORY_BOUND_MIB, structuralGoals, type StructuralFigures } from './goals';
import { runLoad, type LoadResult } from './load';
import { simulateInChildProcess } from './minLifetimeSim';
import { peakRssMiB } from './processMemory';
import { medianRun } from './stats';
import { burstFloorLine, coldStartLine, entraTable, goalsReport, header, mainTable, memoryTable, upstreamCallsTable, type CallsRow, type ComparedFigure, type Figure } from './report';
import { sequentialRoundTrips, windowedUserOrder } from './sequentialCalls';
import { startAnchorProcess, startBrokerProcess, type ServerProcess } from './serverProcess';
import { clearLatency, clearUpstreamLogs, combineCounts, countUpstreamCalls, injectLatency, totalCalls, upstreamLogTimes, type UpstreamCounts } from './upstreams';
import { measureTelemetryCost, telemetryCostReport } from './telemetryCost';

// `npm run bench`: the broker against the naive design (the anchor), over HTTP on loopback, with
// autocannon as the load generator and the local emulators as upstreams. Prints one Markdown
// table of latency and throughput with the anchor's figures and the ratio beside each, then
// upstream calls per request, Entra calls per hour, and peak memory. Exits 1 when a structural
// goal fails (calls per request, memory bound, any error); times are printed, not asserted.

const EMBED_PATH = '/api/embed/reports/sales-overview';
const WARMUP_REQUESTS = 200;
/** Cache hits before the warm rows: a few seconds of traffic, so the hit path runs optimised code as a warm instance's does. */
const HIT_WARMUP_REQUESTS = 5000;
/** A cache-hit row sends this many times `--requests` (still within `--row-seconds`): at thousands a second, 2,000 would be a fraction of a second, too short for a stable p99. */
const HIT_ROW_FACTOR = 5;
const MEMORY_CONCURRENCY = 64;
const MEMORY_MAX_SECONDS = 240;
/** Users whose requests interleave in the memory run: well under the embed-token cache's bound, so most requests hit. */
const MEMORY_USER_WINDOW = 1000;

interface Row {
  figure: Figure;
  counts: UpstreamCounts;
  load: LoadResult;
}

async function mintUsers(azure: LocalAzure, prefix: string, n: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}-${i}`;
    azure.users.addUser({ name, claims: { oid: randomUUID(), preferred_username: `${name}@contoso.example`, roles: ['Sales.EU'], tid: DEMO_TENANT_ID } });
    tokens.push(await azure.userToken(name, 2 * 3600));
  }
  return tokens;
}

function figureOf(label: string, load: LoadResult, floorMs: number | undefined): Figure {
  return { label, concurrency: load.connections, requests: load.requests, errors: load.errors, p50: load.latency.p50, p99: load.latency.p99, requestsPerSecond: load.requestsPerSecond, floorMs };
}

function coldFigure(result: ColdStartResult): Figure {
  if (!result.available) return { label: result.label, concurrency: undefined, requests: 0, errors: 0, p50: Number.NaN, p99: Number.NaN, requestsPerSecond: undefined, floorMs: undefined, unavailable: result.reason };
  return { label: result.label, concurrency: undefined, requests: result.runs.length, errors: 0, p50: result.firstAnswer.p50, p99: result.firstAnswer.max, requestsPerSecond: undefined, floorMs: 0 };
}

/** One load row against a running server, with the upstream calls it caused. */
async function loadRow(azure: LocalAzure, server: ServerProcess, label: string, connections: number, amount: number, maxSeconds: number, tokens: readonly string[], floor: (counts: UpstreamCounts, requests: number) => number): Promise<Row> {
  clearUpstreamLogs(azure);
  const load = await runLoad({ url: `${server.url}${EMBED_PATH}`, connections, amount, maxSeconds, tokens });
  const counts = countUpstreamCalls(azure);
  return { figure: figureOf(label, load, floor(counts, load.requests)), counts, load };
}

/** One request against a fresh process: the calls of a cold request alone, and how many of them were made one after the other. */
async function coldPath(azure: LocalAzure, start: () => Promise<ServerProcess>, latencyMs: number, token: string): Promise<{ counts: UpstreamCounts; sequential: number }> {
  clearUpstreamLogs(azure);
  const server = await start();
  try {
    const response = await fetch(`${server.url}${EMBED_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`a cold request answered ${response.status}: ${body.slice(0, 300)}`);
    return { counts: countUpstreamCalls(azure), sequential: sequentialRoundTrips(upstreamLogTimes(azure), latencyMs) };
  } finally {
    await server.stop();
  }
}

interface BurstRow extends Row {
  sequential: number;
  /** Every run's p50, in run order. */
  runP50s: number[];
  /** The most calls of each kind any run made, for the structural goal (every run must meet it). */
  worstCounts: UpstreamCounts;
  errors: number;
}

/**
 * `options.burst` first requests at once against a fresh process, `options.coldRuns` times, each
 * on a process of its own; the row is the run with the median p50. `sequential` comes from a
 * single cold request (see coldPath).
 */
async function burstRow(azure: LocalAzure, start: () => Promise<ServerProcess>, label: string, options: BenchOptions, tokens: readonly string[], sequential: number): Promise<BurstRow> {
  const runs: { counts: UpstreamCounts; load: LoadResult }[] = [];
  for (let i = 0; i < options.coldRuns; i++) {
    clearUpstreamLogs(azure);
    const server = await start();
    try {
      const load = await runLoad({ url: `${server.url}${EMBED_PATH}`, connections: options.burst, amount: options.burst, maxSeconds: 60, tokens });
      runs.push({ counts: countUpstreamCalls(azure), load });
    } finally {
      await server.stop();
    }
  }
  const median = medianRun(runs, (run) => run.load.latency.p50);
  return {
    figure: figureOf(`${label} (median of ${runs.length})`, median.load, sequential * options.latencyMs),
    counts: median.counts,
    load: median.load,
    sequential,
    runP50s: runs.map((run) => run.load.latency.p50),
    worstCounts: combineCounts(Math.max, runs.map((run) => run.counts)),
    errors: runs.reduce((sum, run) => sum + run.load.errors, 0),
  };
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
  const root = findRepoRoot(__dirname);
  const packageDir = join(root, 'dist', 'package');
  if (!existsSync(join(packageDir, 'host.json'))) throw new Error(`no deployment package in ${packageDir}: run npm run package first (npm run bench does)`);
  const started = performance.now();
  const step = (what: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${what}`);
  console.log(`${header(options)}\n`);

  // The ingestion emulator takes the telemetry of the "with telemetry" row; the other rows run without.
  const azure = await startLocalAzure(await loadLocalCa(caDir), { telemetry: {} });
  const { APPLICATIONINSIGHTS_CONNECTION_STRING: telemetryConnectionString, ...settingsWithoutTelemetry } = azure.settings;
  const brokerEnv: NodeJS.ProcessEnv = { ...process.env, ...settingsWithoutTelemetry };
  const anchorEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ANCHOR_TENANT_ID: DEMO_TENANT_ID,
    ANCHOR_CLIENT_ID: DEMO_SERVICE_PRINCIPAL.clientId,
    ANCHOR_CLIENT_SECRET: azure.clientSecret,
    ANCHOR_AUTHORITY_HOST: azure.entra.url,
    ANCHOR_SCOPE: `${POWER_BI_AUDIENCE}/.default`,
    ANCHOR_POWERBI_API_URL: azure.powerBi.url,
    ANCHOR_WORKSPACE_ID: DEMO_WORKSPACE_ID,
    ANCHOR_REPORT_ID: DEMO_SALES_REPORT_ID,
  };
  const unbundled = () => startBrokerProcess(root, brokerEnv);
  const bundle = (extraEnv: NodeJS.ProcessEnv = {}) => startBrokerProcess(root, { ...brokerEnv, ...extraEnv }, packageDir);
  const anchor = () => startAnchorProcess(root, anchorEnv);

  try {
    step('minting user tokens');
    const alice = await azure.userToken('alice', 2 * 3600);
    const bob = await azure.userToken('bob', 2 * 3600);
    const missTokens = await mintUsers(azure, 'miss', WARMUP_REQUESTS + CONCURRENCY_LEVELS.length * options.requests);
    const memoryTokens = await mintUsers(azure, 'mem', options.memoryUsers);

    step('cold starts (no injected latency)');
    clearLatency(azure);
    const coldOptions = { runs: options.coldRuns, path: EMBED_PATH, token: alice };
    const coldUnbundled = await measureColdStart({ ...coldOptions, label: 'cold start, unbundled (dist/)', start: unbundled });
    const coldBundle = await measureColdStart({ ...coldOptions, label: 'cold start, bundle (dist/package)', start: () => bundle() });
    const coldTelemetry = await measureColdStartWithTelemetry({
      ...coldOptions,
      label: 'cold start, bundle with telemetry',
      repoRoot: root,
      start: bundle,
      extraEnv: { APPLICATIONINSIGHTS_CONNECTION_STRING: telemetryConnectionString },
    });
    const coldAnchor = coldFigure(await measureColdStart({ ...coldOptions, label: 'anchor cold start', start: anchor }));

    injectLatency(azure, options.latencyMs);
    step(`cold bursts of ${options.burst}`);
    // Chains of calls are read from a single cold request: in a burst, calls of different requests would chain too.
    const brokerPath = await coldPath(azure, () => bundle(), options.latencyMs, alice);
    const anchorPath = await coldPath(azure, anchor, options.latencyMs, alice);
    const burst = await burstRow(azure, () => bundle(), `cold burst of ${options.burst}, alice+bob`, options, [alice, bob], brokerPath.sequential);
    const anchorBurst = await burstRow(azure, anchor, 'anchor burst', options, [alice, bob], anchorPath.sequential);

    const perRequestFloor = (counts: UpstreamCounts, requests: number) => (requests > 0 ? Math.round(totalCalls(counts) / requests) * options.latencyMs : 0);
    step('warm rows against the broker');
    const hits: Row[] = [];
    const misses: Row[] = [];
    const broker = await bundle();
    try {
      await runLoad({ url: `${broker.url}${EMBED_PATH}`, connections: 16, amount: HIT_WARMUP_REQUESTS, maxSeconds: 30, tokens: [alice] });
      await runLoad({ url: `${broker.url}${EMBED_PATH}`, connections: 16, amount: WARMUP_REQUESTS, maxSeconds: 30, tokens: missTokens.slice(0, WARMUP_REQUESTS) });
      let nextMiss = WARMUP_REQUESTS;
      for (const c of CONCURRENCY_LEVELS) {
        hits.push(await loadRow(azure, broker, `warm, cache hit, c=${c}`, c, options.requests * HIT_ROW_FACTOR, options.rowSeconds, [alice], () => 0));
        const tokens = missTokens.slice(nextMiss, nextMiss + options.requests);
        nextMiss += options.requests;
        misses.push(await loadRow(azure, broker, `warm, cache miss, c=${c}`, c, tokens.length, options.rowSeconds, tokens, () => options.latencyMs));
      }
    } finally {
      await broker.stop();
    }

    step('warm rows against the anchor');
    const anchorRows = new Map<number, Row>();
    const anchorServer = await anchor();
    try {
      await runLoad({ url: `${anchorServer.url}${EMBED_PATH}`, connections: 16, amount: 50, maxSeconds: 30, tokens: [alice] });
      for (const c of CONCURRENCY_LEVELS) anchorRows.set(c, await loadRow(azure, anchorServer, `anchor, c=${c}`, c, options.requests, options.rowSeconds, [alice], perRequestFloor));
    } finally {
      await anchorServer.stop();
    }

    step(`memory: ${options.memoryRequests} requests from ${options.memoryUsers} users`);
    const memoryServer = await bundle();
    let memory: { load: LoadResult; peak: number | undefined };
    try {
      const order = windowedUserOrder(memoryTokens.length, options.memoryRequests, MEMORY_USER_WINDOW).map((i) => memoryTokens[i] as string);
      const load = await runLoad({ url: `${memoryServer.url}${EMBED_PATH}`, connections: MEMORY_CONCURRENCY, amount: order.length, maxSeconds: MEMORY_MAX_SECONDS, tokens: order });
      memory = { load, peak: peakRssMiB(memoryServer.pid) };
    } finally {
      await memoryServer.stop();
    }

    step('telemetry cost (hosts of their own, with and without a connection string)');
    console.log(`${telemetryCostReport(await measureTelemetryCost(await loadLocalCa(caDir), process.env.NODE_EXTRA_CA_CERTS ?? join(caDir, 'ca.pem'), 400))}\n`);

    step('Entra simulations');
    const sims = [await simulateInChildProcess(options.simHours, 'fixed-60'), await simulateInChildProcess(options.simHours, 'random-60-90')];

    const compared: ComparedFigure[] = [
      { broker: burst.figure, anchor: anchorBurst.figure },
      { broker: coldFigure(coldUnbundled), anchor: coldAnchor },
      { broker: coldFigure(coldBundle), anchor: coldAnchor },
      { broker: coldFigure(coldTelemetry), anchor: coldAnchor },
      ...hits.map((row, i) => ({ broker: row.figure, anchor: anchorRows.get(CONCURRENCY_LEVELS[i] as number)?.figure })),
      ...misses.map((row, i) => ({ broker: row.figure, anchor: anchorRows.get(CONCURRENCY_LEVELS[i] as number)?.figure })),
    ];
    console.log(`${mainTable(compared)}\n`);
    // A Markdown list, so the lines stay lines when the output is pasted into docs/performance.md.
    console.log(`- ${burstFloorLine('broker cold burst', burst.sequential, options.latencyMs, burst.figure.p50, burst.runP50s)}`);
    console.log(`- ${burstFloorLine('anchor burst', anchorBurst.sequential, options.latencyMs, anchorBurst.figure.p50, anchorBurst.runP50s)}`);
    for (const cold of [coldUnbundled, coldBundle, coldTelemetry]) console.log(`- ${coldStartLine(cold)}`);
    console.log('- goal for the bundle without telemetry: at most 300 ms to the first answer (printed, not asserted)\n');

    const callsRows: CallsRow[] = [
      { label: 'anchor', requests: [...anchorRows.values()].reduce((n, r) => n + r.load.requests, 0), counts: combineCounts((a, b) => a + b, [...anchorRows.values()].map((r) => r.counts)), sequential: anchorPath.sequential },
      { label: 'one cold request', requests: 1, counts: brokerPath.counts, totals: true, sequential: brokerPath.sequential },
      { label: burst.figure.label, requests: burst.load.requests, counts: burst.counts, totals: true, sequential: burst.sequential },
      ...hits.map((r) => ({ label: r.figure.label, requests: r.load.requests, counts: r.counts })),
      ...misses.map((r) => ({ label: r.figure.label, requests: r.load.requests, counts: r.counts })),
    ];
    console.log(`${upstreamCallsTable(callsRows)}\n`);
    console.log(`${entraTable(sims)}\n`);
    console.log(`${memoryTable(memory.load.requests, Math.min(options.memoryUsers, options.memoryRequests), MEMORY_CONCURRENCY, memory.peak, MEMORY_BOUND_MIB, memory.load.seconds)}\n`);

    const figures: StructuralFigures = {
      errors: [
        ...[burst, anchorBurst].map((r) => ({ label: `${r.figure.label}, every run`, errors: r.errors })),
        ...[...hits, ...misses, ...anchorRows.values()].map((r) => ({ label: r.figure.label, errors: r.load.errors })),
        { label: 'memory run', errors: memory.load.errors },
      ],
      coldBurst: { counts: burst.worstCounts, users: 2 },
      cacheHit: hits.map((r) => ({ label: r.figure.label, counts: r.counts, requests: r.load.requests })),
      cacheMiss: misses.map((r) => ({ label: r.figure.label, counts: r.counts, requests: r.load.requests })),
      peakRssMiB: memory.peak,
      memoryRequests: memory.load.requests,
      memoryUsers: Math.min(options.memoryUsers, options.memoryRequests),
    };
    const goals = structuralGoals(figures);
    console.log(goalsReport(goals));
    console.log(`\nbench wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (goals.some((g) => !g.passed)) process.exitCode = 1;
  } finally {
    await azure.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
