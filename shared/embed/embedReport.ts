import type { EmbedCaller, EmbedDeps } from './embedCaller';
import { embedItems } from './embedItems';

// One report's embed configuration, shaped for powerbi-client's `powerbi.embed(el, config)`:
// GET /api/embed/reports/{key}, a view-only multi-resource token for one report.

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

export interface EmbedOutcome {
  config: ReportEmbedConfig;
  rule: string;
  identityApplied: boolean;
  /** The effective identity's username the policy built (for a keyed hash in telemetry, never logged as is). */
  username: string;
}

/** `deadline` (epoch ms) is the request's: every upstream call of the request shares it. */
export async function embedReport(deps: EmbedDeps, caller: EmbedCaller, key: string, deadline: number): Promise<EmbedOutcome> {
  const outcome = await embedItems(deps, caller, { reports: [{ key, access: 'view' }], datasets: [] }, deadline);
  const [report] = outcome.config.reports;
  if (!report) throw new Error('embedItems answered no report');
  return {
    rule: outcome.rules[0] ?? '',
    identityApplied: outcome.identityApplied,
    username: outcome.username,
    config: {
      type: 'report',
      id: report.id,
      embedUrl: report.embedUrl,
      accessToken: outcome.config.accessToken,
      tokenType: 'Embed',
      tokenId: outcome.config.tokenId,
      expiration: outcome.config.expiration,
      ...(report.datasetId ? { datasetId: report.datasetId } : {}),
    },
  };
}
