import { randomUUID } from 'node:crypto';
import { isGuid, normalizeId } from './ids';

// The emulated tenant: workspaces and what they hold, and service-principal profiles.
// Ids are stored in lower case; every lookup is case-insensitive like the service's.

export type ReportType = 'PowerBIReport' | 'PaginatedReport';

export interface WorkspaceInput {
  id: string;
  name: string;
  /** Object ids or app ids of service principals, users or profiles that are workspace members. */
  members?: readonly string[];
  /** On a Premium / Embedded capacity; a workspace without one is subject to the trial embed-token quota. */
  capacity?: boolean;
  /** "My workspace": the service issues no embed token for its items. */
  isPersonal?: boolean;
}

export interface DatasetInput {
  id: string;
  name: string;
  /** The dataset has row-level security: an effective identity decides what a token sees. */
  isEffectiveIdentityRequired?: boolean;
  /** Each effective identity must name at least one of `roles`. */
  isEffectiveIdentityRolesRequired?: boolean;
  /** RLS role names defined in the model. */
  roles?: readonly string[];
  /** A composite model with DirectQuery to these Power BI datasets. */
  directQueryToDatasetIds?: readonly string[];
  /** A live connection to Azure Analysis Services: a service principal's username must be its object id. */
  isAasLiveConnection?: boolean;
  configuredBy?: string;
}

export interface ReportInput {
  id: string;
  name: string;
  /** Required for a Power BI report; a paginated report may have none (its own data sources). */
  datasetId?: string;
  reportType?: ReportType;
  /** Azure SQL data sources of a paginated report (Get Datasources lists them; SSO needs datasourceIdentities). */
  sqlDatasources?: readonly SqlDatasource[];
}

export interface SqlDatasource {
  server: string;
  database: string;
}

export interface DashboardInput {
  id: string;
  displayName: string;
}

export interface TileInput {
  id: string;
  title: string;
  reportId?: string;
  /** Defaults to the dataset of `reportId`. */
  datasetId?: string;
}

export interface ProfileInput {
  /** Generated when unset. */
  id?: string;
  displayName: string;
  /** Object id or app id of the service principal that created the profile. */
  ownerId: string;
}

export type GroupUserAccessRight = 'Admin' | 'Member' | 'Contributor' | 'Viewer';
export type GroupPrincipalType = 'App' | 'Group' | 'User';

/** A workspace member as Get Group Users lists it. */
export interface GroupUser {
  identifier: string;
  principalType: GroupPrincipalType;
  groupUserAccessRight: GroupUserAccessRight;
}

export interface Workspace {
  id: string;
  name: string;
  members: string[];
  capacity: boolean;
  isPersonal: boolean;
}

export interface Dataset {
  id: string;
  workspaceId: string;
  name: string;
  isEffectiveIdentityRequired: boolean;
  isEffectiveIdentityRolesRequired: boolean;
  roles: string[];
  directQueryToDatasetIds: string[];
  isAasLiveConnection: boolean;
  configuredBy: string;
}

export interface Report {
  id: string;
  workspaceId: string;
  name: string;
  datasetId?: string;
  reportType: ReportType;
  sqlDatasources?: SqlDatasource[];
}

export interface Dashboard {
  id: string;
  workspaceId: string;
  displayName: string;
}

export interface Tile {
  id: string;
  dashboardId: string;
  title: string;
  reportId?: string;
  datasetId?: string;
}

export interface Profile {
  id: string;
  displayName: string;
  ownerId: string;
}

/** The model was given something inconsistent (unknown workspace, duplicate id, not a GUID). */
export class ModelError extends Error {
  override name = 'ModelError';
}

function guid(value: string, what: string): string {
  if (!isGuid(value)) throw new ModelError(`${what} must be a GUID, got ${JSON.stringify(value)}`);
  return normalizeId(value);
}

