import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ReceivedItem } from '../../dev/emulators/appInsights';
import type { LocalAzure } from '../../dev/emulators/localAzure';
import { startHostProcess, type HostProcess } from '../../dev/hostProcess';
import { startTestAzure } from '../helpers/localAzureForTests';

// The built app in the local host process with Application Insights pointed at the ingestion
// emulator, Entra-authenticated as in Azure. OpenTelemetry's require hooks do not run inside
// jest, so only a child process shows what the SDK really sends. Each request carries its own
// traceparent; every item of that request must come back under its trace id.

const appDir = resolve(__dirname, '..', '..');
// BROKER_APP_DIR (npm run test:package): the deployment package, with the telemetry SDK bundled on its own.
const functionAppDir = process.env.BROKER_APP_DIR ? resolve(appDir, process.env.BROKER_APP_DIR) : undefined;
const run = promisify(execFile);

/** Exports quickly, so the test waits for items rather than for a batch timer. */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_METRIC_EXPORT_INTERVAL: '500' };

const traceIds = {
  entraOutage: '4bf92f3577b34da6a3ce929d0e0e4736',
  success: '0af7651916cd43dd8448eb211c80319c',
  denial: 'b7ad6b7169203331b7ad6b7169203331',
  powerBi500: '1e223ff1f80f1c69f8f0b81c6e0a5a1f',
};
const traceparent = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;

const baseData = (item: ReceivedItem) => (item.envelope.data?.baseData ?? {}) as Record<string, unknown> & { properties?: Record<string, string>; measurements?: Record<string, number> };
const ofType = (items: ReceivedItem[], name: string) => items.filter((i) => i.envelope.name === `Microsoft.ApplicationInsights.${name}`);

