import { BrokerError } from '../errors/brokerError';
import { SingleFlight } from '../cache/singleFlight';
import { FailureBackoff } from '../upstream/failureBackoff';

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
  /** A failed fetch is answered again for a short while (see FailureBackoff), so an issuer outage is not hammered per request. */
  private failure: unknown;
  private readonly failures: FailureBackoff;
  private readonly flight = new SingleFlight<DiscoveryDocument>();

  constructor(
    private readonly issuer: string,
    private readonly fetchFn: FetchLike = fetch,
    private readonly timeoutMs = 5000,
    private readonly now: () => number = Date.now,
    failureCooldownMs = DISCOVERY_FAILURE_COOLDOWN_MS,
  ) {
    this.failures = new FailureBackoff(failureCooldownMs, () => this.now());
  }

  async get(): Promise<DiscoveryDocument> {
    if (this.document) return this.document;
    if (this.failure !== undefined && this.failures.retryInMs() > 0) throw this.failure;
    return this.flight.run('discovery', async () => {
      const pause = this.failures.nextPauseMs();
      try {
        this.document = await this.load(pause);
        this.failure = undefined;
        this.failures.succeeded();
        return this.document;
      } catch (error) {
        this.failure = error;
        this.failures.failed();
        throw error;
      }
    });
  }

  private async load(pauseMs: number): Promise<DiscoveryDocument> {
    const url = discoveryUrl(this.issuer);
    let response: Response;
    try {
      response = await this.fetchFn(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'manual', headers: { accept: 'application/json' } });
    } catch (error) {
      throw new BrokerError('upstream_unavailable', 'The token issuer cannot be reached to validate the caller.', { cause: error, extensions: { upstream: 'issuer' }, retryAfterSeconds: pauseMs / 1000 });
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new BrokerError('upstream_unavailable', `The token issuer's discovery document answered ${response.status}.`, { extensions: { upstream: 'issuer' }, retryAfterSeconds: pauseMs / 1000 });
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
