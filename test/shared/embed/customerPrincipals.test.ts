import { RefreshableValue } from '../../../shared/cache/refreshableValue';
import { ServicePrincipalTokenProvider } from '../../../shared/credentials/servicePrincipalToken';
import { CustomerPrincipals } from '../../../shared/embed/customerPrincipals';
import { resolveCustomer } from '../../../shared/policy/customers';
import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';
import { deferred } from '../../helpers/deferred';

// One token provider per customer principal: made on first use, shared by concurrent callers
// (one Entra call), bounded in number; profiles and the broker's own principal need none.

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);
const WS = '11111111-1111-4111-8111-111111111111';
const SP = { clientId: 'bbbbbbbb-0000-4000-8000-0000000000c1', objectId: 'bbbbbbbb-0000-4000-8000-0000000000e1' };
const PROFILE = 'aaaaaaaa-0000-4000-8000-0000000000e1';

const policy: EmbedPolicy = {
  version: 1,
  items: {},
  rules: [],
  customers: { claim: 'tid', entries: { own: { values: ['t-own'], workspaces: [WS], servicePrincipal: SP }, profiled: { values: ['t-profile'], workspaces: [WS], profileId: PROFILE } } },
};

function principals() {
  const acquired: string[] = [];
  const gate = deferred<void>();
  const made: string[] = [];
  const p = new CustomerPrincipals({
    createProvider: (clientId) => {
      made.push(clientId);
      return new ServicePrincipalTokenProvider({
        credential: new RefreshableValue(async () => ({ kind: 'secret' as const, secret: 's' })),
        createSource: () => ({
          acquire: async () => {
            acquired.push(clientId);
            await gate.promise;
            return { token: `token-${clientId}`, expiresOnMs: T0 + 3_600_000 };
          },
        }),
        minRemainingMs: 0,
        now: () => T0,
      });
    },
    maxPrincipals: 2,
  });
  return { p, acquired, made, gate };
}

describe('CustomerPrincipals', () => {
  it('shares one Entra call among concurrent first requests of a customer principal', async () => {
    const { p, acquired, made, gate } = principals();
    const access = p.accessFor(resolveCustomer(policy, { tid: 't-own' }), undefined);
    const tokens = Array.from({ length: 5 }, () => access.scope.as.principal?.getAccessToken());
    gate.resolve();
    expect(await Promise.all(tokens)).toEqual(Array(5).fill(`token-${SP.clientId}`));
    expect(acquired).toEqual([SP.clientId]);
    expect(made).toEqual([SP.clientId]);
    expect(access).toMatchObject({ scope: { key: `principal:${SP.clientId}` }, principalObjectId: SP.objectId });
  });

  it('gives a profile customer the profile header and the broker own principal, with no provider of its own', () => {
    const { p, made } = principals();
    const access = p.accessFor(resolveCustomer(policy, { tid: 't-profile' }), 'own-object-id');
    expect(access).toEqual({ scope: { key: `profile:${PROFILE}`, as: { profileId: PROFILE } }, principalObjectId: 'own-object-id' });
    expect(p.accessFor(undefined, undefined)).toEqual({ scope: { key: '', as: {} } });
    expect(made).toEqual([]);
  });

  it('keeps at most maxPrincipals providers, making a dropped one again on its next use', () => {
    const { p, made } = principals();
    const first = p.provider('c1');
    p.provider('c2');
    p.provider('c3');
    expect(p.size).toBe(2);
    expect(p.provider('c1')).not.toBe(first);
    expect(made).toEqual(['c1', 'c2', 'c3', 'c1']);
  });
});
