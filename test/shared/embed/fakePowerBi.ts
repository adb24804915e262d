import type { EmbedCaller, EmbedDeps } from '../../../shared/embed/embedCaller';
import { CustomerPrincipals } from '../../../shared/embed/customerPrincipals';
import { EmbedTokenCache } from '../../../shared/embed/embedTokenCache';
import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';
import { resolveCustomer } from '../../../shared/policy/customers';
import type { Claims } from '../../../shared/policy/claims';
import { ItemMetadataCache } from '../../../shared/powerbi/itemMetadata';
import { PowerBiClient, type EmbedToken, type GenerateTokenV1Request, type GenerateTokenV2Request, type V1Target } from '../../../shared/powerbi/powerBiClient';
import { ServicePrincipalTokenProvider } from '../../../shared/credentials/servicePrincipalToken';
import { RefreshableValue } from '../../../shared/cache/refreshableValue';

// A small in-memory Power BI behind the real client (a fake fetch), for unit tests of the embed
// paths: it answers item metadata by path and records every call with the headers it carried.

export const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);

export interface FakeItems {
  /** `${workspace}/${id}` -> answer body. */
  reports?: Record<string, object>;
  datasets?: Record<string, object>;
  dashboards?: Record<string, object>;
  /** `${workspace}/${dashboard}` -> tiles. */
  tiles?: Record<string, object[]>;
  /** `${workspace}/${report}` -> data sources. */
  datasources?: Record<string, object[]>;
}

export interface RecordedCall {
  path: string;
  authorization: string | undefined;
  profile: string | undefined;
}

export function fakeWorld(policy: EmbedPolicy, items: FakeItems) {
  const calls: RecordedCall[] = [];
  const generated: { request: GenerateTokenV2Request; as: string }[] = [];
  const generatedV1: { target: V1Target; request: GenerateTokenV1Request; as: string }[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    const path = new URL(url).pathname;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ path, authorization: headers.authorization, profile: headers['x-powerbi-profile-id'] });
    const m = /^\/v1\.0\/myorg\/groups\/([^/]+)\/(reports|datasets|dashboards)\/([^/]+)(?:\/(tiles|datasources))?$/.exec(path);
    const notFound = () => Response.json({ error: { code: 'PowerBIEntityNotFound' } }, { status: 404 });
    if (!m) return notFound();
    const [, ws, kind, id, sub] = m;
    const key = `${ws}/${id}`;
    const body =
      sub === 'tiles' ? items.tiles?.[key] && { value: items.tiles[key] } :
      sub === 'datasources' ? items.datasources?.[key] && { value: items.datasources[key] } :
      kind === 'reports' ? items.reports?.[key] : kind === 'datasets' ? items.datasets?.[key] : items.dashboards?.[key];
    return body ? Response.json(body) : notFound();
  };
  const client = new PowerBiClient({ apiUrl: 'https://api.powerbi.test', getAccessToken: async () => 'own-sp-token', fetch, callTimeoutMs: 5000, deadlineMs: 5000, now: () => T0, sleep: async () => undefined });
  let issued = 0;
  const token = (): EmbedToken => {
    issued += 1;
    return { token: `embed-token-${issued}`, tokenId: `0f0e0d0c-0000-4000-8000-${String(issued).padStart(12, '0')}`, expiration: new Date(T0 + 60 * 60_000).toISOString() };
  };
  const principals = new CustomerPrincipals({
    createProvider: (clientId) =>
      new ServicePrincipalTokenProvider({
        credential: new RefreshableValue(async () => ({ kind: 'secret' as const, secret: 's' })),
        createSource: () => ({ acquire: async () => ({ token: `sp-token-${clientId}`, expiresOnMs: T0 + 3 * 3600_000 }) }),
        minRemainingMs: 0,
        now: () => T0,
      }),
    maxPrincipals: 2,
  });
  const sqlTokens: string[] = [];
  const deps: EmbedDeps = {
    policy,
    metadata: new ItemMetadataCache(client, { ttlMs: 60_000, maxItems: 100 }),
    tokens: new EmbedTokenCache(30 * 60_000, () => T0),
    accessFor: (customer) => principals.accessFor(customer, policy.servicePrincipalObjectId),
    generateToken: async (request, _deadline, access) => {
      // The token call goes through the same per-call options as the metadata calls.
      if (access.scope.as.principal) await access.scope.as.principal.getAccessToken();
      generated.push({ request, as: access.scope.key });
      return token();
    },
    generateTokenV1: async (target, request, _deadline, access) => {
      generatedV1.push({ target, request, as: access.scope.key });
      return token();
    },
    sqlTokenFor: async (bearer) => {
      sqlTokens.push(bearer);
      return `sql-token-for-${bearer}`;
    },
  };
  const callerOf = (claims: Claims, bearerToken?: string): EmbedCaller => {
    const customer = resolveCustomer(policy, claims);
    return { claims, ...(bearerToken ? { bearerToken } : {}), ...(customer ? { customer } : {}) };
  };
  return { deps, calls, generated, generatedV1, principals, sqlTokens, callerOf };
}

export const reportBody = (ws: string, id: string, extra: object = {}) => ({ id, name: 'r', embedUrl: `https://app.powerbi.test/reportEmbed?reportId=${id}&groupId=${ws}`, reportType: 'PowerBIReport', ...extra });
export const datasetBody = (id: string, rls: boolean, extra: object = {}) => ({ id, name: 'd', isEffectiveIdentityRequired: rls, isEffectiveIdentityRolesRequired: rls, ...extra });
