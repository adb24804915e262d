import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTPayload } from 'jose';
import { BrokerError } from '../errors/brokerError';
import { unauthenticated } from './bearerToken';
import { OpenIdDiscovery, type FetchLike } from './openIdDiscovery';

// Verifies the SPA user's access token: signature against the issuer's JWKS (cached, one
// shared fetch, a cooldown so unknown `kid`s cannot make us hammer the issuer), asymmetric
// algorithms only, `iss`, `aud`, `exp` and `nbf` with a bounded clock skew.

export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
export const CLOCK_SKEW_SECONDS = 120;
export const JWKS_COOLDOWN_MS = 30_000;

export interface JwtAuthenticatorOptions {
  issuer: string;
  audiences: string[];
  fetch?: FetchLike;
  /** Seconds since the epoch; tests freeze it. */
  now?: () => number;
  jwksCooldownMs?: number;
  timeoutMs?: number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class JwtAuthenticator {
  private readonly discovery: OpenIdDiscovery;
  private keySet: KeySet | undefined;

  constructor(private readonly options: JwtAuthenticatorOptions) {
    this.discovery = new OpenIdDiscovery(options.issuer, options.fetch, options.timeoutMs, options.now ? () => (options.now as () => number)() * 1000 : Date.now);
  }

  async verify(token: string): Promise<JWTPayload> {
    const keySet = await this.getKeySet();
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: this.options.issuer,
        audience: this.options.audiences,
        algorithms: ALLOWED_ALGORITHMS,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ['exp'],
        ...(this.options.now ? { currentDate: new Date(this.options.now() * 1000) } : {}),
      });
      return payload;
    } catch (error) {
      throw this.translate(error);
    }
  }

  private async getKeySet(): Promise<KeySet> {
    if (this.keySet) return this.keySet;
    const { jwks_uri } = await this.discovery.get();
    this.keySet ??= createRemoteJWKSet(new URL(jwks_uri), {
      cooldownDuration: this.options.jwksCooldownMs ?? JWKS_COOLDOWN_MS,
      timeoutDuration: this.options.timeoutMs ?? 5000,
      ...(this.options.fetch ? { [customFetch]: this.options.fetch } : {}),
    });
    return this.keySet;
  }

  private translate(error: unknown): BrokerError {
    if (error instanceof errors.JWTExpired) return unauthenticated('The token has expired.', true, error);
    if (error instanceof errors.JWTClaimValidationFailed) return unauthenticated(`The token's "${error.claim}" claim is not accepted.`, true, error);
    if (error instanceof errors.JWKSNoMatchingKey) return unauthenticated('The token is signed with an unknown key.', true, error);
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
      return new BrokerError('upstream_unavailable', "The token issuer's signing keys cannot be loaded.", { cause: error, extensions: { upstream: 'issuer' } });
    }
    if (error instanceof errors.JOSEError) return unauthenticated('The token is not valid.', true, error);
    if (error instanceof TypeError || (error instanceof Error && /fetch|network|ECONN/i.test(error.message))) {
      return new BrokerError('upstream_unavailable', "The token issuer's signing keys cannot be loaded.", { cause: error, extensions: { upstream: 'issuer' } });
    }
    return unauthenticated('The token is not valid.', true, error);
  }
}
