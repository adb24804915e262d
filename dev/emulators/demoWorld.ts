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

export const DEMO_POLICY_FILE = join('dev', 'demo', 'embed-policy.json');

export const DEMO_USERS = [
  { name: 'alice', claims: { oid: 'a11ce000-0000-4000-8000-000000000001', preferred_username: 'alice@contoso.example', name: 'Alice (Sales EU)', roles: ['Sales.EU'], scp: 'access_as_user' } },
  { name: 'bob', claims: { oid: 'b0b00000-0000-4000-8000-000000000002', preferred_username: 'bob@contoso.example', name: 'Bob (Sales US)', roles: ['Sales.US'], scp: 'access_as_user' } },
  { name: 'carol', claims: { oid: 'ca201000-0000-4000-8000-000000000003', preferred_username: 'carol@contoso.example', name: 'Carol (no sales role)', roles: [] as string[], scp: 'access_as_user' } },
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
        ],
        reports: [
          { id: DEMO_SALES_REPORT_ID, name: 'Sales overview', datasetId: DEMO_SALES_DATASET_ID, reportType: 'PowerBIReport' },
          { id: DEMO_KPI_REPORT_ID, name: 'Company KPIs', datasetId: DEMO_KPI_DATASET_ID, reportType: 'PowerBIReport' },
        ],
      },
    ],
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
