import { DEMO_API_AUDIENCE } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// An app-only (client credentials) token for the broker's API carries no delegated `scp`: the
// demo policy, like the README's, admits only signed-in users.

describe('app-only tokens under the demo policy', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it.each(['sales-overview', 'company-kpis'])('cannot embed %s', async (key) => {
    app.azure.users.addUser({ name: 'daemon', claims: { roles: ['Sales.EU'], idtyp: 'app' } });
    const token = await app.azure.users.issueToken('daemon', { audience: DEMO_API_AUDIENCE, extraClaims: { scp: undefined } });
    const res = await fetch(`${app.url}/api/embed/reports/${key}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(0);
  });
});
