import {
  DEMO_COMPOSITE_DATASET_ID,
  DEMO_DASHBOARD_ID,
  DEMO_INVOICES_REPORT_ID,
  DEMO_KPI_DATASET_ID,
  DEMO_KPI_REPORT_ID,
  DEMO_KPI_TILE_ID,
  DEMO_SALES_DATASET_ID,
  DEMO_SALES_REPORT_ID,
  DEMO_SALES_TILE_ID,
  DEMO_SANDBOX_WORKSPACE_ID,
  DEMO_TARGETS_REPORT_ID,
  DEMO_USERS,
} from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// The whole embedding surface end to end against the Power BI emulator, which enforces the
// service's GenerateToken rules: multi-resource V2 tokens (composite models, paginated reports,
// edit and create), and V1 dashboard and tile tokens.

const claimsOf = (name: string) => DEMO_USERS.find((u) => u.name === name)?.claims as { preferred_username: string; oid: string };

describe('POST /api/embed and the dashboard endpoints', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    app.azure.users.addUser({ name: 'maria', claims: { oid: 'aa000000-0000-4000-8000-00000000000a', preferred_username: 'maria@contoso.example', roles: ['Sales.Manager'], scp: 'access_as_user' } });
  });

  afterAll(() => app.close());

  beforeEach(() => app.azure.powerBi.log.clear());

  const post = (user: string, body: unknown, type = 'application/json') =>
    app.getAs(user, '/api/embed', { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const generateTokenCalls = () => app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/i });
  const powerBiCalls = () => app.azure.powerBi.log.find({});

  const aliceIdentity = (datasets: string[], extra: object = {}) => ({ username: claimsOf('alice').preferred_username, roles: ['Region EU'], customData: claimsOf('alice').oid, datasets, ...extra });

  it('answers one token for several reports, with each report embedUrl and id and each dataset id', async () => {
    const res = await post('alice', { reports: [{ key: 'sales-overview' }, { key: 'company-kpis' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { accessToken: string; tokenId: string; reports: Record<string, string>[]; datasets: Record<string, string>[] };
    expect(body.reports).toEqual([
      expect.objectContaining({ key: 'sales-overview', id: DEMO_SALES_REPORT_ID, datasetId: DEMO_SALES_DATASET_ID, access: 'view', reportType: 'PowerBIReport' }),
      expect.objectContaining({ key: 'company-kpis', id: DEMO_KPI_REPORT_ID, datasetId: DEMO_KPI_DATASET_ID, access: 'view' }),
    ]);
    expect(body.reports[0]?.embedUrl).toContain(`reportId=${DEMO_SALES_REPORT_ID}`);
    expect(body.datasets).toEqual([{ id: DEMO_SALES_DATASET_ID }, { id: DEMO_KPI_DATASET_ID }]);
    expect(generateTokenCalls()).toHaveLength(1);
    expect(generateTokenCalls()[0]?.body).toEqual({
      datasets: [{ id: DEMO_SALES_DATASET_ID }, { id: DEMO_KPI_DATASET_ID }],
      reports: [
        { id: DEMO_SALES_REPORT_ID, allowEdit: false },
        { id: DEMO_KPI_REPORT_ID, allowEdit: false },
      ],
      // Only the RLS dataset carries an identity.
      identities: [aliceIdentity([DEMO_SALES_DATASET_ID])],
    });
    const decoded = app.azure.powerBi.decodeEmbedToken(body.accessToken);
    expect(decoded.reports.map((r) => r.id)).toEqual([DEMO_SALES_REPORT_ID, DEMO_KPI_REPORT_ID]);
    expect(decoded.tokenId).toBe(body.tokenId);
  });

  it('puts every dataset of a DirectQuery chain in the token, read-only over XMLA, each with its identity', async () => {
    const res = await post('alice', { reports: [{ key: 'sales-vs-targets' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { datasets: { id: string }[] };
    expect(body.datasets.map((d) => d.id)).toEqual([DEMO_COMPOSITE_DATASET_ID, DEMO_SALES_DATASET_ID]);
    expect(generateTokenCalls()[0]?.body).toEqual({
      datasets: [
        { id: DEMO_COMPOSITE_DATASET_ID, xmlaPermissions: 'ReadOnly' },
        { id: DEMO_SALES_DATASET_ID, xmlaPermissions: 'ReadOnly' },
      ],
      reports: [{ id: DEMO_TARGETS_REPORT_ID, allowEdit: false }],
      identities: [aliceIdentity([DEMO_COMPOSITE_DATASET_ID, DEMO_SALES_DATASET_ID])],
    });
  });

  it('finds a paginated report dataset with Get Datasources and names the report in the identity', async () => {
    const res = await post('bob', { reports: [{ key: 'invoices' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { reports: Record<string, string>[] };
    expect(body.reports[0]).toMatchObject({ id: DEMO_INVOICES_REPORT_ID, reportType: 'PaginatedReport', datasetId: DEMO_SALES_DATASET_ID });
    expect(app.azure.powerBi.log.find({ method: 'GET', path: /\/datasources$/ })).toHaveLength(1);
    expect(generateTokenCalls()[0]?.body).toMatchObject({
      datasets: [{ id: DEMO_SALES_DATASET_ID, xmlaPermissions: 'ReadOnly' }],
      reports: [{ id: DEMO_INVOICES_REPORT_ID, allowEdit: false }],
      identities: [{ username: claimsOf('bob').preferred_username, roles: ['Region US'], datasets: [DEMO_SALES_DATASET_ID], reports: [DEMO_INVOICES_REPORT_ID] }],
    });
  });

  it('the GET report endpoint serves a paginated report too', async () => {
    const res = await app.getAs('alice', '/api/embed/reports/invoices');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'report', id: DEMO_INVOICES_REPORT_ID, datasetId: DEMO_SALES_DATASET_ID });
  });

  it('lets a report be edited only when the policy grants edit', async () => {
    const res = await post('alice', { reports: [{ key: 'sales-overview', access: 'edit' }] });
    expect(res.status).toBe(200);
    expect(generateTokenCalls()[0]?.body).toMatchObject({ reports: [{ id: DEMO_SALES_REPORT_ID, allowEdit: true }] });
    expect(generateTokenCalls()[0]?.body).not.toHaveProperty('targetWorkspaces');
    const decoded = app.azure.powerBi.decodeEmbedToken(((await res.json()) as { accessToken: string }).accessToken);
    expect(decoded.reports).toEqual([expect.objectContaining({ id: DEMO_SALES_REPORT_ID, allowEdit: true })]);

    app.azure.powerBi.log.clear();
    // The item caps it: nobody edits the KPIs; and alice's rule does not grant create.
    for (const body of [{ reports: [{ key: 'company-kpis', access: 'edit' }] }, { reports: [{ key: 'sales-overview', access: 'create' }] }]) {
      const refused = await post('alice', body);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'forbidden', reason: 'access_denied' });
    }
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('grants Save As and new reports into the policy target workspace only with create', async () => {
    const res = await post('maria', { reports: [{ key: 'sales-overview', access: 'create' }], datasets: [{ key: 'sales-data', access: 'create' }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { targetWorkspaces: { id: string }[]; datasets: object[] };
    expect(body.targetWorkspaces).toEqual([{ id: DEMO_SANDBOX_WORKSPACE_ID }]);
    expect(body.datasets).toEqual([{ key: 'sales-data', id: DEMO_SALES_DATASET_ID, access: 'create' }]);
    expect(generateTokenCalls()[0]?.body).toEqual({
      datasets: [{ id: DEMO_SALES_DATASET_ID }],
      reports: [{ id: DEMO_SALES_REPORT_ID, allowEdit: true }],
      targetWorkspaces: [{ id: DEMO_SANDBOX_WORKSPACE_ID }],
      identities: [{ username: 'maria@contoso.example', roles: ['All regions'], customData: 'aa000000-0000-4000-8000-00000000000a', datasets: [DEMO_SALES_DATASET_ID] }],
    });
  });

  it('refuses a paginated report with edit access (400) before calling GenerateToken', async () => {
    const res = await post('maria', { reports: [{ key: 'invoices', access: 'edit' }] });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'bad_request', reason: 'paginated_view_only' });
    expect(generateTokenCalls()).toHaveLength(0);
  });

  it.each([
    ['more than 50 reports', { reports: Array.from({ length: 51 }, (_, i) => ({ key: `r${i}` })) }, 'too_many_reports'],
    ['more than 50 datasets', { datasets: Array.from({ length: 51 }, (_, i) => ({ key: `d${i}` })) }, 'too_many_datasets'],
    ['no item', { reports: [] }, 'empty_request'],
    ['an unknown property (identities are the policy’s)', { reports: [{ key: 'sales-overview' }], identities: [{ username: 'ceo' }] }, 'invalid_body'],
    ['a username on an item', { reports: [{ key: 'sales-overview', username: 'ceo' }] }, 'invalid_body'],
    ['an unknown access', { reports: [{ key: 'sales-overview', access: 'admin' }] }, 'invalid_body'],
    ['the same report twice', { reports: [{ key: 'sales-overview' }, { key: 'Sales-Overview' }] }, 'duplicate_item'],
  ])('answers 400 for %s before any Power BI call', async (_name, body, reason) => {
    const res = await post('alice', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'bad_request', reason });
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('answers 400 for a body that is not JSON, and for one without a JSON content type', async () => {
    expect((await post('alice', '{not json')).status).toBe(400);
    expect(await (await post('alice', '{not json')).json()).toMatchObject({ code: 'invalid_json' });
    expect(await (await post('alice', { reports: [{ key: 'sales-overview' }] }, 'text/plain')).json()).toMatchObject({ code: 'bad_request' });
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('refuses the whole request when one item is not allowed, and a dashboard key as a report', async () => {
    const denied = await post('carol', { reports: [{ key: 'company-kpis' }, { key: 'sales-overview' }] });
    expect(denied.status).toBe(403);
    const wrongKind = await post('alice', { reports: [{ key: 'sales-dashboard' }] });
    expect(wrongKind.status).toBe(404);
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('needs a bearer token', async () => {
    const res = await fetch(`${app.url}/api/embed`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reports":[{"key":"company-kpis"}]}' });
    expect(res.status).toBe(401);
  });

  it('embeds a dashboard with a V1 token whose identity covers the RLS datasets of its tiles', async () => {
    const res = await app.getAs('alice', '/api/embed/dashboards/sales-dashboard');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ type: 'dashboard', id: DEMO_DASHBOARD_ID, tokenType: 'Embed' });
    expect(body.embedUrl).toContain(DEMO_DASHBOARD_ID);
    const calls = generateTokenCalls();
    expect(calls.map((c) => c.path)).toEqual([expect.stringMatching(new RegExp(`/dashboards/${DEMO_DASHBOARD_ID}/GenerateToken$`))]);
    expect(calls[0]?.body).toEqual({ accessLevel: 'View', identities: [aliceIdentity([DEMO_SALES_DATASET_ID])] });
    const decoded = app.azure.powerBi.decodeEmbedToken(body.accessToken as string);
    expect(decoded.version).toBe('V1');
    expect(decoded.dashboards).toEqual([expect.objectContaining({ id: DEMO_DASHBOARD_ID })]);
  });

  it('embeds a tile of the cataloged dashboard, with an identity only when its dataset needs one', async () => {
    const sales = await app.getAs('alice', `/api/embed/dashboards/sales-dashboard/tiles/${DEMO_SALES_TILE_ID}`);
    expect(sales.status).toBe(200);
    expect(await sales.json()).toMatchObject({ type: 'tile', id: DEMO_SALES_TILE_ID, dashboardId: DEMO_DASHBOARD_ID });
    const kpi = await app.getAs('alice', `/api/embed/dashboards/sales-dashboard/tiles/${DEMO_KPI_TILE_ID}`);
    expect(kpi.status).toBe(200);
    const bodies = generateTokenCalls().map((c) => c.body);
    expect(bodies).toEqual([{ accessLevel: 'View', identities: [aliceIdentity([DEMO_SALES_DATASET_ID])] }, { accessLevel: 'View' }]);
  });

  it('embeds no tile that is not on the cataloged dashboard, and checks the tile id before any call', async () => {
    const other = await app.getAs('alice', '/api/embed/dashboards/sales-dashboard/tiles/5a1e5000-0000-4000-8000-0000000000ff');
    expect(other.status).toBe(404);
    expect(generateTokenCalls()).toHaveLength(0);
    app.azure.powerBi.log.clear();
    const notGuid = await app.getAs('alice', '/api/embed/dashboards/sales-dashboard/tiles/..%2F..%2Freports');
    expect(notGuid.status).toBe(400);
    expect(powerBiCalls()).toHaveLength(0);
  });

  it('answers 404 for a report key on the dashboard endpoint, and 403 for a caller no rule admits', async () => {
    expect((await app.getAs('alice', '/api/embed/dashboards/sales-overview')).status).toBe(404);
    expect((await app.getAs('carol', '/api/embed/dashboards/sales-dashboard')).status).toBe(403);
    expect(powerBiCalls()).toHaveLength(0);
  });
});
