import { createBroker, type Broker } from '../../shared/app/broker';
import { loadConfig } from '../../shared/config/config';
import { DEMO_USERS } from '../../dev/emulators/demoWorld';
import type { LocalAzure } from '../../dev/emulators/localAzure';
import type { DependencyRecord, Telemetry } from '../../shared/telemetry/telemetry';
import { useIdentityEndpoint } from '../helpers/identityEnvironment';
import { startTestAzure } from '../helpers/localAzureForTests';

// What the broker reports through the telemetry port, against the emulators with the real SDK
// clients: the dependencies of a cold and a warm embed, cache hits, a policy denial, Power BI
// throttling with its retry, and a secret rotation's re-read. (The App Insights adapter sending
// these: test/integration/telemetry.test.ts.)

const claimsOf = (name: string) => ({ ...(DEMO_USERS.find((u) => u.name === name)?.claims ?? {}) });

interface Recorded {
  dependencies: DependencyRecord[];
  events: { name: string; properties: Record<string, string>; measurements?: Record<string, number> }[];
  metrics: { name: string; value: number; properties?: Record<string, string> }[];
}

describe('telemetry reported by the broker', () => {
  let azure: LocalAzure;
  let broker: Broker;
  const identityEnvironment = useIdentityEndpoint();
  const recorded: Recorded = { dependencies: [], events: [], metrics: [] };
  const telemetry: Telemetry = {
    dependency: (record) => recorded.dependencies.push(record),
    event: (name, properties, measurements) => recorded.events.push({ name, properties, ...(measurements ? { measurements } : {}) }),
    metric: (name, value, properties) => recorded.metrics.push({ name, value, ...(properties ? { properties } : {}) }),
  };
  const reset = () => {
    recorded.dependencies.length = 0;
    recorded.events.length = 0;
    recorded.metrics.length = 0;
  };

  beforeAll(async () => {
    azure = await startTestAzure();
    identityEnvironment.set(azure.managedIdentity.endpoint, azure.managedIdentity.header);
    broker = createBroker(loadConfig({ ...azure.settings, UPSTREAM_TIMEOUT_SECONDS: '2', REQUEST_DEADLINE_SECONDS: '10' }), { telemetry });
  });

  afterAll(async () => {
    await azure.close();
    identityEnvironment.restore();
  });

  beforeEach(reset);

  it('a cold embed: every upstream call as a dependency, the token renewal and the issued token', async () => {
    await broker.embedReport({ claims: claimsOf('alice') }, 'sales-overview');
    const calls = recorded.dependencies.map((d) => `${d.target} ${d.operation} ${d.status} ${d.success} ${d.attempt}`);
    // The vault's challenge and the identity's token are asked for side by side: either may end first.
    expect(calls.slice(0, 2).sort()).toEqual(['key-vault GET /secrets/powerbi-client-secret 401 true 1', 'managed-identity GET /msi/token 200 true 1']);
    expect(calls.slice(2)).toEqual([
      'key-vault GET /secrets/powerbi-client-secret 200 true 1',
      'entra POST /{tenant}/oauth2/v2.0/token 200 true 1',
      'powerbi GET /v1.0/myorg/groups/{id}/reports/{id} 200 true 1',
      'powerbi GET /v1.0/myorg/groups/{id}/datasets/{id} 200 true 1',
      'powerbi POST /v1.0/myorg/GenerateToken 200 true 1',
    ]);
    const generate = recorded.dependencies.at(-1) as DependencyRecord;
    expect(generate.requestId).toBe(azure.powerBi.log.find({ method: 'POST', path: /GenerateToken$/ }).at(-1)?.requestId);
    expect(generate.host).toBe(new URL(azure.powerBi.url).host);
    expect(recorded.events.map((e) => e.name)).toEqual(['ServicePrincipalTokenRenewed', 'EmbedTokenIssued']);
    expect(recorded.events[0]?.measurements?.remainingMinutes).toBeGreaterThan(50);
    expect(recorded.events[1]).toMatchObject({ properties: { itemKeys: 'sales-overview', rule: 'sales-team', cacheHit: 'false', rls: 'true' } });
    expect(recorded.metrics.map((m) => m.name)).toEqual(['EmbedTokenCacheMisses', 'EmbedTokenLifetimeMinutes']);
  });

  it('a warm repeat: a cache hit, no dependency', async () => {
    await broker.embedReport({ claims: claimsOf('alice') }, 'SALES-overview');
    expect(recorded.dependencies).toEqual([]);
    expect(recorded.events).toEqual([expect.objectContaining({ name: 'EmbedTokenIssued', properties: expect.objectContaining({ cacheHit: 'true', itemKeys: 'sales-overview' }) })]);
    expect(recorded.metrics.map((m) => m.name)).toEqual(['EmbedTokenCacheHits', 'EmbedTokenLifetimeMinutes']);
  });

  it('a policy denial: its rule and reason', async () => {
    await expect(broker.embedReport({ claims: claimsOf('carol') }, 'sales-overview')).rejects.toMatchObject({ code: 'forbidden' });
    expect(recorded.events).toEqual([{ name: 'PolicyDenied', properties: { itemKeys: 'sales-overview', reason: 'no_rule', rule: 'none' } }]);
    expect(recorded.dependencies).toEqual([]);
  });

  it('Power BI throttling: the 429 with its Retry-After, the retry as attempt 2, a retry metric', async () => {
    azure.powerBi.inject({ kind: 'status', status: 429, retryAfterSeconds: 0, times: 1, path: '/GenerateToken' });
    await broker.embedReport({ claims: claimsOf('bob') }, 'sales-overview');
    const generate = recorded.dependencies.filter((d) => d.operation === 'POST /v1.0/myorg/GenerateToken');
    expect(generate.map((d) => [d.status, d.success, d.attempt])).toEqual([
      [429, false, 1],
      [200, true, 2],
    ]);
    expect(recorded.events).toContainEqual({ name: 'UpstreamThrottled', properties: { target: 'powerbi', operation: 'POST /v1.0/myorg/GenerateToken', status: '429', retryAfter: '0' } });
    expect(recorded.metrics).toContainEqual({ name: 'UpstreamRetries', value: 1, properties: { target: 'powerbi' } });
  });

  it('a rotated secret: Entra refuses the old one, the broker re-reads it and renews its token', async () => {
    azure.rotateClientSecret();
    // Power BI refuses the held token once: the broker drops it and asks Entra with the secret it has.
    azure.powerBi.inject({ kind: 'status', status: 401, times: 1, path: '/GenerateToken' });
    await broker.embedReport({ claims: claimsOf('bob') }, 'company-kpis');
    const entra = recorded.dependencies.filter((d) => d.target === 'entra' && d.method === 'POST').map((d) => [d.status, d.success]);
    expect(entra).toEqual([
      [401, false],
      [200, true],
    ]);
    expect(recorded.events.map((e) => e.name)).toEqual(['CredentialReread', 'ServicePrincipalTokenRenewed', 'EmbedTokenIssued']);
    expect(recorded.events[0]?.properties).toEqual({ after: 'invalid_client', changed: 'true' });
  });

  it('never reports a secret, a token or a username', () => {
    // Everything recorded in this file is gone by now; record a full run once more and look at it.
    return broker.embedReport({ claims: claimsOf('alice') }, 'company-kpis').then(() => {
      const text = JSON.stringify(recorded);
      expect(text).not.toContain(azure.clientSecret);
      expect(text).not.toContain('eyJ');
      expect(text).not.toContain('alice@contoso.example');
    });
  });
});
