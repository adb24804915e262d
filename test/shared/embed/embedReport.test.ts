import { embedReport } from '../../../shared/embed/embedReport';
import type { Claims } from '../../../shared/policy/claims';
import { samplePolicy } from '../policy/policyFixtures';
import { datasetBody, fakeWorld, reportBody, T0 } from './fakePowerBi';

// One report's embed configuration composed from the real policy, metadata cache and token
// cache, with Power BI's metadata answered by a fake fetch and GenerateToken by a fake.

const WORKSPACE = '11111111-1111-4111-8111-111111111111';
const REPORT = '22222222-2222-4222-8222-222222222222';
const DATASET = '44444444-4444-4444-8444-444444444444';
const FINANCE_REPORT = '33333333-3333-4333-8333-333333333333';
const FINANCE_DATASET = '55555555-5555-4555-8555-555555555555';
const TENANT = '66666666-6666-4666-8666-666666666666';

const salesUser = { preferred_username: 'alice@contoso.example', oid: 'a11ce000-0000-4000-8000-000000000001', roles: ['Sales.EU'], tid: TENANT };

function world() {
  const w = fakeWorld(samplePolicy(), {
    reports: { [`${WORKSPACE}/${REPORT}`]: reportBody(WORKSPACE, REPORT, { datasetId: DATASET }), [`${WORKSPACE}/${FINANCE_REPORT}`]: reportBody(WORKSPACE, FINANCE_REPORT, { datasetId: FINANCE_DATASET }) },
    datasets: { [`${WORKSPACE}/${DATASET}`]: datasetBody(DATASET, true), [`${WORKSPACE}/${FINANCE_DATASET}`]: datasetBody(FINANCE_DATASET, false) },
  });
  return {
    deps: w.deps,
    get metadataCalls() {
      return w.calls.map((c) => c.path);
    },
    get generated() {
      return w.generated.map((g) => g.request);
    },
    caller: (claims: Claims) => w.callerOf(claims),
  };
}

describe('embedReport', () => {
  it('returns an embed config for powerbi-client with the RLS identity from claims and policy', async () => {
    const w = world();
    const outcome = await embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000);
    expect(outcome).toEqual({
      rule: 'sales',
      identityApplied: true,
      username: 'alice@contoso.example',
      config: {
        type: 'report',
        id: REPORT,
        embedUrl: `https://app.powerbi.test/reportEmbed?reportId=${REPORT}&groupId=${WORKSPACE}`,
        accessToken: 'embed-token-1',
        tokenType: 'Embed',
        tokenId: '0f0e0d0c-0000-4000-8000-000000000001',
        expiration: new Date(T0 + 60 * 60_000).toISOString(),
        datasetId: DATASET,
      },
    });
    expect(w.generated).toEqual([
      {
        datasets: [{ id: DATASET }],
        reports: [{ id: REPORT, allowEdit: false }],
        identities: [{ username: 'alice@contoso.example', roles: ['Viewer', 'Region EU'], customData: TENANT, datasets: [DATASET] }],
      },
    ]);
    expect(w.metadataCalls).toEqual([`/v1.0/myorg/groups/${WORKSPACE}/reports/${REPORT}`, `/v1.0/myorg/groups/${WORKSPACE}/datasets/${DATASET}`]);
  });

  it('sends no identity for a report whose dataset has no RLS', async () => {
    const w = world();
    const outcome = await embedReport(w.deps, w.caller({ oid: 'f1', scp: 'Finance.Read', tid: TENANT }), 'finance', T0 + 5000);
    expect(outcome.identityApplied).toBe(false);
    expect(outcome.rule).toBe('finance-scope');
    expect(w.generated).toEqual([{ datasets: [{ id: FINANCE_DATASET }], reports: [{ id: FINANCE_REPORT, allowEdit: false }] }]);
  });

  it('serves a repeat request from the caches: no metadata call, no GenerateToken', async () => {
    const w = world();
    const first = await embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000);
    const second = await embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000);
    expect(second.config).toEqual(first.config);
    expect(w.generated).toHaveLength(1);
    expect(w.metadataCalls).toHaveLength(2);
  });

  it('gives another user of the same report another token', async () => {
    const w = world();
    const alice = await embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000);
    const bob = await embedReport(w.deps, w.caller({ ...salesUser, preferred_username: 'bob@contoso.example', roles: ['Sales.US'] }), 'sales-overview', T0 + 5000);
    expect(bob.config.accessToken).not.toBe(alice.config.accessToken);
    expect(w.generated[1]?.identities).toEqual([{ username: 'bob@contoso.example', roles: ['Viewer', 'Region US'], customData: TENANT, datasets: [DATASET] }]);
    expect(w.metadataCalls).toHaveLength(2);
  });

  it.each([
    ['a caller no rule admits', { preferred_username: 'carol@contoso.example', roles: ['Marketing'], tid: TENANT }, 'sales-overview', 'forbidden'],
    ['an unknown item', salesUser, 'no-such-report', 'not_found'],
    ['a key that is not a name', salesUser, '../groups', 'bad_request'],
  ])('refuses %s before any Power BI call', async (_name, claims, key, code) => {
    const w = world();
    await expect(embedReport(w.deps, w.caller(claims), key, T0 + 5000)).rejects.toMatchObject({ code });
    expect(w.metadataCalls).toHaveLength(0);
    expect(w.generated).toHaveLength(0);
  });

  it('lets a Power BI failure through and caches nothing', async () => {
    const w = world();
    let fail = true;
    const generateToken = w.deps.generateToken;
    w.deps.generateToken = async (request, deadline, access) => {
      if (fail) throw Object.assign(new Error('GenerateToken failed'), { code: 'upstream_error' });
      return generateToken(request, deadline, access);
    };
    await expect(embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000)).rejects.toThrow('GenerateToken failed');
    fail = false;
    await expect(embedReport(w.deps, w.caller(salesUser), 'sales-overview', T0 + 5000)).resolves.toMatchObject({ config: { accessToken: 'embed-token-1' } });
  });
});
