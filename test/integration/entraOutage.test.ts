import type { LoggedRequest } from '../../dev/emulators/core/requestLog';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// One instance, started cold: no service-principal token is cached until the very last step,
// so every failure below really reaches Entra (checked in Entra's log) instead of being
// answered from a cached token. The tests run in file order; only the last one succeeds.

describe('an Entra outage on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  afterEach(() => app.azure.entra.server.faults.clear());

  const tokenRequests = (): LoggedRequest[] => app.azure.entra.server.log.find({ method: 'POST', path: /\/oauth2\/v2\.0\/token$/ });

  /** No token was ever issued to the broker: the next embed request has to ask Entra. */
  function expectCold(): void {
    expect(tokenRequests().filter((r) => r.status === 200)).toEqual([]);
  }

  it('answers 504 when Entra does not answer within the upstream timeout', async () => {
    expectCold();
    const before = tokenRequests().length;
    app.azure.entra.server.inject({ kind: 'hang', times: 1, path: '/oauth2/v2.0/token' });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'upstream_timeout', upstream: 'entra' });
    expect(tokenRequests().slice(before).map((r) => r.fault)).toEqual(['hang']);
    expect(app.azure.powerBi.log.all()).toEqual([]);
  });

  it('answers 503 while Entra fails', async () => {
    expectCold();
    const before = tokenRequests().length;
    app.azure.entra.server.inject({ kind: 'status', status: 503, ratio: 1, path: '/oauth2/v2.0/token', body: { error: 'temporarily_unavailable' } });
    const down = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'entra' });
    const calls = tokenRequests().slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((r) => r.status === 503 && r.fault === 'status')).toBe(true);
    expect(app.azure.powerBi.log.all()).toEqual([]);
  });

  it('answers 503 when Entra resets the connection, then 200 as soon as Entra is back', async () => {
    expectCold();
    const before = tokenRequests().length;
    app.azure.entra.server.inject({ kind: 'reset', ratio: 1, path: '/oauth2/v2.0/token' });
    const reset = await app.getAs('bob', '/api/embed/reports/sales-overview');
    expect(reset.status).toBe(503);
    expect(reset.headers.get('content-type')).toBe('application/problem+json');
    expect(await reset.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'entra' });
    // The reset really happened on the wire. Right after the 503s of the previous test this
    // also shows that msal's local 60 s refusal after a 5xx is not kept: the broker asked Entra.
    const resetCalls = tokenRequests().slice(before);
    expect(resetCalls.length).toBeGreaterThan(0);
    expect(resetCalls.every((r) => r.fault === 'reset')).toBe(true);
    expect(app.azure.powerBi.log.all()).toEqual([]);

    app.azure.entra.server.faults.clear();
    const back = await app.getAs('bob', '/api/embed/reports/sales-overview');
    expect(back.status).toBe(200);
    expect(tokenRequests().slice(before + resetCalls.length).map((r) => r.status)).toEqual([200]);
  });
});
