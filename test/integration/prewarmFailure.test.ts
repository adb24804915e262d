import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// A prewarm that fails (Key Vault down as the app loads) neither fails the load nor leaves
// anything behind: the first request after Key Vault is back works.

describe('prewarm while Key Vault is down', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ PREWARM_ON_START: 'true' }, { beforeFunctionsLoad: (azure) => azure.keyVault.server.inject({ kind: 'status', status: 503, ratio: 1 }) });
  });

  afterAll(() => app.close());

  it('loads the app, and the first request after recovery succeeds', async () => {
    const started = Date.now();
    while (app.azure.keyVault.server.log.count({ method: 'GET' }) === 0 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
    app.azure.keyVault.server.faults.clear();
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
  });
});
