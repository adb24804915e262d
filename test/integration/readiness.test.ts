import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('GET /api/health/ready while Key Vault is down', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers 503 naming only the code and upstream, and does not call upstream on every probe', async () => {
    app.azure.keyVault.server.inject({ kind: 'status', status: 503, ratio: 1, body: { error: { code: 'ServiceUnavailable', message: 'vault kv-secret-name is down' } } });
    const first = await fetch(`${app.url}/api/health/ready`);
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ status: 'not-ready', checks: [{ name: 'service-principal-token', ok: false, detail: 'upstream_unavailable (keyvault)' }] });
    const vaultCalls = app.azure.keyVault.server.log.all().length;
    expect(vaultCalls).toBeGreaterThan(0);

    const probes = await Promise.all(Array.from({ length: 5 }, () => fetch(`${app.url}/api/health/ready`)));
    expect(probes.map((p) => p.status)).toEqual([503, 503, 503, 503, 503]);
    expect(app.azure.keyVault.server.log.all().length).toBe(vaultCalls);
  });

  it('says ready as soon as a token is in hand, without waiting out the kept failure', async () => {
    app.azure.keyVault.server.faults.clear();
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
    const res = await fetch(`${app.url}/api/health/ready`);
    expect(res.status).toBe(200);
  });
});
