import type { JSONSchemaType } from 'ajv';
import { GUID_PATTERN } from '../ids/guid';
import type { EmbedToken } from './powerBiClient';

// The JSON Schemas Power BI's answers are checked against (shared/powerbi/upstreamAnswers.ts).
// They are compiled ahead of time into shared/generated/powerBiValidators.ts (npm run codegen),
// so no schema is compiled when an instance starts.

const guid = { type: 'string', pattern: GUID_PATTERN.source } as const;

export interface RawReport {
  id: string;
  name?: string;
  datasetId?: string | null;
  datasetWorkspaceId?: string | null;
  embedUrl: string;
  reportType?: string;
}

export interface RawDataset {
  id: string;
  name?: string;
  isEffectiveIdentityRequired?: boolean;
  isEffectiveIdentityRolesRequired?: boolean;
  upstreamDatasets?: { targetDatasetId: string; groupId?: string | null }[] | null;
}

export interface RawDashboard {
  id: string;
  displayName?: string;
  embedUrl: string;
}

export interface RawTile {
  id: string;
  title?: string;
  embedUrl: string;
  reportId?: string | null;
  datasetId?: string | null;
}

export interface RawDatasource {
  datasourceType?: string;
  connectionDetails?: { server?: string; database?: string } | null;
}

export const reportSchema: JSONSchemaType<RawReport> = {
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

export const datasetSchema: JSONSchemaType<RawDataset> = {
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

export const dashboardSchema: JSONSchemaType<RawDashboard> = {
  type: 'object',
  required: ['id', 'embedUrl'],
  properties: { id: guid, displayName: { type: 'string', nullable: true }, embedUrl },
};

export const tileSchema: JSONSchemaType<RawTile> = {
  type: 'object',
  required: ['id', 'embedUrl'],
  properties: { id: guid, title: { type: 'string', nullable: true }, embedUrl, reportId: { ...guid, nullable: true }, datasetId: { ...guid, nullable: true } },
};

export const tilesSchema: JSONSchemaType<{ value: RawTile[] }> = { type: 'object', required: ['value'], properties: { value: { type: 'array', maxItems: 1000, items: tileSchema } } };

export const datasourcesSchema: JSONSchemaType<{ value: RawDatasource[] }> = {
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

export const tokenSchema: JSONSchemaType<EmbedToken> = {
  type: 'object',
  required: ['token', 'tokenId', 'expiration'],
  properties: {
    token: { type: 'string', minLength: 1 },
    tokenId: { type: 'string', minLength: 1 },
    expiration: { type: 'string', minLength: 1 },
  },
};
