import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Readiness on a cold instance whose managed-identity endpoint hangs: a platform probe gets a
// 503 naming the failing leg within the upstream timeout, never a request that never ends.

describe('readiness while the managed identity hangs', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers 503 naming the timed-out upstream', async () => {
    app.azure.managedIdentity.server.inject({ kind: 'hang', ratio: 1 });
    const ready = await fetch(`${app.url}/api/health/ready`, { signal: AbortSignal.timeout(15_000) });
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not-ready', checks: [{ name: 'service-principal-token', ok: false, detail: 'upstream_timeout (managed-identity)' }] });
    // An embed request meanwhile answers too, with the same clear cause.
    const embed = await app.getAs('alice', '/api/embed/reports/sales-overview', { signal: AbortSignal.timeout(15_000) });
    expect(embed.status).toBe(504);
    expect(await embed.json()).toMatchObject({ code: 'upstream_timeout', upstream: 'managed-identity' });
  });
});
