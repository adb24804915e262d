import { BrokerError } from '../../../shared/errors/brokerError';
import { authorizeEmbed } from '../../../shared/policy/authorizeEmbed';
import { REPORT, samplePolicy } from './policyFixtures';

const alice = { preferred_username: 'alice@contoso.com', roles: ['Sales.EU'], tid: 'tenant-a', oid: 'oid-alice' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof BrokerError ? error.code : 'not a BrokerError';
  }
  return undefined;
}

describe('authorizeEmbed', () => {
  it('builds the identity from the claims and the rule', () => {
    const grant = authorizeEmbed(samplePolicy(), alice, 'sales-overview');
    expect(grant).toEqual({
      key: 'sales-overview',
      item: expect.objectContaining({ reportId: REPORT }),
      rule: 'sales',
      identity: { username: 'alice@contoso.com', roles: ['Viewer', 'Region EU'], customData: 'tenant-a' },
      access: 'view',
    });
  });

  it('maps only known claim values to roles', () => {
    const grant = authorizeEmbed(samplePolicy(), { ...alice, roles: ['Sales.EU', 'Admin', 'Region US'] }, 'sales-overview');
    expect(grant.identity.roles).toEqual(['Viewer', 'Region EU']);
  });

  it('matches space-separated scp values and "*" for any value', () => {
    const grant = authorizeEmbed(samplePolicy(), { scp: 'User.Read Finance.Read', tid: 't', oid: 'oid-1' }, 'finance');
    expect(grant).toMatchObject({ rule: 'finance-scope', identity: { username: 'oid-1', roles: [] } });
    expect(codeOf(() => authorizeEmbed(samplePolicy(), { scp: 'Finance.Read', oid: 'oid-1' }, 'finance'))).toBe('forbidden');
  });

  it('answers forbidden when no rule admits the caller', () => {
    expect(codeOf(() => authorizeEmbed(samplePolicy(), { ...alice, roles: ['Other'] }, 'sales-overview'))).toBe('forbidden');
  });

  it('answers not_found for an unknown key, and bad_request for a key that is not a name', () => {
    expect(codeOf(() => authorizeEmbed(samplePolicy(), alice, 'nope'))).toBe('not_found');
    for (const key of ['../x', 'a b', '', 'x'.repeat(65), '__proto__', 'a/b', '%2e%2e']) {
      expect(codeOf(() => authorizeEmbed(samplePolicy(), alice, key))).toBe('bad_request');
    }
    expect(codeOf(() => authorizeEmbed(samplePolicy(), alice, 'constructor'))).toBe('not_found');
  });

  it('matches keys case-insensitively', () => {
    expect(authorizeEmbed(samplePolicy(), alice, 'Sales-Overview').key).toBe('sales-overview');
  });

  it('refuses a caller whose username claim is missing or too long', () => {
    expect(codeOf(() => authorizeEmbed(samplePolicy(), { roles: ['Sales.EU'] }, 'sales-overview'))).toBe('forbidden');
    expect(codeOf(() => authorizeEmbed(samplePolicy(), { ...alice, preferred_username: 'x'.repeat(257) }, 'sales-overview'))).toBe('forbidden');
    expect(codeOf(() => authorizeEmbed(samplePolicy(), { ...alice, preferred_username: ['a', 'b'] }, 'sales-overview'))).toBe('forbidden');
  });

  function reasonOf(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      return error instanceof BrokerError ? { code: error.code, reason: error.extensions.reason } : 'not a BrokerError';
    }
    return undefined;
  }

  it.each([
    ['a username with a line break', { preferred_username: 'alice@contoso.com\r\nX-Injected: 1' }, 'claim_control_characters'],
    ['a username with a NUL', { preferred_username: 'alice\u0000@contoso.com' }, 'claim_control_characters'],
    ['a username with a line separator', { preferred_username: 'alice\u2028@contoso.com' }, 'claim_control_characters'],
    ['a whitespace-only username', { preferred_username: ' \t ' }, 'claim_blank'],
    ['an empty username', { preferred_username: '' }, 'claim_blank'],
    ['a numeric username', { preferred_username: 12345 }, 'claim_not_string'],
    ['a boolean username', { preferred_username: true }, 'claim_not_string'],
    ['an object username', { preferred_username: { toString: 'x' } }, 'claim_not_string'],
    ['a username over 256 characters', { preferred_username: 'x'.repeat(257) }, 'claim_too_long'],
    ['no username', { preferred_username: undefined }, 'claim_missing'],
    ['customData over 1,024 characters', { tid: 't'.repeat(1025) }, 'claim_too_long'],
    ['customData with a line break', { tid: 'tenant\n' }, 'claim_control_characters'],
    ['a numeric customData', { tid: 7 }, 'claim_not_string'],
    ['no customData claim', { tid: undefined }, 'claim_missing'],
  ])('refuses %s with 403 and a reason code', (_name, claims, reason) => {
    expect(reasonOf(() => authorizeEmbed(samplePolicy(), { ...alice, ...claims }, 'sales-overview'))).toEqual({ code: 'forbidden', reason });
  });

  it('accepts a username of exactly 256 characters', () => {
    expect(authorizeEmbed(samplePolicy(), { ...alice, preferred_username: 'x'.repeat(256) }, 'sales-overview').identity.username).toHaveLength(256);
  });

  it('does not read inherited properties as claims', () => {
    const policy = samplePolicy();
    policy.rules[0] = { ...(policy.rules[0] as (typeof policy.rules)[number]), identity: { username: { claim: 'constructor' } } };
    expect(reasonOf(() => authorizeEmbed(policy, alice, 'sales-overview'))).toEqual({ code: 'forbidden', reason: 'claim_missing' });
  });

  it('matches rules on string claim values only', () => {
    const policy = samplePolicy();
    policy.rules[0] = { ...(policy.rules[0] as (typeof policy.rules)[number]), match: { level: '1' } };
    expect(codeOf(() => authorizeEmbed(policy, { ...alice, level: 1 }, 'sales-overview'))).toBe('forbidden');
    expect(authorizeEmbed(policy, { ...alice, level: '1' }, 'sales-overview').rule).toBe('sales');
  });

  it('checks the key before any case folding: look-alikes never resolve to a catalog key', () => {
    // U+212A KELVIN SIGN lower-cases to "k"; U+0130 (dotted I) and fullwidth letters fold too.
    for (const key of ['\u212Apis', 'sales-overv\u0130ew', 'sales-overvi\u0117w', '\uFF53ales-overview']) {
      expect(codeOf(() => authorizeEmbed(samplePolicy(), alice, key))).toBe('bad_request');
    }
  });

  it('says which reason when no rule admits the caller', () => {
    expect(reasonOf(() => authorizeEmbed(samplePolicy(), { ...alice, roles: ['Other'] }, 'sales-overview'))).toEqual({ code: 'forbidden', reason: 'no_rule' });
  });
});
