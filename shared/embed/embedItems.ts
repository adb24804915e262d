import { BrokerError } from '../errors/brokerError';
import { authorizeEmbed, type EffectiveIdentity, type EmbedGrant } from '../policy/authorizeEmbed';
import type { Access, DatasetItem, ReportItem } from '../policy/embedPolicy';
import type { DatasetInfo, GenerateTokenV2Request, ReportInfo } from '../powerbi/powerBiClient';
import { powerBiDatasetIdOf } from '../powerbi/upstreamAnswers';
import type { EmbedCaller, EmbedDeps, PowerBiAccess } from './embedCaller';
import { MAX_DATASETS, MAX_TARGET_WORKSPACES, type EmbedRequest } from './embedRequest';
import { buildIdentities, ssoToken, type IdentityNeed } from './tokenIdentities';

// One multi-resource (V2) embed token for several reports and datasets. Every dataset a report
// needs goes in: its own, and for a composite model every dataset of its DirectQuery chain,
// read-only over XMLA. What the caller may do with each item (view, edit, create) is the
// policy's; where Save As and new reports go is the policy's too.

/** How deep a DirectQuery chain is followed before the broker gives up on it. */
export const MAX_CHAIN_DEPTH = 10;

export interface EmbeddedReport {
  key: string;
  id: string;
  embedUrl: string;
  reportType: string;
  access: Access;
  /** Absent for a paginated report without a Power BI dataset. */
  datasetId?: string;
}

export interface EmbeddedDataset {
  /** The catalog key, for a dataset the request named; absent for one a report brought in. */
  key?: string;
  id: string;
  access?: Access;
}

export interface MultiEmbedConfig {
  accessToken: string;
  tokenType: 'Embed';
  tokenId: string;
  expiration: string;
  reports: EmbeddedReport[];
  datasets: EmbeddedDataset[];
  /** Where a report may be saved (Save As, create), when the policy grants create. */
  targetWorkspaces?: { id: string }[];
}

export interface MultiEmbedOutcome {
  config: MultiEmbedConfig;
  rules: string[];
  identityApplied: boolean;
  /** The effective identity's username the policy built (for a keyed hash in telemetry, never logged as is). */
  username: string;
}

interface TokenDataset {
  info: DatasetInfo;
  workspaceId: string;
  identity: EffectiveIdentity;
  readOnlyXmla: boolean;
  paginatedReports: string[];
}

