import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import type { FetchLike } from '../auth/openIdDiscovery';
import { BrokerError } from '../errors/brokerError';
import { parseRetryAfterMs } from '../http/retryAfter';
import { settleWithin } from '../upstream/settleWithin';
import type { ClientCredential } from './clientCredential';
import { entraError } from './entraError';
import { MsalNetworkClient, type UpstreamCallObserver } from './msalNetworkClient';
import type { TokenSource } from './servicePrincipalToken';

// One msal-node ConfidentialClientApplication for the service principal, on a tenant-specific
// authority (never /common): Power BI refuses tokens from a multi-tenant authority for this.

export interface MsalSourceSettings {
  tenantId: string;
  clientId: string;
  authorityHost: string;
  scope: string;
  fetch?: FetchLike;
  timeoutMs: number;
  observe?: UpstreamCallObserver;
  now?: () => number;
}

/**
 * The tenant's OpenID metadata as Entra publishes it, so msal need not fetch it: a cold token
 * request is then a single POST. The shape is the same in every cloud, on its own host.
 */
export function entraAuthorityMetadata(authorityHost: string, tenantId: string): string {
  const base = `${authorityHost.replace(/\/+$/, '')}/${tenantId}`;
  return JSON.stringify({
    token_endpoint: `${base}/oauth2/v2.0/token`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    issuer: `${base}/v2.0`,
  });
}

export interface MsalClient {
  client: ConfidentialClientApplication;
  networkClient: MsalNetworkClient;
  /** Fetches a federated assertion, when the credential is one, before msal is asked. */
  prepare(): Promise<void>;
}

/** The confidential client itself, for flows other than client credentials (on-behalf-of). */
export function createMsalClient(settings: Omit<MsalSourceSettings, 'scope'>, credential: ClientCredential): MsalClient {
  const authorityHost = settings.authorityHost.replace(/\/+$/, '');
  const networkClient = new MsalNetworkClient(settings.fetch ?? fetch, settings.timeoutMs, settings.observe);
  // A federated assertion is fetched before msal is asked, so its failure stays the broker's
  // own typed error; msal reads the one fetched for this call.
  let assertion = '';
  const config: Configuration = {
    auth: {
      clientId: settings.clientId,
      authority: `${authorityHost}/${settings.tenantId}`,
      // Trusting the configured host skips msal's instance-discovery call on a cold start, and
      // the metadata its OpenID configuration GET.
      knownAuthorities: [new URL(authorityHost).host],
      authorityMetadata: entraAuthorityMetadata(authorityHost, settings.tenantId),
      ...(credential.kind === 'secret' ? { clientSecret: credential.secret } : {}),
      ...(credential.kind === 'certificate' ? { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKey, x5c: credential.x5c } } : {}),
      ...(credential.kind === 'assertion' ? { clientAssertion: async () => assertion } : {}),
    },
    system: {
      networkClient,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  };
  return {
    client: new ConfidentialClientApplication(config),
    networkClient,
    async prepare() {
      if (credential.kind === 'assertion') assertion = await credential.getAssertion();
    },
  };
}

export function createMsalTokenSource(settings: MsalSourceSettings, credential: ClientCredential): TokenSource {
  const { client, networkClient, prepare } = createMsalClient(settings, credential);
  const now = settings.now ?? Date.now;
  return {
    async acquire(forceRefresh) {
      await prepare();
      const timeoutsBefore = networkClient.timeouts;
      networkClient.lastRetryAfter = undefined;
      let result;
      try {
        // msal may make two calls (metadata, then the token POST), each bounded by the network client.
        result = await settleWithin(
          () => client.acquireTokenByClientCredential({ scopes: [settings.scope], skipCache: forceRefresh }),
          2 * settings.timeoutMs,
          () => new BrokerError('upstream_timeout', 'Entra did not answer in time.', { extensions: { upstream: 'entra' } }),
        );
      } catch (error) {
        throw entraError(error, { timedOut: networkClient.timeouts > timeoutsBefore, retryAfterMs: parseRetryAfterMs(networkClient.lastRetryAfter, Date.now()) });
      }
      if (!result?.accessToken || !result.expiresOn) throw new BrokerError('upstream_invalid_response', 'Entra answered without an access token.', { extensions: { upstream: 'entra' } });
      // msal measures expiry on the system clock; keep the remaining lifetime, on our clock.
      return { token: result.accessToken, expiresOnMs: now() + (result.expiresOn.getTime() - Date.now()) };
    },
  };
}
