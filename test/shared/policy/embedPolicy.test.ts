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
