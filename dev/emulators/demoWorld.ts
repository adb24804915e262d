import { join } from 'node:path';
import type { DatasetTable, PowerBiModelJson } from './powerBi';

// The world `npm start` and the integration tests run against: one tenant, the broker's service
// principal and managed identity, a sales workspace with an RLS dataset, and three users.

export const DEMO_TENANT_ID = 'd3e0d3e0-0000-4000-8000-00000000d3e0';
export const DEMO_SERVICE_PRINCIPAL = { clientId: 'b40ce000-0000-4000-8000-0000000000c1', objectId: 'b40ce000-0000-4000-8000-0000000000e1' };
export const DEMO_MANAGED_IDENTITY = { clientId: 'b40ce000-0000-4000-8000-0000000000c2', objectId: 'b40ce000-0000-4000-8000-0000000000e2' };
export const DEMO_API_AUDIENCE = 'api://powerbi-embed-broker';
export const DEMO_SECRET_NAME = 'powerbi-client-secret';

export const DEMO_WORKSPACE_ID = '5a1e5000-0000-4000-8000-000000000001';
export const DEMO_SALES_DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d1';
export const DEMO_KPI_DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d2';
export const DEMO_SALES_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a1';
export const DEMO_KPI_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a2';

/** The sample SPA's app registration in the users' tenant (public client, auth code + PKCE). */
export const DEMO_SPA_CLIENT_ID = 'b40ce000-0000-4000-8000-0000000005a1';
/** The delegated scope the SPA asks for: the broker's API and its `access_as_user` scope. */
export const DEMO_API_SCOPE = 'api://powerbi-embed-broker/access_as_user';
// The rest of the surface: a composite model over the sales dataset, a paginated report, and a dashboard.
export const DEMO_COMPOSITE_DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d3';
export const DEMO_TARGETS_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a3';
export const DEMO_INVOICES_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a4';
export const DEMO_DASHBOARD_ID = '5a1e5000-0000-4000-8000-0000000000b1';
export const DEMO_SALES_TILE_ID = '5a1e5000-0000-4000-8000-0000000000c1';
export const DEMO_KPI_TILE_ID = '5a1e5000-0000-4000-8000-0000000000c2';
/** DirectQuery to Azure SQL with single sign-on: the identity carries the user's Azure SQL token. */
export const DEMO_ORDERS_DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d4';
export const DEMO_ORDERS_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a5';
/** A live connection to Azure Analysis Services: the identity's username is the service principal's object id. */
export const DEMO_FINANCE_DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d5';
export const DEMO_FINANCE_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a6';
/** A paginated report on Azure SQL only, with single sign-on: its data source gets the user's token. */
export const DEMO_ORDER_SLIPS_REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a7';
export const DEMO_ORDERS_SQL = { server: 'contoso-orders.database.windows.net', database: 'orders' };
/** Where Save As and new reports go. */
export const DEMO_SANDBOX_WORKSPACE_ID = '5a1e5000-0000-4000-8000-000000000002';

// Two customers, isolated: Contoso through a profile of the broker's principal, Fabrikam
// through its own service principal (the function's managed identity as its federated credential).
export const DEMO_CONTOSO = {
  tenantId: 'c0c0c0c0-0000-4000-8000-000000000001',
  workspaceId: 'c0c0c0c0-0000-4000-8000-0000000000f1',
  profileId: 'c0c0c0c0-0000-4000-8000-0000000000e1',
  datasetId: 'c0c0c0c0-0000-4000-8000-0000000000d1',
  reportId: 'c0c0c0c0-0000-4000-8000-0000000000a1',
};
export const DEMO_FABRIKAM = {
  tenantId: 'fab00000-0000-4000-8000-000000000001',
  workspaceId: 'fab00000-0000-4000-8000-0000000000f1',
  servicePrincipal: { clientId: 'fab00000-0000-4000-8000-0000000000c1', objectId: 'fab00000-0000-4000-8000-0000000000e1' },
  datasetId: 'fab00000-0000-4000-8000-0000000000d1',
  reportId: 'fab00000-0000-4000-8000-0000000000a1',
};

export const DEMO_POLICY_FILE = join('dev', 'demo', 'embed-policy.json');
/** The same demo with the two customers isolated: `EMBED_POLICY_PATH=dev/demo/embed-policy.customers.json`. */
export const DEMO_CUSTOMERS_POLICY_FILE = join('dev', 'demo', 'embed-policy.customers.json');

export const DEMO_USERS = [
  { name: 'alice', claims: { oid: 'a11ce000-0000-4000-8000-000000000001', preferred_username: 'alice@contoso.example', name: 'Alice (Sales EU)', roles: ['Sales.EU'], scp: 'access_as_user' } },
  { name: 'bob', claims: { oid: 'b0b00000-0000-4000-8000-000000000002', preferred_username: 'bob@contoso.example', name: 'Bob (Sales US)', roles: ['Sales.US'], scp: 'access_as_user' } },
  { name: 'carol', claims: { oid: 'ca201000-0000-4000-8000-000000000003', preferred_username: 'carol@contoso.example', name: 'Carol (no sales role)', roles: [] as string[], scp: 'access_as_user' } },
  { name: 'dave', claims: { oid: 'da0e0000-0000-4000-8000-000000000004', preferred_username: 'dave@contoso.example', name: 'Dave (customer Contoso)', roles: [] as string[], scp: 'access_as_user', tid: DEMO_CONTOSO.tenantId } },
  { name: 'erin', claims: { oid: 'e4140000-0000-4000-8000-000000000005', preferred_username: 'erin@fabrikam.example', name: 'Erin (customer Fabrikam)', roles: [] as string[], scp: 'access_as_user', tid: DEMO_FABRIKAM.tenantId } },
];

