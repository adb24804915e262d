import { startTestApp, type TestApp } from '../helpers/localAzureForTests';
import { READINESS_FAILURE_TTL_MS } from '../../shared/app/broker';

// The token started beside caller authentication is the instance's, so callers who never
// authenticate must not drive Key Vault and Entra calls while those fail: after a failed
// flight, none is started that way for a few seconds, and readiness answers that failure
// without a call of its own. Authenticated requests still try.

const PATH = '/api/embed/reports/sales-overview';
const refused = () => ({ headers: { authorization: 'Bearer not-a-token' } });

async function stable(count: () => number, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  let last = count();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = count();
    if (now === last && now > 0) return now;
    if (Date.now() - started > timeoutMs) throw new Error('calls did not settle');
    last = now;
  }
}

describe('the early token after a failure', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('is not started again by refused callers for a while, and an authenticated request still recovers', async () => {
    app.azure.keyVault.server.inject({ kind: 'status', status: 403, ratio: 1, body: { error: { code: 'Forbidden' } } });
    expect((await fetch(`${app.url}${PATH}`, refused())).status).toBe(401);
    const vaultCalls = () => app.azure.keyVault.server.log.count({ path: '/secrets/' });
    const afterFirst = await stable(vaultCalls);

    const more = await Promise.all(Array.from({ length: 20 }, () => fetch(`${app.url}${PATH}`, refused())));
    expect(more.map((r) => r.status)).toEqual(Array(20).fill(401));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(vaultCalls()).toBe(afterFirst);
    const ready = await fetch(`${app.url}/api/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', checks: [{ name: 'service-principal-token', ok: false, detail: 'upstream_refused (keyvault)' }] });
    expect(vaultCalls()).toBe(afterFirst);
    expect(READINESS_FAILURE_TTL_MS).toBeGreaterThanOrEqual(5_000);

    app.azure.keyVault.server.faults.clear();
    expect((await app.getAs('alice', PATH)).status).toBe(200);
    expect(vaultCalls()).toBeGreaterThan(afterFirst);
  });
});
