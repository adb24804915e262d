import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// One hung managed-identity call on a cold instance: @azure/identity ignores its abort signal,
// so without a hard timeout the stuck call stayed in the shared flight and every later request
// waited out its deadline, even once the endpoint answered at once. It must end in a clear
// answer, and the next request must start afresh.

describe('a hung managed-identity call on a cold instance', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers the caller in time, keeps readiness answering, and recovers on the next request', async () => {
    app.azure.managedIdentity.server.inject({ kind: 'hang', times: 1 });
    const first = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(first.status).toBe(504);
    expect(first.headers.get('content-type')).toBe('application/problem+json');
    expect(await first.json()).toMatchObject({ code: 'upstream_timeout', upstream: 'managed-identity' });

    // Readiness answers at once with that recent failure, without a call of its own (an anonymous
    // probe must not drive the identity while it fails).
    const identityCalls = app.azure.managedIdentity.server.log.count({});
    const notReady = await fetch(`${app.url}/api/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ checks: [{ ok: false, detail: 'upstream_timeout (managed-identity)' }] });
    expect(app.azure.managedIdentity.server.log.count({})).toBe(identityCalls);
    // The endpoint answers again: nothing of the stuck call is left in the way of the next request.
    const second = await app.getAs('alice', '/api/embed/reports/sales-overview');
    expect(second.status).toBe(200);
    expect(app.azure.managedIdentity.server.log.count({})).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${app.url}/api/health/ready`)).status).toBe(200);
  });
});
