import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

describe('GET /api/health and /api/health/ready', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('liveness answers without any upstream call', async () => {
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).toBe(200);
    for (const emulator of [app.azure.entra.server, app.azure.keyVault.server, app.azure.powerBi.server, app.azure.managedIdentity.server]) {
      expect(emulator.log.all()).toHaveLength(0);
    }
  });

  it('readiness gets a service-principal token', async () => {
    const res = await fetch(`${app.url}/api/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ready' });
    expect(app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
  });
});
