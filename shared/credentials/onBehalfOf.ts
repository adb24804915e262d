import type { RefreshableValue } from '../cache/refreshableValue';
import { BrokerError } from '../errors/brokerError';
import { settleWithin } from '../upstream/settleWithin';
import type { ClientCredential } from './clientCredential';
import { entraError } from './entraError';
import { createMsalClient, type MsalClient, type MsalSourceSettings } from './msalTokenSource';

// A token for the signed-in user at another resource (Azure SQL, for SSO), exchanged on behalf of
// the user's own bearer token with msal-node's acquireTokenOnBehalfOf. The app that does the
// exchange is the one the user's token was issued to: the broker's app registration. msal keeps
// each user's token in its cache, keyed by the incoming assertion.

export type OnBehalfOf = (userToken: string, deadline: number) => Promise<string>;

export function createOnBehalfOf(settings: Omit<MsalSourceSettings, 'scope'> & { scope: string }, credential: RefreshableValue<ClientCredential>): OnBehalfOf {
  const now = settings.now ?? Date.now;
  let current: { credential: ClientCredential; msal: MsalClient } | undefined;
  return async (userToken, deadline) => {
    const value = await credential.get();
    if (current?.credential !== value) current = { credential: value, msal: createMsalClient(settings, value) };
    const { client, prepare } = current.msal;
    const timeoutMs = Math.max(1, Math.min(2 * settings.timeoutMs, deadline - now()));
    let result;
    try {
      await prepare();
      result = await settleWithin(
        () => client.acquireTokenOnBehalfOf({ oboAssertion: userToken, scopes: [settings.scope] }),
        timeoutMs,
        () => new BrokerError('upstream_timeout', 'Entra did not answer the on-behalf-of exchange in time.', { extensions: { upstream: 'entra' } }),
      );
    } catch (error) {
      throw entraError(error);
    }
    if (!result?.accessToken) throw new BrokerError('upstream_invalid_response', 'Entra answered the on-behalf-of exchange without an access token.', { extensions: { upstream: 'entra' } });
    return result.accessToken;
  };
}
