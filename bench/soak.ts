import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultSpec } from '../dev/emulators/core/faults';
import { findRepoRoot, startLocalAzure, type LocalAzure } from '../dev/emulators/localAzure';
import { loadLocalCa } from '../dev/tls/localCa';
import { summarize } from './stats';

// `npm run soak`: the broker under load while every upstream misbehaves. For `--seconds` (60)
// at `--concurrency` (64) a mix of users and items is embedded while each emulator answers a
// share of its calls with 429s, 5xx, hangs, resets and latency spikes. Then the faults stop and
// the load goes on. It fails unless: every answer is a 200 with a token or a documented 502, 503
// or 504 problem; the broker never crashes or reports an unhandled rejection; its memory stays
// bounded; and every request succeeds from 10 s after the faults stop.

interface SoakOptions {
  seconds: number;
  concurrency: number;
  recoverySeconds: number;
  users: number;
}

function parseArgs(argv: string[]): SoakOptions {
  const options: SoakOptions = { seconds: 60, concurrency: 64, recoverySeconds: 15, users: 2000 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '') as keyof SoakOptions;
    const value = Number(argv[i + 1]);
    if (!(name in options) || !Number.isInteger(value) || value <= 0) throw new Error(`usage: npm run soak -- [--seconds N] [--concurrency N] [--recoverySeconds N] [--users N] (got ${argv[i]} ${argv[i + 1]})`);
    options[name] = value;
  }
  return options;
}

/** A share of each upstream's calls fails in each way; the shares add up to about a quarter. */
function faultsFor(extra: Partial<FaultSpec> = {}): FaultSpec[] {
  return [
    { kind: 'status', status: 429, retryAfterSeconds: 1, ratio: 0.05, ...extra },
    { kind: 'status', status: 503, ratio: 0.04, ...extra },
    { kind: 'status', status: 500, ratio: 0.04, body: { error: { code: 'InternalServerError' } }, ...extra },
    { kind: 'hang', ratio: 0.02, ...extra },
    { kind: 'reset', ratio: 0.03, ...extra },
    { kind: 'delay', delayMs: 1500, ratio: 0.05, ...extra },
  ];
}

function injectFaults(azure: LocalAzure): void {
  for (const spec of faultsFor()) {
    azure.powerBi.inject(spec);
    azure.keyVault.server.inject(spec);
    azure.managedIdentity.server.inject(spec);
    azure.entra.server.inject({ ...spec, path: '/oauth2/v2.0/token' });
    azure.users.server.inject(spec);
  }
}

function clearFaults(azure: LocalAzure): void {
  for (const server of [azure.powerBi.server, azure.keyVault.server, azure.managedIdentity.server, azure.entra.server, azure.users.server]) server.faults.clear();
}

/** Peak resident memory of a process (Linux `VmHWM`), in MiB. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const DOCUMENTED_FAILURES = new Set(['502 upstream_refused', '502 upstream_error', '502 upstream_invalid_response', '503 upstream_unavailable', '504 upstream_timeout']);

interface Outcome {
  at: number;
  ms: number;
  /** `200` or `<status> <code>`, or a description of what is wrong with the answer. */
  kind: string;
  ok: boolean;
  documented: boolean;
}

