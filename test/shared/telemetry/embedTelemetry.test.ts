import { BrokerError } from '../../../shared/errors/brokerError';
import { createUserHasher, reportEmbedTokenIssued, reportPolicyDenial } from '../../../shared/telemetry/embedTelemetry';
import type { Telemetry } from '../../../shared/telemetry/telemetry';

// Issued tokens and policy denials as on-call sees them; the username only as a keyed hash.

function recorder() {
  const items: unknown[] = [];
  const telemetry: Telemetry = {
    dependency: () => undefined,
    event: (name, properties, measurements) => items.push({ event: name, properties, ...(measurements ? { measurements } : {}) }),
    metric: (name, value) => items.push({ metric: name, value }),
  };
  return { telemetry, items };
}

const NOW = Date.parse('2026-12-01T10:00:00Z');

describe('createUserHasher', () => {
  it('is stable for one key, differs across keys, and never shows the username', () => {
    const hash = createUserHasher(Buffer.alloc(32, 1));
    expect(hash('alice@contoso.example')).toBe(hash('alice@contoso.example'));
    expect(hash('alice@contoso.example')).not.toBe(hash('bob@contoso.example'));
    expect(createUserHasher(Buffer.alloc(32, 2))('alice@contoso.example')).not.toBe(hash('alice@contoso.example'));
    expect(hash('alice@contoso.example')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // Two processes draw different keys.
    expect(createUserHasher()('alice')).not.toBe(createUserHasher()('alice'));
  });
});

describe('reportEmbedTokenIssued', () => {
  it('sends the event with items, rule, cache hit and lifetime, and the cache and lifetime metrics', () => {
    const r = recorder();
    const hash = createUserHasher(Buffer.alloc(32, 3));
    reportEmbedTokenIssued(r.telemetry, hash, { itemKeys: ['sales-overview'], rule: 'sales-team', expiration: new Date(NOW + 45.5 * 60_000).toISOString(), cacheHit: true, username: 'alice@contoso.example', identityApplied: true }, NOW);
    expect(r.items).toEqual([
      { event: 'EmbedTokenIssued', properties: { itemKeys: 'sales-overview', rule: 'sales-team', cacheHit: 'true', rls: 'true', userHash: hash('alice@contoso.example') }, measurements: { lifetimeMinutes: 45.5 } },
      { metric: 'EmbedTokenCacheHits', value: 1 },
      { metric: 'EmbedTokenLifetimeMinutes', value: 45.5 },
    ]);
    expect(JSON.stringify(r.items)).not.toContain('alice');
  });

  it('counts a miss', () => {
    const r = recorder();
    reportEmbedTokenIssued(r.telemetry, createUserHasher(), { itemKeys: ['a', 'b'], rule: 'r', expiration: new Date(NOW + 60 * 60_000).toISOString(), cacheHit: false, username: 'u', identityApplied: false }, NOW);
    expect(r.items).toContainEqual({ metric: 'EmbedTokenCacheMisses', value: 1 });
    expect(r.items[0]).toMatchObject({ properties: { itemKeys: 'a,b', rls: 'false' } });
  });
});

describe('reportPolicyDenial', () => {
  it('reports a 403 with its rule and reason', () => {
    const r = recorder();
    reportPolicyDenial(r.telemetry, new BrokerError('forbidden', 'no', { extensions: { rule: 'sales-team', reason: 'claim_missing' } }), ['sales-overview']);
    reportPolicyDenial(r.telemetry, new BrokerError('forbidden', 'no', { extensions: { reason: 'no_rule' } }), ['company-kpis']);
    expect(r.items).toEqual([
      { event: 'PolicyDenied', properties: { itemKeys: 'sales-overview', reason: 'claim_missing', rule: 'sales-team' } },
      { event: 'PolicyDenied', properties: { itemKeys: 'company-kpis', reason: 'no_rule', rule: 'none' } },
    ]);
  });

  it('ignores every other failure', () => {
    const r = recorder();
    reportPolicyDenial(r.telemetry, new BrokerError('upstream_error', 'x'), ['k']);
    reportPolicyDenial(r.telemetry, new BrokerError('not_found', 'x'), ['k']);
    reportPolicyDenial(r.telemetry, new Error('x'), ['k']);
    expect(r.items).toEqual([]);
  });
});
