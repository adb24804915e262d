import { ids, startPowerBi, type EmbedTokenBody, type ErrorBody, type PowerBiHarness } from './powerBi/harness';

// The Power BI emulator's REST surface over real HTTPS: item endpoints, auth, profiles,
// errors, faults and the admin API. GenerateToken rules are in powerBi/generateToken.test.ts.

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const group = (workspaceId: string) => `/v1.0/myorg/groups/${workspaceId}`;

describe('PowerBiEmulator REST surface', () => {
  let pbi: PowerBiHarness;
  let token: string;

  beforeAll(async () => {
    pbi = await startPowerBi();
    token = await pbi.token();
  });

  afterEach(() => {
    pbi.emulator.server.faults.clear();
  });

  afterAll(() => pbi.close());

  describe('item endpoints', () => {
    it('gets a report in a group, with an embed URL on the emulator host', async () => {
      const res = await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token });
      expect(res.status).toBe(200);
      expect(res.headers.get('RequestId')).toMatch(REQUEST_ID);
      expect(res.body).toMatchObject({ id: ids.rPlain, name: 'Sales overview', datasetId: ids.dsPlain, datasetWorkspaceId: ids.wsMain, reportType: 'PowerBIReport' });
      const embedUrl = new URL(res.body.embedUrl as string);
      expect(`${embedUrl.origin}${embedUrl.pathname}`).toBe(`${pbi.emulator.url}/reportEmbed`);
      expect(embedUrl.searchParams.get('reportId')).toBe(ids.rPlain);
      expect(embedUrl.searchParams.get('groupId')).toBe(ids.wsMain);
      expect(JSON.parse(Buffer.from(embedUrl.searchParams.get('config') ?? '', 'base64').toString())).toMatchObject({ clusterUrl: pbi.emulator.url });
      expect(res.body.webUrl).toBe(`${pbi.emulator.url}/groups/${ids.wsMain}/reports/${ids.rPlain}`);
    });

    it('matches ids case-insensitively and answers them in lower case', async () => {
      const res = await pbi.call('get', `${group(ids.wsMain.toUpperCase())}/REPORTS/${ids.rPlain.toUpperCase()}`, { token });
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(ids.rPlain);
    });

    it('embeds paginated reports through rdlEmbed', async () => {
      const res = await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPaginated}`, { token });
      expect(res.body).toMatchObject({ reportType: 'PaginatedReport' });
      expect(res.body.embedUrl).toMatch(/\/rdlEmbed\?reportId=/);
    });

    it("names a paginated report's dataset only in Get Datasources, as the service does", async () => {
      const report = await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPaginated}`, { token });
      expect(report.body).not.toHaveProperty('datasetId');
      const sources = await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPaginated}/datasources`, { token });
      expect(sources.status).toBe(200);
      expect(sources.body.value).toEqual([
        expect.objectContaining({ datasourceType: 'AnalysisServices', connectionDetails: { server: 'pbiazure://api.powerbi.com', database: `sobe_wowvirtualserver-${ids.dsPlain}` } }),
        expect.objectContaining({ datasourceType: 'Sql', connectionDetails: { server: 'invoices.database.windows.net', database: 'invoices' } }),
      ]);
      const foreign = await pbi.call('GET', `${group(ids.wsForeign)}/reports/${ids.rForeign}/datasources`, { token });
      expect(foreign.status).toBe(403);
    });

    it("lists a composite model's DirectQuery sources with their workspace", async () => {
      const res = await pbi.call('GET', `${group(ids.wsMain)}/datasets/${ids.dsComposite}`, { token });
      expect(res.body.upstreamDatasets).toEqual([{ targetDatasetId: ids.dsShared, groupId: ids.wsShared }]);
    });

    it('gets a dataset in a group with its RLS flags', async () => {
      const res = await pbi.call('GET', `${group(ids.wsMain)}/datasets/${ids.dsRls}`, { token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: ids.dsRls, name: 'Sales RLS', isEffectiveIdentityRequired: true, isEffectiveIdentityRolesRequired: true });
      expect(res.body.createReportEmbedURL).toContain(`datasetId=${ids.dsRls}`);
    });

    it('gets a dashboard and its tiles', async () => {
      const dashboard = await pbi.call('GET', `${group(ids.wsMain)}/dashboards/${ids.dashPlain}`, { token });
      expect(dashboard.status).toBe(200);
      expect(dashboard.body).toMatchObject({ id: ids.dashPlain, displayName: 'Overview' });
      expect(dashboard.body.embedUrl).toBe(`${pbi.emulator.url}/dashboardEmbed?dashboardId=${ids.dashPlain}&groupId=${ids.wsMain}&config=${encodeURIComponent(new URL(dashboard.body.embedUrl as string).searchParams.get('config') ?? '')}`);

      const tile = await pbi.call('GET', `${group(ids.wsMain)}/dashboards/${ids.dashPlain}/tiles/${ids.tilePlain}`, { token });
      expect(tile.status).toBe(200);
      expect(tile.body).toMatchObject({ id: ids.tilePlain, title: 'Revenue', reportId: ids.rPlain, datasetId: ids.dsPlain });
      expect(tile.body.embedUrl).toMatch(new RegExp(`/embed\\?dashboardId=${ids.dashPlain}&tileId=${ids.tilePlain}&groupId=${ids.wsMain}`));
    });

    it('lists groups, reports, datasets, dashboards and tiles', async () => {
      const groups = await pbi.call<{ value: { id: string }[] }>('GET', '/v1.0/myorg/groups', { token });
      expect(groups.body.value.map((g) => g.id)).toEqual(expect.arrayContaining([ids.wsMain, ids.wsShared]));
      expect(groups.body.value.map((g) => g.id)).not.toContain(ids.wsForeign);
      const reports = await pbi.call<{ value: { id: string }[] }>('GET', `${group(ids.wsMain)}/reports`, { token });
      expect(reports.body.value).toHaveLength(5);
      const datasets = await pbi.call<{ value: { id: string }[] }>('GET', `${group(ids.wsMain)}/datasets`, { token });
      expect(datasets.body.value.map((d) => d.id)).toContain(ids.dsRls);
      const dashboards = await pbi.call<{ value: unknown[] }>('GET', `${group(ids.wsMain)}/dashboards`, { token });
      expect(dashboards.body.value).toHaveLength(2);
      const tiles = await pbi.call<{ value: unknown[] }>('GET', `${group(ids.wsMain)}/dashboards/${ids.dashRls}/tiles`, { token });
      expect(tiles.body.value).toHaveLength(1);
    });

    it('answers unknown items with 404 in the service codes', async () => {
      const report = await pbi.call<ErrorBody>('GET', `${group(ids.wsMain)}/reports/${ids.unknown}`, { token });
      expect(report.status).toBe(404);
      expect(report.body.error.code).toBe('PowerBIEntityNotFound');
      const dataset = await pbi.call<ErrorBody>('GET', `${group(ids.wsMain)}/datasets/${ids.unknown}`, { token });
      expect(dataset.status).toBe(404);
      expect(dataset.body.error.code).toBe('ItemNotFound');
      const workspace = await pbi.call<ErrorBody>('GET', `${group(ids.unknown)}/reports/${ids.rPlain}`, { token });
      expect(workspace.status).toBe(404);
      // A report of another workspace is not found through this one.
      const elsewhere = await pbi.call<ErrorBody>('GET', `${group(ids.wsShared)}/reports/${ids.rPlain}`, { token });
      expect(elsewhere.status).toBe(404);
    });

    it('answers malformed GUIDs with 400', async () => {
      const res = await pbi.call<ErrorBody>('GET', `${group('not-a-guid')}/reports/${ids.rPlain}`, { token });
      expect(res.status).toBe(400);
      expect(res.body.error.details?.[0]).toEqual({ message: 'Unrecognized Guid format.', target: 'groupId' });
      expect((await pbi.call('GET', `${group(ids.wsMain)}/reports/1234`, { token })).status).toBe(400);
    });

    it('refuses a workspace the principal is not a member of with 403', async () => {
      const res = await pbi.call<ErrorBody>('GET', `${group(ids.wsForeign)}/reports/${ids.rForeign}`, { token });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('PowerBINotAuthorizedException');
      expect(res.headers.get('RequestId')).toMatch(REQUEST_ID);
    });

    it("counts a service principal's membership by app id as well as object id, a user's by object id only", async () => {
      expect((await pbi.call('GET', `${group(ids.wsShared)}/datasets/${ids.dsShared}`, { token })).status).toBe(200);
      const userToken = await pbi.token({ claims: { oid: ids.userOid, appid: ids.spAppId, scp: 'Dataset.Read.All' } });
      expect((await pbi.call('GET', `${group(ids.wsShared)}/datasets/${ids.dsShared}`, { token: userToken })).status).toBe(403);
      expect((await pbi.call('GET', `${group(ids.wsMain)}/datasets/${ids.dsPlain}`, { token: userToken })).status).toBe(200);
    });
  });

  describe('authentication', () => {
    it('answers 401 without a token, with a challenge and a RequestId', async () => {
      const res = await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.headers.get('RequestId')).toMatch(REQUEST_ID);
    });

    it('answers 401 for a bad token, a non-Bearer scheme and the wrong audience', async () => {
      const path = `${group(ids.wsMain)}/reports/${ids.rPlain}`;
      expect((await pbi.call('GET', path, { token: 'not.a.jwt' })).status).toBe(401);
      expect((await pbi.call('GET', path, { token: `${token.slice(0, -4)}AAAA` })).status).toBe(401);
      expect((await pbi.call('GET', path, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
      const graphToken = await pbi.token({ audience: 'https://graph.microsoft.com' });
      expect((await pbi.call('GET', path, { token: graphToken })).status).toBe(401);
    });

    it('answers 403 TokenExpired for an expired token', async () => {
      const expired = await pbi.token({ ttlSeconds: -10 });
      const res = await pbi.call<ErrorBody>('POST', '/v1.0/myorg/GenerateToken', { token: expired, body: { datasets: [{ id: ids.dsPlain }] } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('TokenExpired');
      expect(res.headers.get('RequestId')).toMatch(REQUEST_ID);
    });

    it('never writes the bearer token into the request log', async () => {
      await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token });
      await pbi.call('POST', '/v1.0/myorg/GenerateToken', { token, body: { datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain }] } });
      const log = JSON.stringify(pbi.emulator.log.all());
      expect(pbi.emulator.log.count({ path: '/GenerateToken' })).toBeGreaterThan(0);
      expect(log).not.toContain(token);
      expect(log).not.toContain(token.split('.')[2]);
    });
  });

  describe('profiles', () => {
    it('creates a profile and acts as it with X-PowerBI-Profile-Id', async () => {
      const created = await pbi.call<{ id: string; displayName: string }>('POST', '/v1.0/myorg/profiles', { token, body: { displayName: 'Tenant B' } });
      expect(created.status).toBe(201);
      expect(created.body.displayName).toBe('Tenant B');
      const listed = await pbi.call<{ value: { id: string }[] }>('GET', '/v1.0/myorg/profiles', { token });
      expect(listed.body.value.map((p) => p.id)).toEqual(expect.arrayContaining([ids.profile, created.body.id]));
      expect(listed.body.value.map((p) => p.id)).not.toContain(ids.otherProfile);

      // The new profile is a member of nothing yet.
      const asNew = { token, headers: { 'X-PowerBI-Profile-Id': created.body.id } };
      expect((await pbi.call('GET', `${group(ids.wsTenantA)}/reports/${ids.rTenantA}`, asNew)).status).toBe(403);
      pbi.emulator.addWorkspaceMember(ids.wsTenantA, created.body.id);
      expect((await pbi.call('GET', `${group(ids.wsTenantA)}/reports/${ids.rTenantA}`, asNew)).status).toBe(200);
    });

    it('checks workspace membership for the profile, not the principal', async () => {
      const asProfile = { token, headers: { 'X-PowerBI-Profile-Id': ids.profile } };
      expect((await pbi.call('GET', `${group(ids.wsTenantA)}/reports/${ids.rTenantA}`, { token })).status).toBe(403);
      expect((await pbi.call('GET', `${group(ids.wsTenantA)}/reports/${ids.rTenantA}`, asProfile)).status).toBe(200);
      expect((await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, asProfile)).status).toBe(403);

      const res = await pbi.call<EmbedTokenBody>('POST', '/v1.0/myorg/GenerateToken', { ...asProfile, body: { datasets: [{ id: ids.dsTenantA }], reports: [{ id: ids.rTenantA }] } });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token)).toMatchObject({ profileId: ids.profile, principal: { oid: ids.spOid, appid: ids.spAppId } });
    });

    it("refuses another principal's profile, an unknown one and a malformed header", async () => {
      const path = `${group(ids.wsTenantA)}/reports/${ids.rTenantA}`;
      expect((await pbi.call('GET', path, { token, headers: { 'X-PowerBI-Profile-Id': ids.otherProfile } })).status).toBe(403);
      expect((await pbi.call('GET', path, { token, headers: { 'X-PowerBI-Profile-Id': ids.unknown } })).status).toBe(403);
      expect((await pbi.call('GET', path, { token, headers: { 'X-PowerBI-Profile-Id': 'tenant-a' } })).status).toBe(403);
    });

    it('lets only a service principal manage profiles', async () => {
      const userToken = await pbi.token({ claims: { oid: ids.userOid, appid: ids.spAppId, scp: 'Report.Read.All' } });
      expect((await pbi.call('POST', '/v1.0/myorg/profiles', { token: userToken, body: { displayName: 'x' } })).status).toBe(403);
      expect((await pbi.call('POST', '/v1.0/myorg/profiles', { token, body: {} })).status).toBe(400);
    });
  });

  describe('robustness', () => {
    it('passes an injected 429 with Retry-After through to the client, then serves normally', async () => {
      pbi.emulator.inject({ kind: 'status', status: 429, retryAfterSeconds: 7, path: '/GenerateToken', times: 1 });
      const body = { datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain }] };
      const throttled = await pbi.call('POST', '/v1.0/myorg/GenerateToken', { token, body });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('7');
      expect(throttled.headers.get('RequestId')).toMatch(REQUEST_ID);
      expect((await pbi.call('POST', '/v1.0/myorg/GenerateToken', { token, body })).status).toBe(200);
    });

    it('answers garbage with 4xx and keeps serving', async () => {
      const generate = (options: { rawBody?: string; body?: unknown }) => pbi.call('POST', '/v1.0/myorg/GenerateToken', { token, headers: { 'content-type': 'application/json' }, ...options });
      const garbage: { rawBody?: string; body?: unknown }[] = [
        { rawBody: '{"datasets": [' },
        { rawBody: '\u0000\u0001\u00ff binary' },
        { rawBody: '' },
        { body: [] },
        { body: 'datasets' },
        { body: 42 },
        { body: null },
        { body: { datasets: 'x' } },
        { body: { datasets: [null] } },
        { body: { datasets: [{ id: 7 }] } },
        { body: { datasets: [{ id: ids.dsPlain, xmlaPermissions: 'Everything' }] } },
        { body: { datasets: [{ id: ids.dsPlain }], identities: [{ username: 5 }] } },
        { body: { datasets: [{ id: ids.dsPlain }], identities: 'me' } },
        { body: { datasets: [{ id: ids.dsPlain }], lifetimeInMinutes: 'soon' } },
        { body: { datasets: [{ id: ids.dsPlain }], lifetimeInMinutes: -5 } },
        { rawBody: '{"__proto__": {"datasets": [{"id": "d0000000-0000-4000-8000-000000000002"}]}, "constructor": 1}' },
      ];
      for (const item of garbage) {
        const res = await generate(item);
        expect([res.status, JSON.stringify(item)]).toEqual([400, JSON.stringify(item)]);
        expect(res.headers.get('RequestId')).toMatch(REQUEST_ID);
      }
      const v1 = await pbi.call('POST', `${group(ids.wsMain)}/reports/${ids.rPlain}/GenerateToken`, { token, body: { accessLevel: 7, identities: {} } });
      expect(v1.status).toBe(400);
      const unknownRoute = await pbi.call('GET', '/v1.0/myorg/nothing/here', { token });
      expect(unknownRoute.status).toBe(404);
      expect(unknownRoute.headers.get('RequestId')).toMatch(REQUEST_ID);
      expect((await pbi.call('GET', '/v1.0/groups/x', { token })).status).toBe(404);
      expect((await pbi.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token })).status).toBe(200);
    });
  });

  describe('admin API', () => {
    it('loads a model over HTTP and refuses an inconsistent one without losing the current model', async () => {
      const other = await startPowerBi({ model: {} });
      try {
        const otherToken = await other.token();
        expect((await other.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token: otherToken })).status).toBe(404);
        const exported = await pbi.call('GET', '/_emulator/model');
        expect((await other.call('POST', '/_emulator/model', { body: exported.body })).status).toBe(201);
        expect((await other.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token: otherToken })).status).toBe(200);

        const bad = await other.call<ErrorBody>('POST', '/_emulator/model', {
          body: { workspaces: [{ id: ids.wsMain, name: 'x', reports: [{ id: ids.rPlain, name: 'r', datasetId: ids.unknown }] }] },
        });
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toContain(ids.unknown);
        expect((await other.call('POST', '/_emulator/model', { body: { workspaces: [{ id: 'nope', name: 'x' }] } })).status).toBe(400);
        expect((await other.call('POST', '/_emulator/model', { rawBody: '{' })).status).toBe(400);
        expect((await other.call('GET', `${group(ids.wsMain)}/reports/${ids.rPlain}`, { token: otherToken })).status).toBe(200);
      } finally {
        await other.close();
      }
    });

    it('decodes embed tokens over HTTP and refuses altered ones', async () => {
      const issued = await pbi.call<EmbedTokenBody>('POST', '/v1.0/myorg/GenerateToken', { token, body: { datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain }] } });
      const decoded = await pbi.call('POST', '/_emulator/embed-tokens/decode', { body: { token: issued.body.token } });
      expect(decoded.status).toBe(200);
      expect(decoded.body).toMatchObject({ tokenId: issued.body.tokenId, expiration: issued.body.expiration, expired: false, version: 'V2' });

      const flipped = `${issued.body.token.slice(0, 20)}${issued.body.token[20] === 'A' ? 'B' : 'A'}${issued.body.token.slice(21)}`;
      for (const body of [{ token: flipped }, { token: 'garbage' }, { token: 5 }, {}]) {
        const res = await pbi.call<ErrorBody>('POST', '/_emulator/embed-tokens/decode', { body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('InvalidEmbedToken');
      }
      const listed = await pbi.call<{ tokenId: string }[]>('GET', '/_emulator/embed-tokens');
      expect(listed.body.map((t) => t.tokenId)).toContain(issued.body.tokenId);
      expect(listed.text).not.toContain(issued.body.token);
    });

    it('redacts the identityBlob of an effective identity in its admin answers', async () => {
      const blob = `sql-oauth-token-${Date.now()}`;
      const identity = { username: 'alice@contoso.example', roles: ['Region'], datasets: [ids.dsRls], identityBlob: { value: blob } };
      const issued = await pbi.call<EmbedTokenBody>('POST', '/v1.0/myorg/GenerateToken', { token, body: { datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }], identities: [identity] } });
      expect(issued.status).toBe(200);
      const redacted = [{ ...identity, identityBlob: { value: '[redacted]' } }];

      const listed = await pbi.call<{ tokenId: string; identities: unknown[] }[]>('GET', '/_emulator/embed-tokens');
      expect(listed.text).not.toContain(blob);
      expect(listed.body.find((t) => t.tokenId === issued.body.tokenId)?.identities).toEqual(redacted);
      const decoded = await pbi.call<{ identities: unknown[] }>('POST', '/_emulator/embed-tokens/decode', { body: { token: issued.body.token } });
      expect(decoded.text).not.toContain(blob);
      expect(decoded.body.identities).toEqual(redacted);
      // In process, tests still see what was sealed into the token.
      expect(pbi.emulator.decodeEmbedToken(issued.body.token).identities).toEqual([identity]);
    });

    it('does not log admin calls', async () => {
      pbi.emulator.log.clear();
      await pbi.call('GET', '/_emulator/model');
      expect(pbi.emulator.log.all()).toEqual([]);
    });
  });
});
