import { invalidRequest } from './errors';
import { asObject, field, guidValue, optionalArray, optionalBoolean, optionalEnum, optionalInteger, optionalString, stringArray, type JsonObject } from './requestFields';

// GenerateToken request bodies (V2 multi-resource, and the V1 per-item form), bound and
// checked on their own: types, required fields and the per-field limits of an effective
// identity. Rules that need the model (RLS, membership...) live in generateTokenRules.ts.

export type XmlaPermissions = 'Off' | 'ReadOnly';
export type AccessLevel = 'View' | 'Edit' | 'Create';

export const MAX_ITEMS_PER_TOKEN = 50;
export const MAX_USERNAME_LENGTH = 256;
export const MAX_ROLES = 50;
export const MAX_ROLE_LENGTH = 50;
export const MAX_IDENTITY_BLOB_BYTES = 10_240;

export interface EffectiveIdentity {
  username: string;
  roles: string[];
  datasets: string[];
  /** Paginated reports only. */
  reports?: string[];
  customData?: string;
  /** An Azure SQL OAuth token for SSO to a DirectQuery source. */
  identityBlob?: { value: string };
}

/** SSO for data sources of paginated reports: the user's token for each listed data source. */
export interface DatasourceIdentity {
  identityBlob: { value: string };
  datasources: { datasourceType: string; connectionDetails: { server: string; database: string } }[];
}

export interface V2TokenRequest {
  datasets: { id: string; xmlaPermissions: XmlaPermissions }[];
  reports: { id: string; allowEdit: boolean }[];
  targetWorkspaces: { id: string }[];
  identities: EffectiveIdentity[];
  datasourceIdentities: DatasourceIdentity[];
  lifetimeInMinutes?: number;
}

export interface V1TokenRequest {
  accessLevel?: AccessLevel;
  datasetId?: string;
  allowSaveAs: boolean;
  identities: EffectiveIdentity[];
  lifetimeInMinutes?: number;
}

function lifetime(json: JsonObject): { lifetimeInMinutes?: number } {
  const minutes = optionalInteger(json, 'lifetimeInMinutes', 'request');
  if (minutes === undefined) return {};
  if (minutes < 0) throw invalidRequest('lifetimeInMinutes must not be negative.');
  return { lifetimeInMinutes: minutes };
}

function identity(raw: unknown, target: string): EffectiveIdentity {
  const json = asObject(raw, target);
  const username = optionalString(json, 'username', target);
  if (!username) throw invalidRequest('Effective identity username must be provided.');
  if (username.length > MAX_USERNAME_LENGTH) throw invalidRequest(`Effective identity username must not exceed ${MAX_USERNAME_LENGTH} characters.`);
  const roles = stringArray(json, 'roles', target);
  if (roles.length > MAX_ROLES) throw invalidRequest(`Effective identity can have at most ${MAX_ROLES} roles.`);
  for (const role of roles) {
    if (!role || role.length > MAX_ROLE_LENGTH) throw invalidRequest(`Role name '${role}' must be between 1 and ${MAX_ROLE_LENGTH} characters.`);
    if (role.includes(',')) throw invalidRequest(`Role name '${role}' must not contain a comma.`);
  }
  const datasets = stringArray(json, 'datasets', target).map((id, i) => guidValue(id, `${target}.datasets[${i}]`));
  if (datasets.length === 0) throw invalidRequest('Effective identity must specify the datasets it applies to.');
  const reports = field(json, 'reports') === undefined ? undefined : stringArray(json, 'reports', target).map((id, i) => guidValue(id, `${target}.reports[${i}]`));
  const customData = optionalString(json, 'customData', target);
  const blob = field(json, 'identityBlob');
  const identityBlob = blob === undefined ? undefined : identityBlobOf(blob, `${target}.identityBlob`);
  return { username, roles, datasets, ...(reports ? { reports } : {}), ...(customData !== undefined ? { customData } : {}), ...(identityBlob ? { identityBlob } : {}) };
}

function identityBlobOf(raw: unknown, target: string): { value: string } {
  const value = optionalString(asObject(raw, target), 'value', target);
  if (!value) throw invalidRequest('identityBlob.value must be provided.');
  if (Buffer.byteLength(value, 'utf8') > MAX_IDENTITY_BLOB_BYTES) throw invalidRequest(`identityBlob.value must not exceed ${MAX_IDENTITY_BLOB_BYTES} bytes.`);
  return { value };
}

