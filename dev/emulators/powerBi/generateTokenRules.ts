import { isMember, type Actor } from './access';
import { datasetNotFound, entityNotFound, invalidRequest, notAuthorized } from './errors';
import type { AccessLevel, DatasourceIdentity, EffectiveIdentity, XmlaPermissions } from './generateTokenRequest';
import type { Dataset, PowerBiModel, Report, Workspace } from './model';

// The rules GenerateToken enforces before it issues an embed token: every item exists,
// the caller is a member of every workspace involved, reports come with their datasets,
// and the effective identities match each dataset's row-level security.

/** What a token is asked to grant, by id: built from a V2 body, or from a V1 path and body. */
export interface TokenScope {
  version: 'V1' | 'V2';
  datasets: { id: string; xmlaPermissions: XmlaPermissions }[];
  reports: { id: string; allowEdit: boolean }[];
  dashboards: string[];
  tiles: { id: string; dashboardId: string }[];
  targetWorkspaces: string[];
  identities: EffectiveIdentity[];
  /** V2 only: SSO tokens for data sources of the paginated reports in the request. */
  datasourceIdentities?: DatasourceIdentity[];
  accessLevel?: AccessLevel;
  allowSaveAs?: boolean;
  lifetimeInMinutes?: number;
}

/** The scope with each item's workspace, ready to seal into a token. */
export interface GrantedScope {
  reports: { id: string; groupId: string; allowEdit: boolean }[];
  datasets: { id: string; groupId: string; xmlaPermissions: XmlaPermissions }[];
  dashboards: { id: string; groupId: string }[];
  tiles: { id: string; dashboardId: string; groupId: string }[];
  targetWorkspaces: { id: string }[];
  /** Every workspace involved (for the trial quota). */
  workspaces: Workspace[];
}

const DATASET = (id: string) => `Creating embed token for accessing dataset ${id}`;

export function checkTokenScope(model: PowerBiModel, actor: Actor, scope: TokenScope): GrantedScope {
  const datasets = scope.datasets.map((item) => ({ ...item, dataset: model.dataset(item.id) ?? throwError(datasetNotFound(item.id)) }));
  const reports = scope.reports.map((item) => ({ ...item, report: model.report(item.id) ?? throwError(entityNotFound()) }));
  const dashboards = scope.dashboards.map((id) => model.dashboard(id) ?? throwError(entityNotFound()));
  const tiles = scope.tiles.map((item) => ({ tile: model.tile(item.dashboardId, item.id) ?? throwError(entityNotFound()), dashboard: model.dashboard(item.dashboardId) ?? throwError(entityNotFound()) }));
  const targets = scope.targetWorkspaces.map((id) => model.workspace(id) ?? throwError(entityNotFound()));

  const workspaceIds = new Set([
    ...datasets.map((d) => d.dataset.workspaceId),
    ...reports.map((r) => r.report.workspaceId),
    ...dashboards.map((d) => d.workspaceId),
    ...tiles.map((t) => t.dashboard.workspaceId),
    ...targets.map((w) => w.id),
  ]);
  const workspaces = [...workspaceIds].map((id) => model.workspace(id) ?? throwError(entityNotFound()));
  // A report and its dataset may live in different workspaces: the caller must be a member of both.
  for (const workspace of workspaces) if (!isMember(workspace, actor)) throw notAuthorized();
  for (const workspace of workspaces) {
    if (workspace.isPersonal) throw invalidRequest(`Creating embed token for items in "My workspace" (${workspace.id}) is not supported.`);
  }

  const requested = new Map(datasets.map((d) => [d.id, d]));
  for (const { id, allowEdit, report } of reports) {
    if (report.reportType === 'PaginatedReport') {
      if (!actor.caller.isServicePrincipal) throw invalidRequest(`Creating embed token for paginated report ${id} requires a service principal.`);
      if (scope.version === 'V1') throw invalidRequest(`Creating embed token for paginated report ${id} is only supported by the multi-resource GenerateToken API.`);
      if (allowEdit) throw invalidRequest(`Paginated report ${id} cannot be edited.`);
      if (report.datasetId && requested.get(report.datasetId)?.xmlaPermissions !== 'ReadOnly') {
        throw invalidRequest(`Creating embed token for paginated report ${id} requires dataset ${report.datasetId} to be included with xmlaPermissions ReadOnly.`);
      }
    } else if (report.datasetId && !requested.has(report.datasetId)) {
      throw invalidRequest(`Creating embed token for report ${id} requires its dataset ${report.datasetId} to be included in the request.`);
    }
  }
  for (const { dataset } of datasets) checkDirectQuery(model, dataset, requested);
  checkDatasourceIdentities(scope, reports.map((r) => r.report));
  checkIdentities(scope, actor, datasets, reports.map((r) => r.report));

  return {
    reports: reports.map(({ id, allowEdit, report }) => ({ id, groupId: report.workspaceId, allowEdit })),
    datasets: datasets.map(({ id, xmlaPermissions, dataset }) => ({ id, groupId: dataset.workspaceId, xmlaPermissions })),
    dashboards: dashboards.map((d) => ({ id: d.id, groupId: d.workspaceId })),
    tiles: tiles.map(({ tile, dashboard }) => ({ id: tile.id, dashboardId: dashboard.id, groupId: dashboard.workspaceId })),
    targetWorkspaces: targets.map((w) => ({ id: w.id })),
    workspaces,
  };
}

