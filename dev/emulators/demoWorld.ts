import { join } from 'node:path';
import type { PowerBiModelJson } from './powerBi';

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
