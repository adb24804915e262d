import { request as httpRequest } from 'node:http';
import { DEMO_KPI_DATASET_ID, DEMO_KPI_REPORT_ID, DEMO_SALES_DATASET_ID, DEMO_SALES_REPORT_ID, DEMO_USERS } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// GET /api/embed/reports/{key} end to end: the real function files under the local host, the
// real SDK clients, and the emulators of Entra, managed identity, Key Vault and Power BI.

const userClaims = (name: string) => DEMO_USERS.find((u) => u.name === name)?.claims;

describe('GET /api/embed/reports/{key}', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  beforeEach(() => {
    app.azure.powerBi.log.clear();
  });

  const generateTokenCalls = () => app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/i });

  it.each([
    ['alice', 'Region EU'],
    ['bob', 'Region US'],
  ])('gives %s an embed token whose RLS identity comes from her claims and the policy', async (user, role) => {
    const res = await app.getAs(user, '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const config = (await res.json()) as Record<string, string>;
    expect(config).toMatchObject({ type: 'report', id: DEMO_SALES_REPORT_ID, tokenType: 'Embed', datasetId: DEMO_SALES_DATASET_ID });
    expect(config.embedUrl).toContain(`reportId=${DEMO_SALES_REPORT_ID}`);
    expect(Date.parse(config.expiration as string)).toBeGreaterThan(Date.now() + 30 * 60_000);

    const claims = userClaims(user);
    const expectedIdentity = { username: claims?.preferred_username, roles: [role], customData: claims?.oid, datasets: [DEMO_SALES_DATASET_ID] };
    const calls = generateTokenCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toEqual({
      datasets: [{ id: DEMO_SALES_DATASET_ID }],
      reports: [{ id: DEMO_SALES_REPORT_ID, allowEdit: false }],
      identities: [expectedIdentity],
    });
    const decoded = app.azure.powerBi.decodeEmbedToken(config.accessToken as string);
    expect(decoded.identities).toEqual([expectedIdentity]);
    expect(decoded.tokenId).toBe(config.tokenId);
  });

  it('sends no identity for a dataset without RLS', async () => {
    const res = await app.getAs('carol', '/api/embed/reports/company-kpis');
    expect(res.status).toBe(200);
    const config = (await res.json()) as Record<string, string>;
    expect(config.id).toBe(DEMO_KPI_REPORT_ID);
    expect(generateTokenCalls()[0]?.body).toEqual({ datasets: [{ id: DEMO_KPI_DATASET_ID }], reports: [{ id: DEMO_KPI_REPORT_ID, allowEdit: false }] });
    expect(app.azure.powerBi.decodeEmbedToken(config.accessToken as string).identities).toEqual([]);
  });

  it('serves a repeat request from the embed-token cache without calling Power BI', async () => {
    await app.getAs('alice', '/api/embed/reports/sales-overview');
    app.azure.powerBi.log.clear();
    app.azure.entra.server.log.clear();
    app.azure.keyVault.server.log.clear();
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(200);
    expect(app.azure.powerBi.log.all()).toHaveLength(0);
    expect(app.azure.entra.server.log.all()).toHaveLength(0);
    expect(app.azure.keyVault.server.log.all()).toHaveLength(0);
  });

  it('ignores username, roles and customData sent by the client', async () => {
    const clientFields = { username: 'alice@contoso.example', roles: ['All regions'], customData: 'x' };
    const bobsIdentity = expect.objectContaining({ username: 'bob@contoso.example', roles: ['Region US'], customData: userClaims('bob')?.oid });
    const identitiesOf = async (res: Response) => app.azure.powerBi.decodeEmbedToken(((await res.json()) as Record<string, string>).accessToken as string).identities;

    // In the query string and in headers.
    const res = await app.getAs('bob', '/api/embed/reports/sales-overview?username=alice@contoso.example&roles=All%20regions&customData=x', {
      headers: {
        'x-username': 'alice@contoso.example',
        'x-roles': 'All regions',
        'x-ms-client-principal': Buffer.from(JSON.stringify({ claims: [{ typ: 'roles', val: 'Sales.Manager' }] })).toString('base64'),
      },
    });
    expect(res.status).toBe(200);
    expect(await identitiesOf(res)).toEqual([bobsIdentity]);

    // In a JSON body. The route is GET only: a POST carrying the fields is refused before any
    // function runs, so its body is never read and nothing reaches Power BI.
    app.azure.powerBi.log.clear();
    const post = await app.getAs('bob', '/api/embed/reports/sales-overview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(clientFields) });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(post.headers.get('content-type')).toBe('application/problem+json');
    expect(await post.json()).toMatchObject({ code: 'method_not_allowed', status: 405 });
    expect(app.azure.powerBi.log.all()).toHaveLength(0);

    // A GET may still carry a body (fetch will not send one, node:http will): it is not read either.
    const token = await app.azure.userToken('bob');
    const getWithBody = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = JSON.stringify(clientFields);
      const req = httpRequest(`${app.url}/api/embed/reports/sales-overview`, {
        method: 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      req.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    expect(getWithBody.status).toBe(200);
    const config = JSON.parse(getWithBody.body) as Record<string, string>;
    expect(app.azure.powerBi.decodeEmbedToken(config.accessToken as string).identities).toEqual([bobsIdentity]);
  });

  it('refuses a caller no rule admits with 403 and never calls GenerateToken', async () => {
    const res = await app.getAs('carol', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'forbidden', status: 403 });
    expect(generateTokenCalls()).toHaveLength(0);
  });

  it('answers 404 for an unknown key and 400 for a key that is not a name, without calling Power BI', async () => {
    const unknown = await app.getAs('alice', '/api/embed/reports/no-such-report');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
    for (const key of ['..%2F..%2Fgroups', 'a%20b', '5a1e5000-0000-4000-8000-0000000000a1%3Fx', 'x'.repeat(65), '%00']) {
      const res = await app.getAs('alice', `/api/embed/reports/${key}`);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(app.azure.powerBi.log.all()).toHaveLength(0);
  });

  it('answers 401 with a Bearer challenge without a token, and with invalid_token for a bad one', async () => {
    const none = await fetch(`${app.url}/api/embed/reports/sales-overview`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: 'Bearer not.a.token' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await bad.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a token issued for another audience', async () => {
    const token = await app.azure.users.issueToken('alice', { audience: 'api://someone-else' });
    const res = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('never puts a token or a secret in an error body', async () => {
    const token = await app.azure.userToken('carol');
    const res = await fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    expect(text).not.toContain(token);
    expect(text).not.toContain(app.azure.clientSecret);
    expect(text).not.toMatch(/eyJ|at .*\.ts/);
  });
});
