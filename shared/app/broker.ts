import { AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { createCallerAuthenticator, type Caller, type CallerEvidence } from '../auth/callerAuthenticator';
import type { FetchLike } from '../auth/openIdDiscovery';
import { RefreshableValue } from '../cache/refreshableValue';
import type { BrokerConfig } from '../config/config';
import { CLOUDS } from '../config/clouds';
import { certificateFromSecret, type ClientCredential } from '../credentials/clientCredential';
import { createKeyVaultSecretReader } from '../credentials/keyVaultSecrets';
import type { UpstreamCallObserver } from '../credentials/msalNetworkClient';
import { createMsalTokenSource } from '../credentials/msalTokenSource';
import { createOnBehalfOf } from '../credentials/onBehalfOf';
import { ServicePrincipalTokenProvider } from '../credentials/servicePrincipalToken';
import { entraError } from '../credentials/entraError';
import { boundedCredential } from '../credentials/boundedCredential';
import { createDefaultHttpClient } from '@azure/core-rest-pipeline';
import { ResponseRecorder } from '../upstream/responseRecorder';
import { settleWithin } from '../upstream/settleWithin';
import { rememberSecret } from '../telemetry/redact';
import { NO_TELEMETRY, TELEMETRY_EVENTS, type Telemetry } from '../telemetry/telemetry';
import { sdkResponseReporter, upstreamCallReporter } from '../telemetry/upstreamTelemetry';
import { createUserHasher, reportEmbedTokenIssued, reportPolicyDenial } from '../telemetry/embedTelemetry';
import { embedReport, type EmbedOutcome } from '../embed/embedReport';
import { EmbedTokenCache } from '../embed/embedTokenCache';
import type { EmbedCaller, EmbedDeps } from '../embed/embedCaller';
import { embedItems, type MultiEmbedOutcome } from '../embed/embedItems';
import { embedDashboard, embedTile, type DashboardEmbedConfig, type TileEmbedConfig, type V1EmbedOutcome } from '../embed/embedDashboard';
import type { EmbedRequest } from '../embed/embedRequest';
import { BrokerError } from '../errors/brokerError';
import type { Claims } from '../policy/claims';
import type { ReportItem } from '../policy/embedPolicy';
import { resolveCustomer } from '../policy/customers';
import { ItemMetadataCache } from '../powerbi/itemMetadata';
import { PowerBiClient } from '../powerbi/powerBiClient';
import { CustomerPrincipals } from '../embed/customerPrincipals';

// The composition root: builds every part from the configuration once per process, with
// production defaults for what tests replace (fetch, clock, the managed identity).

export const METADATA_TTL_MS = 10 * 60_000;
/** After the service-principal token failed, readiness answers that failure and no request starts the token early, for this long. */
export const READINESS_FAILURE_TTL_MS = 5_000;
export const CREDENTIAL_REREAD_INTERVAL_MS = 30_000;
/** Readiness answers within this, whatever the upstreams do (a platform probe must not hang). */
export const READINESS_TIMEOUT_MS = 5_000;
/** At most this many catalog reports have their metadata fetched at start-up. */
export const PREWARM_MAX_ITEMS = 20;

export interface BrokerDeps {
  fetch?: FetchLike;
  now?: () => number;
  /** The function's managed identity; used for Key Vault and as the federated credential. */
  managedIdentity?: TokenCredential;
  observe?: UpstreamCallObserver;
  onWarning?: (message: string) => void;
  /** Where upstream calls, issued tokens and denials are reported; given the app's identity when it needs one (Entra-authenticated ingestion). */
  telemetry?: Telemetry | ((identity: TokenCredential) => Telemetry);
}

/** What authentication established: validated claims, and the raw bearer token where there is one. */
export interface AuthenticatedCaller {
  claims: Claims;
  bearerToken?: string | undefined;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { name: string; ok: boolean; detail?: string }[];
}

export interface Broker {
  readonly config: BrokerConfig;
  /** When a request starting now must be answered (epoch ms): authentication and every upstream call share it. */
  deadlineFromNow(): number;
  authenticate(evidence: CallerEvidence, deadline?: number): Promise<Caller>;
  embedReport(caller: AuthenticatedCaller, key: string, deadline?: number): Promise<EmbedOutcome>;
  /** POST /api/embed: one V2 token for several reports and datasets. */
  embed(caller: AuthenticatedCaller, request: EmbedRequest, deadline?: number): Promise<MultiEmbedOutcome>;
  embedDashboard(caller: AuthenticatedCaller, key: string, deadline?: number): Promise<V1EmbedOutcome<DashboardEmbedConfig>>;
  embedTile(caller: AuthenticatedCaller, key: string, tileId: string, deadline?: number): Promise<V1EmbedOutcome<TileEmbedConfig>>;
  readiness(): Promise<ReadinessReport>;
  /**
   * Gets the service-principal token, then the metadata of the first catalog reports, so the first
   * request finds them ready or joins the fetch in flight. Never fails: a failure is left to the
   * first request, under the same cooldowns.
   */
  prewarm(): Promise<void>;
}

function loadCredential(config: BrokerConfig, managedIdentity: TokenCredential, telemetry: Telemetry, isManagedIdentity: boolean): () => Promise<ClientCredential> {
  const { credential } = config.powerBi;
  const timeoutMs = config.upstream.callTimeoutMs;
  if (credential === 'managed-identity') {
    return async () => ({
      kind: 'assertion',
      getAssertion: async () => {
        const token = await managedIdentity.getToken(`${CLOUDS[config.powerBi.cloud].tokenExchangeAudience}/.default`);
        if (!token) throw new BrokerError('upstream_unavailable', 'The managed identity returned no token.', { extensions: { upstream: 'managed-identity' } });
        return token.token;
      },
    });
  }
  const reader = createKeyVaultSecretReader({
    vaultUrl: config.keyVault.url as string,
    credential: managedIdentity,
    timeoutMs,
    observe: sdkResponseReporter(telemetry, 'key-vault'),
    tokenBesideChallenge: isManagedIdentity,
  });
  if (credential === 'certificate') {
    const name = config.keyVault.certificateName as string;
    return async () => {
      const { value, contentType } = await reader.read(name);
      const certificate = certificateFromSecret(value, contentType);
      if (certificate.kind === 'certificate') rememberSecret(certificate.privateKey);
      return certificate;
    };
  }
  return async () => {
    const secret = (await reader.read(config.keyVault.clientSecretName)).value;
    rememberSecret(secret);
    return { kind: 'secret', secret };
  };
}

/** The function's managed identity; on a laptop pointed at real Azure, the developer's CLI login instead. */
function appIdentity(config: BrokerConfig, now: () => number, telemetry: Telemetry): TokenCredential {
  const timeoutMs = config.upstream.callTimeoutMs;
  if (!config.managedIdentityAvailable) return boundedCredential(new ChainedTokenCredential(new AzureCliCredential(), new AzureDeveloperCliCredential()), { timeoutMs, now, singleTenant: false });
  const recorder = new ResponseRecorder(now, sdkResponseReporter(telemetry, 'managed-identity'));
  const options = { httpClient: recorder.wrap(createDefaultHttpClient()), ...(config.managedIdentityClientId ? { clientId: config.managedIdentityClientId } : {}) };
  return boundedCredential(new ManagedIdentityCredential(options), { timeoutMs, recorder, now, singleTenant: true });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown';
  }
}