export class PowerBiModel {
  private workspaces = new Map<string, Workspace>();
  private datasets = new Map<string, Dataset>();
  private reports = new Map<string, Report>();
  private dashboards = new Map<string, Dashboard>();
  /** Keyed by `dashboardId/tileId`: tile ids are unique within a dashboard. */
  private tiles = new Map<string, Tile>();
  private profiles = new Map<string, Profile>();
  /** Keyed by `workspaceId/memberId`: the role and kind of members added with one. */
  private groupUsers = new Map<string, GroupUser>();

  clear(): void {
    for (const map of [this.workspaces, this.datasets, this.reports, this.dashboards, this.tiles, this.profiles, this.groupUsers]) map.clear();
  }

  addWorkspace(input: WorkspaceInput): Workspace {
    const id = this.fresh(this.workspaces, guid(input.id, 'workspace id'), 'workspace');
    const workspace: Workspace = {
      id,
      name: input.name,
      members: (input.members ?? []).map((member) => member.toLowerCase()),
      capacity: input.capacity ?? false,
      isPersonal: input.isPersonal ?? false,
    };
    this.workspaces.set(id, workspace);
    return workspace;
  }

  addWorkspaceMember(workspaceId: string, principalId: string): void {
    const workspace = this.requireWorkspace(workspaceId);
    const member = principalId.toLowerCase();
    if (!workspace.members.includes(member)) workspace.members.push(member);
  }

  /** Adds (or changes) a member with its role, as Add Group User does. */
  setWorkspaceUser(workspaceId: string, user: GroupUser): GroupUser {
    const workspace = this.requireWorkspace(workspaceId);
    const entry = { ...user, identifier: user.identifier.toLowerCase() };
    if (!workspace.members.includes(entry.identifier)) workspace.members.push(entry.identifier);
    this.groupUsers.set(`${workspace.id}/${entry.identifier}`, entry);
    return entry;
  }

  /** Every member; one given without a role (WorkspaceInput.members) counts as a service principal with Member access. */
  workspaceUsers(workspaceId: string): GroupUser[] {
    const workspace = this.requireWorkspace(workspaceId);
    return workspace.members.map((id) => this.groupUsers.get(`${workspace.id}/${id}`) ?? { identifier: id, principalType: 'App', groupUserAccessRight: 'Member' });
  }

  addDataset(workspaceId: string, input: DatasetInput): Dataset {
    const workspace = this.requireWorkspace(workspaceId);
    const id = this.fresh(this.datasets, guid(input.id, 'dataset id'), 'dataset');
    const rolesRequired = input.isEffectiveIdentityRolesRequired ?? false;
    const rls = input.isEffectiveIdentityRequired ?? rolesRequired;
    if (rolesRequired && !rls) throw new ModelError(`dataset ${id}: roles can only be required when an effective identity is`);
    const dataset: Dataset = {
      id,
      workspaceId: workspace.id,
      name: input.name,
      isEffectiveIdentityRequired: rls,
      isEffectiveIdentityRolesRequired: rolesRequired,
      roles: [...(input.roles ?? [])],
      directQueryToDatasetIds: (input.directQueryToDatasetIds ?? []).map((source) => guid(source, `dataset ${id} DirectQuery source`)),
      isAasLiveConnection: input.isAasLiveConnection ?? false,
      configuredBy: input.configuredBy ?? 'emulator@contoso.com',
    };
    this.datasets.set(id, dataset);
    return dataset;
  }

  addReport(workspaceId: string, input: ReportInput): Report {
    const workspace = this.requireWorkspace(workspaceId);
    const id = this.fresh(this.reports, guid(input.id, 'report id'), 'report');
    const reportType = input.reportType ?? 'PowerBIReport';
    if (input.datasetId === undefined && reportType === 'PowerBIReport') throw new ModelError(`report ${id}: a Power BI report needs a datasetId`);
    const datasetId = input.datasetId === undefined ? undefined : this.requireDataset(input.datasetId).id;
    const sqlDatasources = (input.sqlDatasources ?? []).map((source) => ({ server: source.server.toLowerCase(), database: source.database }));
    const report: Report = { id, workspaceId: workspace.id, name: input.name, reportType, ...(datasetId ? { datasetId } : {}), ...(sqlDatasources.length > 0 ? { sqlDatasources } : {}) };
    this.reports.set(id, report);
    return report;
  }

