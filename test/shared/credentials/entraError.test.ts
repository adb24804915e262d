import { entraError } from '../../../shared/credentials/entraError';
import { BrokerError } from '../../../shared/errors/brokerError';

// msal-node and managed-identity failures mapped to the broker's error: Entra's code and
// correlation id are kept, its description (which may quote the request) is not.

function msalError(errorCode: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${errorCode}: AADSTS7000215: Invalid client secret provided. client_secret=abc~SECRET Trace ID: x`), {
    name: 'ServerError',
    errorCode,
    ...extra,
  });
}

describe('entraError', () => {
  it('passes a BrokerError through unchanged', () => {
    const original = new BrokerError('upstream_unavailable', 'already mapped');
    expect(entraError(original)).toBe(original);
  });

  it.each(['invalid_client', 'unauthorized_client', 'invalid_scope', 'invalid_request', 'invalid_grant', 'invalid_resource'])(
    'maps %s to upstream_refused (502) with the code and correlation id, and keeps the cause',
    (code) => {
      const cause = msalError(code, { correlationId: '0f0e0d0c-0000-4000-8000-000000000001', status: 401 });
      const error = entraError(cause);
      expect(error.code).toBe('upstream_refused');
      expect(error.status).toBe(502);
      expect(error.extensions).toEqual({ upstream: 'entra', upstreamCode: code, upstreamRequestId: '0f0e0d0c-0000-4000-8000-000000000001' });
      expect(error.cause).toBe(cause);
      expect(error.retryAfterSeconds).toBeUndefined();
    },
  );

  it('never copies the description into its message', () => {
    const error = entraError(msalError('invalid_client'));
    expect(error.message).not.toMatch(/AADSTS|SECRET|client_secret/);
    expect(error.message).toContain('invalid_client');
  });

  it('maps a call our timeout aborted to upstream_timeout (504)', () => {
    const error = entraError(Object.assign(new Error('network_error'), { errorCode: 'network_error' }), { timedOut: true });
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
  });

  it('does not guess a timeout from an error name or message', () => {
    expect(entraError(Object.assign(new Error('The operation was aborted'), { name: 'TimeoutError' })).code).toBe('upstream_unavailable');
    expect(entraError(new Error('request timed out')).code).toBe('upstream_unavailable');
  });

  it("maps a throttling or server error to upstream_unavailable (503), with Entra's Retry-After when it sent one", () => {
    expect(entraError(msalError('temporarily_unavailable', { status: 429 }), { retryAfterMs: 12_000 }).retryAfterSeconds).toBe(12);
    const error = entraError(msalError('temporarily_unavailable', { status: 503 }));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.extensions).toEqual({ upstream: 'entra', upstreamCode: 'temporarily_unavailable' });
  });

  it('does not echo an error code that is not a short identifier', () => {
    const odd = entraError(msalError('invalid client; secret=hunter2'));
    expect(odd.code).toBe('upstream_unavailable');
    expect(odd.extensions.upstreamCode).toBeUndefined();
    expect(JSON.stringify(odd.extensions)).not.toContain('hunter2');
    expect(entraError(msalError('x'.repeat(65))).extensions.upstreamCode).toBeUndefined();
  });

  it('handles thrown values that are not errors', () => {
    for (const value of [undefined, null, 'string', 42, { errorCode: 42 }]) {
      const error = entraError(value);
      expect(error.code).toBe('upstream_unavailable');
      expect(error.extensions).toEqual({ upstream: 'entra' });
    }
  });
});
