import { BrokerError } from '../errors/brokerError';
import { isTimeoutError } from '../errors/isTimeout';

// Turns an msal-node (or managed identity) failure into the broker's error: the Entra error
// code and correlation id are kept, the description (which may quote the request) is not.

interface MsalErrorLike {
  errorCode?: string;
  status?: number;
  correlationId?: string;
  name?: string;
  /** Entra's Retry-After, when it sent one (see msalTokenSource). */
  retryAfterMs?: number;
}

const REFUSALS = new Set(['invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_request', 'invalid_grant', 'invalid_resource']);

export function entraError(error: unknown): BrokerError {
  if (error instanceof BrokerError) return error;
  const msal = (error ?? {}) as MsalErrorLike;
  const code = typeof msal.errorCode === 'string' && /^[a-z0-9_]{1,64}$/i.test(msal.errorCode) ? msal.errorCode : undefined;
  const extensions = { upstream: 'entra', ...(code ? { upstreamCode: code } : {}), ...(msal.correlationId ? { upstreamRequestId: msal.correlationId } : {}) };
  if (code && REFUSALS.has(code)) {
    return new BrokerError('upstream_refused', `Entra refused the service principal's credentials (${code}).`, { cause: error, extensions });
  }
  if (isTimeoutError(error) || (error instanceof Error && /timed? ?out/i.test(error.message))) {
    return new BrokerError('upstream_timeout', 'Entra did not answer in time.', { cause: error, extensions });
  }
  return new BrokerError('upstream_unavailable', 'The service principal cannot get a token from Entra right now.', {
    cause: error,
    extensions,
    ...(typeof msal.retryAfterMs === 'number' ? { retryAfterSeconds: msal.retryAfterMs / 1000 } : {}),
  });
}
