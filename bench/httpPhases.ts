import { randomUUID } from 'node:crypto';
import { DEMO_SALES_DATASET_ID, DEMO_SALES_REPORT_ID, DEMO_SERVICE_PRINCIPAL, DEMO_TENANT_ID } from '../dev/emulators/demoWorld';
import { POWER_BI_AUDIENCE } from '../dev/emulators/powerBi';
import type { BrokerApp } from './brokerApp';
import { runPool, summarize, type Summary } from './stats';
import { clearUpstreamLogs, countUpstreamCalls, type UpstreamCounts } from './upstreams';

// The phases driven over real HTTP against the local host: a cold burst, then warm requests
// that are served from cache or need exactly one GenerateToken each.

export interface PhaseResult {
  label: string;
  requests: number;
  concurrency: number;
  /** Totals over the phase. */
  counts: UpstreamCounts | undefined;
  endToEnd: Summary;
  /** Time waiting on GenerateToken, per request, and what is left of end-to-end time without it. */
  upstream?: Summary;
  overhead?: Summary;
}

/** Unmeasured requests first, so JIT compilation and connection set-up do not count as overhead. */
const WARMUP_REQUESTS = 20;

async function timeMs(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** N first requests at once, against an instance that has fetched nothing yet. */
export async function coldBurst(app: BrokerApp, requests: number): Promise<PhaseResult> {
  const tokens = [await app.azure.userToken('alice'), await app.azure.userToken('bob')];
  clearUpstreamLogs(app.azure);
  const latencies = await Promise.all(Array.from({ length: requests }, (_, i) => timeMs(() => app.embed(tokens[i % tokens.length] as string))));
  return { label: 'cold burst, alice+bob', requests, concurrency: requests, counts: countUpstreamCalls(app.azure), endToEnd: summarize(latencies) };
}

/** The same caller again and again: the embed-token cache answers, so all of the time is the broker's. */
export async function warmSameUser(app: BrokerApp, requests: number, concurrency: number): Promise<PhaseResult> {
  const token = await app.azure.userToken('alice');
  await runPool(Array.from({ length: WARMUP_REQUESTS }), concurrency, () => app.embed(token));
  clearUpstreamLogs(app.azure);
  const latencies = await runPool(Array.from({ length: requests }), concurrency, () => timeMs(() => app.embed(token)));
  const counts = countUpstreamCalls(app.azure);
  const noUpstream = Object.values(counts).every((n) => n === 0);
  const endToEnd = summarize(latencies);
  // With no upstream call in the phase, all of the time is the broker's (and the client's).
  return { label: 'warm, same user', requests, concurrency, counts, endToEnd, ...(noUpstream ? { overhead: endToEnd } : {}) };
}

/** A new caller each time: one GenerateToken per request, whose duration is taken out of the total. */
export async function warmDistinctUsers(app: BrokerApp, requests: number, concurrency: number): Promise<PhaseResult> {
  const warmup = await newUsers(app, WARMUP_REQUESTS);
  await runPool(warmup, concurrency, (user) => app.embed(user.token));
  for (const user of warmup) app.timer.take(user.username);
  const users = await newUsers(app, requests);
  clearUpstreamLogs(app.azure);
  const samples = await runPool(users, concurrency, async (user) => {
    const endToEnd = await timeMs(() => app.embed(user.token));
    const upstream = app.timer.take(user.username);
    return { endToEnd, upstream, overhead: endToEnd - upstream };
  });
  return {
    label: 'warm, distinct users',
    requests,
    concurrency,
    counts: countUpstreamCalls(app.azure),
    endToEnd: summarize(samples.map((s) => s.endToEnd)),
    upstream: summarize(samples.map((s) => s.upstream)),
    overhead: summarize(samples.map((s) => s.overhead)),
  };
}

/** Baseline: the same GenerateToken bodies sent straight to the Power BI emulator, no broker. */
export async function directGenerateToken(app: BrokerApp, requests: number, concurrency: number): Promise<PhaseResult> {
  const { accessToken } = await app.azure.entra.issueAccessToken({
    tenantId: DEMO_TENANT_ID,
    resource: POWER_BI_AUDIENCE,
    appId: DEMO_SERVICE_PRINCIPAL.clientId,
    objectId: DEMO_SERVICE_PRINCIPAL.objectId,
  });
  let n = 0;
  const call = async () => {
    const oid = randomUUID();
    const body = {
      datasets: [{ id: DEMO_SALES_DATASET_ID }],
      reports: [{ id: DEMO_SALES_REPORT_ID, allowEdit: false }],
      identities: [{ username: `direct-${++n}@contoso.example`, roles: ['Region EU'], customData: oid, datasets: [DEMO_SALES_DATASET_ID] }],
    };
    const response = await app.timer.untimedFetch(`${app.azure.powerBi.url}/v1.0/myorg/GenerateToken`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GenerateToken answered ${response.status}: ${text.slice(0, 300)}`);
  };
  await runPool(Array.from({ length: WARMUP_REQUESTS }), concurrency, call);
  const latencies = await runPool(Array.from({ length: requests }), concurrency, () => timeMs(call));
  return { label: 'direct GenerateToken (no broker)', requests, concurrency, counts: undefined, endToEnd: summarize(latencies) };
}

async function newUsers(app: BrokerApp, count: number): Promise<{ username: string; token: string }[]> {
  const users: { username: string; token: string }[] = [];
  for (let i = 0; i < count; i++) users.push(await app.newSalesUser());
  return users;
}