export function createBroker(config: BrokerConfig, deps: BrokerDeps = {}): Broker {
  const now = deps.now ?? Date.now;
  // The identity reports its own calls, and an Entra-authenticated exporter needs the identity: bind late.
  let sink: Telemetry = NO_TELEMETRY;
  const telemetry: Telemetry = { dependency: (r) => sink.dependency(r), event: (n, p, m) => sink.event(n, p, m), metric: (n, v, p) => sink.metric(n, v, p) };
  // A managed identity: the one given (tests, the host's), or the function's own when the platform has one.
  const isManagedIdentity = deps.managedIdentity !== undefined || config.managedIdentityAvailable;
  const managedIdentity = deps.managedIdentity ? boundedCredential(deps.managedIdentity, { timeoutMs: config.upstream.callTimeoutMs, now, singleTenant: true }) : appIdentity(config, now, telemetry);
  sink = typeof deps.telemetry === 'function' ? deps.telemetry(managedIdentity) : (deps.telemetry ?? NO_TELEMETRY);
  const observe = upstreamCallReporter(telemetry, { entra: hostOf(config.powerBi.authorityHost), powerbi: hostOf(config.powerBi.apiUrl) }, deps.observe);
  const hashUser = createUserHasher();
  const minLifetimeMs = config.embed.minLifetimeMinutes * 60_000;

  // A secret that Entra refuses even after a re-read is read again at most every 30 s.
  const credentialOf = (load: () => Promise<ClientCredential>) => new RefreshableValue(load, { minRefreshIntervalMs: CREDENTIAL_REREAD_INTERVAL_MS, now });
  const ownCredential = credentialOf(loadCredential(config, managedIdentity, telemetry, isManagedIdentity));
  const providerFor = (clientId: string, credential: RefreshableValue<ClientCredential>) => new ServicePrincipalTokenProvider({
    credential,
    createSource: (credential) =>
      createMsalTokenSource(
        {
          tenantId: config.powerBi.tenantId,
          clientId,
          authorityHost: config.powerBi.authorityHost,
          scope: config.powerBi.scope,
          timeoutMs: config.upstream.callTimeoutMs,
          now,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
          observe,
        },
        credential,
      ),
    // The Entra token must outlive the embed token by the minimum, plus one request's worth of time.
    minRemainingMs: minLifetimeMs + config.upstream.deadlineMs,
    now,
    onRenewed: (remainingMs) => telemetry.event(TELEMETRY_EVENTS.servicePrincipalTokenRenewed, {}, { remainingMinutes: Math.round(remainingMs / 6_000) / 10 }),
    onCredentialReread: (changed) => telemetry.event(TELEMETRY_EVENTS.credentialReread, { after: 'invalid_client', changed: String(changed) }),
    onShortToken: (remainingMs) => deps.onWarning?.(`Entra issued a token with only ${Math.round(remainingMs / 60_000)} minutes left; embed tokens will be shorter than EMBED_MIN_LIFETIME_MINUTES.`),
  });
  const tokens = providerFor(config.powerBi.clientId, ownCredential);
  const getAccessToken = async () => {
    try {
      return (await tokens.getToken()).token;
    } catch (error) {
      throw entraError(error);
    }
  };

  const powerBi = new PowerBiClient({
    apiUrl: config.powerBi.apiUrl,
    getAccessToken,
    callTimeoutMs: config.upstream.callTimeoutMs,
    deadlineMs: config.upstream.deadlineMs,
    onTokenRejected: () => tokens.invalidate(),
    now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    observe,
  });
  const metadata = new ItemMetadataCache(powerBi, { ttlMs: METADATA_TTL_MS, maxItems: 1000 });
  const embedTokens = new EmbedTokenCache(minLifetimeMs, now);
  const authenticator = createCallerAuthenticator(config.auth, { timeoutMs: config.upstream.callTimeoutMs, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const deadlineFromNow = () => powerBi.deadlineFromNow();
  // A customer's own service principal signs in with the function's managed identity as a federated credential.
  const customerPrincipals = new CustomerPrincipals({
    createProvider: (clientId) => providerFor(clientId, credentialOf(loadCredential({ ...config, powerBi: { ...config.powerBi, credential: 'managed-identity' } }, managedIdentity, telemetry, isManagedIdentity))),
  });
  const embedDeps: EmbedDeps = {
    policy: config.policy,
    metadata,
    tokens: embedTokens,
    accessFor: (customer) => customerPrincipals.accessFor(customer, config.policy.servicePrincipalObjectId),
    generateToken: (request, until, access) => powerBi.generateToken(request, until, access.scope.as),
    generateTokenV1: (target, request, until, access) => powerBi.generateTokenV1(target, request, until, access.scope.as),
    // SSO to Azure SQL: the user's own token, exchanged by the broker's app registration (the audience of that token).
    sqlTokenFor: createOnBehalfOf(
      {
        tenantId: config.powerBi.tenantId,
        clientId: config.powerBi.clientId,
        authorityHost: config.powerBi.authorityHost,
        scope: CLOUDS[config.powerBi.cloud].azureSqlScope,
        timeoutMs: config.upstream.callTimeoutMs,
        now,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(deps.observe ? { observe: deps.observe } : {}),
      },
      ownCredential,
    ),
  };
  const embedCaller = (caller: AuthenticatedCaller): EmbedCaller => {
    const customer = resolveCustomer(config.policy, caller.claims);
    return { claims: caller.claims, ...(caller.bearerToken ? { bearerToken: caller.bearerToken } : {}), ...(customer ? { customer } : {}) };
  };
  /** Runs one embed and reports it: the token issued (a cache hit when no GenerateToken of its own was made), or the denial. */
  const withEmbedTelemetry = async <O extends { rule?: string; rules?: string[]; username: string; identityApplied: boolean; config: { expiration: string } }>(
    keys: string[],
    run: (deps: EmbedDeps) => Promise<O>,
  ): Promise<O> => {
    const itemKeys = keys.map((key) => key.toLowerCase());
    let generated = false;
    const counted: EmbedDeps = {
      ...embedDeps,
      generateToken: (...args) => ((generated = true), embedDeps.generateToken(...args)),
      generateTokenV1: (...args) => ((generated = true), embedDeps.generateTokenV1(...args)),
    };
    try {
      const outcome = await run(counted);
      // Without a sink there is nobody to tell: not even the username's hash is worth computing.
      if (sink === NO_TELEMETRY) return outcome;
      const rule = outcome.rule ?? outcome.rules?.join(',') ?? '';
      reportEmbedTokenIssued(telemetry, hashUser, { itemKeys, rule, username: outcome.username, identityApplied: outcome.identityApplied, expiration: outcome.config.expiration, cacheHit: !generated }, now());
      return outcome;
    } catch (error) {
      reportPolicyDenial(telemetry, error, itemKeys);
      throw error;
    }
  };

  // Anonymous callers (a readiness probe; any request, whose token is fetched beside its
  // authentication) must not drive Key Vault and Entra calls while they fail: the last failure of
  // either is kept for a few seconds, and neither starts the chain meanwhile. A readiness answer
  // names only the error code and upstream.
  let tokenFailure: { until: number; report: ReadinessReport } | undefined;
  const recordTokenFailure = (error: unknown): ReadinessReport => {
    const known = error instanceof BrokerError ? error : undefined;
    const detail = known ? `${known.code}${known.extensions.upstream ? ` (${String(known.extensions.upstream)})` : ''}` : 'internal';
    const report = { ready: false, checks: [{ name: 'service-principal-token', ok: false, detail }] };
    tokenFailure = { until: now() + READINESS_FAILURE_TTL_MS, report };
    return report;
  };
  const recentTokenFailure = () => (tokenFailure && now() < tokenFailure.until ? tokenFailure.report : undefined);

  // A request's caller is checked while the service-principal token is on its way: the two chains
  // (the caller's keys; managed identity, Key Vault, Entra) need nothing of each other, and the
  // request joins the flight when it needs the token. The flight is the instance's, shared and
  // cached as prewarm's is.
  const startTokenEarly = () => {
    if (tokens.peek() || recentTokenFailure()) return;
    getAccessToken().then(
      () => (tokenFailure = undefined),
      (error: unknown) => void recordTokenFailure(error),
    );
  };

  return {
    config,
    deadlineFromNow,
    authenticate: (evidence, deadline = deadlineFromNow()) => {
      startTokenEarly();
      return authenticator.authenticate(evidence, deadline);
    },
    embedReport: (caller, key, deadline = deadlineFromNow()) => withEmbedTelemetry([key], (d) => embedReport(d, embedCaller(caller), key, deadline)),
    embed: (caller, request, deadline = deadlineFromNow()) => withEmbedTelemetry([...request.reports, ...request.datasets].map((item) => item.key), (d) => embedItems(d, embedCaller(caller), request, deadline)),
    embedDashboard: (caller, key, deadline = deadlineFromNow()) => withEmbedTelemetry([key], (d) => embedDashboard(d, embedCaller(caller), key, deadline)),
    embedTile: (caller, key, tileId, deadline = deadlineFromNow()) => withEmbedTelemetry([key], (d) => embedTile(d, embedCaller(caller), key, tileId, deadline)),
    async prewarm() {
      try {
        await getAccessToken();
      } catch {
        return;
      }
      const reports = Object.values(config.policy.items)
        // The broker's own principal only: a customer's items are fetched as that customer.
        .filter((item): item is ReportItem => item.type === 'report' && item.customer === undefined)
        .slice(0, PREWARM_MAX_ITEMS);
      await Promise.allSettled(
        reports.map(async ({ workspaceId, reportId }) => {
          const report = await metadata.report(workspaceId, reportId);
          if (report.datasetId) await metadata.dataset(report.datasetWorkspaceId ?? workspaceId, report.datasetId);
        }),
      );
    },
    async readiness() {
      if (tokens.peek()) return { ready: true, checks: [{ name: 'service-principal-token', ok: true }] };
      const recent = recentTokenFailure();
      if (recent) return recent;
      try {
        const timeoutMs = Math.min(READINESS_TIMEOUT_MS, config.upstream.deadlineMs);
        await settleWithin(getAccessToken, timeoutMs, () => new BrokerError('upstream_timeout', 'No service-principal token could be had in time.', { extensions: { upstream: 'entra' } }));
        tokenFailure = undefined;
        return { ready: true, checks: [{ name: 'service-principal-token', ok: true }] };
      } catch (error) {
        return recordTokenFailure(error);
      }
    },
  };
}
