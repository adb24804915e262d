import type { AccessToken, TokenCredential } from '@azure/identity';
import { createMsalTokenSource } from '../../../shared/credentials/msalTokenSource';

// The deployer for hook tests: an app registered in the Entra emulator, signing in with a secret
// through msal-node (as AzureDeveloperCliCredential hands the hooks a real token in Azure).

export function deployerCredential(options: { tenantId: string; clientId: string; secret: string; authorityHost: string }): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    async getToken(scope): Promise<AccessToken> {
      const only = Array.isArray(scope) ? (scope[0] as string) : (scope as string);
      scopes.push(only);
      const source = createMsalTokenSource({ tenantId: options.tenantId, clientId: options.clientId, authorityHost: options.authorityHost, scope: only, timeoutMs: 5000 }, { kind: 'secret', secret: options.secret });
      const token = await source.acquire(false);
      return { token: token.token, expiresOnTimestamp: token.expiresOnMs };
    },
  };
}
