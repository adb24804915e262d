import { BrokerError } from '../errors/brokerError';
import type { EffectiveIdentity } from '../policy/authorizeEmbed';
import type { EmbedPolicy } from '../policy/embedPolicy';
import type { DatasetInfo, TokenIdentity } from '../powerbi/powerBiClient';
import type { EmbedCaller, EmbedDeps, PowerBiAccess } from './embedCaller';

// The effective identities of one token. A dataset gets an identity exactly when it enforces
// RLS (Power BI refuses one otherwise), with roles when it requires roles; the identity comes
// from the policy rule that granted the item, never from the client.

/** Power BI's cap on identityBlob.value. */
export const MAX_IDENTITY_BLOB_BYTES = 10_240;

export interface IdentityNeed {
  dataset: DatasetInfo;
  identity: EffectiveIdentity;
  /** Paginated reports reading this dataset: their ids go in the identity's `reports`. */
  paginatedReports: string[];
}

interface Built {
  body: Omit<TokenIdentity, 'datasets' | 'reports'>;
  datasets: string[];
  reports: string[];
}

export async function buildIdentities(
  deps: Pick<EmbedDeps, 'policy' | 'sqlTokenFor'>,
  caller: EmbedCaller,
  access: PowerBiAccess,
  needs: IdentityNeed[],
  deadline: number,
): Promise<TokenIdentity[]> {
  const built = new Map<string, Built>();
  let sqlToken: Promise<string> | undefined;
  for (const { dataset, identity, paginatedReports } of needs) {
    if (!dataset.isEffectiveIdentityRequired) continue;
    if (dataset.isEffectiveIdentityRolesRequired && identity.roles.length === 0) {
      throw new BrokerError('forbidden', 'The policy gives this caller no row-level-security role for this item.', { extensions: { reason: 'no_role' } });
    }
    const options = datasetOptions(deps.policy, dataset.id);
    const body: Built['body'] = options.aasLiveConnection ? aasIdentity(identity, access) : { username: identity.username };
    if (identity.roles.length > 0) body.roles = identity.roles;
    if (!options.aasLiveConnection && identity.customData !== undefined) body.customData = identity.customData;
    if (options.sso) {
      sqlToken ??= ssoToken(deps, caller, deadline);
      body.identityBlob = { value: await sqlToken };
    }
    // Identities that differ only in their datasets travel as one.
    const key = JSON.stringify(body);
    const entry = built.get(key) ?? { body, datasets: [], reports: [] };
    entry.datasets.push(dataset.id);
    for (const id of paginatedReports) if (!entry.reports.includes(id)) entry.reports.push(id);
    built.set(key, entry);
  }
  return [...built.values()].map(({ body, datasets, reports }) => ({ ...body, datasets, ...(reports.length > 0 ? { reports } : {}) }));
}

function datasetOptions(policy: EmbedPolicy, datasetId: string) {
  const all = policy.datasets ?? {};
  const key = Object.keys(all).find((id) => id.toLowerCase() === datasetId.toLowerCase());
  return (key === undefined ? undefined : all[key]) ?? {};
}

/** Azure Analysis Services: the principal's object id is the username; the caller's own value travels in customData. */
function aasIdentity(identity: EffectiveIdentity, access: PowerBiAccess): Built['body'] {
  if (!access.principalObjectId) {
    throw new BrokerError('config_invalid', 'An Azure Analysis Services dataset needs the service principal object id (servicePrincipalObjectId in the policy).');
  }
  return { username: access.principalObjectId, customData: identity.customData ?? identity.username };
}

export async function ssoToken(deps: Pick<EmbedDeps, 'sqlTokenFor'>, caller: EmbedCaller, deadline: number): Promise<string> {
  if (!caller.bearerToken || !deps.sqlTokenFor) {
    throw new BrokerError('forbidden', 'This dataset signs in to Azure SQL as the caller, which needs the caller’s own bearer token.', { extensions: { reason: 'sso_needs_user_token' } });
  }
  const token = await deps.sqlTokenFor(caller.bearerToken, deadline);
  if (Buffer.byteLength(token, 'utf8') > MAX_IDENTITY_BLOB_BYTES) {
    throw new BrokerError('upstream_invalid_response', `The Azure SQL token is longer than Power BI's ${MAX_IDENTITY_BLOB_BYTES} bytes.`, { extensions: { upstream: 'entra' } });
  }
  return token;
}
