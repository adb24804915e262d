import Ajv, { type JSONSchemaType } from 'ajv';
import { BrokerError } from '../errors/brokerError';
import { GUID_PATTERN } from '../ids/guid';
import type { DashboardInfo, DatasetInfo, DatasourceInfo, EmbedToken, ReportInfo, TileInfo } from './powerBiClient';

// Power BI's answers are checked before anything is built from them: ids are GUIDs and the ones
// asked for, flags are booleans, token fields are strings. A missing RLS flag counts as "identity
// required": sending an identity Power BI did not want fails loudly, omitting one it needed
// would leak rows if Power BI ever let it through.

const guid = { type: 'string', pattern: GUID_PATTERN.source } as const;

interface RawReport {
  id: string;
  name?: string;
  datasetId?: string | null;
  datasetWorkspaceId?: string | null;
  embedUrl: string;
  reportType?: string;
}

interface RawDataset {
  id: string;
  name?: string;
  isEffectiveIdentityRequired?: boolean;
  isEffectiveIdentityRolesRequired?: boolean;
  upstreamDatasets?: { targetDatasetId: string; groupId?: string | null }[] | null;
}

interface RawDashboard {
  id: string;
  displayName?: string;
  embedUrl: string;
}

interface RawTile {
  id: string;
  title?: string;
  embedUrl: string;
  reportId?: string | null;
  datasetId?: string | null;
}

interface RawDatasource {
  datasourceType?: string;
  connectionDetails?: { server?: string; database?: string } | null;
}

const reportSchema: JSONSchemaType<RawReport> = {
  type: 'object',
  required: ['id', 'embedUrl'],
  properties: {
    id: guid,
    name: { type: 'string', nullable: true },
    datasetId: { ...guid, nullable: true },
    datasetWorkspaceId: { ...guid, nullable: true },
    embedUrl: { type: 'string', pattern: '^https://' },
    reportType: { type: 'string', nullable: true },
  },
};

const datasetSchema: JSONSchemaType<RawDataset> = {
  type: 'object',
  required: ['id'],
  properties: {
    id: guid,
    name: { type: 'string', nullable: true },
    isEffectiveIdentityRequired: { type: 'boolean', nullable: true },
    isEffectiveIdentityRolesRequired: { type: 'boolean', nullable: true },
    upstreamDatasets: {
      type: 'array',
      nullable: true,
      maxItems: 100,
      items: { type: 'object', required: ['targetDatasetId'], properties: { targetDatasetId: guid, groupId: { ...guid, nullable: true } } },
    },
  },
};

const embedUrl = { type: 'string', pattern: '^https://' } as const;

const dashboardSchema: JSONSchemaType<RawDashboard> = {
  type: 'object',
  required: ['id', 'embedUrl'],
  properties: { id: guid, displayName: { type: 'string', nullable: true }, embedUrl },
};

const tileSchema: JSONSchemaType<RawTile> = {
  type: 'object',
  required: ['id', 'embedUrl'],
  properties: { id: guid, title: { type: 'string', nullable: true }, embedUrl, reportId: { ...guid, nullable: true }, datasetId: { ...guid, nullable: true } },
};

const tilesSchema: JSONSchemaType<{ value: RawTile[] }> = { type: 'object', required: ['value'], properties: { value: { type: 'array', maxItems: 1000, items: tileSchema } } };

const datasourcesSchema: JSONSchemaType<{ value: RawDatasource[] }> = {
  type: 'object',
  required: ['value'],
  properties: {
    value: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        properties: {
          datasourceType: { type: 'string', nullable: true },
          connectionDetails: { type: 'object', nullable: true, properties: { server: { type: 'string', nullable: true }, database: { type: 'string', nullable: true } } },
        },
      },
    },
  },
};

const tokenSchema: JSONSchemaType<EmbedToken> = {
  type: 'object',
  required: ['token', 'tokenId', 'expiration'],
  properties: {
    token: { type: 'string', minLength: 1 },
    tokenId: { type: 'string', minLength: 1 },
    expiration: { type: 'string', minLength: 1 },
  },
};

