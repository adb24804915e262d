import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Key Vault's SDK first sends a read unauthenticated, to learn the vault's resource from the
// challenge, and only then asks the identity for a token. The broker asks the identity for that
// token beside the challenge, so a cold secret read waits for two vault round trips, not three
// calls one after the other; the SDK then uses the token it finds.

describe('the managed-identity token for Key Vault', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('is asked for beside the vault challenge, and the SDK reads with it: one identity call', async () => {
    app.azure.keyVault.server.inject({ kind: 'delay', ratio: 1, delayMs: 300 });
    expect((await app.getAs('alice', '/api/embed/reports/sales-overview')).status).toBe(200);
    const [challenge, read] = app.azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' });
    expect(challenge?.status).toBe(401);
    expect(read?.status).toBe(200);
    const identity = app.azure.managedIdentity.server.log.find({ path: '/msi/token' });
    expect(identity).toHaveLength(1);
    // The identity answered while the (slow) challenge was still out.
    expect(Date.parse(identity[0]?.time as string)).toBeLessThan(Date.parse(challenge?.time as string));
  });
});
