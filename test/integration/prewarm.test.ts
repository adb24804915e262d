import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// PREWARM_ON_START: when the function app loads, the service-principal token and the catalog's
// metadata are fetched in the background, so the first request makes only its GenerateToken.

/** Waits until a count has stopped changing for a while, at least `min`. */
async function settled(count: () => number, min: number, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const now = count();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (now >= min && Date.now() - stableSince > 300) {
      return now;
    }
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
    // At least the sales report and its dataset; the catalog's other reports too.
    const prewarmed = await settled(metadataGets, 2);
    expect(app.azure.powerBi.log.count({ method: 'GET', path: /\/reports\/5a1e5000-0000-4000-8000-0000000000a1$/ })).toBe(1);
    expect(app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
    const before = { entra: app.azure.entra.server.log.count({}), vault: app.azure.keyVault.server.log.count({}), identity: app.azure.managedIdentity.server.log.count({}) };

    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    expect(metadataGets()).toBe(prewarmed);
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(1);
    expect({ entra: app.azure.entra.server.log.count({}), vault: app.azure.keyVault.server.log.count({}), identity: app.azure.managedIdentity.server.log.count({}) }).toEqual(before);
  });
});
