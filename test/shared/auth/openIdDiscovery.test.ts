import { BrokerError } from '../../../shared/errors/brokerError';
import { DISCOVERY_FAILURE_COOLDOWN_MS, OpenIdDiscovery } from '../../../shared/auth/openIdDiscovery';

const ISSUER = 'https://issuer.test/v2.0';

describe('OpenIdDiscovery', () => {
  it('fetches once for concurrent callers and keeps the document', async () => {
    let calls = 0;
    const discovery = new OpenIdDiscovery(ISSUER, async () => {
      calls += 1;
      return Response.json({ issuer: ISSUER, jwks_uri: 'https://issuer.test/keys' });
    });
    const docs = await Promise.all([discovery.get(), discovery.get(), discovery.get()]);
    await discovery.get();
    expect(docs[0]).toEqual({ issuer: ISSUER, jwks_uri: 'https://issuer.test/keys' });
    expect(calls).toBe(1);
  });

  it('answers a failure again during the cooldown without calling the issuer, then tries again', async () => {
    let now = 1_000_000;
    let calls = 0;
    let up = false;
    const discovery = new OpenIdDiscovery(
      ISSUER,
      async () => {
        calls += 1;
        if (!up) throw new TypeError('fetch failed');
        return Response.json({ issuer: ISSUER, jwks_uri: 'https://issuer.test/keys' });
      },
      5000,
      () => now,
    );
    await expect(discovery.get()).rejects.toBeInstanceOf(BrokerError);
    up = true;
    await expect(discovery.get()).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(calls).toBe(1);
    now += DISCOVERY_FAILURE_COOLDOWN_MS;
    await expect(discovery.get()).resolves.toMatchObject({ issuer: ISSUER });
    expect(calls).toBe(2);
  });
});
