import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { SingleFlight } from '../cache/singleFlight';
import { BrokerError } from '../errors/brokerError';
import { FailureBackoff } from '../upstream/failureBackoff';
import { connectionBackInPool } from '../upstream/pooledConnection';
import { settleWithin } from '../upstream/settleWithin';
import type { FetchLike, OpenIdDiscovery } from './openIdDiscovery';

// The user issuer's signing keys. Fetched once and shared by concurrent callers; kept and used
// while the issuer fails (stale-while-error, up to a bounded age) so an issuer blip is not a
// sign-in error for users whose keys we already hold; refreshed in the background once old;
// fetched again for an unknown `kid` at most once per cooldown, and not again for a while after
// a failed fetch (a second, doubling per failure in a row up to the failure cooldown: see
// FailureBackoff). Failures are 503s, never 401s: an SPA answers 401 by signing the user in again.

export type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

export interface IssuerKeysOptions {
  discovery: OpenIdDiscovery;
  fetch?: FetchLike;
  now?: () => number;
  timeoutMs: number;
  /** Keys older than this are refreshed in the background (still served meanwhile). */
  maxAgeMs?: number;
  /** Keys older than this are not used at all, whatever the issuer's state. */
  staleMaxAgeMs?: number;
  /** Least time between fetches caused by an unknown `kid`. */
  cooldownMs?: number;
  /** No fetch for this long after a failed one. */
  failureCooldownMs?: number;
}

export const KEYS_MAX_AGE_MS = 10 * 60_000;
export const KEYS_STALE_MAX_AGE_MS = 60 * 60_000;
export const KEYS_COOLDOWN_MS = 30_000;
export const KEYS_FAILURE_COOLDOWN_MS = 10_000;

interface Held {
  keys: LocalKeySet;
  fetchedAt: number;
}

export function keySetUnavailable(detail: string, retryAfterMs: number, cause?: unknown): BrokerError {
  return new BrokerError('upstream_unavailable', `The token issuer's signing keys cannot be loaded (${detail}).`, {
    extensions: { upstream: 'issuer' },
    retryAfterSeconds: Math.max(1, retryAfterMs / 1000),
    ...(cause === undefined ? {} : { cause }),
  });
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.length > 0 && keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k));
}

export class IssuerKeys {
  private held: Held | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private readonly failures: FailureBackoff;
  private readonly flight = new SingleFlight<Held>();
  private readonly now: () => number;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: IssuerKeysOptions) {
    this.now = options.now ?? Date.now;
    this.fetchFn = options.fetch ?? fetch;
    this.failures = new FailureBackoff(options.failureCooldownMs ?? KEYS_FAILURE_COOLDOWN_MS, () => this.now());
  }

  /** Usable keys: held ones when young enough, else a fetch within `deadline`. */
  async current(deadline: number): Promise<LocalKeySet> {
    const held = this.held;
    const age = held ? this.now() - held.fetchedAt : Infinity;
    if (held && age < (this.options.staleMaxAgeMs ?? KEYS_STALE_MAX_AGE_MS)) {
      if (age >= (this.options.maxAgeMs ?? KEYS_MAX_AGE_MS) && this.mayFetch()) this.refresh(deadline).catch(() => undefined);
      return held.keys;
    }
    return (await this.refresh(deadline)).keys;
  }

  /**
   * The token names a key we do not hold: fetch again unless one was fetched within the
   * cooldown. Returns the new keys, or undefined when no fetch was allowed.
   */
  async refreshForUnknownKey(deadline: number): Promise<LocalKeySet | undefined> {
    if (this.now() - this.lastAttemptAt < (this.options.cooldownMs ?? KEYS_COOLDOWN_MS)) return undefined;
    return (await this.refresh(deadline)).keys;
  }

  private mayFetch(): boolean {
    return this.failures.retryInMs() <= 0;
  }

  private refresh(deadline: number): Promise<Held> {
    const retryIn = this.failures.retryInMs();
    if (retryIn > 0) return Promise.reject(keySetUnavailable('a recent fetch failed', retryIn));
    const shared = this.flight.run('keys', async () => {
      this.lastAttemptAt = this.now();
      // What a failure of this fetch tells callers to wait (Retry-After): the pause it starts.
      const pause = this.failures.nextPauseMs();
      try {
        const held = { keys: await this.load(deadline, pause), fetchedAt: this.now() };
        this.held = held;
        this.failures.succeeded();
        return held;
      } catch (error) {
        this.failures.failed();
        throw error instanceof BrokerError ? error : keySetUnavailable('unexpected failure', pause, error);
      }
    });
    // A caller joining a flight started by another request still keeps to its own deadline.
    return settleWithin(() => shared, Math.max(0, deadline - this.now()), () => keySetUnavailable('no answer in time', this.options.failureCooldownMs ?? KEYS_FAILURE_COOLDOWN_MS));
  }

  private async load(deadline: number, cooldown: number): Promise<LocalKeySet> {
    const { jwks_uri } = await this.options.discovery.get();
    // Usually the discovery document's host: its kept-alive connection is reused.
    await connectionBackInPool();
    const signal = AbortSignal.timeout(Math.max(1, Math.min(this.options.timeoutMs, deadline - this.now())));
    let response: Response;
    try {
      // A key set that moved is not followed: keys come only from the address the issuer published.
      response = await this.fetchFn(jwks_uri, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
    } catch (error) {
      throw keySetUnavailable(signal.aborted ? 'no answer in time' : 'unreachable', cooldown, error);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw keySetUnavailable(`answered ${response.status}`, cooldown);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (!isKeySet(body)) throw keySetUnavailable('not a JSON Web Key Set', cooldown);
    try {
      return createLocalJWKSet(body);
    } catch (error) {
      throw keySetUnavailable('not a JSON Web Key Set', cooldown, error);
    }
  }
}
