import { ids, startPowerBi, type ErrorBody, type PowerBiHarness } from './harness';

// Workspace access through the REST API (Get Group Users, Add Group User) and the tenant
// setting that lets service principals call the API at all.

const users = (workspaceId: string) => `/v1.0/myorg/groups/${workspaceId}/users`;
const newSpOid = '55555555-5555-4555-8555-555555555555';
const adminOid = '66666666-6666-4666-8666-666666666666';

interface UsersBody {
  value: { identifier: string; principalType: string; groupUserAccessRight: string }[];
}

describe('Power BI emulator: workspace users and the service-principal tenant setting', () => {
  let pbi: PowerBiHarness;
  let spToken: string;
  let adminToken: string;

  beforeAll(async () => {
    pbi = await startPowerBi();
    spToken = await pbi.token();
    adminToken = await pbi.token({ claims: { oid: adminOid, tid: ids.tenant, scp: 'Workspace.ReadWrite.All' } });
    pbi.emulator.setWorkspaceUser(ids.wsForeign, { identifier: adminOid, principalType: 'User', groupUserAccessRight: 'Admin' });
  });

  afterAll(() => pbi.close());

  it('lists the members of a workspace; members given without a role are Member service principals', async () => {
    const res = await pbi.call<UsersBody>('GET', users(ids.wsMain), { token: spToken });
    expect(res.status).toBe(200);
    expect(res.body.value).toEqual(expect.arrayContaining([{ identifier: ids.spOid, principalType: 'App', groupUserAccessRight: 'Member' }]));
  });

  it('refuses the list to a caller who is not a member', async () => {
    const res = await pbi.call<ErrorBody>('GET', users(ids.wsForeign), { token: spToken });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('PowerBINotAuthorizedException');
  });

  it('lets a workspace admin add a service principal as Member, once', async () => {
    const details = { identifier: newSpOid.toUpperCase(), principalType: 'App', groupUserAccessRight: 'Member' };
    const added = await pbi.call('POST', users(ids.wsForeign), { token: adminToken, body: details });
    expect(added.status).toBe(200);
    const list = await pbi.call<UsersBody>('GET', users(ids.wsForeign), { token: adminToken });
    expect(list.body.value).toContainEqual({ identifier: newSpOid, principalType: 'App', groupUserAccessRight: 'Member' });

    const again = await pbi.call<ErrorBody>('POST', users(ids.wsForeign), { token: adminToken, body: details });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('AddingAlreadyExistsGroupUserNotSupportedError');
  });

  it('lets a Member add a Member but not an Admin', async () => {
    const asMember = await pbi.call('POST', users(ids.wsMain), { token: spToken, body: { identifier: ids.otherSpOid, principalType: 'App', groupUserAccessRight: 'Viewer' } });
    expect(asMember.status).toBe(200);
    const asAdmin = await pbi.call<ErrorBody>('POST', users(ids.wsMain), { token: spToken, body: { identifier: adminOid, principalType: 'User', groupUserAccessRight: 'Admin' } });
    expect(asAdmin.status).toBe(403);
  });

  it('refuses a malformed request with 400 naming the field', async () => {
    const res = await pbi.call<ErrorBody>('POST', users(ids.wsForeign), { token: adminToken, body: { identifier: newSpOid, principalType: 'Robot', groupUserAccessRight: 'Member' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details?.[0]?.target).toBe('userDetails.principalType');
    const noId = await pbi.call<ErrorBody>('POST', users(ids.wsForeign), { token: adminToken, body: { principalType: 'App', groupUserAccessRight: 'Member' } });
    expect(noId.status).toBe(400);
  });

  it('answers 401 ServicePrincipalIsNotAllowedByTenantAdminSwitch to service principals while the tenant setting is off, users still pass', async () => {
    const off = await fetch(`${pbi.emulator.url}/_emulator/tenant-settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ servicePrincipalsCanUseApis: false }) });
    expect(off.status).toBe(200);
    try {
      const sp = await pbi.call('GET', '/v1.0/myorg/groups', { token: spToken });
      expect(sp.status).toBe(401);
      expect(sp.headers.get('X-PowerBI-Error-Info')).toBe('ServicePrincipalIsNotAllowedByTenantAdminSwitch');
      expect((await pbi.call('GET', '/v1.0/myorg/groups', { token: adminToken })).status).toBe(200);
    } finally {
      pbi.emulator.allowServicePrincipals(true);
    }
    expect((await pbi.call('GET', '/v1.0/myorg/groups', { token: spToken })).status).toBe(200);
    const bad = await fetch(`${pbi.emulator.url}/_emulator/tenant-settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ servicePrincipalsCanUseApis: 'no' }) });
    expect(bad.status).toBe(400);
  });
});
