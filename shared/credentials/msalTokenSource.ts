import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import type { FetchLike } from '../auth/openIdDiscovery';
import { parseRetryAfterMs } from '../http/retryAfter';
import type { ClientCredential } from './clientCredential';
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

export function createMsalTokenSource(settings: MsalSourceSettings, credential: ClientCredential): TokenSource {
  const authorityHost = settings.authorityHost.replace(/\/+$/, '');
  const networkClient = new MsalNetworkClient(settings.fetch ?? fetch, settings.timeoutMs, settings.observe);
  const config: Configuration = {
    auth: {
      clientId: settings.clientId,
      authority: `${authorityHost}/${settings.tenantId}`,
      // Trusting the configured host skips msal's instance-discovery call on a cold start.
      knownAuthorities: [new URL(authorityHost).host],
      ...(credential.kind === 'secret' ? { clientSecret: credential.secret } : {}),
      ...(credential.kind === 'certificate' ? { clientCertificate: { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKey, x5c: credential.x5c } } : {}),
      ...(credential.kind === 'assertion' ? { clientAssertion: () => credential.getAssertion() } : {}),
    },
    system: {
      networkClient,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  };
  const client = new ConfidentialClientApplication(config);
  return {
    async acquire(forceRefresh) {
      const timeoutsBefore = networkClient.timeouts;
      networkClient.lastRetryAfter = undefined;
      let result;
      try {
        result = await client.acquireTokenByClientCredential({ scopes: [settings.scope], skipCache: forceRefresh });
      } catch (error) {
        if (networkClient.timeouts > timeoutsBefore) throw Object.assign(new Error('Entra did not answer in time', { cause: error }), { name: 'TimeoutError' });
        const retryAfterMs = parseRetryAfterMs(networkClient.lastRetryAfter, Date.now());
        if (retryAfterMs !== undefined && error && typeof error === 'object') Object.assign(error, { retryAfterMs });
        throw error;
      }
      if (!result?.accessToken || !result.expiresOn) throw new Error('msal returned no token');
      // msal measures expiry on the system clock; keep the remaining lifetime, on our clock.
      const now = settings.now ?? Date.now;
      return { token: result.accessToken, expiresOnMs: now() + (result.expiresOn.getTime() - Date.now()) };
    },
  };
}