const ajv = new Ajv({ allErrors: false, strict: true });
const checkReport = ajv.compile(reportSchema);
const checkDataset = ajv.compile(datasetSchema);
const checkToken = ajv.compile(tokenSchema);
const checkDashboard = ajv.compile(dashboardSchema);
const checkTile = ajv.compile(tileSchema);
const checkTiles = ajv.compile(tilesSchema);
const checkDatasources = ajv.compile(datasourcesSchema);

function invalid(what: string, requestId: string | undefined): BrokerError {
  return new BrokerError('upstream_invalid_response', `Power BI answered with ${what}.`, { extensions: { upstream: 'powerbi', ...(requestId ? { upstreamRequestId: requestId } : {}) } });
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function reportAnswer(body: unknown, askedId: string, requestId?: string): ReportInfo {
  if (!checkReport(body)) throw invalid('a report that is not one', requestId);
  if (!sameId(body.id, askedId)) throw invalid('a different report than the one asked for', requestId);
  return {
    id: body.id,
    name: body.name ?? '',
    embedUrl: body.embedUrl,
    reportType: body.reportType ?? 'PowerBIReport',
    ...(body.datasetId ? { datasetId: body.datasetId } : {}),
    ...(body.datasetWorkspaceId ? { datasetWorkspaceId: body.datasetWorkspaceId } : {}),
  };
}

export function datasetAnswer(body: unknown, askedId: string, requestId?: string): DatasetInfo {
  if (!checkDataset(body)) throw invalid('a dataset that is not one', requestId);
  if (!sameId(body.id, askedId)) throw invalid('a different dataset than the one asked for', requestId);
  return {
    id: body.id,
    name: body.name ?? '',
    isEffectiveIdentityRequired: body.isEffectiveIdentityRequired ?? true,
    isEffectiveIdentityRolesRequired: body.isEffectiveIdentityRolesRequired ?? true,
    upstreamDatasets: (body.upstreamDatasets ?? []).map((up) => ({ id: up.targetDatasetId, ...(up.groupId ? { workspaceId: up.groupId } : {}) })),
  };
}

export function dashboardAnswer(body: unknown, askedId: string, requestId?: string): DashboardInfo {
  if (!checkDashboard(body)) throw invalid('a dashboard that is not one', requestId);
  if (!sameId(body.id, askedId)) throw invalid('a different dashboard than the one asked for', requestId);
  return { id: body.id, displayName: body.displayName ?? '', embedUrl: body.embedUrl };
}

function tileInfo(body: RawTile): TileInfo {
  return { id: body.id, title: body.title ?? '', embedUrl: body.embedUrl, ...(body.reportId ? { reportId: body.reportId } : {}), ...(body.datasetId ? { datasetId: body.datasetId } : {}) };
}

export function tileAnswer(body: unknown, askedId: string, requestId?: string): TileInfo {
  if (!checkTile(body)) throw invalid('a tile that is not one', requestId);
  if (!sameId(body.id, askedId)) throw invalid('a different tile than the one asked for', requestId);
  return tileInfo(body);
}

export function tilesAnswer(body: unknown, requestId?: string): TileInfo[] {
  if (!checkTiles(body)) throw invalid('a tile list that is not one', requestId);
  return body.value.map(tileInfo);
}

export function datasourcesAnswer(body: unknown, requestId?: string): DatasourceInfo[] {
  if (!checkDatasources(body)) throw invalid('a data source list that is not one', requestId);
  return body.value.map((source) => ({
    datasourceType: source.datasourceType ?? '',
    ...(source.connectionDetails?.server ? { server: source.connectionDetails.server } : {}),
    ...(source.connectionDetails?.database ? { database: source.connectionDetails.database } : {}),
  }));
}

/** A Power BI dataset read as a data source (a paginated report on a semantic model) names it in its database. */
const POWER_BI_DATASET_SOURCE = /^sobe_wowvirtualserver-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function powerBiDatasetIdOf(source: DatasourceInfo): string | undefined {
  if (source.datasourceType !== 'AnalysisServices' || !source.server?.toLowerCase().startsWith('pbiazure://')) return undefined;
  return POWER_BI_DATASET_SOURCE.exec(source.database ?? '')?.[1];
}

export function embedTokenAnswer(body: unknown, requestId?: string): EmbedToken {
  if (!checkToken(body) || Number.isNaN(Date.parse(body.expiration))) throw invalid('no usable embed token', requestId);
  return { token: body.token, tokenId: body.tokenId, expiration: body.expiration };
}
