import { BrokerError } from '../errors/brokerError';
import type { EffectiveIdentity } from '../policy/authorizeEmbed';
import type { DatasetInfo, GenerateTokenV2Request, ReportInfo } from './powerBiClient';

// The GenerateToken (V2) body for one report. The identity goes in exactly when the dataset
// enforces RLS (Power BI refuses it otherwise), with roles when the dataset requires roles.

export function buildReportTokenRequest(report: ReportInfo, dataset: DatasetInfo | undefined, identity: EffectiveIdentity): GenerateTokenV2Request {
  const paginated = report.reportType === 'PaginatedReport';
  // A paginated report on other data sources has no Power BI dataset: nothing to grant, no RLS to apply.
  if (!dataset) return { datasets: [], reports: [{ id: report.id, allowEdit: false }] };
  const request: GenerateTokenV2Request = {
    // A paginated report on a Power BI dataset needs read-only XMLA access to it.
    datasets: [paginated ? { id: dataset.id, xmlaPermissions: 'ReadOnly' } : { id: dataset.id }],
    reports: [{ id: report.id, allowEdit: false }],
  };
  if (!dataset.isEffectiveIdentityRequired) return request;
  if (dataset.isEffectiveIdentityRolesRequired && identity.roles.length === 0) {
    throw new BrokerError('forbidden', 'The policy gives this caller no row-level-security role for this report.', { extensions: { reason: 'no_role' } });
  }
  request.identities = [
    {
      username: identity.username,
      ...(identity.roles.length > 0 ? { roles: identity.roles } : {}),
      ...(identity.customData !== undefined ? { customData: identity.customData } : {}),
      datasets: [dataset.id],
      ...(paginated ? { reports: [report.id] } : {}),
    },
  ];
  return request;
}
