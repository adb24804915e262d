import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// A cold request checks its caller (the issuer's discovery and keys) while the service-principal
// token is fetched (managed identity, Key Vault, Entra): the two chains overlap instead of adding up.

const logTimes = (entries: { time: string }[]) => entries.map((e) => Date.parse(e.time));

describe('the service-principal token beside caller authentication', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it("is fetched while one cold request's caller is checked", async () => {
    // The caller's issuer answers slowly; the token chain does not wait for it.
    app.azure.users.server.inject({ kind: 'delay', ratio: 1, delayMs: 400 });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    const issuerAnswers = logTimes(app.azure.users.server.log.all());
    const entraTokens = logTimes(app.azure.entra.server.log.find({ method: 'POST', path: '/oauth2/v2.0/token' }));
    expect(entraTokens).toHaveLength(1);
    // Entra answered before the issuer's first (delayed) answer: the chains ran side by side.
    expect(entraTokens[0]).toBeLessThan(Math.min(...issuerAnswers));
    expect(app.azure.managedIdentity.server.log.count({ path: '/msi/token' })).toBe(1);
  });
});
