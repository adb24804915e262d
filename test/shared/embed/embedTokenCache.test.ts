import { EmbedTokenCache } from '../../../shared/embed/embedTokenCache';
import type { EmbedToken, GenerateTokenV2Request } from '../../../shared/powerbi/powerBiClient';

// Embed tokens kept per exact GenerateToken request, reused only while they still have the
// minimum lifetime left, on a frozen clock.

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);
const MINUTE = 60_000;
const MIN_REMAINING = 30 * MINUTE;
const DATASET = '5a1e5000-0000-4000-8000-0000000000d1';
const REPORT = '5a1e5000-0000-4000-8000-0000000000a1';

function requestFor(username: string): GenerateTokenV2Request {
  return { datasets: [{ id: DATASET }], reports: [{ id: REPORT, allowEdit: false }], identities: [{ username, roles: ['Region EU'], datasets: [DATASET] }] };
}

function harness() {
  let now = T0;
  let issued = 0;
  const cache = new EmbedTokenCache(MIN_REMAINING, () => now);
  const lifetimes: number[] = [];
  const create = async (): Promise<EmbedToken> => {
    issued += 1;
    const lifetime = lifetimes.shift() ?? 60 * MINUTE;
    return { token: `embed-${issued}`, tokenId: `id-${issued}`, expiration: new Date(now + lifetime).toISOString() };
  };
  return {
    cache,
    create,
    lifetimes,
    get issued() {
      return issued;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('EmbedTokenCache', () => {
  it('reuses a token while it still has the minimum lifetime left', async () => {
    const h = harness();
    const first = await h.cache.getOrCreate(requestFor('alice'), h.create);
    h.advance(60 * MINUTE - MIN_REMAINING);
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toBe(first);
    expect(h.issued).toBe(1);
  });

  it('creates a new token once the clock passes expiration minus the minimum', async () => {
    const h = harness();
    await h.cache.getOrCreate(requestFor('alice'), h.create);
    h.advance(60 * MINUTE - MIN_REMAINING + 1);
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toMatchObject({ token: 'embed-2' });
    // The new token is kept in its turn.
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toMatchObject({ token: 'embed-2' });
    expect(h.issued).toBe(2);
  });

  it('keeps tokens for different identities apart', async () => {
    const h = harness();
    const alice = await h.cache.getOrCreate(requestFor('alice'), h.create);
    const bob = await h.cache.getOrCreate(requestFor('bob'), h.create);
    expect(bob.token).not.toBe(alice.token);
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toBe(alice);
    expect(h.issued).toBe(2);
  });

  it('shares one create between concurrent identical requests', async () => {
    const h = harness();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowCreate = async () => {
      await gate;
      return h.create();
    };
    const callers = Array.from({ length: 20 }, () => h.cache.getOrCreate(requestFor('alice'), slowCreate));
    const other = h.cache.getOrCreate(requestFor('bob'), slowCreate);
    release();
    const tokens = await Promise.all(callers);
    await other;
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(h.issued).toBe(2);
  });

  it('does not keep a token shorter than the minimum, but still returns it', async () => {
    const h = harness();
    h.lifetimes.push(MIN_REMAINING - 1, MIN_REMAINING - 1);
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toMatchObject({ token: 'embed-1' });
    await expect(h.cache.getOrCreate(requestFor('alice'), h.create)).resolves.toMatchObject({ token: 'embed-2' });
    expect(h.issued).toBe(2);
  });

  it('does not keep a failure, and shares it with the callers that waited for it', async () => {
    const h = harness();
    let attempts = 0;
    const failingOnce = async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('GenerateToken failed');
      return h.create();
    };
    const outcomes = await Promise.allSettled([h.cache.getOrCreate(requestFor('alice'), failingOnce), h.cache.getOrCreate(requestFor('alice'), failingOnce)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    await expect(h.cache.getOrCreate(requestFor('alice'), failingOnce)).resolves.toMatchObject({ token: 'embed-1' });
    expect(attempts).toBe(2);
  });

  it('keys by the whole request: the same items with another role are another token', () => {
    const base = requestFor('alice');
    const otherRole: GenerateTokenV2Request = { ...base, identities: [{ username: 'alice', roles: ['Region US'], datasets: [DATASET] }] };
    expect(EmbedTokenCache.keyOf(base)).toBe(EmbedTokenCache.keyOf(requestFor('alice')));
    expect(EmbedTokenCache.keyOf(otherRole)).not.toBe(EmbedTokenCache.keyOf(base));
    expect(EmbedTokenCache.keyOf(base)).not.toContain('alice');
  });
});
