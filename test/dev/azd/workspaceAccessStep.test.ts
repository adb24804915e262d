import { policyWorkspaces } from '../../../dev/azd/workspaceAccessStep';
import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';

// Which workspaces postprovision makes the broker's own service principal a Member of.

const WS = '11111111-1111-4111-8111-111111111111';
const SANDBOX = '22222222-2222-4222-8222-222222222222';
const CUSTOMER_A = 'aaaaaaaa-0000-4000-8000-0000000000f1';
const CUSTOMER_B = 'bbbbbbbb-0000-4000-8000-0000000000f1';
const G = '33333333-3333-4333-8333-333333333333';

describe('policyWorkspaces', () => {
  it("lists the catalog's workspaces and the Save As targets, never a customer's", () => {
    const policy: EmbedPolicy = {
      version: 1,
      items: {
        report: { type: 'report', workspaceId: WS.toUpperCase(), reportId: G },
        board: { type: 'dashboard', workspaceId: WS, dashboardId: G },
        a: { type: 'report', workspaceId: CUSTOMER_A, reportId: G, customer: 'a' },
        b: { type: 'dataset', workspaceId: CUSTOMER_B, datasetId: G },
      },
      rules: [{ name: 'r', match: { scp: 'x' }, allow: ['*'], access: 'create', targetWorkspaceId: SANDBOX, identity: { username: { claim: 'oid' } } }],
      customers: { claim: 'tid', entries: { a: { values: ['t1'], workspaces: [CUSTOMER_A], profileId: G }, b: { values: ['t2'], workspaces: [CUSTOMER_B], servicePrincipal: { clientId: G } } } },
    };
    expect(policyWorkspaces(policy)).toEqual([WS, SANDBOX].sort());
  });
});
