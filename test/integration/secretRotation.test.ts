import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('client secret rotation', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  const keyVaultReads = () => app.azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' }).filter((e) => e.status === 200).length;
  const entraTokenCalls = () => app.azure.entra.server.log.find({ method: 'POST', path: '/oauth2/v2.0/token' });

  it('re-reads the secret once when Entra answers invalid_client, and the request succeeds', async () => {
    // Hold the broker's first Entra call so the operator can rotate between its Key Vault read and Entra's check.
    app.azure.entra.server.inject({ kind: 'delay', delayMs: 1000, path: '/oauth2/v2.0/token' });
    const pending = app.getAs('alice', '/api/embed/reports/sales-overview');
    while (keyVaultReads() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    app.azure.rotateClientSecret();

    const res = await pending;
    expect(res.status).toBe(200);
    expect(keyVaultReads()).toBe(2);
    expect(entraTokenCalls().map((call) => call.status)).toEqual([401, 200]);
  });

  it('keeps serving from the cached Entra token after a rotation, with no Entra or Key Vault call', async () => {
    app.azure.entra.server.log.clear();
    app.azure.keyVault.server.log.clear();
    app.azure.rotateClientSecret({ updateKeyVault: false });
    const res = await app.getAs('bob', '/api/health/ready');
    // The cached token is still good: readiness needs no Entra call.
    expect(res.status).toBe(200);
    expect(entraTokenCalls()).toHaveLength(0);
  });
});
