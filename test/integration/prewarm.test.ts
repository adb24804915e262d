import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// PREWARM_ON_START: when the function app loads, the service-principal token and the catalog's
// metadata are fetched in the background, so the first request makes only its GenerateToken.

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('prewarm did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('prewarm on start', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ PREWARM_ON_START: 'true' });
  });

  afterAll(() => app.close());

  it('leaves the first request only its GenerateToken', async () => {
    const metadataGets = () => app.azure.powerBi.log.count({ method: 'GET' });
    // Both demo reports and their datasets.
    await until(() => metadataGets() === 4);
    expect(app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
    const before = { entra: app.azure.entra.server.log.count({}), vault: app.azure.keyVault.server.log.count({}), identity: app.azure.managedIdentity.server.log.count({}) };

    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    expect(metadataGets()).toBe(4);
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(1);
    expect({ entra: app.azure.entra.server.log.count({}), vault: app.azure.keyVault.server.log.count({}), identity: app.azure.managedIdentity.server.log.count({}) }).toEqual(before);
  });
});
