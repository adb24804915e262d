import { embedItems } from '../../../shared/embed/embedItems';
import { parseEmbedRequest } from '../../../shared/embed/embedRequest';
import { MAX_IDENTITY_BLOB_BYTES } from '../../../shared/embed/tokenIdentities';
import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';
import { datasetBody, fakeWorld, reportBody, T0 } from './fakePowerBi';

// The multi-resource embed path on the real policy, metadata cache, token cache and Power BI
// client (over a fake fetch): what goes into the token, and what is refused before any call.

const WS = '11111111-1111-4111-8111-111111111111';
const WS_A = 'aaaaaaaa-0000-4000-8000-0000000000f1';
const WS_B = 'bbbbbbbb-0000-4000-8000-0000000000f1';
const PROFILE_A = 'aaaaaaaa-0000-4000-8000-0000000000e1';
const SP_B = { clientId: 'bbbbbbbb-0000-4000-8000-0000000000c1', objectId: 'bbbbbbbb-0000-4000-8000-0000000000e1' };
const id = (n: number) => `22222222-2222-4222-8222-${String(n).padStart(12, '0')}`;
const R1 = id(1);
const R2 = id(2);
const D1 = id(11);
const D2 = id(12);
const D3 = id(13);
const RA = id(21);
const DA = id(31);
const RB = id(22);
const DB = id(32);
const OWN_OBJECT_ID = '99999999-0000-4000-8000-0000000000e1';

const user = { preferred_username: 'alice@contoso.example', oid: 'a11ce', scp: 'access_as_user', tid: 'tenant-a' };
const identity = { username: { claim: 'preferred_username' }, roles: { values: ['Reader'] } };

function policy(extra: Partial<EmbedPolicy> = {}): EmbedPolicy {
  return {
    version: 1,
    items: {
      composite: { type: 'report', workspaceId: WS, reportId: R1 },
      invoices: { type: 'report', workspaceId: WS, reportId: R2 },
      'contoso-sales': { type: 'report', workspaceId: WS_A, reportId: RA },
      'fabrikam-sales': { type: 'report', workspaceId: WS_B, reportId: RB },
    },
    rules: [{ name: 'users', match: { scp: 'access_as_user' }, allow: ['*'], identity, access: 'edit' }],
    ...extra,
  };
}

const items = {
  reports: {
    [`${WS}/${R1}`]: reportBody(WS, R1, { datasetId: D1 }),
    [`${WS}/${R2}`]: reportBody(WS, R2, { reportType: 'PaginatedReport' }),
    [`${WS_A}/${RA}`]: reportBody(WS_A, RA, { datasetId: DA }),
    [`${WS_B}/${RB}`]: reportBody(WS_B, RB, { datasetId: DB }),
  },
  datasets: {
    // D1 reads D2 with DirectQuery, which reads D3 (in another workspace named by Power BI).
    [`${WS}/${D1}`]: datasetBody(D1, true, { upstreamDatasets: [{ targetDatasetId: D2 }] }),
    [`${WS}/${D2}`]: datasetBody(D2, false, { upstreamDatasets: [{ targetDatasetId: D3, groupId: WS_A }] }),
    [`${WS_A}/${D3}`]: datasetBody(D3, true),
    [`${WS}/${D3}`]: datasetBody(D3, true),
    [`${WS_A}/${DA}`]: datasetBody(DA, true),
    [`${WS_B}/${DB}`]: datasetBody(DB, true),
  },
  datasources: { [`${WS}/${R2}`]: [{ datasourceType: 'AnalysisServices', connectionDetails: { server: 'pbiazure://api.powerbi.com', database: `sobe_wowvirtualserver-${D3}` } }] },
};

const customers: EmbedPolicy['customers'] = {
  claim: 'tid',
  entries: {
    contoso: { values: ['tenant-a'], workspaces: [WS_A], profileId: PROFILE_A },
    fabrikam: { values: ['tenant-b'], workspaces: [WS_B], servicePrincipal: SP_B },
  },
};

