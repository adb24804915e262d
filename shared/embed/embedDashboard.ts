import { BrokerError } from '../errors/brokerError';
import { isGuid } from '../ids/guid';
import { authorizeEmbed, type EmbedGrant } from '../policy/authorizeEmbed';
import type { DashboardItem } from '../policy/embedPolicy';
import type { DatasetInfo, EmbedToken, V1Target } from '../powerbi/powerBiClient';
import type { EmbedCaller, EmbedDeps, PowerBiAccess } from './embedCaller';
import { buildIdentities } from './tokenIdentities';

// Dashboards and tiles have only V1 tokens, one item per token, view only. The identity goes in
// when the datasets behind the dashboard's tiles enforce RLS. A tile is embedded only through
// its cataloged dashboard, and only when Power BI lists it on that dashboard.

interface TokenFields {
  accessToken: string;
  tokenType: 'Embed';
  tokenId: string;
  expiration: string;
}

export interface DashboardEmbedConfig extends TokenFields {
  type: 'dashboard';
  id: string;
  embedUrl: string;
}

export interface TileEmbedConfig extends TokenFields {
  type: 'tile';
  id: string;
  dashboardId: string;
  embedUrl: string;
}

export interface V1EmbedOutcome<C> {
  config: C;
  rule: string;
  identityApplied: boolean;
  /** The effective identity's username the policy built (for a keyed hash in telemetry, never logged as is). */
  username: string;
}

/** A customer's dashboard is one in its workspaces (authorizeEmbed answers 404 for any other). */
function authorizeDashboard(deps: EmbedDeps, caller: EmbedCaller, key: string): EmbedGrant<DashboardItem> {
  return authorizeEmbed(deps.policy, caller.claims, key, { customer: caller.customer, kinds: ['dashboard'] }) as EmbedGrant<DashboardItem>;
}

/** The tiles' datasets, read in the dashboard's workspace: the one the customer check admitted. */
async function datasetsOf(deps: EmbedDeps, access: PowerBiAccess, workspaceId: string, ids: string[], deadline: number): Promise<DatasetInfo[]> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
  return Promise.all(unique.map((id) => deps.metadata.dataset(workspaceId, id, deadline, access.scope)));
}

async function issue(deps: EmbedDeps, caller: EmbedCaller, access: PowerBiAccess, grant: EmbedGrant<DashboardItem>, target: V1Target, datasets: DatasetInfo[], deadline: number): Promise<{ token: EmbedToken; identityApplied: boolean }> {
  const identities = await buildIdentities(deps, caller, access, datasets.map((dataset) => ({ dataset, identity: grant.identity, paginatedReports: [] })), deadline);
  const request = { accessLevel: 'View' as const, ...(identities.length > 0 ? { identities } : {}) };
  const token = await deps.tokens.getOrCreate({ as: access.scope.key, target, request }, () => deps.generateTokenV1(target, request, deadline, access));
  return { token, identityApplied: identities.length > 0 };
}

export async function embedDashboard(deps: EmbedDeps, caller: EmbedCaller, key: string, deadline: number): Promise<V1EmbedOutcome<DashboardEmbedConfig>> {
  const grant = authorizeDashboard(deps, caller, key);
  const { workspaceId, dashboardId } = grant.item;
  const access = deps.accessFor(caller.customer);
  const [dashboard, tiles] = await Promise.all([deps.metadata.dashboard(workspaceId, dashboardId, deadline, access.scope), deps.metadata.tiles(workspaceId, dashboardId, deadline, access.scope)]);
  const datasets = await datasetsOf(deps, access, workspaceId, tiles.flatMap((tile) => (tile.datasetId ? [tile.datasetId] : [])), deadline);
  const { token, identityApplied } = await issue(deps, caller, access, grant, { kind: 'dashboard', workspaceId, dashboardId: dashboard.id }, datasets, deadline);
  return {
    rule: grant.rule,
    identityApplied,
    username: grant.identity.username,
    config: { type: 'dashboard', id: dashboard.id, embedUrl: dashboard.embedUrl, accessToken: token.token, tokenType: 'Embed', tokenId: token.tokenId, expiration: token.expiration },
  };
}

export async function embedTile(deps: EmbedDeps, caller: EmbedCaller, key: string, rawTileId: string, deadline: number): Promise<V1EmbedOutcome<TileEmbedConfig>> {
  // Checked before anything else: only a GUID goes near a Power BI URL.
  if (!isGuid(rawTileId)) throw new BrokerError('bad_request', 'The tile id must be a GUID.', { extensions: { reason: 'invalid_tile_id' } });
  const grant = authorizeDashboard(deps, caller, key);
  const { workspaceId, dashboardId } = grant.item;
  const access = deps.accessFor(caller.customer);
  const tiles = await deps.metadata.tiles(workspaceId, dashboardId, deadline, access.scope);
  const tile = tiles.find((t) => t.id.toLowerCase() === rawTileId.toLowerCase());
  if (!tile) throw new BrokerError('not_found', `Dashboard "${grant.key}" has no such tile.`);
  const datasets = await datasetsOf(deps, access, workspaceId, tile.datasetId ? [tile.datasetId] : [], deadline);
  const { token, identityApplied } = await issue(deps, caller, access, grant, { kind: 'tile', workspaceId, dashboardId, tileId: tile.id }, datasets, deadline);
  return {
    rule: grant.rule,
    identityApplied,
    username: grant.identity.username,
    config: { type: 'tile', id: tile.id, dashboardId, embedUrl: tile.embedUrl, accessToken: token.token, tokenType: 'Embed', tokenId: token.tokenId, expiration: token.expiration },
  };
}
