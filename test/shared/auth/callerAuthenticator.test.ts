import { createCallerAuthenticator, LOCAL_DEVELOPER_CLAIMS } from '../../../shared/auth/callerAuthenticator';
import { BrokerError } from '../../../shared/errors/brokerError';

function principal(claims: { typ: string; val: string }[]): string {
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'name', role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', claims })).toString('base64');
}

describe('createCallerAuthenticator', () => {
  it('easyauth mode reads x-ms-client-principal and maps claim types to short names', async () => {
    const auth = createCallerAuthenticator({ mode: 'easyauth' });
    const caller = await auth.authenticate({
      clientPrincipal: principal([
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-1' },
        { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Sales.EU' },
        { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Sales.US' },
        { typ: 'preferred_username', val: 'alice@contoso.com' },
      ]),
      authorization: 'Bearer ignored',
    });
    expect(caller.claims).toEqual({ oid: 'oid-1', roles: ['Sales.EU', 'Sales.US'], preferred_username: 'alice@contoso.com' });
  });

  it('easyauth mode refuses a missing or malformed principal with 401', async () => {
    const auth = createCallerAuthenticator({ mode: 'easyauth' });
    await expect(auth.authenticate({})).rejects.toMatchObject({ status: 401 });
    await expect(auth.authenticate({ clientPrincipal: 'bm90IGpzb24=' })).rejects.toBeInstanceOf(BrokerError);
  });

  it('jwt mode ignores a forged x-ms-client-principal and needs a bearer token', async () => {
    const auth = createCallerAuthenticator({ mode: 'jwt', issuer: 'https://issuer.test', audiences: ['a'], allowedClientIds: [], allowAppTokens: false, maxTokenAgeMinutes: 1440 }, { fetch: async () => new Response('', { status: 500 }) });
    const forged = principal([{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'admin' }]);
    await expect(auth.authenticate({ clientPrincipal: forged })).rejects.toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
    await expect(auth.authenticate({ clientPrincipal: forged, authorization: 'Basic abc' })).rejects.toMatchObject({ status: 401 });
  });

  it('none mode gives the fixed local developer identity', async () => {
    await expect(createCallerAuthenticator({ mode: 'none' }).authenticate({ clientPrincipal: 'x' })).resolves.toEqual({ claims: LOCAL_DEVELOPER_CLAIMS, mode: 'none' });
  });
});
