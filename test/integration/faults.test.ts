import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Upstream failures become clear problem+json answers, and the broker recovers when they do.

describe('upstream faults', () => {
  let app: TestApp;
  let user = 0;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  afterEach(() => {
    for (const server of [app.azure.entra.server, app.azure.keyVault.server, app.azure.powerBi.server, app.azure.managedIdentity.server]) server.faults.clear();
  });

  // A fresh demo identity per test, so the embed-token cache never answers for the upstream.
  async function embedAsNewUser(): Promise<Response> {
    user += 1;
    const name = `user${user}`;
    app.azure.users.addUser({ name, claims: { preferred_username: `${name}@contoso.example`, roles: ['Sales.EU'] } });
    return app.getAs(name, '/api/embed/reports/sales-overview');
  }

  it('retries a Power BI 429 after its Retry-After and succeeds', async () => {
    app.azure.powerBi.inject({ kind: 'status', status: 429, retryAfterSeconds: 1, method: 'POST', path: /GenerateToken$/i, body: { error: { code: 'TooManyRequests' } } });
    const res = await embedAsNewUser();
    expect(res.status).toBe(200);
    const attempts = app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/i }).slice(-2);
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
  });

  it('answers 502 with the upstream RequestId when Power BI keeps failing', async () => {
    app.azure.powerBi.inject({ kind: 'status', status: 500, ratio: 1, method: 'POST', path: /GenerateToken$/i, body: { error: { code: 'InternalServerError' } } });
    const res = await embedAsNewUser();
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Record<string, unknown>;
    const last = app.azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/i }).at(-1);
    expect(problem).toMatchObject({ code: 'upstream_error', upstream: 'powerbi', upstreamStatus: 500, upstreamCode: 'InternalServerError', upstreamRequestId: last?.requestId });
  });

  it('answers 503 with Retry-After when Power BI stays throttled', async () => {
    app.azure.powerBi.inject({ kind: 'status', status: 429, retryAfterSeconds: 30, ratio: 1, method: 'POST', path: /GenerateToken$/i });
    const res = await embedAsNewUser();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await res.json()).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('answers 504 within the deadline when Power BI hangs', async () => {
    app.azure.powerBi.inject({ kind: 'hang', ratio: 1, method: 'POST', path: /GenerateToken$/i });
    const res = await embedAsNewUser();
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'upstream_timeout' });
  });

  it('gets a new service-principal token once when Power BI refuses the cached one', async () => {
    expect((await embedAsNewUser()).status).toBe(200);
    const entraCalls = () => app.azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' });
    const before = entraCalls();
    app.azure.powerBi.inject({ kind: 'status', status: 403, times: 1, method: 'POST', path: /GenerateToken$/i, body: { error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' } } });
    expect((await embedAsNewUser()).status).toBe(200);
    expect(entraCalls()).toBe(before + 1);
  });

  it('answers 502 for a malformed Power BI answer', async () => {
    app.azure.powerBi.inject({ kind: 'malformed', method: 'POST', path: /GenerateToken$/i });
    const res = await embedAsNewUser();
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'upstream_invalid_response' });
  });
});
