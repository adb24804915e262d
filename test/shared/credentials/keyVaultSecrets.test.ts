import { keyVaultError, keyVaultScopeOf } from '../../../shared/credentials/keyVaultSecrets';

// Key Vault failures (as the SDK throws them: a RestError with statusCode, code and the
// response) mapped to the broker's error, keeping Key Vault's request id.

function restError(statusCode: number | undefined, code?: string, requestId?: string, retryAfter?: string): Error {
  const headers = new Map([...(requestId ? [['x-ms-request-id', requestId]] : []), ...(retryAfter ? [['retry-after', retryAfter]] : [])] as [string, string][]);
  return Object.assign(new Error(`Key Vault said ${statusCode ?? 'nothing'}: value=s3cr3t`), {
    name: 'RestError',
    ...(statusCode !== undefined ? { statusCode } : {}),
    ...(code ? { code } : {}),
    response: { status: statusCode, headers: { get: (name: string) => headers.get(name.toLowerCase()) } },
  });
}

describe('keyVaultError', () => {
  it.each([
    [404, 'SecretNotFound'],
    [403, 'Forbidden'],
    [401, 'Unauthorized'],
  ])('maps %i %s to upstream_refused (502) naming the secret, with the code and request id', (status, code) => {
    const cause = restError(status, code, 'kv-request-1');
    const error = keyVaultError(cause, 'powerbi-client-secret', { timedOut: false });
    expect(error.code).toBe('upstream_refused');
    expect(error.status).toBe(502);
    expect(error.message).toContain('"powerbi-client-secret"');
    expect(error.message).toContain(String(status));
    expect(error.extensions).toEqual({ upstream: 'keyvault', upstreamCode: code, upstreamRequestId: 'kv-request-1', upstreamStatus: status });
    expect(error.cause).toBe(cause);
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('maps a read our own timeout aborted to upstream_timeout (504), whatever the error is named', () => {
    const error = keyVaultError(Object.assign(new Error('The operation was aborted.'), { name: 'SomethingElse' }), 'powerbi-client-secret', { timedOut: true });
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
    expect(keyVaultError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'powerbi-client-secret', { timedOut: false }).code).toBe('upstream_unavailable');
  });

  it('maps a read that timed out after Key Vault throttled to 503 with its Retry-After, not 504', () => {
    const error = keyVaultError(new Error('aborted'), 'powerbi-client-secret', { timedOut: true, throttle: { status: 429, retryAfterMs: 30_000 } });
    expect(error.code).toBe('upstream_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.extensions).toMatchObject({ upstream: 'keyvault', upstreamStatus: 429 });
  });

  it.each([
    ['a 500', restError(500, 'InternalServerError', 'kv-request-2')],
    ['a 429 after the SDK retries', restError(429, 'Throttled')],
    ['a network failure', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { name: 'RestError', code: 'ECONNREFUSED' })],
    ['a value that is not an error', undefined],
  ])('maps %s to upstream_unavailable (503), with no Retry-After that Key Vault did not send', (_name, cause) => {
    const error = keyVaultError(cause, 'powerbi-client-secret', { timedOut: false });
    expect(error.code).toBe('upstream_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.extensions.upstream).toBe('keyvault');
  });


  it('keeps the request id of a server error and never the message', () => {
    const error = keyVaultError(restError(500, 'InternalServerError', 'kv-request-2'), 'powerbi-client-secret', { timedOut: false });
    expect(error.extensions).toEqual({ upstream: 'keyvault', upstreamCode: 'InternalServerError', upstreamRequestId: 'kv-request-2', upstreamStatus: 500 });
    expect(error.message).not.toContain('s3cr3t');
  });
});

describe('keyVaultScopeOf', () => {
  it("names the scope the vault's challenge will: by cloud suffix, the public one for a loopback vault, none for any other host", () => {
    expect(keyVaultScopeOf('https://kv-broker.vault.azure.net/')).toBe('https://vault.azure.net/.default');
    expect(keyVaultScopeOf('https://KV.VAULT.USGOVCLOUDAPI.NET')).toBe('https://vault.usgovcloudapi.net/.default');
    expect(keyVaultScopeOf('https://kv.vault.azure.cn/')).toBe('https://vault.azure.cn/.default');
    expect(keyVaultScopeOf('https://127.0.0.1:8443/')).toBe('https://vault.azure.net/.default');
    expect(keyVaultScopeOf('https://vault.contoso.example/')).toBeUndefined();
    // A look-alike host is not a vault of that cloud.
    expect(keyVaultScopeOf('https://kv.vault.azure.net.contoso.example/')).toBeUndefined();
  });
});
