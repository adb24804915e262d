import { DEMO_KPI_DATASET_ID, DEMO_KPI_REPORT_ID, DEMO_SALES_REPORT_ID, DEMO_WORKSPACE_ID } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Power BI answers that are not what the broker asked for: a clear 502, never a 500, never a 200
// without a token, and never a token built from an answer that was not checked. Metadata is
// cached once it is valid, so the cases run in order on a cold cache.

describe('malformed Power BI answers', () => {
  let app: TestApp;
  let user = 0;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  afterEach(() => app.azure.powerBi.server.faults.clear());

  async function embedAsNewUser(key: string): Promise<Response> {
    user += 1;
    const name = `user${user}`;
    app.azure.users.addUser({ name, claims: { preferred_username: `${name}@contoso.example`, roles: ['Sales.EU'] } });
    return app.getAs(name, `/api/embed/reports/${key}`);
  }

  const reportPath = new RegExp(`/groups/${DEMO_WORKSPACE_ID}/reports/${DEMO_SALES_REPORT_ID}$`, 'i');

  it.each([
    ['a null body', null],
    ['an empty object', {}],
    ['another report than the one asked for', { id: DEMO_KPI_REPORT_ID, name: 'x', datasetId: DEMO_KPI_DATASET_ID, embedUrl: 'https://app.powerbi.com/reportEmbed', reportType: 'PowerBIReport' }],
    ['an id that is not a GUID', { id: '../../admin', embedUrl: 'https://app.powerbi.com/reportEmbed' }],
    ['an embed URL that is not https', { id: DEMO_SALES_REPORT_ID, embedUrl: 'javascript:alert(1)' }],
  ])('answers Get Report with %s by 502 upstream_invalid_response', async (_name, body) => {
    app.azure.powerBi.inject({ kind: 'status', status: 200, body, ratio: 1, method: 'GET', path: reportPath });
    const res = await embedAsNewUser('sales-overview');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'upstream_invalid_response', upstream: 'powerbi' });
    expect(app.azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(0);
  });

  it('sends an identity for a dataset whose answer lacks the RLS flags (and Power BI then refuses)', async () => {
    const datasetPath = new RegExp(`/datasets/${DEMO_KPI_DATASET_ID}$`, 'i');
    app.azure.powerBi.inject({ kind: 'status', status: 200, body: { id: DEMO_KPI_DATASET_ID, name: 'Company KPIs' }, times: 1, method: 'GET', path: datasetPath });
    const res = await embedAsNewUser('company-kpis');
    const generate = app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/i }).at(-1);
    expect((generate?.body as { identities?: unknown[] }).identities).toHaveLength(1);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'upstream_refused', upstream: 'powerbi' });
  });

  it.each([
    ['an empty object', {}],
    ['a token that is not a string', { token: 42, tokenId: 'x', expiration: '2030-01-01T00:00:00Z' }],
    ['an expiration that is not a date', { token: 'abc', tokenId: 'x', expiration: 'soon' }],
  ])('answers GenerateToken with %s by 502, never a 200 without a token', async (_name, body) => {
    app.azure.powerBi.inject({ kind: 'status', status: 200, body, ratio: 1, method: 'POST', path: /GenerateToken$/i });
    const res = await embedAsNewUser('sales-overview');
    expect(res.status).toBe(502);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ code: 'upstream_invalid_response', upstream: 'powerbi' });
    expect(problem.accessToken).toBeUndefined();
  });
});