function datasourceIdentities(json: JsonObject): DatasourceIdentity[] {
  return optionalArray(json, 'datasourceIdentities', 'request').map((raw, i) => {
    const at = `request.datasourceIdentities[${i}]`;
    const item = asObject(raw, at);
    const datasources = optionalArray(item, 'datasources', at).map((rawSource, j) => {
      const sourceAt = `${at}.datasources[${j}]`;
      const source = asObject(rawSource, sourceAt);
      const datasourceType = optionalString(source, 'datasourceType', sourceAt);
      const details = asObject(field(source, 'connectionDetails'), `${sourceAt}.connectionDetails`);
      const server = optionalString(details, 'server', `${sourceAt}.connectionDetails`);
      const database = optionalString(details, 'database', `${sourceAt}.connectionDetails`);
      if (!datasourceType || !server || !database) throw invalidRequest(`${sourceAt} must name datasourceType, connectionDetails.server and connectionDetails.database.`);
      return { datasourceType, connectionDetails: { server, database } };
    });
    if (datasources.length === 0) throw invalidRequest(`${at} must name the data sources it applies to.`);
    return { identityBlob: identityBlobOf(field(item, 'identityBlob'), `${at}.identityBlob`), datasources };
  });
}

function identities(json: JsonObject): EffectiveIdentity[] {
  return optionalArray(json, 'identities', 'request').map((raw, i) => identity(raw, `request.identities[${i}]`));
}

function items(json: JsonObject, name: string): JsonObject[] {
  const list = optionalArray(json, name, 'request');
  if (list.length > MAX_ITEMS_PER_TOKEN) throw invalidRequest(`The request can contain at most ${MAX_ITEMS_PER_TOKEN} ${name}; it has ${list.length}.`);
  return list.map((raw, i) => asObject(raw, `request.${name}[${i}]`));
}

/** Keeps the first of each id: the service treats a repeated item as one. */
function unique<T extends { id: string }>(list: T[]): T[] {
  return list.filter((item, i) => list.findIndex((other) => other.id === item.id) === i);
}

export function parseV2Request(body: unknown): V2TokenRequest {
  if (body === undefined) throw invalidRequest('The request body is required.');
  const json = asObject(body, 'request');
  const datasets = items(json, 'datasets').map((item, i) => ({
    id: guidValue(field(item, 'id'), `request.datasets[${i}].id`),
    xmlaPermissions: optionalEnum(item, 'xmlaPermissions', ['Off', 'ReadOnly'] as const, `request.datasets[${i}]`) ?? 'Off',
  }));
  const reports = items(json, 'reports').map((item, i) => ({
    id: guidValue(field(item, 'id'), `request.reports[${i}].id`),
    allowEdit: optionalBoolean(item, 'allowEdit', `request.reports[${i}]`) ?? false,
  }));
  const targetWorkspaces = items(json, 'targetWorkspaces').map((item, i) => ({ id: guidValue(field(item, 'id'), `request.targetWorkspaces[${i}].id`) }));
  if (datasets.length === 0 && reports.length === 0) throw invalidRequest('The request must contain at least one dataset or report.');
  return {
    datasets: unique(datasets),
    reports: unique(reports),
    targetWorkspaces: unique(targetWorkspaces),
    identities: identities(json),
    datasourceIdentities: datasourceIdentities(json),
    ...lifetime(json),
  };
}

export function parseV1Request(body: unknown): V1TokenRequest {
  // The SDKs always send a body; an empty one means a View token with no identity.
  const json = body === undefined ? {} : asObject(body, 'request');
  const accessLevel = optionalEnum(json, 'accessLevel', ['View', 'Edit', 'Create'] as const, 'request');
  const rawDatasetId = field(json, 'datasetId');
  const datasetId = rawDatasetId === undefined ? undefined : guidValue(rawDatasetId, 'request.datasetId');
  return {
    ...(accessLevel ? { accessLevel } : {}),
    ...(datasetId ? { datasetId } : {}),
    allowSaveAs: optionalBoolean(json, 'allowSaveAs', 'request') ?? false,
    identities: identities(json),
    ...lifetime(json),
  };
}