export function demoPowerBiModel(): PowerBiModelJson {
  return {
    workspaces: [
      {
        id: DEMO_WORKSPACE_ID,
        name: 'Sales',
        members: [DEMO_SERVICE_PRINCIPAL.objectId],
        capacity: true,
        datasets: [
          {
            id: DEMO_SALES_DATASET_ID,
            name: 'Sales',
            isEffectiveIdentityRequired: true,
            isEffectiveIdentityRolesRequired: true,
            roles: ['Region EU', 'Region US', 'All regions'],
          },
          { id: DEMO_KPI_DATASET_ID, name: 'Company KPIs', isEffectiveIdentityRequired: false, isEffectiveIdentityRolesRequired: false },
          {
            id: DEMO_COMPOSITE_DATASET_ID,
            name: 'Sales vs targets',
            isEffectiveIdentityRequired: true,
            isEffectiveIdentityRolesRequired: true,
            roles: ['Region EU', 'Region US', 'All regions'],
            directQueryToDatasetIds: [DEMO_SALES_DATASET_ID],
          },
          { id: DEMO_ORDERS_DATASET_ID, name: 'Orders (Azure SQL, SSO)', isEffectiveIdentityRequired: true },
          { id: DEMO_FINANCE_DATASET_ID, name: 'Finance (Azure Analysis Services)', isEffectiveIdentityRequired: true, isAasLiveConnection: true },
        ],
        reports: [
          { id: DEMO_SALES_REPORT_ID, name: 'Sales overview', datasetId: DEMO_SALES_DATASET_ID, reportType: 'PowerBIReport' },
          { id: DEMO_KPI_REPORT_ID, name: 'Company KPIs', datasetId: DEMO_KPI_DATASET_ID, reportType: 'PowerBIReport' },
          { id: DEMO_TARGETS_REPORT_ID, name: 'Sales vs targets', datasetId: DEMO_COMPOSITE_DATASET_ID, reportType: 'PowerBIReport' },
          { id: DEMO_INVOICES_REPORT_ID, name: 'Invoices', datasetId: DEMO_SALES_DATASET_ID, reportType: 'PaginatedReport' },
          { id: DEMO_ORDERS_REPORT_ID, name: 'My orders', datasetId: DEMO_ORDERS_DATASET_ID },
          { id: DEMO_FINANCE_REPORT_ID, name: 'Finance', datasetId: DEMO_FINANCE_DATASET_ID },
          { id: DEMO_ORDER_SLIPS_REPORT_ID, name: 'Order slips', reportType: 'PaginatedReport', sqlDatasources: [DEMO_ORDERS_SQL] },
        ],
        dashboards: [
          {
            id: DEMO_DASHBOARD_ID,
            displayName: 'Sales at a glance',
            tiles: [
              { id: DEMO_SALES_TILE_ID, title: 'Sales by region', reportId: DEMO_SALES_REPORT_ID },
              { id: DEMO_KPI_TILE_ID, title: 'Headcount', reportId: DEMO_KPI_REPORT_ID },
            ],
          },
        ],
      },
      { id: DEMO_SANDBOX_WORKSPACE_ID, name: 'Sales sandbox', members: [DEMO_SERVICE_PRINCIPAL.objectId], capacity: true },
      {
        id: DEMO_CONTOSO.workspaceId,
        name: 'Contoso',
        members: [DEMO_CONTOSO.profileId],
        capacity: true,
        datasets: [{ id: DEMO_CONTOSO.datasetId, name: 'Contoso sales', isEffectiveIdentityRequired: true, roles: ['Customer'] }],
        reports: [{ id: DEMO_CONTOSO.reportId, name: 'Contoso sales', datasetId: DEMO_CONTOSO.datasetId }],
      },
      {
        id: DEMO_FABRIKAM.workspaceId,
        name: 'Fabrikam',
        members: [DEMO_FABRIKAM.servicePrincipal.objectId],
        capacity: true,
        datasets: [{ id: DEMO_FABRIKAM.datasetId, name: 'Fabrikam sales', isEffectiveIdentityRequired: true, roles: ['Customer'] }],
        reports: [{ id: DEMO_FABRIKAM.reportId, name: 'Fabrikam sales', datasetId: DEMO_FABRIKAM.datasetId }],
      },
    ],
    profiles: [{ id: DEMO_CONTOSO.profileId, displayName: 'Contoso', ownerId: DEMO_SERVICE_PRINCIPAL.objectId }],
  };
}

/** What the local embed page shows: sales rows filtered by the dataset's RLS roles, and company KPIs. */
export function demoDatasetTables(): Record<string, DatasetTable> {
  return {
    [DEMO_SALES_DATASET_ID]: {
      columns: ['region', 'country', 'product', 'revenue'],
      rows: [
        { region: 'EU', country: 'France', product: 'Bikes', revenue: 182000 },
        { region: 'EU', country: 'Germany', product: 'Bikes', revenue: 240500 },
        { region: 'EU', country: 'Spain', product: 'Helmets', revenue: 61200 },
        { region: 'US', country: 'United States', product: 'Bikes', revenue: 410300 },
        { region: 'US', country: 'United States', product: 'Helmets', revenue: 98700 },
        { region: 'US', country: 'Canada', product: 'Bikes', revenue: 120900 },
      ],
      rls: { column: 'region', roles: { 'Region EU': ['EU'], 'Region US': ['US'], 'All regions': '*' } },
    },
    [DEMO_KPI_DATASET_ID]: {
      columns: ['kpi', 'value'],
      rows: [
        { kpi: 'Employees', value: 1240 },
        { kpi: 'Customer satisfaction (%)', value: 91 },
        { kpi: 'Open orders', value: 318 },
      ],
    },
  };
}
