import {
  ModelError,
  PowerBiModel,
  type DashboardInput,
  type DatasetInput,
  type ProfileInput,
  type ReportInput,
  type ReportType,
  type TileInput,
  type WorkspaceInput,
} from './model';

// The whole model as one JSON document, so `npm start` and tests can seed the emulator
// in one call (`POST /_emulator/model`) and read it back (`GET /_emulator/model`).

export interface DashboardJson extends DashboardInput {
  tiles?: TileInput[];
}

export interface WorkspaceJson extends WorkspaceInput {
  datasets?: DatasetInput[];
  reports?: ReportInput[];
  dashboards?: DashboardJson[];
}

export interface PowerBiModelJson {
  workspaces?: WorkspaceJson[];
  profiles?: ProfileInput[];
}

type Json = Record<string, unknown>;

function object(value: unknown, at: string): Json {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ModelError(`${at} must be an object`);
  return value as Json;
}

function list(value: unknown, at: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ModelError(`${at} must be an array`);
  return value;
}

function text(json: Json, key: string, at: string): string {
  const value = json[key];
  if (typeof value !== 'string' || !value) throw new ModelError(`${at}.${key} must be a non-empty string`);
  return value;
}

function optional<T>(json: Json, key: string, type: 'string' | 'boolean', at: string): T | undefined {
  const value = json[key];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw new ModelError(`${at}.${key} must be a ${type}`);
  return value as T;
}

function texts(json: Json, key: string, at: string): string[] | undefined {
  if (json[key] === undefined) return undefined;
  return list(json[key], `${at}.${key}`).map((item, i) => {
    if (typeof item !== 'string') throw new ModelError(`${at}.${key}[${i}] must be a string`);
    return item;
  });
}

/** `T` with its possibly-undefined properties made optional instead. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> };

/** Drops undefined values so optional inputs satisfy exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>;
}

/** Builds a new model from JSON; throws ModelError (with the path of the bad value) and leaves nothing half loaded. */
export function modelFromJson(input: unknown): PowerBiModel {
  const model = new PowerBiModel();
  const root = object(input, 'model');
  const workspaces = list(root.workspaces, 'workspaces').map((raw, i) => ({ at: `workspaces[${i}]`, json: object(raw, `workspaces[${i}]`) }));

  for (const { at, json } of workspaces) {
    model.addWorkspace(
      defined({
        id: text(json, 'id', at),
        name: text(json, 'name', at),
        members: texts(json, 'members', at),
        capacity: optional<boolean>(json, 'capacity', 'boolean', at),
        isPersonal: optional<boolean>(json, 'isPersonal', 'boolean', at),
      }),
    );
  }
  // Datasets first, across workspaces: a report may use a dataset of another workspace.
  for (const { at, json } of workspaces) {
    list(json.datasets, `${at}.datasets`).forEach((raw, i) => {
      const where = `${at}.datasets[${i}]`;
      const dataset = object(raw, where);
      model.addDataset(
        json.id as string,
        defined({
          id: text(dataset, 'id', where),
          name: text(dataset, 'name', where),
          isEffectiveIdentityRequired: optional<boolean>(dataset, 'isEffectiveIdentityRequired', 'boolean', where),
          isEffectiveIdentityRolesRequired: optional<boolean>(dataset, 'isEffectiveIdentityRolesRequired', 'boolean', where),
          roles: texts(dataset, 'roles', where),
          directQueryToDatasetIds: texts(dataset, 'directQueryToDatasetIds', where),
          isAasLiveConnection: optional<boolean>(dataset, 'isAasLiveConnection', 'boolean', where),
          configuredBy: optional<string>(dataset, 'configuredBy', 'string', where),
        }),
      );
    });
  }
  for (const { at, json } of workspaces) {
    list(json.reports, `${at}.reports`).forEach((raw, i) => {
      const where = `${at}.reports[${i}]`;
      const report = object(raw, where);
      const reportType = optional<string>(report, 'reportType', 'string', where);
      if (reportType !== undefined && reportType !== 'PowerBIReport' && reportType !== 'PaginatedReport') {
        throw new ModelError(`${where}.reportType must be PowerBIReport or PaginatedReport`);
      }
      model.addReport(
        json.id as string,
        defined({
          id: text(report, 'id', where),
          name: text(report, 'name', where),
          datasetId: optional<string>(report, 'datasetId', 'string', where),
          reportType: reportType as ReportType | undefined,
          sqlDatasources: report.sqlDatasources === undefined ? undefined : list(report.sqlDatasources, `${where}.sqlDatasources`).map((raw, j) => {
            const source = object(raw, `${where}.sqlDatasources[${j}]`);
            return { server: text(source, 'server', `${where}.sqlDatasources[${j}]`), database: text(source, 'database', `${where}.sqlDatasources[${j}]`) };
          }),
        }),
      );
    });
  }
  for (const { at, json } of workspaces) {
    list(json.dashboards, `${at}.dashboards`).forEach((raw, i) => {
      const where = `${at}.dashboards[${i}]`;
      const dashboard = object(raw, where);
      const added = model.addDashboard(json.id as string, { id: text(dashboard, 'id', where), displayName: text(dashboard, 'displayName', where) });
      list(dashboard.tiles, `${where}.tiles`).forEach((rawTile, j) => {
        const tileAt = `${where}.tiles[${j}]`;
        const tile = object(rawTile, tileAt);
        model.addTile(
          added.id,
          defined({ id: text(tile, 'id', tileAt), title: text(tile, 'title', tileAt), reportId: optional<string>(tile, 'reportId', 'string', tileAt), datasetId: optional<string>(tile, 'datasetId', 'string', tileAt) }),
        );
      });
    });
  }
  list(root.profiles, 'profiles').forEach((raw, i) => {
    const at = `profiles[${i}]`;
    const profile = object(raw, at);
    model.addProfile(defined({ id: optional<string>(profile, 'id', 'string', at), displayName: text(profile, 'displayName', at), ownerId: text(profile, 'ownerId', at) }));
  });
  return model;
}

/** The model as the JSON document `modelFromJson` reads. */
export function modelToJson(model: PowerBiModel): PowerBiModelJson {
  return {
    workspaces: model.allWorkspaces().map((workspace) => ({
      id: workspace.id,
      name: workspace.name,
      members: [...workspace.members],
      capacity: workspace.capacity,
      isPersonal: workspace.isPersonal,
      datasets: model.datasetsIn(workspace.id).map(({ workspaceId: _workspaceId, ...dataset }) => dataset),
      reports: model.reportsIn(workspace.id).map(({ workspaceId: _workspaceId, ...report }) => report),
      dashboards: model.dashboardsIn(workspace.id).map(({ workspaceId: _workspaceId, ...dashboard }) => ({
        ...dashboard,
        tiles: model.tilesOf(dashboard.id).map(({ dashboardId: _dashboardId, ...tile }) => tile),
      })),
    })),
    profiles: model.allProfiles(),
  };
}
