import { BrokerError } from '../errors/brokerError';
import { SingleFlight } from '../cache/singleFlight';

// The issuer's OpenID discovery document: fetched once (shared by concurrent callers),
// checked against the configured issuer, and kept; a failed fetch is retried on a later call.

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export const DISCOVERY_FAILURE_COOLDOWN_MS = 5_000;

export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

export class OpenIdDiscovery {
  private document: DiscoveryDocument | undefined;
  /** A failed fetch is answered again for a short while, so an issuer outage is not hammered per request. */
  private failure: { error: unknown; until: number } | undefined;
  private readonly flight = new SingleFlight<DiscoveryDocument>();

  constructor(
    private readonly issuer: string,
    private readonly fetchFn: FetchLike = fetch,
    private readonly timeoutMs = 5000,
    private readonly now: () => number = Date.now,
    private readonly failureCooldownMs = DISCOVERY_FAILURE_COOLDOWN_MS,
  ) {}

  async get(): Promise<DiscoveryDocument> {
    if (this.document) return this.document;
    if (this.failure && this.now() < this.failure.until) throw this.failure.error;
    return this.flight.run('discovery', async () => {
      try {
        this.document = await this.load();
        this.failure = undefined;
        return this.document;
      } catch (error) {
        this.failure = { error, until: this.now() + this.failureCooldownMs };
        throw error;
      }
    });
  }

  private async load(): Promise<DiscoveryDocument> {
    const url = discoveryUrl(this.issuer);
    let response: Response;
    try {
      response = await this.fetchFn(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual', headers: { accept: 'application/json' } });
    } catch (error) {
      throw new BrokerError('upstream_unavailable', 'The token issuer cannot be reached to validate the caller.', { cause: error, extensions: { upstream: 'issuer' }, retryAfterSeconds: this.failureCooldownMs / 1000 });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new BrokerError('upstream_unavailable', `The token issuer's discovery document answered ${response.status}.`, { extensions: { upstream: 'issuer' }, retryAfterSeconds: this.failureCooldownMs / 1000 });
    }
    const body = (await response.json().catch(() => undefined)) as Partial<DiscoveryDocument> | undefined;
    if (!body || typeof body.jwks_uri !== 'string' || typeof body.issuer !== 'string') {
      throw new BrokerError('upstream_invalid_response', "The token issuer's discovery document has no issuer or jwks_uri.", { extensions: { upstream: 'issuer' } });
    }
    if (body.issuer !== this.issuer) {
      throw new BrokerError('upstream_invalid_response', `The discovery document names issuer "${body.issuer}", not the configured one.`, { extensions: { upstream: 'issuer' } });
    }
    return { issuer: body.issuer, jwks_uri: body.jwks_uri };
  }
}
