import { ids, NOW, startPowerBi, type EmbedTokenBody, type ErrorBody, type PowerBiHarness } from './harness';

// GenerateToken V2 and V1 against the emulator over HTTPS: the service's rules on effective
// identities, items and workspaces, the token lifetime, and what the sealed token grants.

const V2 = '/v1.0/myorg/GenerateToken';
const group = (workspaceId: string) => `/v1.0/myorg/groups/${workspaceId}`;
const region = (datasets: string[] = [ids.dsRls]) => ({ username: 'alice@contoso.com', roles: ['Region'], datasets, customData: 'north' });

describe('PowerBiEmulator GenerateToken', () => {
  let pbi: PowerBiHarness;
  let token: string;

  beforeAll(async () => {
    pbi = await startPowerBi();
    token = await pbi.token();
  });

  afterEach(() => {
    pbi.clock.now = NOW;
  });

  afterAll(() => pbi.close());

  const generate = (body: unknown, accessToken = token) => pbi.call<EmbedTokenBody & ErrorBody>('POST', V2, { token: accessToken, body });

  async function expectInvalid(body: unknown, message: string | RegExp): Promise<void> {
    const res = await generate(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('InvalidRequest');
    expect(res.body.error.message).toMatch(message);
    expect(res.headers.get('RequestId')).toBeTruthy();
  }

  describe('V2', () => {
    it('issues a token whose decoded claims carry the identity sent', async () => {
      const identity = region();
      const res = await generate({ datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }], identities: [identity] });
      expect(res.status).toBe(200);
      expect(res.body.tokenId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.expiration).toBe('2026-11-25T01:00:00Z');
      expect(res.body.token).not.toContain('alice');

      const decoded = pbi.emulator.decodeEmbedToken(res.body.token);
      expect(decoded).toMatchObject({
        tokenId: res.body.tokenId,
        expiration: res.body.expiration,
        version: 'V2',
        principal: { type: 'ServicePrincipal', oid: ids.spOid, appid: ids.spAppId, tid: ids.tenant },
        reports: [{ id: ids.rRls, groupId: ids.wsMain, allowEdit: false }],
        datasets: [{ id: ids.dsRls, groupId: ids.wsMain, xmlaPermissions: 'Off' }],
        targetWorkspaces: [],
      });
      expect(decoded.identities).toEqual([identity]);
      expect(pbi.emulator.issuedTokens().map((t) => t.tokenId)).toContain(res.body.tokenId);
    });

    it('reads property names and enum values case-insensitively, like the service', async () => {
      const res = await generate({ Datasets: [{ Id: ids.dsShared.toUpperCase(), XmlaPermissions: 'readonly' }], REPORTS: [{ id: ids.rCross, allowEdit: true }] });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token)).toMatchObject({
        datasets: [{ id: ids.dsShared, groupId: ids.wsShared, xmlaPermissions: 'ReadOnly' }],
        reports: [{ id: ids.rCross, groupId: ids.wsMain, allowEdit: true }],
      });
    });

    it('requires an identity for an RLS dataset from a service principal', async () => {
      await expectInvalid({ datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }] }, `Creating embed token for accessing dataset ${ids.dsRls} requires effective identity to be provided`);
    });

    it('lets a master user embed an RLS dataset without identity', async () => {
      const userToken = await pbi.token({ claims: { oid: ids.userOid, appid: ids.spAppId, scp: 'Report.Read.All Dataset.Read.All' } });
      const res = await generate({ datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }] }, userToken);
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token).principal).toEqual({ type: 'User', oid: ids.userOid, appid: ids.spAppId });
    });

    it('refuses an identity for a dataset without RLS', async () => {
      await expectInvalid(
        { datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain }], identities: [region([ids.dsPlain])] },
        `Creating embed token for accessing dataset ${ids.dsPlain} shouldn't have effective identity`,
      );
    });

    it('requires roles when the dataset says so, and refuses unknown roles', async () => {
      const base = { datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }] };
      await expectInvalid({ ...base, identities: [{ ...region(), roles: [] }] }, 'requires roles to be included in provided effective identity');
      await expectInvalid({ ...base, identities: [{ ...region(), roles: ['Region', 'Admin'] }] }, /role 'Admin'/);
      expect((await generate({ ...base, identities: [{ ...region(), roles: ['region', 'MANAGER'] }] })).status).toBe(200);
    });

    it('refuses an identity that names a dataset not in the request', async () => {
      await expectInvalid({ datasets: [{ id: ids.dsRls }], reports: [{ id: ids.rRls }], identities: [region([ids.dsRls, ids.dsPlain])] }, new RegExp(`dataset ${ids.dsPlain}, which is not included`));
      await expectInvalid({ datasets: [{ id: ids.dsRls }], identities: [region(), region()] }, /only one effective identity/);
    });

    it('checks the identity limits: username, roles, datasets', async () => {
      const base = { datasets: [{ id: ids.dsRls }] };
      await expectInvalid({ ...base, identities: [{ roles: ['Region'], datasets: [ids.dsRls] }] }, /username must be provided/);
      await expectInvalid({ ...base, identities: [{ ...region(), username: 'u'.repeat(257) }] }, /256/);
      expect((await generate({ ...base, identities: [{ ...region(), username: 'u'.repeat(256) }] })).status).toBe(200);
      await expectInvalid({ ...base, identities: [{ ...region(), roles: Array.from({ length: 51 }, (_, i) => `r${i}`) }] }, /at most 50 roles/);
      await expectInvalid({ ...base, identities: [{ ...region(), roles: ['r'.repeat(51)] }] }, /between 1 and 50/);
      await expectInvalid({ ...base, identities: [{ ...region(), roles: ['Region,Manager'] }] }, /comma/);
      await expectInvalid({ ...base, identities: [{ ...region(), datasets: [] }] }, /datasets it applies to/);
      await expectInvalid({ ...base, identities: [{ ...region(), identityBlob: { value: 'b'.repeat(10_241) } }] }, /10240 bytes/);
      expect((await generate({ ...base, identities: [{ ...region(), identityBlob: { value: 'b'.repeat(10_240) } }] })).status).toBe(200);
    });

    it('allows at most 50 datasets, reports and target workspaces', async () => {
      const many = Array.from({ length: 51 }, () => ({ id: ids.dsPlain }));
      await expectInvalid({ datasets: many }, /at most 50 datasets/);
      await expectInvalid({ datasets: [{ id: ids.dsPlain }], reports: many }, /at most 50 reports/);
      await expectInvalid({ datasets: [{ id: ids.dsPlain }], targetWorkspaces: many }, /at most 50 targetWorkspaces/);
      await expectInvalid({}, /at least one dataset or report/);
    });

    it("needs each report's dataset in the request", async () => {
      await expectInvalid({ reports: [{ id: ids.rPlain }] }, new RegExp(`requires its dataset ${ids.dsPlain}`));
    });

    it('needs ReadOnly XMLA permissions for paginated reports on a Power BI dataset', async () => {
      await expectInvalid({ datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPaginated }] }, /xmlaPermissions ReadOnly/);
      const res = await generate({ datasets: [{ id: ids.dsPlain, xmlaPermissions: 'ReadOnly' }], reports: [{ id: ids.rPaginated }] });
      expect(res.status).toBe(200);
      const userToken = await pbi.token({ claims: { oid: ids.userOid, scp: 'Report.Read.All' } });
      expect((await generate({ datasets: [{ id: ids.dsPlain, xmlaPermissions: 'ReadOnly' }], reports: [{ id: ids.rPaginated }] }, userToken)).body.error.message).toMatch(/service principal/);
    });

    it("takes datasourceIdentities only for the Azure SQL sources of the request's paginated reports", async () => {
      const base = { datasets: [{ id: ids.dsPlain, xmlaPermissions: 'ReadOnly' }], reports: [{ id: ids.rPaginated }] };
      const source = (server: string, database = 'invoices') => ({ datasourceType: 'Sql', connectionDetails: { server, database } });
      const res = await generate({ ...base, datasourceIdentities: [{ identityBlob: { value: 'sql-token' }, datasources: [source('invoices.database.windows.net')] }] });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token as string).datasourceIdentities).toEqual([{ identityBlob: { value: 'sql-token' }, datasources: [source('invoices.database.windows.net')] }]);
      await expectInvalid({ ...base, datasourceIdentities: [{ identityBlob: { value: 'sql-token' }, datasources: [source('other.database.windows.net')] }] }, /no paginated report in the request uses/);
      await expectInvalid({ ...base, datasourceIdentities: [{ identityBlob: { value: 'sql-token' }, datasources: [] }] }, /data sources it applies to/);
      await expectInvalid({ ...base, datasourceIdentities: [{ identityBlob: { value: 'b'.repeat(10_241) }, datasources: [source('invoices.database.windows.net')] }] }, /10240 bytes/);
    });

    it('needs every dataset of a DirectQuery chain with ReadOnly', async () => {
      await expectInvalid({ datasets: [{ id: ids.dsComposite, xmlaPermissions: 'ReadOnly' }], reports: [{ id: ids.rComposite }] }, new RegExp(ids.dsShared));
      await expectInvalid(
        { datasets: [{ id: ids.dsComposite }, { id: ids.dsShared, xmlaPermissions: 'ReadOnly' }], reports: [{ id: ids.rComposite }] },
        /xmlaPermissions ReadOnly/,
      );
      const res = await generate({
        datasets: [
          { id: ids.dsComposite, xmlaPermissions: 'ReadOnly' },
          { id: ids.dsShared, xmlaPermissions: 'ReadOnly' },
        ],
        reports: [{ id: ids.rComposite }],
      });
      expect(res.status).toBe(200);
    });

    it("requires an AAS live connection's username to be the service principal's object id", async () => {
      await expectInvalid({ datasets: [{ id: ids.dsAas }], identities: [{ username: 'alice@contoso.com', datasets: [ids.dsAas], customData: 'alice' }] }, /identical to the caller's principal name/);
      expect((await generate({ datasets: [{ id: ids.dsAas }], identities: [{ username: ids.spOid, datasets: [ids.dsAas], customData: 'alice' }] })).status).toBe(200);
    });

    it('requires membership of every workspace involved', async () => {
      const foreign = await generate({ datasets: [{ id: ids.dsForeign }], reports: [{ id: ids.rForeign }] });
      expect(foreign.status).toBe(403);
      expect(foreign.body.error.code).toBe('PowerBINotAuthorizedException');
      // Report in a workspace we belong to, its dataset in one we do not.
      pbi.emulator.model.addReport(ids.wsMain, { id: 'e0000000-0000-4000-8000-0000000000aa', name: 'Borrowed', datasetId: ids.dsForeign });
      expect((await generate({ datasets: [{ id: ids.dsForeign }], reports: [{ id: 'e0000000-0000-4000-8000-0000000000aa' }] })).status).toBe(403);
      expect((await generate({ datasets: [{ id: ids.dsPlain }], targetWorkspaces: [{ id: ids.wsForeign }] })).status).toBe(403);
    });

    it('grants edit and save-as through allowEdit and targetWorkspaces', async () => {
      const res = await generate({ datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain, allowEdit: true }], targetWorkspaces: [{ id: ids.wsMain }] });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token)).toMatchObject({ reports: [{ id: ids.rPlain, allowEdit: true }], targetWorkspaces: [{ id: ids.wsMain }] });
    });

    it('issues no token for My workspace', async () => {
      await expectInvalid({ datasets: [{ id: ids.dsPersonal }], reports: [{ id: ids.rPersonal }] }, /My workspace/);
    });

    it('answers unknown items with 404 and malformed ids with 400', async () => {
      const dataset = await generate({ datasets: [{ id: ids.unknown }] });
      expect([dataset.status, dataset.body.error.code]).toEqual([404, 'ItemNotFound']);
      const report = await generate({ datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.unknown }] });
      expect([report.status, report.body.error.code]).toEqual([404, 'PowerBIEntityNotFound']);
      const malformed = await generate({ datasets: [{ id: 'dataset-1' }] });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.details?.[0]?.target).toBe('request.datasets[0].id');
    });
  });

  describe('lifetime', () => {
    const body = { datasets: [{ id: ids.dsPlain }], reports: [{ id: ids.rPlain }] };

    it('defaults to 60 minutes when the access token lives longer', async () => {
      const res = await generate(body, await pbi.token({ ttlSeconds: 90 * 60 }));
      expect(res.body.expiration).toBe('2026-11-25T01:00:00Z');
    });

    it('never outlives the Entra access token', async () => {
      const res = await generate(body, await pbi.token({ ttlSeconds: 5 * 60 }));
      expect(res.body.expiration).toBe('2026-11-25T00:05:00Z');
      // The same access token 3 minutes later gives a token with 2 minutes left.
      const accessToken = await pbi.token({ ttlSeconds: 5 * 60 });
      pbi.clock.now = NOW + 3 * 60_000;
      expect((await generate(body, accessToken)).body.expiration).toBe('2026-11-25T00:05:00Z');
    });

    it('is shortened by lifetimeInMinutes, and 0 means the default', async () => {
      expect((await generate({ ...body, lifetimeInMinutes: 10 })).body.expiration).toBe('2026-11-25T00:10:00Z');
      expect((await generate({ ...body, lifetimeInMinutes: 0 })).body.expiration).toBe('2026-11-25T01:00:00Z');
      expect((await generate({ ...body, lifetimeInMinutes: 600 })).body.expiration).toBe('2026-11-25T01:00:00Z');
    });
  });

  describe('V1', () => {
    it('issues a report token with the access level and the identity', async () => {
      const res = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/reports/${ids.rRls}/GenerateToken`, { token, body: { accessLevel: 'view', identities: [region()] } });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token)).toMatchObject({
        version: 'V1',
        accessLevel: 'View',
        allowSaveAs: false,
        reports: [{ id: ids.rRls, allowEdit: false }],
        datasets: [{ id: ids.dsRls }],
        identities: [region()],
      });
      const edit = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/reports/${ids.rPlain}/GenerateToken`, { token, body: { accessLevel: 'Edit', allowSaveAs: true } });
      expect(pbi.emulator.decodeEmbedToken(edit.body.token)).toMatchObject({ accessLevel: 'Edit', allowSaveAs: true, reports: [{ id: ids.rPlain, allowEdit: true }] });
    });

    it('applies the same identity rules to V1 report tokens', async () => {
      const missing = await pbi.call<ErrorBody>('POST', `${group(ids.wsMain)}/reports/${ids.rRls}/GenerateToken`, { token, body: { accessLevel: 'View' } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('requires effective identity to be provided');
      const paginated = await pbi.call<ErrorBody>('POST', `${group(ids.wsMain)}/reports/${ids.rPaginated}/GenerateToken`, { token, body: { accessLevel: 'View' } });
      expect(paginated.status).toBe(400);
      // The report must be in the workspace of the path.
      expect((await pbi.call('POST', `${group(ids.wsShared)}/reports/${ids.rPlain}/GenerateToken`, { token, body: {} })).status).toBe(404);
      expect((await pbi.call('POST', `${group(ids.wsForeign)}/reports/${ids.rForeign}/GenerateToken`, { token, body: {} })).status).toBe(403);
    });

    it('issues dashboard tokens, with identities for the datasets behind the tiles', async () => {
      const plain = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/dashboards/${ids.dashPlain}/GenerateToken`, { token, body: { accessLevel: 'View' } });
      expect(plain.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(plain.body.token)).toMatchObject({ version: 'V1', dashboards: [{ id: ids.dashPlain, groupId: ids.wsMain }], reports: [] });

      const rlsPath = `${group(ids.wsMain)}/dashboards/${ids.dashRls}/GenerateToken`;
      expect((await pbi.call('POST', rlsPath, { token, body: { accessLevel: 'View' } })).status).toBe(400);
      expect((await pbi.call('POST', rlsPath, { token, body: { accessLevel: 'View', identities: [region()] } })).status).toBe(200);
      expect((await pbi.call('POST', rlsPath, { token, body: { accessLevel: 'Edit', identities: [region()] } })).status).toBe(400);
    });

    it('issues tile tokens', async () => {
      const res = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/dashboards/${ids.dashPlain}/tiles/${ids.tilePlain}/GenerateToken`, { token, body: { accessLevel: 'View' } });
      expect(res.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(res.body.token)).toMatchObject({ tiles: [{ id: ids.tilePlain, dashboardId: ids.dashPlain, groupId: ids.wsMain }], datasets: [{ id: ids.dsPlain }] });
      expect((await pbi.call('POST', `${group(ids.wsMain)}/dashboards/${ids.dashPlain}/tiles/${ids.unknown}/GenerateToken`, { token, body: {} })).status).toBe(404);
    });

    it('issues dataset and create tokens', async () => {
      const dataset = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/datasets/${ids.dsPlain}/GenerateToken`, { token, body: { accessLevel: 'View' } });
      expect(dataset.status).toBe(200);
      const create = await pbi.call<EmbedTokenBody>('POST', `${group(ids.wsMain)}/reports/GenerateToken`, { token, body: { accessLevel: 'Create', datasetId: ids.dsPlain } });
      expect(create.status).toBe(200);
      expect(pbi.emulator.decodeEmbedToken(create.body.token)).toMatchObject({ accessLevel: 'Create', datasets: [{ id: ids.dsPlain }], targetWorkspaces: [{ id: ids.wsMain }] });
      expect((await pbi.call('POST', `${group(ids.wsMain)}/reports/GenerateToken`, { token, body: { accessLevel: 'Create' } })).status).toBe(400);
      expect((await pbi.call('POST', `${group(ids.wsMain)}/reports/GenerateToken`, { token, body: { accessLevel: 'View', datasetId: ids.dsPlain } })).status).toBe(400);
    });
  });

  describe('trial quota', () => {
    it('answers 403 once the quota of workspaces without capacity is spent, and never for capacity workspaces', async () => {
      const trial = await startPowerBi({ trialEmbedTokenQuota: 2 });
      try {
        const trialToken = await trial.token();
        const onTrial = { datasets: [{ id: ids.dsTrial }], reports: [{ id: ids.rTrial }] };
        for (let i = 0; i < 2; i++) expect((await trial.call('POST', V2, { token: trialToken, body: onTrial })).status).toBe(200);
        const refused = await trial.call<ErrorBody>('POST', V2, { token: trialToken, body: onTrial });
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('EmbedTokenQuotaExceeded');
        expect((await trial.call('POST', V2, { token: trialToken, body: { datasets: [{ id: ids.dsPlain }] } })).status).toBe(200);
        trial.emulator.reset();
        expect(trial.emulator.issuedTokens()).toEqual([]);
      } finally {
        await trial.close();
      }
    });

    it('is off by default', async () => {
      for (let i = 0; i < 3; i++) expect((await generate({ datasets: [{ id: ids.dsTrial }] })).status).toBe(200);
    });
  });
});
