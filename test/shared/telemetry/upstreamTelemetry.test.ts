import type { DependencyRecord, Telemetry } from '../../../shared/telemetry/telemetry';
import { operationName, sdkResponseReporter, upstreamCallReporter } from '../../../shared/telemetry/upstreamTelemetry';

// What the network clients saw becomes dependency records, retry counts and throttling events:
// low-cardinality names, no query string, Key Vault's challenge not counted as a failure.

const WS = '5a1e5000-0000-4000-8000-000000000001';
const REPORT = '5a1e5000-0000-4000-8000-0000000000a1';

function recorder() {
  const dependencies: DependencyRecord[] = [];
  const events: { name: string; properties: Record<string, string> }[] = [];
  const metrics: { name: string; value: number; properties?: Record<string, string> }[] = [];
  const telemetry: Telemetry = {
    dependency: (record) => dependencies.push(record),
    event: (name, properties) => events.push({ name, properties }),
    metric: (name, value, properties) => metrics.push({ name, value, ...(properties ? { properties } : {}) }),
  };
  return { telemetry, dependencies, events, metrics };
}

describe('operationName', () => {
  it('replaces ids with placeholders', () => {
    expect(operationName('powerbi', 'get', `/v1.0/myorg/groups/${WS}/reports/${REPORT}`)).toBe('GET /v1.0/myorg/groups/{id}/reports/{id}');
    expect(operationName('entra', 'POST', '/contoso.onmicrosoft.com/oauth2/v2.0/token')).toBe('POST /{tenant}/oauth2/v2.0/token');
    expect(operationName('key-vault', 'GET', '/secrets/powerbi-client-secret/')).toBe('GET /secrets/powerbi-client-secret');
    expect(operationName('key-vault', 'GET', '/secrets/powerbi-client-secret/0123456789abcdef0123456789abcdef')).toBe('GET /secrets/powerbi-client-secret/{version}');
    expect(operationName('managed-identity', 'GET', '/msi/token')).toBe('GET /msi/token');
  });
});

describe('upstreamCallReporter', () => {
  it('reports a Power BI call with host, operation, status, attempt and RequestId, and passes the call on', () => {
    const r = recorder();
    const seen: unknown[] = [];
    const observe = upstreamCallReporter(r.telemetry, { powerbi: 'api.powerbi.com' }, (call) => seen.push(call));
    const call = { target: 'powerbi', method: 'POST', path: '/v1.0/myorg/GenerateToken', status: 200, durationMs: 42, requestId: 'rid-1', attempt: 1 };
    observe(call);
    expect(seen).toEqual([call]);
    expect(r.dependencies).toEqual([
      { target: 'powerbi', host: 'api.powerbi.com', method: 'POST', operation: 'POST /v1.0/myorg/GenerateToken', path: '/v1.0/myorg/GenerateToken', durationMs: 42, status: 200, success: true, attempt: 1, requestId: 'rid-1' },
    ]);
    expect(r.events).toEqual([]);
    expect(r.metrics).toEqual([]);
  });

  it('counts a retry and reports throttling with its Retry-After', () => {
    const r = recorder();
    upstreamCallReporter(r.telemetry, {})({ target: 'powerbi', method: 'POST', path: '/v1.0/myorg/GenerateToken', status: 429, durationMs: 3, requestId: undefined, attempt: 2, retryAfter: '7' });
    expect(r.dependencies[0]).toMatchObject({ success: false, attempt: 2, status: 429, host: 'unknown' });
    expect(r.metrics).toEqual([{ name: 'UpstreamRetries', value: 1, properties: { target: 'powerbi' } }]);
    expect(r.events).toEqual([{ name: 'UpstreamThrottled', properties: { target: 'powerbi', operation: 'POST /v1.0/myorg/GenerateToken', status: '429', retryAfter: '7' } }]);
  });

  it('reports a call without an answer as failed, with its error and no status', () => {
    const r = recorder();
    upstreamCallReporter(r.telemetry, { entra: 'login.microsoftonline.com' })({ target: 'entra', method: 'POST', path: '/t/oauth2/v2.0/token?client-request-id=x', status: undefined, durationMs: 8000, requestId: undefined, error: 'timeout' });
    expect(r.dependencies).toEqual([expect.objectContaining({ target: 'entra', success: false, status: undefined, error: 'timeout', attempt: 1, path: '/t/oauth2/v2.0/token' })]);
  });
});

describe('sdkResponseReporter', () => {
  it('takes host and path from the URL, never its query', () => {
    const r = recorder();
    sdkResponseReporter(r.telemetry, 'managed-identity')({ method: 'GET', url: 'http://127.0.0.1:41000/msi/token?api-version=2019-08-01&resource=https://vault.azure.net', status: 200, durationMs: 5, requestId: undefined, attempt: 1, authenticated: false });
    expect(r.dependencies).toEqual([{ target: 'managed-identity', host: '127.0.0.1:41000', method: 'GET', operation: 'GET /msi/token', path: '/msi/token', durationMs: 5, status: 200, success: true, attempt: 1 }]);
    expect(JSON.stringify(r.dependencies)).not.toContain('resource=');
  });

  it('counts Key Vault\'s unauthenticated 401 challenge as success, an authenticated 401 or 403 as failure', () => {
    const r = recorder();
    const report = sdkResponseReporter(r.telemetry, 'key-vault');
    const base = { method: 'GET', url: 'https://kv.vault.azure.net/secrets/s/?api-version=7.5', durationMs: 1, requestId: 'kv-1' };
    report({ ...base, status: 401, attempt: 1, authenticated: false });
    report({ ...base, status: 401, attempt: 2, authenticated: true });
    report({ ...base, status: 403, attempt: 1, authenticated: true });
    expect(r.dependencies.map((d) => [d.status, d.success])).toEqual([[401, true], [401, false], [403, false]]);
  });

  it('reports a throttled read with its Retry-After in seconds', () => {
    const r = recorder();
    sdkResponseReporter(r.telemetry, 'key-vault')({ method: 'GET', url: 'https://kv.vault.azure.net/secrets/s/', status: 429, durationMs: 1, requestId: undefined, attempt: 1, authenticated: true, retryAfterMs: 2500 });
    expect(r.events).toEqual([{ name: 'UpstreamThrottled', properties: { target: 'key-vault', operation: 'GET /secrets/s', status: '429', retryAfter: '3' } }]);
  });
});