describe('telemetry of every request and upstream call, through the ingestion emulator', () => {
  let azure: LocalAzure;
  let host: HostProcess;
  const answers: Record<keyof typeof traceIds, { status: number; body: Record<string, unknown> }> = {} as never;
  const bearerTokens: string[] = [];

  beforeAll(async () => {
    azure = await startTestAzure({ telemetry: { entraAuthentication: true } });
    host = await startHostProcess(appDir, { ...process.env, ...azure.settings, ...FAST_EXPORT, UPSTREAM_TIMEOUT_SECONDS: '2', REQUEST_DEADLINE_SECONDS: '5', PREWARM_ON_START: 'false', PORT: '0' }, functionAppDir ? { functionAppDir } : {});
    const call = async (name: keyof typeof traceIds, user: string) => {
      const token = await azure.userToken(user);
      bearerTokens.push(token);
      const res = await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}`, traceparent: traceparent(traceIds[name]) } });
      answers[name] = { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // Cold: the service-principal token request meets an Entra outage.
    azure.entra.server.inject({ kind: 'status', status: 503, ratio: 1, path: '/oauth2/v2.0/token', body: { error: 'temporarily_unavailable' } });
    await call('entraOutage', 'alice');
    azure.entra.server.faults.clear();
    await call('success', 'alice');
    await call('denial', 'carol');
    azure.powerBi.inject({ kind: 'status', status: 500, times: 1, path: '/GenerateToken', body: { error: { code: 'InternalError' } } });
    await call('powerBi500', 'bob');
    // Every request's items, and a round of metrics after the last one.
    await waitFor(() => Object.values(traceIds).every((id) => ofType(azure.appInsights!.received(id), 'Event').length + ofType(azure.appInsights!.received(id), 'RemoteDependency').length > 0));
    await waitFor(() => ofType(azure.appInsights!.received(), 'Metric').some((m) => JSON.stringify(m.envelope).includes('EmbedTokenCacheMisses')));
    await waitFor(() => ofType(azure.appInsights!.received(traceIds.powerBi500), 'Request').length > 0);
    await waitFor(() => ofType(azure.appInsights!.received(traceIds.powerBi500), 'Message').length > 0);
  }, 60_000);

  afterAll(async () => {
    await host?.stop();
    await azure?.close();
  });

  async function waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((r) => setTimeout(r, 100));
  }

  it('answers as usual, and every problem body carries the caller\'s trace id', () => {
    expect(answers.success.status).toBe(200);
    expect(answers.entraOutage).toMatchObject({ status: 503, body: { code: 'upstream_unavailable', traceId: traceIds.entraOutage } });
    expect(answers.denial).toMatchObject({ status: 403, body: { code: 'forbidden', reason: 'no_rule', traceId: traceIds.denial } });
    expect(answers.powerBi500).toMatchObject({ status: 502, body: { code: 'upstream_error', upstreamStatus: 500, traceId: traceIds.powerBi500 } });
  });

  it('records each request under the caller\'s trace id, as the Functions host does', () => {
    for (const [name, traceId] of Object.entries(traceIds)) {
      const requests = ofType(azure.appInsights!.received(traceId), 'Request');
      expect({ name, codes: requests.map((r) => baseData(r).responseCode) }).toEqual({ name, codes: [String(answers[name as keyof typeof traceIds].status)] });
      // The caller's span is the request's parent; the request is the parent of everything else of that trace.
      const request = requests[0] as ReceivedItem;
      expect(request.envelope.tags?.['ai.operation.parentId']).toBe('00f067aa0ba902b7');
      for (const item of azure.appInsights!.received(traceId).filter((i) => i !== request)) expect(item.envelope.tags?.['ai.operation.parentId']).toBe(baseData(request).id);
    }
  });

  it('a successful embed: Entra and Power BI as dependencies, with status and RequestId', () => {
    const items = azure.appInsights!.received(traceIds.success);
    const deps = ofType(items, 'RemoteDependency').map(baseData);
    const generate = deps.find((d) => d.name === 'POST /v1.0/myorg/GenerateToken');
    expect(generate).toMatchObject({ resultCode: '200', success: true, type: 'Http', properties: expect.objectContaining({ upstream: 'powerbi', attempt: '1', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) }) });
    const powerBiIds = azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/ }).map((r) => r.requestId);
    expect(powerBiIds).toContain(generate?.properties?.requestId);
    expect(new Set(deps.map((d) => d.properties?.upstream))).toEqual(new Set(['entra', 'powerbi']));
    expect(deps.find((d) => d.name === 'POST /{tenant}/oauth2/v2.0/token')).toMatchObject({ resultCode: '200', success: true });

    const events = ofType(items, 'Event').map(baseData);
    expect(events.map((e) => e.name)).toEqual(expect.arrayContaining(['ServicePrincipalTokenRenewed', 'EmbedTokenIssued']));
    const issued = events.find((e) => e.name === 'EmbedTokenIssued');
    expect(issued).toMatchObject({ properties: { itemKeys: 'sales-overview', rule: 'sales-team', cacheHit: 'false', rls: 'true', userHash: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) } });
    expect(issued?.measurements?.lifetimeMinutes).toBeGreaterThanOrEqual(30);
    expect(JSON.stringify(items)).not.toContain('alice@contoso.example');
  });

  it('a policy denial: an event with rule and reason, and no upstream call', () => {
    const items = azure.appInsights!.received(traceIds.denial);
    expect(ofType(items, 'Event').map(baseData)).toEqual([expect.objectContaining({ name: 'PolicyDenied', properties: { itemKeys: 'sales-overview', reason: 'no_rule', rule: 'none' } })]);
    expect(ofType(items, 'RemoteDependency')).toEqual([]);
    // An information line (403) is below host.json's level for functions: not recorded.
    expect(ofType(items, 'Message')).toEqual([]);
  });

  it('a Power BI 500: the failed GenerateToken with its status and RequestId', () => {
    const deps = ofType(azure.appInsights!.received(traceIds.powerBi500), 'RemoteDependency').map(baseData);
    const failed = deps.filter((d) => d.success === false);
    expect(failed).toEqual([expect.objectContaining({ name: 'POST /v1.0/myorg/GenerateToken', resultCode: '500', properties: expect.objectContaining({ upstream: 'powerbi', requestId: expect.any(String) }) })]);
    expect(failed[0]?.properties?.requestId).toBe(answers.powerBi500.body.upstreamRequestId);
    // The function's warning line, under the same request, as the Functions host records it.
    const lines = ofType(azure.appInsights!.received(traceIds.powerBi500), 'Message').map(baseData);
    expect(lines).toEqual([expect.objectContaining({ message: expect.stringMatching(/^502 upstream_error upstream=powerbi upstreamStatus=500 upstreamCode=InternalError upstreamRequestId=/), severityLevel: 'Warning' })]);
  });

  it('an Entra outage on a cold instance: the Key Vault read, the token requests that failed with 503, and no Power BI call', () => {
    const deps = ofType(azure.appInsights!.received(traceIds.entraOutage), 'RemoteDependency').map(baseData);
    // Key Vault's 401 challenge is its normal first step, not a failure; the managed identity's token comes in between.
    expect(deps.filter((d) => d.properties?.upstream === 'key-vault').map((d) => [d.name, d.resultCode, d.success, d.properties?.attempt])).toEqual([
      ['GET /secrets/powerbi-client-secret', '401', true, '1'],
      ['GET /secrets/powerbi-client-secret', '200', true, '1'],
    ]);
    expect(deps.filter((d) => d.properties?.upstream === 'managed-identity')).toEqual([expect.objectContaining({ name: 'GET /msi/token', resultCode: '200', success: true })]);
    const entra = deps.filter((d) => d.properties?.upstream === 'entra' && d.name === 'POST /{tenant}/oauth2/v2.0/token');
    expect(entra.length).toBeGreaterThan(0);
    expect(entra.every((d) => d.resultCode === '503' && d.success === false)).toBe(true);
    expect(deps.filter((d) => d.properties?.upstream === 'powerbi')).toEqual([]);
    expect(ofType(azure.appInsights!.received(traceIds.entraOutage), 'Event').map((e) => baseData(e).name)).toContain('UpstreamThrottled');
  });

  it('metrics: embed-token cache misses and issued lifetimes', () => {
    const metrics = ofType(azure.appInsights!.received(), 'Metric').flatMap((m) => (baseData(m).metrics ?? []) as { name: string; value: number }[]);
    expect(metrics.filter((m) => m.name === 'EmbedTokenCacheMisses').reduce((sum, m) => sum + m.value, 0)).toBeGreaterThanOrEqual(1);
    expect(metrics.find((m) => m.name === 'EmbedTokenLifetimeMinutes')?.value).toBeGreaterThanOrEqual(30);
  });

  it('never carries a secret, a token or a bearer credential', () => {
    const everything = JSON.stringify(azure.appInsights!.received());
    expect(everything).not.toContain(azure.clientSecret);
    expect(everything).not.toContain('eyJ');
    for (const token of bearerTokens) expect(everything).not.toContain(token.split('.')[2] as string);
    const issued = typeof answers.success.body.accessToken === 'string' ? answers.success.body.accessToken : '';
    expect(issued.length).toBeGreaterThan(20);
    expect(everything).not.toContain(issued);
    expect(everything).not.toContain(issued.slice(0, 24));
    expect(everything.toLowerCase()).not.toContain('authorization');
  });

  it('sends every ingestion request with a bearer token of the managed identity, none with the instrumentation key alone', () => {
    const ingestions = azure.appInsights!.ingestionRequests();
    expect(ingestions.filter((r) => r.path === '/v2.1/track').length).toBeGreaterThan(0);
    expect(ingestions.every((r) => r.auth === 'entra' && r.status === 200)).toBe(true);
    expect(new Set(ingestions.map((r) => r.principal))).toEqual(new Set([azure.managedIdentity.systemAssigned?.objectId]));
    expect(azure.managedIdentity.server.log.find({ method: 'GET', path: '/msi/token' }).some((r) => r.query.resource === 'https://monitor.azure.com/' || r.query.resource === 'https://monitor.azure.com')).toBe(true);
    expect(azure.appInsights!.received().every((i) => i.auth === 'entra')).toBe(true);
  });
});

describe('without a connection string', () => {
  /** Starts the process's broker as the function files do, then says whether the telemetry SDK is in require.cache. */
  const loadedAfterStart = async (settings: Record<string, string>): Promise<boolean> => {
    const start = functionAppDir
      ? `require(${JSON.stringify(resolve(functionAppDir, 'lib/app.js'))})['shared/app/processBroker.ts'].processBroker();`
      : `require(${JSON.stringify(resolve(appDir, 'dist/shared/app/processBroker.js'))}).processBroker();`;
    const script = `${start}
      const loaded = Object.keys(require.cache).some((file) => /[\\\\/]node_modules[\\\\/]applicationinsights[\\\\/]|[\\\\/]lib[\\\\/]appInsights\\.js$/.test(file));
      process.stdout.write(JSON.stringify({ loaded }));
      process.exit(0);`;
    const { stdout } = await run(process.execPath, ['-e', script], { env: { ...process.env, ...settings }, cwd: functionAppDir ?? appDir });
    return (JSON.parse(stdout) as { loaded: boolean }).loaded;
  };

  it('never loads the telemetry package (and does with one)', async () => {
    const azure = await startTestAzure({ telemetry: {} });
    try {
      const { APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString, ...withoutTelemetry } = azure.settings;
      expect(connectionString).toBeDefined();
      await expect(loadedAfterStart(withoutTelemetry)).resolves.toBe(false);
      await expect(loadedAfterStart(azure.settings)).resolves.toBe(true);
    } finally {
      await azure.close();
    }
  });
});