  addDashboard(workspaceId: string, input: DashboardInput): Dashboard {
    const workspace = this.requireWorkspace(workspaceId);
    const id = this.fresh(this.dashboards, guid(input.id, 'dashboard id'), 'dashboard');
    const dashboard: Dashboard = { id, workspaceId: workspace.id, displayName: input.displayName };
    this.dashboards.set(id, dashboard);
    return dashboard;
  }

  addTile(dashboardId: string, input: TileInput): Tile {
    const dashboard = this.dashboards.get(normalizeId(dashboardId));
    if (!dashboard) throw new ModelError(`unknown dashboard ${dashboardId}`);
    const id = guid(input.id, 'tile id');
    const key = `${dashboard.id}/${id}`;
    if (this.tiles.has(key)) throw new ModelError(`duplicate tile ${id} on dashboard ${dashboard.id}`);
    const report = input.reportId === undefined ? undefined : this.reports.get(guid(input.reportId, `tile ${id} reportId`));
    if (input.reportId !== undefined && !report) throw new ModelError(`tile ${id}: unknown report ${input.reportId}`);
    const datasetId = input.datasetId === undefined ? report?.datasetId : this.requireDataset(input.datasetId).id;
    const tile: Tile = { id, dashboardId: dashboard.id, title: input.title, ...(report ? { reportId: report.id } : {}), ...(datasetId ? { datasetId } : {}) };
    this.tiles.set(key, tile);
    return tile;
  }

  addProfile(input: ProfileInput): Profile {
    const id = this.fresh(this.profiles, guid(input.id ?? randomUUID(), 'profile id'), 'profile');
    const profile: Profile = { id, displayName: input.displayName, ownerId: input.ownerId.toLowerCase() };
    this.profiles.set(id, profile);
    return profile;
  }

  removeProfile(profileId: string): boolean {
    return this.profiles.delete(normalizeId(profileId));
  }

  workspace(id: string): Workspace | undefined {
    return this.workspaces.get(normalizeId(id));
  }

  dataset(id: string): Dataset | undefined {
    return this.datasets.get(normalizeId(id));
  }

  report(id: string): Report | undefined {
    return this.reports.get(normalizeId(id));
  }

  dashboard(id: string): Dashboard | undefined {
    return this.dashboards.get(normalizeId(id));
  }

  tile(dashboardId: string, tileId: string): Tile | undefined {
    return this.tiles.get(`${normalizeId(dashboardId)}/${normalizeId(tileId)}`);
  }

  profile(id: string): Profile | undefined {
    return this.profiles.get(normalizeId(id));
  }

  allWorkspaces(): Workspace[] {
    return [...this.workspaces.values()];
  }

  datasetsIn(workspaceId: string): Dataset[] {
    return [...this.datasets.values()].filter((dataset) => dataset.workspaceId === normalizeId(workspaceId));
  }

  reportsIn(workspaceId: string): Report[] {
    return [...this.reports.values()].filter((report) => report.workspaceId === normalizeId(workspaceId));
  }

  dashboardsIn(workspaceId: string): Dashboard[] {
    return [...this.dashboards.values()].filter((dashboard) => dashboard.workspaceId === normalizeId(workspaceId));
  }

  tilesOf(dashboardId: string): Tile[] {
    return [...this.tiles.values()].filter((tile) => tile.dashboardId === normalizeId(dashboardId));
  }

  allProfiles(): Profile[] {
    return [...this.profiles.values()];
  }

  private requireWorkspace(id: string): Workspace {
    const workspace = this.workspaces.get(normalizeId(id));
    if (!workspace) throw new ModelError(`unknown workspace ${id}`);
    return workspace;
  }

  private requireDataset(id: string): Dataset {
    const dataset = this.datasets.get(normalizeId(id));
    if (!dataset) throw new ModelError(`unknown dataset ${id}`);
    return dataset;
  }

  private fresh<T>(map: Map<string, T>, id: string, what: string): string {
    if (map.has(id)) throw new ModelError(`duplicate ${what} ${id}`);
    return id;
  }
}
