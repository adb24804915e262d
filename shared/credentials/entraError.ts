import { BrokerError } from '../errors/brokerError';

// Turns an msal-node failure into the broker's error: the Entra error code and correlation id
// are kept, the description (which may quote the request) is not. What msal does not tell (that
// our own timeout fired, Entra's Retry-After) comes in as facts from the network client.

interface MsalErrorLike {
  errorCode?: string;
  correlationId?: string;
}

export interface EntraFailureFacts {
  /** Our timeout aborted the token call (msal reports it as a generic network error). */
  timedOut?: boolean;
  /** Entra's Retry-After on its last answer, in ms. */
  retryAfterMs?: number | undefined;
}

const REFUSALS = new Set(['invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_request', 'invalid_grant', 'invalid_resource']);
/** Entra's answers to a client credential it does not accept: a rotated or expired secret, a wrong certificate. */
const CREDENTIAL_REFUSALS = new Set(['invalid_client', 'unauthorized_client']);

export function entraError(error: unknown, facts: EntraFailureFacts = {}): BrokerError {
  if (error instanceof BrokerError) return error;
  const msal = (error ?? {}) as MsalErrorLike;
  const code = typeof msal.errorCode === 'string' && /^[a-z0-9_]{1,64}$/i.test(msal.errorCode) ? msal.errorCode : undefined;
  const requestId = typeof msal.correlationId === 'string' && /^[0-9a-f-]{1,64}$/i.test(msal.correlationId) ? msal.correlationId : undefined;
  const extensions = { upstream: 'entra', ...(code ? { upstreamCode: code } : {}), ...(requestId ? { upstreamRequestId: requestId } : {}) };
  if (code && REFUSALS.has(code)) {
    return new BrokerError('upstream_refused', `Entra refused the service principal's credentials (${code}).`, { cause: error, extensions });
  }
  if (facts.timedOut) {
    return new BrokerError('upstream_timeout', 'Entra did not answer in time.', { cause: error, extensions });
  }
  return new BrokerError('upstream_unavailable', 'The service principal cannot get a token from Entra right now.', {
    cause: error,
    extensions,
    ...(facts.retryAfterMs !== undefined ? { retryAfterSeconds: facts.retryAfterMs / 1000 } : {}),
  });
}

/** Entra refused the client credential itself (e.g. a rotated secret): reading it again may help. */
export function isCredentialRejected(error: unknown): boolean {
  if (!(error instanceof BrokerError) || error.extensions.upstream !== 'entra') return false;
  const code = error.extensions.upstreamCode;
  return typeof code === 'string' && CREDENTIAL_REFUSALS.has(code);
}
