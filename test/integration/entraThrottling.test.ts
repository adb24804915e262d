import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('Entra throttling on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  const tokenCalls = () => app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' });

  it("answers 503 with Entra's Retry-After, and does not call Entra again before it", async () => {
    app.azure.entra.server.inject({ kind: 'status', status: 429, retryAfterSeconds: 30, times: 1, path: '/oauth2/v2.0/token', body: { error: 'temporarily_unavailable', error_codes: [50196] } });
    const first = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(first.status).toBe(503);
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(await first.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'entra' });
    expect(tokenCalls()).toBe(1);

    const second = await app.getAs('bob', '/api/embed/reports/sales-overview');
    expect(second.status).toBe(503);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(tokenCalls()).toBe(1);
  });
});
