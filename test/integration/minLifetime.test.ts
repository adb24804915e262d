import { createBroker, type Broker } from '../../shared/app/broker';
import { loadConfig } from '../../shared/config/config';
import type { LocalAzure } from '../../dev/emulators/localAzure';
import { DEMO_USERS } from '../../dev/emulators/demoWorld';
import { startTestAzure } from '../helpers/localAzureForTests';

// Power BI caps an embed token at the remaining life of the Entra token behind it, and msal keeps
// serving a cached Entra token until 5 minutes before it expires. One clock, moved by the test,
// drives the broker, Entra and Power BI, so "40 minutes later" needs no waiting.

describe('EMBED_MIN_LIFETIME_MINUTES', () => {
  let azure: LocalAzure;
  let broker: Broker;
  let offsetMs = 0;
  const now = () => Date.now() + offsetMs;
  const alice = { ...(DEMO_USERS[0]?.claims ?? {}) };
  const minutesLeft = (expiration: string) => (Date.parse(expiration) - now()) / 60_000;

  beforeAll(async () => {
    azure = await startTestAzure({ now });
    Object.assign(process.env, { IDENTITY_ENDPOINT: azure.settings.IDENTITY_ENDPOINT, IDENTITY_HEADER: azure.settings.IDENTITY_HEADER });
    azure.entra.setTokenLifetime(60 * 60);
    broker = createBroker(loadConfig({ ...azure.settings, EMBED_MIN_LIFETIME_MINUTES: '30' }), { now });
  });

  afterAll(() => azure.close());

  it('refreshes the Entra token early so every embed token lives at least the minimum', async () => {
    const first = await broker.embedReport({ claims: alice }, 'sales-overview');
    expect(minutesLeft(first.config.expiration)).toBeGreaterThanOrEqual(59);

    // 40 minutes on: the cached Entra token has 20 minutes left, less than the minimum.
    offsetMs = 40 * 60_000;
    const second = await broker.embedReport({ claims: alice }, 'sales-overview');
    expect(second.config.tokenId).not.toBe(first.config.tokenId);
    expect(minutesLeft(second.config.expiration)).toBeGreaterThanOrEqual(30);
    const entraCalls = azure.entra.server.log.find({ method: 'POST', path: '/oauth2/v2.0/token' });
    expect(entraCalls).toHaveLength(2);
  });

  it('reuses a cached embed token only while it has the minimum left', async () => {
    offsetMs += 5 * 60_000;
    const before = azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i });
    const cached = await broker.embedReport({ claims: alice }, 'sales-overview');
    expect(azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(before);
    expect(minutesLeft(cached.config.expiration)).toBeGreaterThanOrEqual(30);
  });
});