export async function embedItems(deps: EmbedDeps, caller: EmbedCaller, request: EmbedRequest, deadline: number): Promise<MultiEmbedOutcome> {
  const { customer } = caller;
  // Every decision the policy makes comes before any upstream call.
  const reportGrants = request.reports.map((item) => ({
    grant: authorizeEmbed(deps.policy, caller.claims, item.key, { customer, kinds: ['report'], access: item.access }) as EmbedGrant<ReportItem>,
    access: item.access,
  }));
  const datasetGrants = request.datasets.map((item) => ({
    grant: authorizeEmbed(deps.policy, caller.claims, item.key, { customer, kinds: ['dataset'], access: item.access }) as EmbedGrant<DatasetItem>,
    access: item.access,
  }));
  const targets = [...new Set([...reportGrants, ...datasetGrants].flatMap(({ grant, access }) => (access === 'create' && grant.targetWorkspaceId ? [grant.targetWorkspaceId.toLowerCase()] : [])))];
  if (targets.length > MAX_TARGET_WORKSPACES) {
    throw new BrokerError('bad_request', `A token can name at most ${MAX_TARGET_WORKSPACES} target workspaces; this request needs ${targets.length}.`, { extensions: { reason: 'too_many_target_workspaces' } });
  }
  for (const workspaceId of targets) requireCustomerWorkspace(caller, workspaceId);

  const access = deps.accessFor(customer);
  const reports = await Promise.all(
    reportGrants.map(async ({ grant, access: wanted }) => ({ grant, wanted, report: await deps.metadata.report(grant.item.workspaceId, grant.item.reportId, deadline, access.scope) })),
  );

  const datasets = new Map<string, TokenDataset>();
  const reportDatasets = new Map<string, string | undefined>();
  for (const { grant, wanted, report } of reports) {
    const paginated = report.reportType === 'PaginatedReport';
    if (paginated && wanted !== 'view') {
      throw new BrokerError('bad_request', `"${grant.key}" is a paginated report: it can only be viewed.`, { extensions: { reason: 'paginated_view_only' } });
    }
    const source = await reportDataset(deps, access, grant.item.workspaceId, report, deadline);
    reportDatasets.set(report.id, source?.id);
    if (!source) continue;
    const entry = await addDataset(deps, caller, access, datasets, source, grant.identity, deadline);
    // A paginated report reads its Power BI dataset over XMLA.
    if (paginated) {
      entry.readOnlyXmla = true;
      entry.paginatedReports.push(report.id);
    }
  }
  for (const { grant } of datasetGrants) {
    await addDataset(deps, caller, access, datasets, { workspaceId: grant.item.workspaceId, id: grant.item.datasetId }, grant.identity, deadline);
  }
  for (const entry of [...datasets.values()]) await addChain(deps, caller, access, datasets, entry, deadline, 0);

  const needs: IdentityNeed[] = [...datasets.values()].map((d) => ({ dataset: d.info, identity: d.identity, paginatedReports: d.paginatedReports }));
  const identities = await buildIdentities(deps, caller, access, needs, deadline);
  const datasourceIdentities = await ssoDatasources(deps, caller, access, reports, deadline);
  const tokenRequest: GenerateTokenV2Request = {
    datasets: [...datasets.values()].map((d) => (d.readOnlyXmla ? { id: d.info.id, xmlaPermissions: 'ReadOnly' } : { id: d.info.id })),
    reports: reports.map(({ report, wanted }) => ({ id: report.id, allowEdit: wanted !== 'view' })),
    ...(targets.length > 0 ? { targetWorkspaces: targets.map((id) => ({ id })) } : {}),
    ...(identities.length > 0 ? { identities } : {}),
    ...(datasourceIdentities.length > 0 ? { datasourceIdentities } : {}),
  };
  const token = await deps.tokens.getOrCreate({ as: access.scope.key, request: tokenRequest }, () => deps.generateToken(tokenRequest, deadline, access));

  const rules = [...new Set([...reportGrants, ...datasetGrants].map(({ grant }) => grant.rule))];
  return {
    rules,
    identityApplied: identities.length > 0,
    username: (reportGrants[0] ?? datasetGrants[0])?.grant.identity.username ?? '',
    config: {
      accessToken: token.token,
      tokenType: 'Embed',
      tokenId: token.tokenId,
      expiration: token.expiration,
      reports: reports.map(({ grant, wanted, report }) => {
        const datasetId = reportDatasets.get(report.id);
        return { key: grant.key, id: report.id, embedUrl: report.embedUrl, reportType: report.reportType, access: wanted, ...(datasetId ? { datasetId } : {}) };
      }),
      datasets: [...datasets.values()].map((d) => {
        const named = datasetGrants.find((g) => g.grant.item.datasetId.toLowerCase() === d.info.id.toLowerCase());
        return named ? { key: named.grant.key, id: d.info.id, access: named.access } : { id: d.info.id };
      }),
      ...(targets.length > 0 ? { targetWorkspaces: targets.map((id) => ({ id })) } : {}),
    },
  };
}

/** A customer's calls never reach a workspace that is not its own. */
export function requireCustomerWorkspace(caller: EmbedCaller, workspaceId: string): void {
  if (caller.customer && !caller.customer.workspaces.has(workspaceId.toLowerCase())) {
    throw new BrokerError('forbidden', 'An item this request needs lives outside the caller’s workspaces.', { extensions: { reason: 'outside_customer' } });
  }
}

