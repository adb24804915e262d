import Ajv, { type JSONSchemaType } from 'ajv';
import { BrokerError } from '../errors/brokerError';
import { GUID_PATTERN } from '../ids/guid';
import type { DatasetInfo, EmbedToken, ReportInfo } from './powerBiClient';

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
  };
}

export function embedTokenAnswer(body: unknown, requestId?: string): EmbedToken {
  if (!checkToken(body) || Number.isNaN(Date.parse(body.expiration))) throw invalid('no usable embed token', requestId);
  return { token: body.token, tokenId: body.tokenId, expiration: body.expiration };
}
