import type { EmbedUrls } from './embedUrls';
import type { Dashboard, Dataset, Report, Tile, Workspace } from './model';

// Item answers in the service's shapes (Get Report / Dataset / Dashboard / Tile In Group).

export function workspaceResource(workspace: Workspace): Record<string, unknown> {
  return { id: workspace.id, name: workspace.name, isReadOnly: false, isOnDedicatedCapacity: workspace.capacity, type: workspace.isPersonal ? 'PersonalGroup' : 'Workspace' };
}

export function reportResource(report: Report, urls: EmbedUrls, datasetWorkspaceId: string | undefined): Record<string, unknown> {
  const paginated = report.reportType === 'PaginatedReport';
  return {
    id: report.id,
    reportType: report.reportType,
    name: report.name,
    webUrl: urls.web(report.workspaceId, paginated ? 'rdlreports' : 'reports', report.id),
    embedUrl: urls.report(report),
    isFromPbix: !paginated,
    isOwnedByMe: false,
    // Get Report of a paginated report does not carry its dataset: Get Datasources names it.
    ...(report.datasetId && !paginated ? { datasetId: report.datasetId, datasetWorkspaceId } : {}),
    users: [],
    subscriptions: [],
  };
}

export function datasetResource(dataset: Dataset, urls: EmbedUrls, workspaceOf: (datasetId: string) => string | undefined): Record<string, unknown> {
  return {
    id: dataset.id,
    name: dataset.name,
    webUrl: urls.web(dataset.workspaceId, 'datasets', dataset.id),
    addRowsAPIEnabled: false,
    configuredBy: dataset.configuredBy,
    isRefreshable: !dataset.isAasLiveConnection,
    isEffectiveIdentityRequired: dataset.isEffectiveIdentityRequired,
    isEffectiveIdentityRolesRequired: dataset.isEffectiveIdentityRolesRequired,
    isOnPremGatewayRequired: false,
    targetStorageMode: dataset.isAasLiveConnection ? 'NotApplicable' : 'Abf',
    createReportEmbedURL: urls.createReport(dataset),
    qnaEmbedURL: urls.qna(dataset),
    upstreamDatasets: dataset.directQueryToDatasetIds.map((id) => ({ targetDatasetId: id, groupId: workspaceOf(id) })),
    users: [],
  };
}

export function dashboardResource(dashboard: Dashboard, urls: EmbedUrls): Record<string, unknown> {
  return {
    id: dashboard.id,
    displayName: dashboard.displayName,
    isReadOnly: false,
    webUrl: urls.web(dashboard.workspaceId, 'dashboards', dashboard.id),
    embedUrl: urls.dashboard(dashboard),
    users: [],
    subscriptions: [],
  };
}

export function tileResource(tile: Tile, workspaceId: string, urls: EmbedUrls): Record<string, unknown> {
  return {
    id: tile.id,
    title: tile.title,
    embedUrl: urls.tile(tile, workspaceId),
    embedData: '',
    rowSpan: 0,
    colSpan: 0,
    ...(tile.reportId ? { reportId: tile.reportId } : {}),
    ...(tile.datasetId ? { datasetId: tile.datasetId } : {}),
  };
}

/** Get Datasources In Group for a report: a report on a Power BI dataset reads it as an Analysis Services source. */
export function reportDatasources(report: Report): Record<string, unknown>[] {
  const gatewayId = '00000000-0000-0000-0000-000000000000';
  const sql = (report.sqlDatasources ?? []).map((source) => ({ datasourceType: 'Sql', connectionDetails: { server: source.server, database: source.database }, gatewayId }));
  if (!report.datasetId) return sql;
  return [
    {
      datasourceType: 'AnalysisServices',
      connectionDetails: { server: 'pbiazure://api.powerbi.com', database: `sobe_wowvirtualserver-${report.datasetId}` },
      datasourceId: report.datasetId,
      gatewayId,
    },
    ...sql,
  ];
}
