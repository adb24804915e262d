import type { Claims } from '../policy/claims';
import { authorizeEmbed } from '../policy/authorizeEmbed';
import type { EmbedPolicy } from '../policy/embedPolicy';
import type { ItemMetadataCache } from '../powerbi/itemMetadata';
import type { EmbedToken, GenerateTokenV2Request } from '../powerbi/powerBiClient';
import { buildReportTokenRequest } from '../powerbi/reportTokenRequest';
import type { EmbedTokenCache } from './embedTokenCache';

// One report's embed configuration, shaped for powerbi-client's `powerbi.embed(el, config)`.

export interface ReportEmbedConfig {
  type: 'report';
  id: string;
  embedUrl: string;
  accessToken: string;
  tokenType: 'Embed';
  tokenId: string;
  expiration: string;
  /** Absent for a paginated report without a Power BI dataset. */
  datasetId?: string;
}

export interface EmbedReportDeps {
  policy: EmbedPolicy;
  metadata: ItemMetadataCache;
  tokens: EmbedTokenCache;
  generateToken: (request: GenerateTokenV2Request, deadline: number) => Promise<EmbedToken>;
}

export interface EmbedOutcome {
  config: ReportEmbedConfig;
  rule: string;
  identityApplied: boolean;
  /** The effective identity's username the policy built (for a keyed hash in telemetry, never logged as is). */
  username: string;
}

/** `deadline` (epoch ms) is the request's: every upstream call of the request shares it. */
export async function embedReport(deps: EmbedReportDeps, claims: Claims, key: string, deadline: number): Promise<EmbedOutcome> {
  const grant = authorizeEmbed(deps.policy, claims, key);
  const { workspaceId, reportId } = grant.item;
  const report = await deps.metadata.report(workspaceId, reportId, deadline);
  const dataset = report.datasetId ? await deps.metadata.dataset(report.datasetWorkspaceId ?? workspaceId, report.datasetId, deadline) : undefined;
  const request = buildReportTokenRequest(report, dataset, grant.identity);
  const token = await deps.tokens.getOrCreate(request, () => deps.generateToken(request, deadline));
  return {
    rule: grant.rule,
    username: grant.identity.username,
    identityApplied: request.identities !== undefined,
    config: {
      type: 'report',
      id: report.id,
      embedUrl: report.embedUrl,
      accessToken: token.token,
      tokenType: 'Embed',
      tokenId: token.tokenId,
      expiration: token.expiration,
      ...(report.datasetId ? { datasetId: report.datasetId } : {}),
    },
  };
}