async function classify(res: Response): Promise<Pick<Outcome, 'kind' | 'ok' | 'documented'>> {
  const text = await res.text();
  if (res.status === 200) {
    const ok = (JSON.parse(text) as { accessToken?: unknown }).accessToken !== undefined;
    return { kind: ok ? '200' : '200 without a token', ok, documented: ok };
  }
  const isProblem = res.headers.get('content-type') === 'application/problem+json';
  const code = isProblem ? (JSON.parse(text) as { code?: string }).code : undefined;
  const kind = `${res.status} ${code ?? `(not problem+json: ${text.slice(0, 60)})`}`;
  return { kind, ok: false, documented: isProblem && DOCUMENTED_FAILURES.has(kind) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const caDir = process.env.LOCAL_CA_DIR;
  if (!caDir) throw new Error('LOCAL_CA_DIR is not set: run through dev/withLocalCa (npm run soak)');
  const azure = await startLocalAzure(await loadLocalCa(caDir));
  const appDir = findRepoRoot(__dirname);
  // Entra tokens short enough that the service-principal token is renewed every half minute,
  // so the Entra, Key Vault and identity legs stay under fire too, not only the cold start.
  await fetch(`${azure.entra.url}/_emulator/token-lifetime`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 100 }) });

  const users = Array.from({ length: options.users }, (_, i) => ({ name: `soak${i}`, role: ['Sales.EU', 'Sales.US', 'Sales.Manager', 'Other'][i % 4] as string }));
  for (const { name, role } of users) azure.users.addUser({ name, claims: { preferred_username: `${name}@contoso.example`, roles: [role] } });
  const tokens = await Promise.all(users.map(({ name }) => azure.userToken(name, 2 * 3600)));

  const env = { ...process.env, ...azure.settings, PORT: '0', EMBED_MIN_LIFETIME_MINUTES: '1', UPSTREAM_TIMEOUT_SECONDS: '2', REQUEST_DEADLINE_SECONDS: '5' };
  const host = spawn(process.execPath, [join(appDir, 'dist', 'dev', 'host', 'main.js')], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let unhandled = 0;
  let url = '';
  const ready = new Promise<void>((resolve, reject) => {
    const scan = (chunk: Buffer) => {
      const text = chunk.toString();
      if (/unhandled|UnhandledPromiseRejection/i.test(text)) unhandled += 1;
      const found = !url && /listening on (http:\/\/\S+)/.exec(text);
      if (found) {
        url = found[1] as string;
        resolve();
      }
    };
    host.stdout.on('data', scan);
    host.stderr.on('data', scan);
    host.once('exit', (code) => reject(new Error(`the host exited with code ${code} before listening`)));
  });
  let exitedDuringRun: number | null = null;
  host.once('exit', (code) => (exitedDuringRun = code ?? -1));
  await ready;

  const outcomes: Outcome[] = [];
  const started = performance.now();
  let faultsStoppedAt = Number.POSITIVE_INFINITY;
  let stopAt = started + (options.seconds + options.recoverySeconds) * 1000;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRssMiB(host.pid as number) ?? 0)), 1000);

  injectFaults(azure);
  const faultTimer = setTimeout(() => {
    clearFaults(azure);
    faultsStoppedAt = performance.now();
    console.log(`faults stopped after ${options.seconds} s; ${options.recoverySeconds} s of load without faults follow`);
  }, options.seconds * 1000);

  let next = 0;
  const keys = ['sales-overview', 'company-kpis'];
  const worker = async () => {
    while (performance.now() < stopAt && exitedDuringRun === null) {
      const i = next++;
      const user = users[i % users.length] as { role: string };
      const key = keys[(i >> 1) % keys.length] as string;
      const t0 = performance.now();
      let outcome: Pick<Outcome, 'kind' | 'ok' | 'documented'>;
      try {
        const res = await fetch(`${url}/api/embed/reports/${key}`, { headers: { authorization: `Bearer ${tokens[i % tokens.length]}` }, signal: AbortSignal.timeout(30_000) });
        outcome = await classify(res);
      } catch (error) {
        outcome = { kind: `no answer (${(error as Error).name})`, ok: false, documented: false };
      }
      // Users without a sales role may embed only company-kpis: their 403 on sales-overview is the policy at work.
      if (outcome.kind === '403 forbidden' && user.role === 'Other' && key === 'sales-overview') outcome = { ...outcome, documented: true, ok: true };
      outcomes.push({ at: t0, ms: performance.now() - t0, ...outcome });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  clearTimeout(faultTimer);
  clearInterval(sampler);
  peak = Math.max(peak, peakRssMiB(host.pid as number) ?? 0);
  stopAt = 0;
  host.kill('SIGTERM');
  await azure.close();

  const byKind = new Map<string, number>();
  for (const o of outcomes) byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + 1);
  const undocumented = outcomes.filter((o) => !o.documented);
  const lastFailure = outcomes.filter((o) => !o.ok && o.at + o.ms >= faultsStoppedAt).reduce((latest, o) => Math.max(latest, o.at + o.ms), faultsStoppedAt);
  const recoveredAfterS = (lastFailure - faultsStoppedAt) / 1000;
  const wall = (performance.now() - started) / 1000;
  const latency = summarize(outcomes.map((o) => o.ms));

  console.log(`\nsoak: ${outcomes.length} requests in ${wall.toFixed(1)} s at concurrency ${options.concurrency} (${(outcomes.length / wall).toFixed(0)} req/s), ${options.users} users, 2 items`);
  console.log('answers:');
  for (const [kind, count] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(34)} ${String(count).padStart(7)}`);
  console.log(`latency ms: p50 ${latency.p50.toFixed(1)}  p99 ${latency.p99.toFixed(1)}  max ${latency.max.toFixed(1)}`);
  console.log(`broker peak RSS: ${peak.toFixed(0)} MiB`);
  console.log(`last failure ${recoveredAfterS.toFixed(1)} s after the faults stopped`);

  const failures: string[] = [];
  if (undocumented.length > 0) failures.push(`${undocumented.length} answers were neither a 200 with a token nor a documented 502/503/504 problem (first: ${undocumented[0]?.kind})`);
  if (unhandled > 0) failures.push(`the broker reported ${unhandled} unhandled rejections`);
  if (exitedDuringRun !== null) failures.push(`the broker exited during the run (code ${exitedDuringRun})`);
  if (recoveredAfterS > 10) failures.push(`requests still failed ${recoveredAfterS.toFixed(1)} s after the faults stopped (limit 10 s)`);
  if (peak > 512) failures.push(`the broker's memory peaked at ${peak.toFixed(0)} MiB (limit 512 MiB)`);
  if (failures.length > 0) {
    console.error(`\nSOAK FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log('\nsoak passed');
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
