import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// UPSTREAM_TIMEOUT_SECONDS=2 and REQUEST_DEADLINE_SECONDS=5 here (see startTestApp).

describe('one deadline per request', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  afterEach(() => {
    for (const server of [app.azure.entra.server, app.azure.keyVault.server, app.azure.powerBi.server]) server.faults.clear();
  });

  it('lets a slow cold start use the request deadline, not one call timeout, for the token', async () => {
    // Key Vault (challenge + read) and Entra together take longer than one call's 2 s timeout.
    app.azure.keyVault.server.inject({ kind: 'delay', delayMs: 900, ratio: 1, path: '/secrets/' });
    app.azure.entra.server.inject({ kind: 'delay', delayMs: 900, ratio: 1, path: '/oauth2/v2.0/token' });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
  });
});
