import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { SingleFlight } from '../cache/singleFlight';
import { BrokerError } from '../errors/brokerError';
import { throttledError, type ResponseRecorder } from '../upstream/responseRecorder';
import { settleWithin } from '../upstream/settleWithin';

// The function's managed identity (or a developer's CLI login) with what the SDK lacks: a hard
// timeout, since ManagedIdentityCredential ignores its abort signal, and failures that say what
// happened: a timeout is a 504, throttling a 503 with the identity endpoint's Retry-After.

export interface BoundedCredentialOptions {
  timeoutMs: number;
  /** What the credential's HTTP client saw, when the credential was built with it. */
  recorder?: ResponseRecorder;
  now?: () => number;
  /**
   * A managed identity has one tenant: a tenantId a caller passes (the Key Vault SDK passes its
   * challenge's) changes nothing, so calls that differ only in it share a flight. A developer's
   * CLI login signs in to the tenant asked for: there it is part of what is shared.
   */
  singleTenant?: boolean;
}

export const MANAGED_IDENTITY = 'managed-identity';

export function boundedCredential(inner: TokenCredential, options: BoundedCredentialOptions): TokenCredential {
  const now = options.now ?? Date.now;
  const extensions = { upstream: MANAGED_IDENTITY };
  const bounded = async (scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken | null> => {
    const started = now();
    try {
      const token = await settleWithin(
        () => inner.getToken(scopes, { ...getTokenOptions, abortSignal: AbortSignal.timeout(options.timeoutMs) }),
        options.timeoutMs,
        () => new BrokerError('upstream_timeout', 'The managed identity endpoint did not answer in time.', { extensions }),
      );
      if (!token) throw new BrokerError('upstream_unavailable', 'The managed identity returned no token.', { extensions });
      return token;
    } catch (error) {
      // A throttled call the SDK then waited on until our bound fired is throttling, not a timeout.
      const throttle = options.recorder?.throttledSince(started);
      if (throttle) throw throttledError('The managed identity endpoint', throttle, error, extensions);
      if (error instanceof BrokerError) throw error;
      throw new BrokerError('upstream_unavailable', 'The managed identity cannot issue a token right now.', { cause: error, extensions });
    }
  };
  // Concurrent requests for the same token share one call: the identity's own cache is filled
  // only once a call returns, so without this each would reach the endpoint.
  const flights = new SingleFlight<AccessToken | null>();
  const shared = (scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken | null> => {
    const tenant = options.singleTenant ? null : (getTokenOptions?.tenantId ?? null);
    const key = JSON.stringify([[scopes].flat().sort(), getTokenOptions?.claims ?? null, tenant]);
    return flights.run(key, () => bounded(scopes, getTokenOptions));
  };
  return { getToken: shared };
}
