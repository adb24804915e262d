import { DEMO_SALES_DATASET_ID } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// AUTH_MODE=easyauth: App Service Authentication has validated the user and passes them in
// x-ms-client-principal (the platform strips that header from client requests).

function principal(claims: { typ: string; val: string }[], authType = 'aad'): string {
  return Buffer.from(
    JSON.stringify({ auth_typ: authType, name_typ: 'name', role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', claims }),
  ).toString('base64');
}

describe('AUTH_MODE=easyauth', () => {
  let app: TestApp;

  beforeAll(async () => {
    // What App Service sets where App Service Authentication runs; elsewhere easyauth is refused at start-up.
    app = await startTestApp({ AUTH_MODE: 'easyauth', WEBSITE_INSTANCE_ID: 'local-test-instance', WEBSITE_AUTH_ENABLED: 'True' });
  });

  afterAll(() => app.close());

  it("builds the RLS identity from the platform's principal", async () => {
    const header = principal([
      { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'access_as_user' },
      { typ: 'preferred_username', val: 'erin@contoso.example' },
      { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'e0000000-0000-4000-8000-000000000005' },
      { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Sales.US' },
    ]);
    const res = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { 'x-ms-client-principal': header } });
    expect(res.status).toBe(200);
    const config = (await res.json()) as { accessToken: string };
    expect(app.azure.powerBi.decodeEmbedToken(config.accessToken).identities).toEqual([
      { username: 'erin@contoso.example', roles: ['Region US'], customData: 'e0000000-0000-4000-8000-000000000005', datasets: [DEMO_SALES_DATASET_ID] },
    ]);
  });

  it('answers 401 without a principal, and does not read a bearer token instead', async () => {
    const token = await app.azure.userToken('alice');
    const res = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a principal from a provider other than Microsoft Entra ID', async () => {
    const claims = [
      { typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'access_as_user' },
      { typ: 'preferred_username', val: 'ceo@contoso.example' },
      { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Sales.Manager' },
    ];
    for (const authType of ['github', 'google', '']) {
      const res = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { 'x-ms-client-principal': principal(claims, authType) } });
      expect(res.status).toBe(401);
    }
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(1);
  });
});
