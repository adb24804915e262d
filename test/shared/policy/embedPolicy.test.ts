import { parseEmbedPolicy } from '../../../shared/policy/embedPolicy';
import { samplePolicy } from './policyFixtures';

describe('parseEmbedPolicy', () => {
  it('accepts a valid policy', () => {
    const parsed = parseEmbedPolicy(JSON.stringify(samplePolicy()));
    expect(parsed).toEqual({ ok: true, policy: samplePolicy() });
  });

  it('reports invalid JSON', () => {
    const parsed = parseEmbedPolicy('{ nope');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems[0]).toMatch(/not valid JSON/);
  });

  it('lists every schema problem with its location', () => {
    const policy = samplePolicy() as unknown as Record<string, unknown>;
    const items = policy.items as Record<string, Record<string, unknown>>;
    (items['sales-overview'] as Record<string, unknown>).reportId = 'not-a-guid';
    items['Bad Key'] = { type: 'report', workspaceId: 'x', reportId: 'y' };
    policy.extra = true;
    const parsed = parseEmbedPolicy(JSON.stringify(policy));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const text = parsed.problems.join('\n');
    expect(text).toContain('unknown property "extra"');
    expect(text).toContain('invalid item key "Bad Key"');
    expect(text).toContain('/items/sales-overview');
  });

  it('refuses rules that allow unknown items or repeat a name', () => {
    const policy = samplePolicy();
    policy.rules[1] = { ...(policy.rules[0] as (typeof policy.rules)[number]), allow: ['missing'] };
    const parsed = parseEmbedPolicy(JSON.stringify(policy));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual(expect.arrayContaining([expect.stringContaining('duplicate rule name'), expect.stringContaining('unknown item "missing"')]));
  });

  it('refuses allow entries that are inherited properties rather than catalog keys', () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const policy = samplePolicy();
      policy.rules[0] = { ...(policy.rules[0] as (typeof policy.rules)[number]), allow: [key] };
      const parsed = parseEmbedPolicy(JSON.stringify(policy));
      expect(parsed).toEqual({ ok: false, problems: [expect.stringContaining(`unknown item "${key}"`)] });
    }
  });

  it('refuses role names Power BI would refuse (commas, over 50 characters)', () => {
    const policy = samplePolicy();
    const identity = (policy.rules[0] as (typeof policy.rules)[number]).identity;
    identity.roles = { values: ['a,b', 'x'.repeat(51)] };
    const parsed = parseEmbedPolicy(JSON.stringify(policy));
    expect(parsed.ok).toBe(false);
  });

  it('needs a map when roles come from a claim, so claim values never become role names unchecked', () => {
    const policy = samplePolicy();
    (policy.rules[0] as (typeof policy.rules)[number]).identity.roles = { fromClaim: 'roles' };
    expect(parseEmbedPolicy(JSON.stringify(policy)).ok).toBe(false);
  });
});

describe('parseEmbedPolicy: item kinds, access and customers', () => {
  const WS = '11111111-1111-4111-8111-111111111111';
  const G = '22222222-2222-4222-8222-222222222222';
  const base = () => ({
    version: 1,
    items: {
      report: { type: 'report', workspaceId: WS, reportId: G, access: 'edit', customer: 'a' },
      data: { type: 'dataset', workspaceId: WS, datasetId: G },
      board: { type: 'dashboard', workspaceId: WS, dashboardId: G },
    },
    rules: [{ name: 'r', match: { scp: 'x' }, allow: ['*'], access: 'create', targetWorkspaceId: WS, identity: { username: { claim: 'oid' } } }],
    customers: { claim: 'tid', entries: { a: { values: ['t1'], workspaces: [WS], profileId: G }, b: { values: ['t2'], workspaces: [WS], servicePrincipal: { clientId: G } } } },
    datasets: { [G]: { sso: true, aasLiveConnection: false } },
    servicePrincipalObjectId: G,
  });

  it('accepts every item kind, access, customers and dataset options', () => {
    expect(parseEmbedPolicy(JSON.stringify(base())).ok).toBe(true);
  });

  it.each([
    ['an unknown access', (p: ReturnType<typeof base>) => Object.assign(p.rules[0] as object, { access: 'admin' }), '/rules/0/access'],
    ['a dashboard with access', (p: ReturnType<typeof base>) => Object.assign(p.items.board, { access: 'edit' }), '/items/board'],
    ['a customer with a profile and its own principal', (p: ReturnType<typeof base>) => Object.assign(p.customers.entries.a, { servicePrincipal: { clientId: G } }), 'not both'],
    ['a claim value of two customers', (p: ReturnType<typeof base>) => (p.customers.entries.b.values = ['t1']), 'also belongs to "a"'],
    ['an item of an unknown customer', (p: ReturnType<typeof base>) => (p.items.report.customer = 'z'), 'unknown customer "z"'],
    ['a customer without workspaces', (p: ReturnType<typeof base>) => (p.customers.entries.a.workspaces = []), '/customers/entries/a/workspaces'],
    ['a profile id that is not a GUID', (p: ReturnType<typeof base>) => (p.customers.entries.a.profileId = 'x'), '/customers/entries/a/profileId'],
  ])('refuses %s', (_name, change, problem) => {
    const policy = base();
    change(policy);
    const parsed = parseEmbedPolicy(JSON.stringify(policy));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems.join('\n')).toContain(problem);
  });
});
