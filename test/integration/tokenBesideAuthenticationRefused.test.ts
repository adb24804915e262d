import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Callers who fail authentication also start the instance's token flight (it is started beside
// authentication), but they share one, and their 401 does not wait for it.

describe('refused callers on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('get their 401 at once and start one token chain between them, which the next caller finds done', async () => {
    app.azure.keyVault.server.inject({ kind: 'delay', ratio: 1, delayMs: 500 });
    const secretReads = () => app.azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' }).filter((e) => e.status === 200).length;
    const refused = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: 'Bearer not-a-token' } })),
    );
    expect(refused.map((r) => r.status)).toEqual(Array(20).fill(401));
    // Every 401 was answered before the (slow) vault read the flight is waiting for.
    expect(secretReads()).toBe(0);
    // The flight they started goes on without them: the secret is read, once.
    for (let waited = 0; secretReads() === 0; waited += 50) {
      if (waited > 10_000) throw new Error('no secret read came of the refused callers');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
    expect(secretReads()).toBe(1);
    expect(app.azure.managedIdentity.server.log.count({ path: '/msi/token' })).toBe(1);
    expect(app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
  });
});
