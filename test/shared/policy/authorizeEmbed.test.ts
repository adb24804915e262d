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
});
