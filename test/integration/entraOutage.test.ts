import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('an Entra outage on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers 504 when Entra does not answer within the upstream timeout', async () => {
    app.azure.entra.server.inject({ kind: 'hang', times: 1, path: '/oauth2/v2.0/token' });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'upstream_timeout', upstream: 'entra' });
  });

  it('answers 503 while Entra fails, then recovers at once when it is back', async () => {
    app.azure.entra.server.inject({ kind: 'status', status: 503, ratio: 1, path: '/oauth2/v2.0/token', body: { error: 'temporarily_unavailable' } });
    const down = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'entra' });
    app.azure.entra.server.faults.clear();
    // msal alone would refuse locally for 60 s after a 5xx; the broker starts a fresh client instead.
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
  });

  it('answers 503 when Entra resets the connection', async () => {
    app.azure.entra.server.inject({ kind: 'reset', ratio: 1 });
    const res = await app.getAs('bob', '/api/embed/reports/sales-overview');
    // Bob's request is served from the token cached by the previous test: no Entra call at all.
    expect(res.status).toBe(200);
  });
});