describe('embedItems', () => {
  it('follows a DirectQuery chain across workspaces: every dataset read-only, the RLS ones with the identity', async () => {
    const w = fakeWorld(policy(), items);
    const outcome = await embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'composite' }] }), T0 + 5000);
    expect(w.generated[0]?.request).toEqual({
      datasets: [
        { id: D1, xmlaPermissions: 'ReadOnly' },
        { id: D2, xmlaPermissions: 'ReadOnly' },
        { id: D3, xmlaPermissions: 'ReadOnly' },
      ],
      reports: [{ id: R1, allowEdit: false }],
      identities: [{ username: 'alice@contoso.example', roles: ['Reader'], datasets: [D1, D3] }],
    });
    expect(w.calls.map((c) => c.path)).toContain(`/v1.0/myorg/groups/${WS_A}/datasets/${D3}`);
    expect(outcome.config.datasets.map((d) => d.id)).toEqual([D1, D2, D3]);
  });

  it('finds a paginated report dataset through its data sources and names the report in the identity', async () => {
    const w = fakeWorld(policy(), items);
    const outcome = await embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000);
    expect(w.calls.map((c) => c.path)).toEqual([`/v1.0/myorg/groups/${WS}/reports/${R2}`, `/v1.0/myorg/groups/${WS}/reports/${R2}/datasources`, `/v1.0/myorg/groups/${WS}/datasets/${D3}`]);
    expect(w.generated[0]?.request).toEqual({
      datasets: [{ id: D3, xmlaPermissions: 'ReadOnly' }],
      reports: [{ id: R2, allowEdit: false }],
      identities: [{ username: 'alice@contoso.example', roles: ['Reader'], datasets: [D3], reports: [R2] }],
    });
    expect(outcome.config.reports[0]).toMatchObject({ reportType: 'PaginatedReport', datasetId: D3 });
  });

  it('embeds a paginated report on other data sources with no dataset and no identity', async () => {
    const w = fakeWorld(policy(), { ...items, datasources: { [`${WS}/${R2}`]: [{ datasourceType: 'Sql', connectionDetails: { server: 'x.database.windows.net', database: 'sales' } }] } });
    await embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000);
    expect(w.generated[0]?.request).toEqual({ datasets: [], reports: [{ id: R2, allowEdit: false }] });
  });

  it('refuses two rules that give one dataset different identities', async () => {
    const p = policy();
    p.items['composite-too'] = { type: 'report', workspaceId: WS, reportId: R2 };
    p.rules.unshift({ name: 'other', match: { scp: 'access_as_user' }, allow: ['composite-too'], identity: { username: { claim: 'oid' } } });
    const w = fakeWorld(p, { ...items, reports: { ...items.reports, [`${WS}/${R2}`]: reportBody(WS, R2, { datasetId: D1 }) } });
    await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'composite' }, { key: 'composite-too' }] }), T0 + 5000)).rejects.toMatchObject({
      code: 'forbidden',
      extensions: { reason: 'conflicting_identities' },
    });
    expect(w.generated).toHaveLength(0);
  });

  it('refuses 51 datasets after following the chains, before GenerateToken', async () => {
    const chain = Array.from({ length: 51 }, (_, i) => id(100 + i));
    const datasets = Object.fromEntries(chain.map((d, i) => [`${WS}/${d}`, datasetBody(d, false, i + 1 < chain.length ? { upstreamDatasets: [{ targetDatasetId: chain[i + 1] }] } : {})]));
    const w = fakeWorld(policy(), { reports: { [`${WS}/${R1}`]: reportBody(WS, R1, { datasetId: chain[0] }) }, datasets });
    // The chain is deeper than the broker follows long before it has 51 datasets.
    await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'composite' }] }), T0 + 5000)).rejects.toMatchObject({ code: 'upstream_invalid_response' });
    expect(w.generated).toHaveLength(0);
  });

  it('refuses 51 datasets a wide composite model needs, before GenerateToken', async () => {
    const wide = Array.from({ length: 50 }, (_, i) => id(200 + i));
    const datasets = { [`${WS}/${D1}`]: datasetBody(D1, false, { upstreamDatasets: wide.map((d) => ({ targetDatasetId: d })) }), ...Object.fromEntries(wide.map((d) => [`${WS}/${d}`, datasetBody(d, false)])) };
    const w = fakeWorld(policy(), { reports: items.reports, datasets });
    await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'composite' }] }), T0 + 5000)).rejects.toMatchObject({
      code: 'bad_request',
      extensions: { reason: 'too_many_datasets' },
    });
    expect(w.generated).toHaveLength(0);
  });

  it.each([
    [{ reports: Array.from({ length: 51 }, (_, i) => ({ key: `r${i}` })) }, 'too_many_reports'],
    [{ datasets: Array.from({ length: 51 }, (_, i) => ({ key: `d${i}` })) }, 'too_many_datasets'],
    [{ reports: [{ key: 'a', access: 'owner' }] }, 'invalid_body'],
    [{ datasets: [{ key: 'a', access: 'edit' }] }, 'invalid_body'],
    [{ reports: [{ key: 'a', identities: [] }] }, 'invalid_body'],
    [{ reports: 'a' }, 'invalid_body'],
    [[], 'invalid_body'],
    [{}, 'empty_request'],
  ])('parseEmbedRequest refuses %j (%s)', (body, reason) => {
    expect(() => parseEmbedRequest(body)).toThrow(expect.objectContaining({ code: 'bad_request', extensions: { reason } }));
  });

  it('refuses 51 target workspaces before any call', async () => {
    const p = policy();
    p.items = {};
    const ws = (i: number) => `33333333-3333-4333-8333-${String(i).padStart(12, '0')}`;
    // Each item's target is its own workspace: 26 reports and 25 datasets need 51.
    for (let i = 0; i < 26; i++) p.items[`r${i}`] = { type: 'report', workspaceId: ws(i), reportId: id(300 + i) };
    for (let i = 26; i < 51; i++) p.items[`d${i}`] = { type: 'dataset', workspaceId: ws(i), datasetId: id(300 + i) };
    p.rules = [{ name: 'creators', match: { scp: 'access_as_user' }, allow: ['*'], identity, access: 'create' }];
    const w = fakeWorld(p, {});
    const keys = Object.keys(p.items);
    const body = { reports: keys.filter((k) => k.startsWith('r')).map((key) => ({ key, access: 'create' })), datasets: keys.filter((k) => k.startsWith('d')).map((key) => ({ key, access: 'create' })) };
    await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest(body), T0 + 5000)).rejects.toMatchObject({ code: 'bad_request', extensions: { reason: 'too_many_target_workspaces' } });
    expect(w.calls).toHaveLength(0);
  });

  describe('customers', () => {
    it('calls for a profile customer carry X-PowerBI-Profile-Id, and its tokens are cached apart from the principal own', async () => {
      const p = policy({ customers });
      const w = fakeWorld(p, items);
      const outcome = await embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'contoso-sales' }] }), T0 + 5000);
      expect(w.calls.every((c) => c.profile === PROFILE_A && c.authorization === 'Bearer own-sp-token')).toBe(true);
      expect(w.generated[0]?.as).toBe(`profile:${PROFILE_A}`);
      expect(outcome.config.reports[0]?.id).toBe(RA);
    });

    it('calls for an own-principal customer carry that principal token and no profile', async () => {
      const w = fakeWorld(policy({ customers }), items);
      await embedItems(w.deps, w.callerOf({ ...user, tid: 'tenant-b' }), parseEmbedRequest({ reports: [{ key: 'fabrikam-sales' }] }), T0 + 5000);
      expect(w.calls.length).toBeGreaterThan(0);
      expect(w.calls.every((c) => c.profile === undefined && c.authorization === `Bearer sp-token-${SP_B.clientId}`)).toBe(true);
      expect(w.generated[0]?.as).toBe(`principal:${SP_B.clientId}`);
    });

    it.each([
      ['tenant-a', 'fabrikam-sales'],
      ['tenant-b', 'contoso-sales'],
      ['tenant-a', 'composite'],
    ])('a caller of %s cannot reach %s: 404 and no call', async (tid, key) => {
      const w = fakeWorld(policy({ customers }), items);
      await expect(embedItems(w.deps, w.callerOf({ ...user, tid }), parseEmbedRequest({ reports: [{ key }] }), T0 + 5000)).rejects.toMatchObject({ code: 'not_found' });
      expect(w.calls).toHaveLength(0);
    });

    it('an item a policy gives one customer but places in another customer workspace stays unreachable', async () => {
      const p = policy({ customers });
      p.items['misplaced'] = { type: 'report', workspaceId: WS_B, reportId: RB, customer: 'contoso' };
      const w = fakeWorld(p, items);
      await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'misplaced' }] }), T0 + 5000)).rejects.toMatchObject({ code: 'not_found' });
      expect(w.calls).toHaveLength(0);
    });

    it('stops a DirectQuery chain that leaves the customer workspaces before calling there', async () => {
      const p = policy({ customers: { claim: 'tid', entries: { contoso: { values: ['tenant-a'], workspaces: [WS], profileId: PROFILE_A } } } });
      const w = fakeWorld(p, items);
      await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'composite' }] }), T0 + 5000)).rejects.toMatchObject({
        code: 'forbidden',
        extensions: { reason: 'outside_customer' },
      });
      expect(w.calls.map((c) => c.path).some((path) => path.includes(WS_A))).toBe(false);
      expect(w.generated).toHaveLength(0);
    });

    it('refuses a Save As target outside the customer workspaces before any call', async () => {
      const p = policy({ customers });
      p.rules = [{ name: 'creators', match: { scp: 'access_as_user' }, allow: ['*'], identity, access: 'create', targetWorkspaceId: WS_B }];
      const w = fakeWorld(p, items);
      await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'contoso-sales', access: 'create' }] }), T0 + 5000)).rejects.toMatchObject({
        extensions: { reason: 'outside_customer' },
      });
      expect(w.calls).toHaveLength(0);
    });

    it('refuses a caller of no customer, and of two', async () => {
      const w = fakeWorld(policy({ customers }), items);
      expect(() => w.callerOf({ ...user, tid: 'tenant-z' })).toThrow(expect.objectContaining({ code: 'forbidden', extensions: { reason: 'no_customer' } }));
      expect(() => w.callerOf({ ...user, tid: ['tenant-a', 'tenant-b'] })).toThrow(expect.objectContaining({ extensions: { reason: 'ambiguous_customer' } }));
    });

    it('keys cached metadata and tokens on the profile or principal: the same item and identity through two of them costs two calls', async () => {
      const shared = { claim: 'tid', entries: { a: { values: ['tenant-a'], workspaces: [WS], profileId: PROFILE_A }, b: { values: ['tenant-b'], workspaces: [WS], servicePrincipal: SP_B } } };
      const w = fakeWorld(policy({ customers: shared }), items);
      const request = parseEmbedRequest({ reports: [{ key: 'invoices' }] });
      await embedItems(w.deps, w.callerOf(user), request, T0 + 5000);
      const callsForA = w.calls.length;
      await embedItems(w.deps, w.callerOf({ ...user, tid: 'tenant-b' }), request, T0 + 5000);
      expect(w.calls.length).toBe(2 * callsForA);
      expect(w.generated.map((g) => g.as)).toEqual([`profile:${PROFILE_A}`, `principal:${SP_B.clientId}`]);
      expect(w.generated[0]?.request).toEqual(w.generated[1]?.request);
      // The same caller again: served from both caches.
      await embedItems(w.deps, w.callerOf(user), request, T0 + 5000);
      expect(w.generated).toHaveLength(2);
      expect(w.calls.length).toBe(2 * callsForA);
    });
  });

  describe('identities beyond RLS', () => {
    it('gives an Azure Analysis Services live connection the principal object id as username and the caller in customData', async () => {
      const w = fakeWorld(policy({ servicePrincipalObjectId: OWN_OBJECT_ID, datasets: { [D3]: { aasLiveConnection: true } } }), items);
      await embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000);
      expect(w.generated[0]?.request.identities).toEqual([{ username: OWN_OBJECT_ID, customData: 'alice@contoso.example', roles: ['Reader'], datasets: [D3], reports: [R2] }]);
    });

    it('refuses an Azure Analysis Services dataset when the policy names no principal object id', async () => {
      const w = fakeWorld(policy({ datasets: { [D3]: { aasLiveConnection: true } } }), items);
      await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000)).rejects.toMatchObject({ code: 'config_invalid' });
      expect(w.generated).toHaveLength(0);
    });

    it('puts an Azure SQL token for the caller in identityBlob only for a dataset the policy marks as SSO', async () => {
      const w = fakeWorld(policy({ datasets: { [D3]: { sso: true } } }), items);
      await embedItems(w.deps, w.callerOf(user, 'user-bearer'), parseEmbedRequest({ reports: [{ key: 'composite' }] }), T0 + 5000);
      expect(w.sqlTokens).toEqual(['user-bearer']);
      expect(w.generated[0]?.request.identities).toEqual([
        { username: 'alice@contoso.example', roles: ['Reader'], datasets: [D1] },
        { username: 'alice@contoso.example', roles: ['Reader'], identityBlob: { value: 'sql-token-for-user-bearer' }, datasets: [D3] },
      ]);
    });

    it('gives the Azure SQL sources of a paginated report the policy marks as SSO the caller token in datasourceIdentities', async () => {
      const sql = { datasourceType: 'Sql', connectionDetails: { server: 'orders.database.windows.net', database: 'orders' } };
      const world = { ...items, datasources: { [`${WS}/${R2}`]: [sql, { datasourceType: 'File', connectionDetails: { server: 'x' } }] } };
      const marked = policy();
      marked.items['invoices'] = { type: 'report', workspaceId: WS, reportId: R2, sso: true };
      const w = fakeWorld(marked, world);
      await embedItems(w.deps, w.callerOf(user, 'user-bearer'), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000);
      expect(w.generated[0]?.request).toEqual({ datasets: [], reports: [{ id: R2, allowEdit: false }], datasourceIdentities: [{ identityBlob: { value: 'sql-token-for-user-bearer' }, datasources: [sql] }] });
      // Not marked: no token asked, none sent.
      const plain = fakeWorld(policy(), world);
      await embedItems(plain.deps, plain.callerOf(user, 'user-bearer'), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000);
      expect(plain.generated[0]?.request).not.toHaveProperty('datasourceIdentities');
      expect(plain.sqlTokens).toEqual([]);
    });

    it('refuses SSO without the caller bearer token, and a blob over 10,240 bytes', async () => {
      const w = fakeWorld(policy({ datasets: { [D3]: { sso: true } } }), items);
      await expect(embedItems(w.deps, w.callerOf(user), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000)).rejects.toMatchObject({ extensions: { reason: 'sso_needs_user_token' } });
      w.deps.sqlTokenFor = async () => 'x'.repeat(MAX_IDENTITY_BLOB_BYTES + 1);
      await expect(embedItems(w.deps, w.callerOf(user, 'user-bearer'), parseEmbedRequest({ reports: [{ key: 'invoices' }] }), T0 + 5000)).rejects.toMatchObject({ code: 'upstream_invalid_response' });
      expect(w.generated).toHaveLength(0);
    });
  });
});
