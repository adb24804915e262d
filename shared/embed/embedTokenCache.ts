import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { SingleFlight } from '../cache/singleFlight';
import type { EmbedToken } from '../powerbi/powerBiClient';

// Embed tokens by everything that changes one: the principal and profile it is issued as, and
// the exact GenerateToken request (items, access, identities). A token is reused only while it
// still has the minimum lifetime left, so a warm repeat costs no network call.

export class EmbedTokenCache {
  private readonly tokens = new LRUCache<string, EmbedToken>({ max: 5000 });
  private readonly flight = new SingleFlight<EmbedToken>();

  constructor(
    private readonly minRemainingMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A digest, so the cache holds no username; crypto.hash is the one-shot form, without a Hash object per request. */
  static keyOf(request: unknown): string {
    return hash('sha256', JSON.stringify(request), 'base64url');
  }

  async getOrCreate(request: unknown, create: () => Promise<EmbedToken>): Promise<EmbedToken> {
    const key = EmbedTokenCache.keyOf(request);
    const cached = this.tokens.get(key);
    if (cached && this.isFresh(cached)) return cached;
    return this.flight.run(key, async () => {
      const token = await create();
      if (this.isFresh(token)) this.tokens.set(key, token, { ttl: Math.max(1, Date.parse(token.expiration) - this.now() - this.minRemainingMs) });
      return token;
    });
  }

  private isFresh(token: EmbedToken): boolean {
    return Date.parse(token.expiration) - this.now() >= this.minRemainingMs;
  }
}
