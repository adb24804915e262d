import { join } from 'node:path';
import { DEMO_CONTOSO, DEMO_CUSTOMERS_POLICY_FILE, DEMO_FABRIKAM, DEMO_SERVICE_PRINCIPAL } from '../../dev/emulators/demoWorld';
import { findRepoRoot } from '../../dev/emulators/localAzure';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Multi-tenant isolation end to end: a claim maps each caller to a customer; Contoso is reached
// through a profile of the broker's principal, Fabrikam as its own service principal (signed in
// with the function's managed identity as a federated credential). The Power BI emulator
// checks workspace membership per profile and principal, as the service does.

describe('customers', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ EMBED_POLICY_PATH: join(findRepoRoot(), DEMO_CUSTOMERS_POLICY_FILE) });
  });

  afterAll(() => app.close());

  beforeEach(() => {
    app.azure.powerBi.log.clear();
    app.azure.entra.server.log.clear();
  });

  const powerBiCalls = () => app.azure.powerBi.log.find({});

  it('reaches a profile customer workspace with X-PowerBI-Profile-Id on every call', async () => {
    const res = await app.getAs('dave', '/api/embed/reports/contoso-sales');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; accessToken: string };
    expect(body.id).toBe(DEMO_CONTOSO.reportId);
    expect(powerBiCalls().length).toBeGreaterThan(0);
    for (const call of powerBiCalls()) expect(call.headers['x-powerbi-profile-id']).toBe(DEMO_CONTOSO.profileId);
    const decoded = app.azure.powerBi.decodeEmbedToken(body.accessToken);
    expect(decoded.profileId).toBe(DEMO_CONTOSO.profileId);
    expect(decoded.principal.appid).toBe(DEMO_SERVICE_PRINCIPAL.clientId);
    expect(decoded.identities).toEqual([{ username: 'dave@contoso.example', roles: ['Customer'], datasets: [DEMO_CONTOSO.datasetId] }]);
  });

  it('reaches an own-principal customer as that principal, signed in with the managed identity', async () => {
    const res = await app.getAs('erin', '/api/embed/reports/fabrikam-sales');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; accessToken: string };
    expect(body.id).toBe(DEMO_FABRIKAM.reportId);
    for (const call of powerBiCalls()) expect(call.headers['x-powerbi-profile-id']).toBeUndefined();
    const decoded = app.azure.powerBi.decodeEmbedToken(body.accessToken);
    expect(decoded.principal.appid).toBe(DEMO_FABRIKAM.servicePrincipal.clientId);
    expect(decoded.profileId).toBeUndefined();
    const tokenPosts = app.azure.entra.server.log.find({ method: 'POST', path: /\/oauth2\/v2\.0\/token$/ });
    expect(tokenPosts.map((p) => (p.body as Record<string, string>).client_id)).toContain(DEMO_FABRIKAM.servicePrincipal.clientId);
    for (const post of tokenPosts) expect(post.body).not.toHaveProperty('client_secret');
  });

  it('keeps one token provider per principal: a second Fabrikam request asks Entra nothing', async () => {
    await app.getAs('erin', '/api/embed/reports/fabrikam-sales');
    app.azure.entra.server.log.clear();
    const res = await app.getAs('erin', '/api/embed/reports/fabrikam-sales');
    expect(res.status).toBe(200);
    expect(app.azure.entra.server.log.find({ method: 'POST' })).toHaveLength(0);
  });

  it.each([
    ['dave', 'fabrikam-sales'],
    ['erin', 'contoso-sales'],
  ])('never lets %s reach another customer item (%s): 404 and no Power BI call', async (user, key) => {
    const res = await app.getAs(user, `/api/embed/reports/${key}`);
    expect(res.status).toBe(404);
    const multi = await app.getAs(user, '/api/embed', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reports: [{ key }] }) });
    expect(multi.status).toBe(404);
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('refuses a caller who belongs to no customer before any Power BI call', async () => {
    const res = await app.getAs('alice', '/api/embed/reports/contoso-sales');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'forbidden', reason: 'no_customer' });
    expect(powerBiCalls()).toHaveLength(0);
  });
});
