import { DEMO_FINANCE_DATASET_ID, DEMO_ORDERS_DATASET_ID, DEMO_ORDERS_SQL, DEMO_ORDER_SLIPS_REPORT_ID, DEMO_SERVICE_PRINCIPAL, DEMO_USERS } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Identities beyond RLS, end to end: single sign-on to Azure SQL (the user's own Azure SQL token,
// exchanged on behalf of the user's bearer token by msal-node against the Entra emulator), and
// Azure Analysis Services live connections (the Power BI emulator refuses any username but the
// service principal's object id).

const alice = DEMO_USERS.find((u) => u.name === 'alice')?.claims as { oid: string };

describe('SSO and Azure Analysis Services identities', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  beforeEach(() => {
    app.azure.powerBi.log.clear();
    app.azure.entra.server.log.clear();
  });

  const oboPosts = () => app.azure.entra.server.log.find({ method: 'POST', path: /\/oauth2\/v2\.0\/token$/ }).filter((p) => (p.body as Record<string, string>).grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer');

  it('puts the caller Azure SQL token, exchanged on behalf of the caller, in identityBlob', async () => {
    const res = await app.getAs('alice', '/api/embed/reports/my-orders');
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const posts = oboPosts();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toMatchObject({ requested_token_use: 'on_behalf_of', client_id: DEMO_SERVICE_PRINCIPAL.clientId, scope: expect.stringContaining('https://database.windows.net/.default') });

    const [identity] = app.azure.powerBi.decodeEmbedToken(accessToken).identities;
    expect(identity).toMatchObject({ username: alice.oid, datasets: [DEMO_ORDERS_DATASET_ID] });
    const blob = identity?.identityBlob?.value ?? '';
    expect(Buffer.byteLength(blob)).toBeLessThanOrEqual(10_240);
    const sql = await app.azure.entra.verifyAccessToken(blob, { audience: 'https://database.windows.net' });
    expect(sql).toMatchObject({ oid: alice.oid, scp: 'user_impersonation', idtyp: 'user' });
  });

  it('gives the Azure SQL data sources of an SSO paginated report the caller token in datasourceIdentities', async () => {
    const res = await app.getAs('carol', '/api/embed/reports/order-slips');
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const decoded = app.azure.powerBi.decodeEmbedToken(accessToken);
    expect(decoded.reports).toEqual([expect.objectContaining({ id: DEMO_ORDER_SLIPS_REPORT_ID })]);
    expect(decoded.identities).toEqual([]);
    expect(decoded.datasourceIdentities).toEqual([{ identityBlob: { value: expect.any(String) }, datasources: [{ datasourceType: 'Sql', connectionDetails: DEMO_ORDERS_SQL }] }]);
    const carol = DEMO_USERS.find((u) => u.name === 'carol')?.claims as { oid: string };
    const sql = await app.azure.entra.verifyAccessToken(decoded.datasourceIdentities?.[0]?.identityBlob.value ?? '', { audience: 'https://database.windows.net' });
    expect(sql).toMatchObject({ oid: carol.oid, scp: 'user_impersonation' });
  });

  it('asks no Azure SQL token for a dataset the policy does not mark as SSO', async () => {
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    expect(oboPosts()).toHaveLength(0);
  });

  it('answers 502 when Entra refuses the exchange, and issues no embed token', async () => {
    app.azure.entra.server.inject({ kind: 'status', status: 400, ratio: 1, path: /\/oauth2\/v2\.0\/token$/, body: { error: 'invalid_grant', error_description: 'AADSTS50013: Assertion failed signature validation.' } });
    try {
      app.azure.users.addUser({ name: 'oscar', claims: { oid: 'aa000000-0000-4000-8000-0000000000b0', scp: 'access_as_user' } });
      const res = await app.getAs('oscar', '/api/embed/reports/my-orders');
      expect(res.status).toBe(502);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ upstream: 'entra' });
      expect(JSON.stringify(body)).not.toMatch(/eyJ/);
      expect(app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/ })).toHaveLength(0);
    } finally {
      app.azure.entra.server.faults.clear();
    }
  });

  it('gives an Azure Analysis Services live connection the principal object id as username and the caller in customData', async () => {
    const res = await app.getAs('alice', '/api/embed/reports/finance');
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect(app.azure.powerBi.decodeEmbedToken(accessToken).identities).toEqual([{ username: DEMO_SERVICE_PRINCIPAL.objectId, roles: [], customData: alice.oid, datasets: [DEMO_FINANCE_DATASET_ID] }]);
  });
});
