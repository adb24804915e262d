import { DEMO_API_AUDIENCE } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Tokens the user issuer signs for the API's audience that are not a signed-in user's access
// token: refused with 401 before any policy rule is looked at, and no Power BI call is made.

describe('tokens that are not a user access token', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    app.azure.users.addUser({ name: 'daemon', claims: { roles: ['Sales.EU'], idtyp: 'app' } });
  });

  afterAll(() => app.close());

  const kinds: [string, Record<string, unknown>][] = [
    ['an app-only token (idtyp app, no scp)', { scp: undefined }],
    ['an app-only token without idtyp', { scp: undefined, idtyp: undefined }],
    ['an ID token with the API as audience', { scp: undefined, idtyp: undefined, nonce: 'n-1', preferred_username: 'ceo@contoso.example' }],
    ['a token that lives until 2200', { idtyp: undefined, scp: 'access_as_user', exp: 7_258_118_400 }],
  ];

  it.each(kinds)('refuses %s with 401 invalid_token', async (_name, extraClaims) => {
    const token = await app.azure.users.issueToken('daemon', { audience: DEMO_API_AUDIENCE, extraClaims });
    const res = await fetch(`${app.url}/api/embed/reports/company-kpis`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(0);
  });
});
