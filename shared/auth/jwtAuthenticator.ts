import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import { LRUCache } from 'lru-cache';
import { SingleFlight } from '../cache/singleFlight';
import { BrokerError } from '../errors/brokerError';
import { unauthenticated } from './bearerToken';
import { IssuerKeys, KEYS_FAILURE_COOLDOWN_MS, keySetUnavailable, type LocalKeySet } from './issuerKeys';
import { OpenIdDiscovery, type FetchLike } from './openIdDiscovery';
import { checkTokenKind, type TokenKindRules } from './tokenKind';
import { settleWithin } from '../upstream/settleWithin';

// Verifies the SPA user's access token: signature against the issuer's keys (see IssuerKeys),
// asymmetric algorithms only, `iss`, `aud`, `exp` and `nbf` with a bounded clock skew, a bounded
// age and lifetime, and only delegated user access tokens (see tokenKind).

export const ALLOWED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
export const CLOCK_SKEW_SECONDS = 120;
export const DEFAULT_MAX_TOKEN_AGE_MINUTES = 24 * 60;
/** Tokens already verified, kept until they expire: an SPA sends the same token many times. */
export const VERIFIED_TOKENS_MAX = 10_000;

export interface JwtAuthenticatorOptions extends Partial<TokenKindRules> {
  issuer: string;
  audiences: string[];
  fetch?: FetchLike;
  /** Seconds since the epoch; tests freeze it. */
  now?: () => number;
  /** Least time between key-set fetches caused by an unknown `kid`. */
  jwksCooldownMs?: number;
  timeoutMs?: number;
  /** Oldest `iat`, and longest `exp - iat`, accepted. */
  maxTokenAgeMinutes?: number;
}

export class JwtAuthenticator {
  private readonly keys: IssuerKeys;
  private readonly nowMs: () => number;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly kindRules: TokenKindRules;
  private readonly maxAgeSeconds: number;
  /** Verified tokens and until when (epoch ms) their verdict holds: the first of `exp` and the age limit. */
  private readonly verified = new LRUCache<string, { payload: JWTPayload; until: number }>({ max: VERIFIED_TOKENS_MAX });
  /** Verifications under way: the same token sent again meanwhile (a page with several embeds) waits for the same verdict. */
  private readonly verifying = new SingleFlight<JWTPayload>();

  constructor(private readonly options: JwtAuthenticatorOptions) {
    this.nowMs = options.now ? () => (options.now as () => number)() * 1000 : Date.now;
    const timeoutMs = options.timeoutMs ?? 5000;
    const discovery = new OpenIdDiscovery(options.issuer, options.fetch, timeoutMs, this.nowMs);
    this.keys = new IssuerKeys({ discovery, timeoutMs, now: this.nowMs, ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.jwksCooldownMs !== undefined ? { cooldownMs: options.jwksCooldownMs } : {}) });
    const maxAgeSeconds = (options.maxTokenAgeMinutes ?? DEFAULT_MAX_TOKEN_AGE_MINUTES) * 60;
    this.maxAgeSeconds = maxAgeSeconds;
    this.verifyOptions = {
      issuer: options.issuer,
      audience: options.audiences,
      algorithms: ALLOWED_ALGORITHMS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'iat'],
      maxTokenAge: maxAgeSeconds,
    };
    this.kindRules = { allowAppTokens: options.allowAppTokens ?? false, allowedClientIds: options.allowedClientIds ?? [], maxLifetimeSeconds: maxAgeSeconds };
  }

  async verify(token: string, deadline = this.nowMs() + (this.options.timeoutMs ?? 5000)): Promise<JWTPayload> {
    const known = this.verified.get(token);
    if (known && this.nowMs() < known.until) return known.payload;
    const shared = this.verifying.run(token, async () => this.remember(token, await this.verifyFresh(token, deadline)));
    // Whoever started the verification, each caller keeps to its own deadline (the wait is for the issuer's keys).
    return settleWithin(() => shared, Math.max(0, deadline - this.nowMs()), () => keySetUnavailable('no answer in time', KEYS_FAILURE_COOLDOWN_MS));
  }

  /** The verdict, shared by every caller of this token (so frozen), kept until it stops holding. */
  private remember(token: string, payload: JWTPayload): JWTPayload {
    const frozen = Object.freeze(payload);
    // Only a verdict that holds without the clock skew is reused: a token in its skew is re-checked.
    const exp = (payload.exp as number) * 1000;
    const ageLimit = ((payload.iat as number) + this.maxAgeSeconds) * 1000;
    const until = Math.min(exp, ageLimit);
    if (until > this.nowMs()) this.verified.set(token, { payload: frozen, until });
    return frozen;
  }

  private async verifyFresh(token: string, deadline: number): Promise<JWTPayload> {
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw unauthenticated('The token is not valid.', true, error);
    }
    // Before any key is fetched: a token no allowed algorithm signs cannot cost an issuer call.
    if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.includes(alg)) throw unauthenticated('The token is not valid: its signing algorithm is not accepted.', true);
    let payload: JWTPayload;
    try {
      payload = await this.verifyWith(token, await this.keys.current(deadline));
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw this.translate(error);
      const fresh = await this.keys.refreshForUnknownKey(deadline);
      if (!fresh) throw this.translate(error);
      try {
        payload = await this.verifyWith(token, fresh);
      } catch (retryError) {
        throw this.translate(retryError);
      }
    }
    checkTokenKind(payload, this.kindRules, this.nowMs() / 1000);
    return payload;
  }

  /** Several keys may match (a duplicated `kid`, or none in the token): each is tried in turn. */
  private async verifyWith(token: string, keys: LocalKeySet): Promise<JWTPayload> {
    const options = { ...this.verifyOptions, currentDate: new Date(this.nowMs()) };
    try {
      return (await jwtVerify(token, keys, options)).payload;
    } catch (error) {
      if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
      for await (const key of error) {
        try {
          return (await jwtVerify(token, key, options)).payload;
        } catch (candidateError) {
          if (!(candidateError instanceof errors.JWSSignatureVerificationFailed)) throw candidateError;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  private translate(error: unknown): BrokerError {
    if (error instanceof BrokerError) return error;
    if (error instanceof errors.JWTExpired) return unauthenticated('The token has expired.', true, error);
    if (error instanceof errors.JWTClaimValidationFailed) return unauthenticated(`The token's "${error.claim}" claim is not accepted.`, true, error);
    if (error instanceof errors.JWKSNoMatchingKey) return unauthenticated('The token is signed with an unknown key.', true, error);
    return unauthenticated('The token is not valid.', true, error);
  }
}
