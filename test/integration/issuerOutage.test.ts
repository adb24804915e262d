import { SignJWT, generateKeyPair } from 'jose';
import { DEMO_API_AUDIENCE } from '../../dev/emulators/demoWorld';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// The users' issuer failing is not a sign-in error: an SPA answers 401 by signing the user in
// again, so an issuer blip would become a sign-in loop. On a cold instance every valid caller
// gets 503 with Retry-After, and a flood of tokens costs one key-set fetch, not one each.

describe("the users' issuer failing on a cold instance", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  it('answers valid and forged callers with 503 and Retry-After, with one key-set fetch', async () => {
    app.azure.users.server.inject({ kind: 'status', status: 500, ratio: 1, path: /discovery\/v2\.0\/keys$/ });
    const forger = (await generateKeyPair('RS256')).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ scp: 'access_as_user', preferred_username: 'ceo@contoso.example' })
      .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
      .setIssuer(app.azure.users.issuer)
      .setAudience(DEMO_API_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(forger);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => app.getAs('alice', '/api/embed/reports/sales-overview')),
      ...Array.from({ length: 20 }, () => fetch(`${app.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${forged}` } })),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'upstream_unavailable', upstream: 'issuer' });
    }
    expect(app.azure.users.server.log.count({ path: /discovery\/v2\.0\/keys$/ })).toBe(1);
    expect(app.azure.powerBi.log.count({})).toBe(0);
  });
});
