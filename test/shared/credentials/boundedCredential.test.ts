import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { boundedCredential } from '../../../shared/credentials/boundedCredential';
import { BrokerError } from '../../../shared/errors/brokerError';

// The managed identity as the app uses it: concurrent requests for one token share a call, and
// every call is bounded.

function countingCredential(answer: (scopes: string | string[]) => Promise<AccessToken | null>) {
  const calls: { scopes: string | string[]; options: GetTokenOptions | undefined }[] = [];
  const credential: TokenCredential = {
    getToken: (scopes, options) => {
      calls.push({ scopes, options });
      return answer(scopes);
    },
  };
  return { credential, calls };
}

const token = (value: string): AccessToken => ({ token: value, expiresOnTimestamp: Date.now() + 3_600_000 });

describe('boundedCredential', () => {
  it('shares one call among concurrent requests for the same scope; for a managed identity, whatever tenantId or scope form they pass', async () => {
    let release: (t: AccessToken) => void = () => undefined;
    const { credential, calls } = countingCredential(() => new Promise((resolve) => (release = resolve)));
    const bounded = boundedCredential(credential, { timeoutMs: 5_000, singleTenant: true });
    const requests = [
      bounded.getToken('https://vault.azure.net/.default'),
      bounded.getToken(['https://vault.azure.net/.default'], { tenantId: 'd3e0d3e0-0000-4000-8000-00000000d3e0', enableCae: true }),
      bounded.getToken('https://vault.azure.net/.default'),
    ];
    release(token('one'));
    expect((await Promise.all(requests)).map((t) => t?.token)).toEqual(['one', 'one', 'one']);
    expect(calls).toHaveLength(1);
  });

  it("keeps tenants apart for a credential that signs in to the tenant asked for (a developer's CLI login)", async () => {
    const { credential, calls } = countingCredential(async () => token('t'));
    const bounded = boundedCredential(credential, { timeoutMs: 5_000 });
    await Promise.all([bounded.getToken('https://vault.azure.net/.default'), bounded.getToken('https://vault.azure.net/.default', { tenantId: 'other-tenant' })]);
    expect(calls.map((c) => c.options?.tenantId)).toEqual([undefined, 'other-tenant']);
  });

  it('keeps scopes and claims apart, and shares nothing once a call has ended', async () => {
    const { credential, calls } = countingCredential(async (scopes) => token(String(scopes)));
    const bounded = boundedCredential(credential, { timeoutMs: 5_000 });
    await Promise.all([bounded.getToken('a/.default'), bounded.getToken('b/.default'), bounded.getToken('a/.default', { claims: 'challenge' })]);
    expect(calls).toHaveLength(3);
    await bounded.getToken('a/.default');
    expect(calls).toHaveLength(4);
  });

  it('ends a hung call at its bound for every request that shared it, and lets the next one try again', async () => {
    let hang = true;
    const { credential, calls } = countingCredential(() => (hang ? new Promise<AccessToken>(() => undefined) : Promise.resolve(token('later'))));
    const bounded = boundedCredential(credential, { timeoutMs: 50 });
    const outcomes = await Promise.allSettled([bounded.getToken('a/.default'), bounded.getToken('a/.default')]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(BrokerError);
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'upstream_timeout' });
    }
    expect(calls).toHaveLength(1);
    hang = false;
    await expect(bounded.getToken('a/.default')).resolves.toMatchObject({ token: 'later' });
    expect(calls).toHaveLength(2);
  });
});
