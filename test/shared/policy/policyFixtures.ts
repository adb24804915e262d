import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';

export const WORKSPACE = '11111111-1111-4111-8111-111111111111';
export const REPORT = '22222222-2222-4222-8222-222222222222';

export function samplePolicy(): EmbedPolicy {
  return {
    version: 1,
    items: {
      'sales-overview': { type: 'report', workspaceId: WORKSPACE, reportId: REPORT },
      finance: { type: 'report', workspaceId: WORKSPACE, reportId: '33333333-3333-4333-8333-333333333333' },
    },
    rules: [
      {
        name: 'sales',
        match: { roles: ['Sales.EU', 'Sales.US'] },
        allow: ['sales-overview'],
        identity: {
          username: { claim: 'preferred_username' },
          roles: { values: ['Viewer'], fromClaim: 'roles', map: { 'Sales.EU': 'Region EU', 'Sales.US': 'Region US' } },
          customData: { claim: 'tid' },
        },
      },
      {
        name: 'finance-scope',
        match: { scp: 'Finance.Read', tid: '*' },
        allow: ['*'],
        identity: { username: { claim: 'oid' } },
      },
    ],
  };
}
