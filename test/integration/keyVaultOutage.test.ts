import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('a Key Vault outage on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers 503 while Key Vault is down, then recovers', async () => {
    app.azure.keyVault.server.inject({ kind: 'status', status: 503, ratio: 1, body: { error: { code: 'ServiceUnavailable' } } });
    const down = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'keyvault' });
    app.azure.keyVault.server.faults.clear();
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
  });
});
