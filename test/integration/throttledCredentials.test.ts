import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// The managed identity or Key Vault throttling: the SDKs wait out a long Retry-After until our
// timeout aborts them, which used to read as "did not answer in time". The caller gets a 503 with
// the upstream's own Retry-After instead, and the next request after the throttle works.

describe('throttled credentials on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers a managed-identity 429 with 503 and its Retry-After', async () => {
    app.azure.managedIdentity.server.inject({ kind: 'status', status: 429, retryAfterSeconds: 20, ratio: 1, body: { error: 'too_many_requests' } });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('20');
    expect(await res.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'managed-identity', upstreamStatus: 429 });
    app.azure.managedIdentity.server.faults.clear();
  });

  it('answers a Key Vault 429 with 503 and its Retry-After, then recovers', async () => {
    app.azure.keyVault.server.inject({ kind: 'status', status: 429, retryAfterSeconds: 30, ratio: 1, body: { error: { code: 'Throttled' } } });
    const res = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'keyvault', upstreamStatus: 429 });
    app.azure.keyVault.server.faults.clear();
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
  });
});
