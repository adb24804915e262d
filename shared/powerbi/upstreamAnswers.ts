import type { ValidateFunction } from 'ajv';
import { BrokerError } from '../errors/brokerError';
import * as check from '../generated/powerBiValidators';
import type { DashboardInfo, DatasetInfo, DatasourceInfo, EmbedToken, ReportInfo, TileInfo } from './powerBiClient';
import type { RawTile } from './upstreamSchemas';

// Power BI's answers are checked before anything is built from them: ids are GUIDs and the ones
// asked for, flags are booleans, token fields are strings. A missing RLS flag counts as "identity
// required": sending an identity Power BI did not want fails loudly, omitting one it needed
// would leak rows if Power BI ever let it through.

function invalid(what: string, requestId: string | undefined): BrokerError {
  return new BrokerError('upstream_invalid_response', `Power BI answered with ${what}.`, { extensions: { upstream: 'powerbi', ...(requestId ? { upstreamRequestId: requestId } : {}) } });
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The answer for one item: of its schema, and the item asked for. */
function itemAnswer<T extends { id: string }>(valid: ValidateFunction<T>, body: unknown, askedId: string, noun: string, requestId: string | undefined): T {
  if (!valid(body)) throw invalid(`a ${noun} that is not one`, requestId);
  if (!sameId(body.id, askedId)) throw invalid(`a different ${noun} than the one asked for`, requestId);
  return body;
}

export function reportAnswer(body: unknown, askedId: string, requestId?: string): ReportInfo {
  const report = itemAnswer(check.report, body, askedId, 'report', requestId);
  return {
    id: report.id,
    name: report.name ?? '',
    embedUrl: report.embedUrl,
    reportType: report.reportType ?? 'PowerBIReport',
    ...(report.datasetId ? { datasetId: report.datasetId } : {}),
    ...(report.datasetWorkspaceId ? { datasetWorkspaceId: report.datasetWorkspaceId } : {}),
  };
}

export function datasetAnswer(body: unknown, askedId: string, requestId?: string): DatasetInfo {
  const dataset = itemAnswer(check.dataset, body, askedId, 'dataset', requestId);
  return {
    id: dataset.id,
    name: dataset.name ?? '',
    isEffectiveIdentityRequired: dataset.isEffectiveIdentityRequired ?? true,
    isEffectiveIdentityRolesRequired: dataset.isEffectiveIdentityRolesRequired ?? true,
    upstreamDatasets: (dataset.upstreamDatasets ?? []).map((up) => ({ id: up.targetDatasetId, ...(up.groupId ? { workspaceId: up.groupId } : {}) })),
  };
}

export function dashboardAnswer(body: unknown, askedId: string, requestId?: string): DashboardInfo {
  const dashboard = itemAnswer(check.dashboard, body, askedId, 'dashboard', requestId);
  return { id: dashboard.id, displayName: dashboard.displayName ?? '', embedUrl: dashboard.embedUrl };
}

function tileInfo(body: RawTile): TileInfo {
  return { id: body.id, title: body.title ?? '', embedUrl: body.embedUrl, ...(body.reportId ? { reportId: body.reportId } : {}), ...(body.datasetId ? { datasetId: body.datasetId } : {}) };
}

export function tileAnswer(body: unknown, askedId: string, requestId?: string): TileInfo {
  const tile = itemAnswer(check.tile, body, askedId, 'tile', requestId);
  return tileInfo(tile);
}

export function tilesAnswer(body: unknown, requestId?: string): TileInfo[] {
  if (!check.tiles(body)) throw invalid('a tile list that is not one', requestId);
  return body.value.map(tileInfo);
}

export function datasourcesAnswer(body: unknown, requestId?: string): DatasourceInfo[] {
  if (!check.datasources(body)) throw invalid('a data source list that is not one', requestId);
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
  if (!check.embedToken(body) || Number.isNaN(Date.parse(body.expiration))) throw invalid('no usable embed token', requestId);
  return { token: body.token, tokenId: body.tokenId, expiration: body.expiration };
}
