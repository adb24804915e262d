import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// A cold instance hit by a burst: the secret -> Entra token chain runs once for everyone.

describe('a cold instance under 100 concurrent requests', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('reads Key Vault once and asks Entra once', async () => {
    const users = ['alice', 'bob'];
    const tokens = await Promise.all(users.map((u) => app.azure.userToken(u)));
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${tokens[i % 2]}` } })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(app.azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' }).filter((e) => e.status === 200)).toHaveLength(1);
    expect(app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
    // msal is given the tenant's OpenID metadata: a cold token request is that one POST, no GET.
    expect(app.azure.entra.server.log.count({ method: 'GET' })).toBe(0);
    // One GenerateToken per distinct identity: concurrent identical requests share one call.
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(2);
    // Metadata: one Get Report and one Get Dataset, shared by everyone.
    expect(app.azure.powerBi.log.count({ method: 'GET', path: '/reports/' })).toBe(1);
    expect(app.azure.powerBi.log.count({ method: 'GET', path: '/datasets/' })).toBe(1);
  });
});
