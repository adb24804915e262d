import { BrokerError } from '../errors/brokerError';
import { SingleFlight } from '../cache/singleFlight';
import type { RefreshableValue } from '../cache/refreshableValue';
import type { ClientCredential } from './clientCredential';
import { isCredentialRejected } from './entraError';

// The service principal's Entra token for Power BI. Kept in memory and served without any
// network call while it still has the minimum embed-token lifetime left (plus a request's
// worth of time): Power BI caps an embed token at the remaining life of this token.

export interface AccessToken {
  token: string;
  expiresOnMs: number;
}

/** One confidential client (msal in production): `forceRefresh` skips its cache. Fails with a BrokerError. */
export interface TokenSource {
  acquire(forceRefresh: boolean): Promise<AccessToken>;
}

export interface ServicePrincipalTokenOptions {
  credential: RefreshableValue<ClientCredential>;
  createSource: (credential: ClientCredential) => TokenSource;
  /** The least remaining lifetime a served token must have. */
  minRemainingMs: number;
  now?: () => number;
  /** Called when Entra hands out a token shorter than the minimum (nothing better can be had). */
  onShortToken?: (remainingMs: number) => void;
  /** A new token was had from Entra (not msal's cache of the one in hand): its remaining lifetime. */
  onRenewed?: (remainingMs: number) => void;
  /** Entra refused the credential (invalid_client) and it was read again: `changed` says whether the re-read brought a new one. */
  onCredentialReread?: (changed: boolean) => void;
}

/** A re-read that brought back the same secret or certificate: retrying Entra with it is pointless. */
function sameCredential(a: ClientCredential, b: ClientCredential): boolean {
  if (a.kind === 'secret' && b.kind === 'secret') return a.secret === b.secret;
  if (a.kind === 'certificate' && b.kind === 'certificate') return a.thumbprintSha256 === b.thumbprintSha256;
  return false;
}

export const SHORT_TOKEN_REUSE_MS = 30_000;

export class ServicePrincipalTokenProvider {
  private current: AccessToken | undefined;
  /** Entra said when to come back (Retry-After on a 429/503): no call before then. */
  private retryNotBefore = 0;
  /** After invalidate(): msal's cache still holds the refused token, so skip it. */
  private forceNext = false;
  /** A token shorter than the minimum (Entra gave nothing better) is reused briefly rather than re-fetched per request. */
  private shortTokenAcceptedUntil = 0;
  private source: { credential: ClientCredential; source: TokenSource } | undefined;
  private readonly flight = new SingleFlight<AccessToken>();
  private readonly now: () => number;

  constructor(private readonly options: ServicePrincipalTokenOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached token if it is fresh enough; never a network call. */
  peek(): AccessToken | undefined {
    if (!this.current) return undefined;
    if (this.isFreshEnough(this.current)) return this.current;
    return this.now() < this.shortTokenAcceptedUntil && this.current.expiresOnMs > this.now() ? this.current : undefined;
  }

  /** Power BI refused the cached token (revoked, or clocks disagree): the next call fetches a new one. */
  invalidate(): void {
    if (this.current) this.forceNext = true;
    this.current = undefined;
    this.shortTokenAcceptedUntil = 0;
  }

  async getToken(): Promise<AccessToken> {
    const cached = this.peek();
    if (cached) return cached;
    const waitMs = this.retryNotBefore - this.now();
    if (waitMs > 0) {
      throw new BrokerError('upstream_unavailable', 'Entra asked to wait before the next token request.', { extensions: { upstream: 'entra' }, retryAfterSeconds: waitMs / 1000 });
    }
    return this.flight.run('token', () => this.fetchFresh());
  }

  private isFreshEnough(token: AccessToken): boolean {
    return token.expiresOnMs - this.now() >= this.options.minRemainingMs;
  }

  private sourceFor(credential: ClientCredential): TokenSource {
    if (this.source?.credential !== credential) this.source = { credential, source: this.options.createSource(credential) };
    return this.source.source;
  }

  private async acquireFrom(credential: ClientCredential, forceRefresh: boolean): Promise<AccessToken> {
    try {
      return await this.sourceFor(credential).acquire(forceRefresh);
    } catch (error) {
      // msal remembers a 429/5xx and fails locally for up to 60 s, ignoring Retry-After; a fresh
      // client recovers as soon as Entra does, and Entra's own Retry-After is honoured above it.
      if (!isCredentialRejected(error)) this.source = undefined;
      if (error instanceof BrokerError && error.extensions.upstream === 'entra' && error.retryAfterSeconds !== undefined) {
        this.retryNotBefore = this.now() + error.retryAfterSeconds * 1000;
      }
      throw error;
    }
  }

  private async fetchFresh(): Promise<AccessToken> {
    // With a token in hand msal's cache holds it too, and it is too short: skip that cache.
    const forceRefresh = this.current !== undefined || this.forceNext;
    const credential = await this.options.credential.get();
    let token: AccessToken;
    try {
      token = await this.acquireFrom(credential, forceRefresh);
    } catch (error) {
      if (!isCredentialRejected(error) || credential.kind === 'assertion') throw error;
      // Rotation: the cached secret or certificate was replaced. Read it again once, retry once.
      const renewed = await this.options.credential.refresh(credential);
      const unchanged = renewed === credential || sameCredential(renewed, credential);
      this.options.onCredentialReread?.(!unchanged);
      if (unchanged) throw error;
      token = await this.acquireFrom(renewed, true);
    }
    this.shortTokenAcceptedUntil = 0;
    if (!this.isFreshEnough(token)) {
      this.options.onShortToken?.(token.expiresOnMs - this.now());
      this.shortTokenAcceptedUntil = this.now() + SHORT_TOKEN_REUSE_MS;
      if (token.expiresOnMs <= this.now()) throw new BrokerError('upstream_invalid_response', 'Entra issued a token that has already expired.', { extensions: { upstream: 'entra' } });
    }
    this.current = token;
    this.forceNext = false;
    this.options.onRenewed?.(token.expiresOnMs - this.now());
    return token;
  }
}
