import { BrokerError } from '../../../shared/errors/brokerError';
import type { EffectiveIdentity } from '../../../shared/policy/authorizeEmbed';
import type { DatasetInfo, ReportInfo } from '../../../shared/powerbi/powerBiClient';
import { buildReportTokenRequest } from '../../../shared/powerbi/reportTokenRequest';

// The GenerateToken (V2) body for one report, following Power BI's rules: an identity exactly
// for RLS datasets, roles when present, and what a paginated report needs.

const REPORT_ID = '5a1e5000-0000-4000-8000-0000000000a1';
const DATASET_ID = '5a1e5000-0000-4000-8000-0000000000d1';

function report(reportType = 'PowerBIReport'): ReportInfo {
  return { id: REPORT_ID, name: 'Sales', datasetId: DATASET_ID, embedUrl: 'https://app.powerbi.test/reportEmbed', reportType };
}

function dataset(rls: boolean, rolesRequired = rls): DatasetInfo {
  return { id: DATASET_ID, name: 'Sales', isEffectiveIdentityRequired: rls, isEffectiveIdentityRolesRequired: rolesRequired };
}

const alice: EffectiveIdentity = { username: 'alice@contoso.example', roles: ['Region EU'], customData: 'a11ce000' };

describe('buildReportTokenRequest', () => {
  it('sends no identity for a dataset without RLS, whatever the policy built', () => {
    expect(buildReportTokenRequest(report(), dataset(false), alice)).toEqual({
      datasets: [{ id: DATASET_ID }],
      reports: [{ id: REPORT_ID, allowEdit: false }],
    });
  });

  it('sends the identity, with roles and customData, for an RLS dataset', () => {
    expect(buildReportTokenRequest(report(), dataset(true), alice)).toEqual({
      datasets: [{ id: DATASET_ID }],
      reports: [{ id: REPORT_ID, allowEdit: false }],
      identities: [{ username: 'alice@contoso.example', roles: ['Region EU'], customData: 'a11ce000', datasets: [DATASET_ID] }],
    });
  });

  it('omits roles and customData when there are none and roles are not required', () => {
    const request = buildReportTokenRequest(report(), dataset(true, false), { username: 'bob@contoso.example', roles: [] });
    expect(request.identities).toEqual([{ username: 'bob@contoso.example', datasets: [DATASET_ID] }]);
    expect(request.identities?.[0]).not.toHaveProperty('roles');
    expect(request.identities?.[0]).not.toHaveProperty('customData');
  });

  it('refuses (403) when the dataset requires roles and the policy gives none', () => {
    let error: unknown;
    try {
      buildReportTokenRequest(report(), dataset(true, true), { username: 'carol@contoso.example', roles: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BrokerError);
    expect(error).toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('asks read-only XMLA access and names the report in the identity for a paginated report', () => {
    expect(buildReportTokenRequest(report('PaginatedReport'), dataset(true), alice)).toEqual({
      datasets: [{ id: DATASET_ID, xmlaPermissions: 'ReadOnly' }],
      reports: [{ id: REPORT_ID, allowEdit: false }],
      identities: [{ username: 'alice@contoso.example', roles: ['Region EU'], customData: 'a11ce000', datasets: [DATASET_ID], reports: [REPORT_ID] }],
    });
  });

  it('asks read-only XMLA access for a paginated report without RLS, and no identity', () => {
    expect(buildReportTokenRequest(report('PaginatedReport'), dataset(false), alice)).toEqual({
      datasets: [{ id: DATASET_ID, xmlaPermissions: 'ReadOnly' }],
      reports: [{ id: REPORT_ID, allowEdit: false }],
    });
  });

  it('never lets the report be edited', () => {
    expect(buildReportTokenRequest(report(), dataset(true), alice).reports).toEqual([{ id: REPORT_ID, allowEdit: false }]);
  });
});
