import { embedDashboard, embedTile } from '../../../shared/embed/embedDashboard';
import type { EmbedPolicy } from '../../../shared/policy/embedPolicy';
import { datasetBody, fakeWorld, T0 } from './fakePowerBi';

// Dashboards and tiles (V1 tokens) on the real policy, caches and client over a fake fetch.

const WS = '11111111-1111-4111-8111-111111111111';
const WS_B = 'bbbbbbbb-0000-4000-8000-0000000000f1';
const DASH = '44444444-4444-4444-8444-000000000001';
const DASH_B = '44444444-4444-4444-8444-000000000002';
const TILE_RLS = '55555555-5555-4555-8555-000000000001';
const TILE_PLAIN = '55555555-5555-4555-8555-000000000002';
const D_RLS = '66666666-6666-4666-8666-000000000001';
const D_PLAIN = '66666666-6666-4666-8666-000000000002';

const user = { preferred_username: 'alice@contoso.example', scp: 'access_as_user', tid: 'tenant-a' };

function policy(extra: Partial<EmbedPolicy> = {}): EmbedPolicy {
  return {
    version: 1,
    items: {
      board: { type: 'dashboard', workspaceId: WS, dashboardId: DASH },
      other: { type: 'dashboard', workspaceId: WS_B, dashboardId: DASH_B },
      report: { type: 'report', workspaceId: WS, reportId: DASH },
    },
    rules: [{ name: 'users', match: { scp: 'access_as_user' }, allow: ['*'], identity: { username: { claim: 'preferred_username' }, roles: { values: ['Reader'] } } }],
    ...extra,
  };
}

const tile = (id: string, datasetId: string) => ({ id, title: 't', embedUrl: `https://app.powerbi.test/embed?dashboardId=${DASH}&tileId=${id}`, datasetId });
const items = {
  dashboards: { [`${WS}/${DASH}`]: { id: DASH, displayName: 'Board', embedUrl: `https://app.powerbi.test/dashboardEmbed?dashboardId=${DASH}` } },
  tiles: { [`${WS}/${DASH}`]: [tile(TILE_RLS, D_RLS), tile(TILE_PLAIN, D_PLAIN), tile('55555555-5555-4555-8555-000000000003', D_RLS)] },
  datasets: { [`${WS}/${D_RLS}`]: datasetBody(D_RLS, true), [`${WS}/${D_PLAIN}`]: datasetBody(D_PLAIN, false) },
};

describe('embedDashboard and embedTile', () => {
  it('asks one V1 token for the dashboard, with one identity for the RLS datasets of its tiles', async () => {
    const w = fakeWorld(policy(), items);
    const outcome = await embedDashboard(w.deps, w.callerOf(user), 'board', T0 + 5000);
    expect(outcome.config).toMatchObject({ type: 'dashboard', id: DASH, tokenType: 'Embed', accessToken: 'embed-token-1' });
    expect(w.generatedV1).toEqual([
      { target: { kind: 'dashboard', workspaceId: WS, dashboardId: DASH }, request: { accessLevel: 'View', identities: [{ username: 'alice@contoso.example', roles: ['Reader'], datasets: [D_RLS] }] }, as: '' },
    ]);
    // A repeat is served from the token cache.
    await embedDashboard(w.deps, w.callerOf(user), 'board', T0 + 5000);
    expect(w.generatedV1).toHaveLength(1);
  });

  it('embeds a tile with an identity only when its dataset needs one; the two tokens are cached apart', async () => {
    const w = fakeWorld(policy(), items);
    await embedTile(w.deps, w.callerOf(user), 'board', TILE_RLS, T0 + 5000);
    const plain = await embedTile(w.deps, w.callerOf(user), 'board', TILE_PLAIN.toUpperCase(), T0 + 5000);
    expect(plain.config).toMatchObject({ type: 'tile', id: TILE_PLAIN, dashboardId: DASH, accessToken: 'embed-token-2' });
    expect(w.generatedV1.map((g) => g.request)).toEqual([{ accessLevel: 'View', identities: [{ username: 'alice@contoso.example', roles: ['Reader'], datasets: [D_RLS] }] }, { accessLevel: 'View' }]);
  });

  it('embeds no tile Power BI does not list on the cataloged dashboard', async () => {
    const w = fakeWorld(policy(), items);
    await expect(embedTile(w.deps, w.callerOf(user), 'board', '55555555-5555-4555-8555-0000000000ff', T0 + 5000)).rejects.toMatchObject({ code: 'not_found' });
    expect(w.generatedV1).toHaveLength(0);
  });

  it.each(['1', '../reports', `${TILE_RLS}/GenerateToken`, `${TILE_RLS}?x=1`])('refuses the tile id %j before any call', async (tileId) => {
    const w = fakeWorld(policy(), items);
    await expect(embedTile(w.deps, w.callerOf(user), 'board', tileId, T0 + 5000)).rejects.toMatchObject({ code: 'bad_request' });
    expect(w.calls).toHaveLength(0);
  });

  it('answers 404 for a report key, and for another customer dashboard, before any call', async () => {
    const w = fakeWorld(policy({ customers: { claim: 'tid', entries: { a: { values: ['tenant-a'], workspaces: [WS], profileId: DASH_B }, b: { values: ['tenant-b'], workspaces: [WS_B], profileId: DASH } } } }), items);
    await expect(embedDashboard(w.deps, w.callerOf(user), 'report', T0)).rejects.toMatchObject({ code: 'not_found' });
    await expect(embedDashboard(w.deps, w.callerOf(user), 'other', T0)).rejects.toMatchObject({ code: 'not_found' });
    await expect(embedTile(w.deps, w.callerOf(user), 'other', TILE_RLS, T0)).rejects.toMatchObject({ code: 'not_found' });
    expect(w.calls).toHaveLength(0);
  });

  it('acts as the customer profile for a customer dashboard', async () => {
    const w = fakeWorld(policy({ customers: { claim: 'tid', entries: { a: { values: ['tenant-a'], workspaces: [WS], profileId: DASH_B } } } }), items);
    await embedDashboard(w.deps, w.callerOf(user), 'board', T0 + 5000);
    expect(w.calls.every((c) => c.profile === DASH_B)).toBe(true);
    expect(w.generatedV1[0]?.as).toBe(`profile:${DASH_B}`);
  });
});
