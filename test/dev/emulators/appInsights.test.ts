import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { AppInsightsEmulator, MONITOR_AUDIENCE, type TelemetryEnvelope } from '../../../dev/emulators/appInsights';
import { EntraEmulator } from '../../../dev/emulators/entra';
import { loadLocalCa } from '../../../dev/tls/localCa';

// The ingestion endpoint as the exporter meets it: Breeze's answers, gzip, Entra bearer tokens
// when local auth is off, live metrics answered "not subscribed", and the items kept for tests.
// The real applicationinsights exporter against it: test/integration/telemetry.test.ts.

const tenantId = randomUUID();
let entra: EntraEmulator;
let open: AppInsightsEmulator;
let entraOnly: AppInsightsEmulator;

const envelope = (iKey: string, operationId: string, name = 'Microsoft.ApplicationInsights.Event'): TelemetryEnvelope => ({
  name,
  time: new Date().toISOString(),
  iKey,
  tags: { 'ai.operation.id': operationId },
  data: { baseType: 'EventData', baseData: { ver: 2, name: 'Something' } },
});

const track = (emulator: AppInsightsEmulator, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${emulator.url}/v2.1/track`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

beforeAll(async () => {
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR!);
  const tls = await ca.issueServerCertificate();
  entra = await EntraEmulator.start({ tls, tenants: [tenantId], resources: [MONITOR_AUDIENCE] });
  open = await AppInsightsEmulator.start({ tls, entra });
  entraOnly = await AppInsightsEmulator.start({ tls, entra, disableLocalAuth: true });
});

afterAll(async () => {
  await open?.server.close();
  await entraOnly?.server.close();
  await entra?.close();
});

it('gives a connection string naming its key and endpoints over https', () => {
  expect(open.connectionString).toBe(`InstrumentationKey=${open.instrumentationKey};IngestionEndpoint=${open.url}/;LiveEndpoint=${open.url}/`);
  expect(open.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
});

it('accepts a gzipped array of envelopes and keeps them, filterable by operation id', async () => {
  const res = await track(open, gzipSync(JSON.stringify([envelope(open.instrumentationKey, 'op-1'), envelope(open.instrumentationKey, 'op-2')])), { 'content-encoding': 'gzip' });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ itemsReceived: 2, itemsAccepted: 2, errors: [] });
  const listed = (await (await fetch(`${open.url}/_emulator/telemetry?operationId=op-2`)).json()) as { envelope: TelemetryEnvelope; auth: string }[];
  expect(listed).toEqual([expect.objectContaining({ auth: 'instrumentation-key', envelope: expect.objectContaining({ tags: { 'ai.operation.id': 'op-2' } }) })]);
  expect(open.ingestionRequests().at(-1)).toMatchObject({ path: '/v2.1/track', auth: 'instrumentation-key', gzip: true, items: 2, status: 200 });
});

it('refuses bad envelopes one by one (206), like Breeze, and keeps the good ones', async () => {
  const before = open.received().length;
  const good = envelope(open.instrumentationKey, 'op-3');
  const res = await track(open, JSON.stringify([good, { ...good, name: '' }, { ...good, iKey: randomUUID() }, { ...good, data: {} }]));
  expect(res.status).toBe(206);
  const body = (await res.json()) as { itemsReceived: number; itemsAccepted: number; errors: { index: number; statusCode: number }[] };
  expect(body).toMatchObject({ itemsReceived: 4, itemsAccepted: 1 });
  expect(body.errors.map((e) => [e.index, e.statusCode])).toEqual([[1, 400], [2, 400], [3, 400]]);
  expect(open.received().length).toBe(before + 1);
});

it('answers 400 to a body that is not JSON or not valid gzip, without crashing', async () => {
  expect((await track(open, 'not json')).status).toBe(400);
  expect((await track(open, Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).status).toBe(400);
  expect((await track(open, JSON.stringify({ not: 'an array' }))).status).toBe(400);
});

it('with local auth disabled, takes only a bearer token for https://monitor.azure.com and notes whose it was', async () => {
  const items = JSON.stringify([envelope(entraOnly.instrumentationKey, 'op-4')]);
  expect((await track(entraOnly, items)).status).toBe(401);
  expect((await track(entraOnly, items, { authorization: 'Bearer not-a-token' })).status).toBe(401);
  const vault = await entra.issueAccessToken({ tenantId, resource: 'https://vault.azure.net', objectId: randomUUID() });
  expect((await track(entraOnly, items, { authorization: `Bearer ${vault.accessToken}` })).status).toBe(401);
  const objectId = randomUUID();
  const monitor = await entra.issueAccessToken({ tenantId, resource: MONITOR_AUDIENCE, objectId });
  const res = await track(entraOnly, items, { authorization: `Bearer ${monitor.accessToken}` });
  expect(res.status).toBe(200);
  expect(entraOnly.received()).toEqual([expect.objectContaining({ auth: 'entra' })]);
  expect(entraOnly.ingestionRequests().map((r) => [r.auth, r.status, r.principal ?? null])).toEqual([
    ['instrumentation-key', 401, null],
    ['entra', 401, null],
    ['entra', 401, null],
    ['entra', 200, objectId],
  ]);
});

it('answers live metrics pings and posts "not subscribed"', async () => {
  for (const path of ['/QuickPulseService.svc/ping', '/QuickPulseService.svc/post']) {
    const res = await fetch(`${open.url}${path}?ikey=${open.instrumentationKey}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ms-qps-subscribed')).toBe('false');
  }
  expect((await fetch(`${entraOnly.url}/QuickPulseService.svc/ping`, { method: 'POST', body: '{}' })).status).toBe(401);
});

it('forgets what it received on DELETE /_emulator/telemetry', async () => {
  expect(open.received().length).toBeGreaterThan(0);
  expect((await fetch(`${open.url}/_emulator/telemetry`, { method: 'DELETE' })).status).toBe(204);
  expect(open.received()).toEqual([]);
  expect(open.ingestionRequests()).toEqual([]);
});