/** A composite model reads its sources over XMLA: it and every source must be requested ReadOnly. */
function checkDirectQuery(model: PowerBiModel, root: Dataset, requested: Map<string, { xmlaPermissions: XmlaPermissions }>): void {
  const seen = new Set<string>();
  const visit = (dataset: Dataset) => {
    if (seen.has(dataset.id) || dataset.directQueryToDatasetIds.length === 0) return;
    seen.add(dataset.id);
    for (const id of [dataset.id, ...dataset.directQueryToDatasetIds]) {
      if (requested.get(id)?.xmlaPermissions !== 'ReadOnly') {
        throw invalidRequest(`${DATASET(dataset.id)} requires every dataset it uses with DirectQuery, including ${id}, to be included with xmlaPermissions ReadOnly.`);
      }
    }
    for (const source of dataset.directQueryToDatasetIds) {
      const found = model.dataset(source);
      if (found) visit(found);
    }
  };
  visit(root);
}

function checkIdentities(scope: TokenScope, actor: Actor, datasets: { id: string; dataset: Dataset }[], reports: { id: string; reportType: string }[]): void {
  const requestedIds = new Set(datasets.map((d) => d.id));
  for (const identity of scope.identities) {
    for (const id of identity.datasets) {
      if (!requestedIds.has(id)) throw invalidRequest(`Effective identity refers to dataset ${id}, which is not included in the request.`);
    }
    for (const id of identity.reports ?? []) {
      if (!reports.some((r) => r.id === id && r.reportType === 'PaginatedReport')) {
        throw invalidRequest(`Effective identity refers to report ${id}: identities can only name paginated reports included in the request.`);
      }
    }
  }
  for (const { id, dataset } of datasets) {
    const named = scope.identities.filter((identity) => identity.datasets.includes(id));
    if (named.length > 1) throw invalidRequest(`${DATASET(id)} can have only one effective identity.`);
    const identity = named[0];
    if (!dataset.isEffectiveIdentityRequired) {
      if (identity) throw invalidRequest(`${DATASET(id)} shouldn't have effective identity`);
      continue;
    }
    if (!identity) {
      // A master user may embed an RLS dataset unfiltered; a service principal never may.
      if (actor.caller.isServicePrincipal) throw invalidRequest(`${DATASET(id)} requires effective identity to be provided`);
      continue;
    }
    if (dataset.isAasLiveConnection) {
      if (actor.caller.isServicePrincipal && identity.username.toLowerCase() !== actor.caller.oid?.toLowerCase()) {
        throw invalidRequest(`${DATASET(id)} requires effective identity username to be identical to the caller's principal name`);
      }
      continue;
    }
    if (dataset.isEffectiveIdentityRolesRequired && identity.roles.length === 0) throw invalidRequest(`${DATASET(id)} requires roles to be included in provided effective identity`);
    // Role names in a tabular model are case-insensitive.
    const known = new Set(dataset.roles.map((role) => role.toLowerCase()));
    const unknown = identity.roles.find((role) => !known.has(role.toLowerCase()));
    if (unknown !== undefined) throw invalidRequest(`${DATASET(id)} failed: role '${unknown}' does not exist in the dataset.`);
  }
}

/** A data-source identity may only name an Azure SQL source of a paginated report in the request. */
function checkDatasourceIdentities(scope: TokenScope, reports: Report[]): void {
  const known = new Set(reports.flatMap((report) => (report.reportType === 'PaginatedReport' ? (report.sqlDatasources ?? []) : []).map((s) => `${s.server}|${s.database}`.toLowerCase())));
  for (const identity of scope.datasourceIdentities ?? []) {
    for (const source of identity.datasources) {
      const key = `${source.connectionDetails.server}|${source.connectionDetails.database}`.toLowerCase();
      if (source.datasourceType.toLowerCase() !== 'sql' || !known.has(key)) {
        throw invalidRequest(`Datasource identity refers to data source ${source.connectionDetails.server}/${source.connectionDetails.database}, which no paginated report in the request uses.`);
      }
    }
  }
}

function throwError(error: Error): never {
  throw error;
}