/** The caller's Azure SQL token for the Azure SQL data sources of paginated reports the policy marks as SSO. */
async function ssoDatasources(
  deps: EmbedDeps,
  caller: EmbedCaller,
  access: PowerBiAccess,
  reports: { grant: EmbedGrant<ReportItem>; report: ReportInfo }[],
  deadline: number,
): Promise<NonNullable<GenerateTokenV2Request['datasourceIdentities']>> {
  const marked = reports.filter(({ grant, report }) => grant.item.sso === true && report.reportType === 'PaginatedReport');
  const sources = new Map<string, { datasourceType: string; connectionDetails: { server: string; database: string } }>();
  for (const { grant, report } of marked) {
    for (const source of await deps.metadata.reportDatasources(grant.item.workspaceId, report.id, deadline, access.scope)) {
      if (source.datasourceType !== 'Sql' || !source.server || !source.database) continue;
      sources.set(`${source.server}|${source.database}`.toLowerCase(), { datasourceType: 'Sql', connectionDetails: { server: source.server, database: source.database } });
    }
  }
  if (sources.size === 0) return [];
  return [{ identityBlob: { value: await ssoToken(deps, caller, deadline) }, datasources: [...sources.values()] }];
}

/** The report's Power BI dataset: from Get Report, or for a paginated report from its data sources. */
async function reportDataset(deps: EmbedDeps, access: PowerBiAccess, workspaceId: string, report: ReportInfo, deadline: number): Promise<{ workspaceId: string; id: string } | undefined> {
  if (report.datasetId) return { workspaceId: report.datasetWorkspaceId ?? workspaceId, id: report.datasetId };
  if (report.reportType !== 'PaginatedReport') return undefined;
  const sources = await deps.metadata.reportDatasources(workspaceId, report.id, deadline, access.scope);
  const ids = [...new Set(sources.map(powerBiDatasetIdOf).filter((id): id is string => id !== undefined).map((id) => id.toLowerCase()))];
  if (ids.length > 1) throw new BrokerError('upstream_invalid_response', 'A paginated report reads more than one Power BI dataset; the broker embeds only one.', { extensions: { upstream: 'powerbi' } });
  // Get Datasources does not name the dataset's workspace: it is the report's.
  return ids[0] ? { workspaceId, id: ids[0] } : undefined;
}

async function addDataset(
  deps: EmbedDeps,
  caller: EmbedCaller,
  access: PowerBiAccess,
  datasets: Map<string, TokenDataset>,
  ref: { workspaceId: string; id: string },
  identity: EffectiveIdentity,
  deadline: number,
): Promise<TokenDataset> {
  const id = ref.id.toLowerCase();
  const known = datasets.get(id);
  if (known) {
    // One dataset, one identity: two rules that disagree about it are refused, not guessed between.
    if (known.info.isEffectiveIdentityRequired && JSON.stringify(known.identity) !== JSON.stringify(identity)) {
      throw new BrokerError('forbidden', 'Two items of this request give one dataset different identities.', { extensions: { reason: 'conflicting_identities' } });
    }
    return known;
  }
  requireCustomerWorkspace(caller, ref.workspaceId);
  if (datasets.size >= MAX_DATASETS) {
    throw new BrokerError('bad_request', `A token can hold at most ${MAX_DATASETS} datasets; these items need more.`, { extensions: { reason: 'too_many_datasets' } });
  }
  const info = await deps.metadata.dataset(ref.workspaceId, ref.id, deadline, access.scope);
  const entry: TokenDataset = { info, workspaceId: ref.workspaceId, identity, readOnlyXmla: false, paginatedReports: [] };
  datasets.set(id, entry);
  return entry;
}

/** A composite model and every dataset it reads with DirectQuery, transitively, all read-only over XMLA. */
async function addChain(deps: EmbedDeps, caller: EmbedCaller, access: PowerBiAccess, datasets: Map<string, TokenDataset>, entry: TokenDataset, deadline: number, depth: number): Promise<void> {
  const upstream = entry.info.upstreamDatasets ?? [];
  if (upstream.length === 0) return;
  if (depth >= MAX_CHAIN_DEPTH) throw new BrokerError('upstream_invalid_response', 'A DirectQuery chain is deeper than the broker follows.', { extensions: { upstream: 'powerbi' } });
  entry.readOnlyXmla = true;
  for (const source of upstream) {
    const known = datasets.has(source.id.toLowerCase());
    const next = await addDataset(deps, caller, access, datasets, { workspaceId: source.workspaceId ?? entry.workspaceId, id: source.id }, entry.identity, deadline);
    next.readOnlyXmla = true;
    if (!known) await addChain(deps, caller, access, datasets, next, deadline, depth + 1);
  }
}
