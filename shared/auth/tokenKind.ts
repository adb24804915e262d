import type { JWTPayload } from 'jose';
import { unauthenticated } from './bearerToken';

// Only a signed-in user's access token for this API may call it. A valid signature, issuer and
// audience are not enough: an ID token can carry the API's client id as its audience, and an
// app-only (client credentials) token names no user at all.

export interface TokenKindRules {
  /** Accept app-only tokens (no delegated scope). Off by default. */
  allowAppTokens: boolean;
  /** When not empty, the client application (`azp`, or `appid` in v1 tokens) must be one of these. */
  allowedClientIds: string[];
  /** Longest accepted `exp - iat`. */
  maxLifetimeSeconds: number;
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

export function checkTokenKind(payload: JWTPayload, rules: TokenKindRules, nowSeconds: number): void {
  const claims = payload as Record<string, unknown>;
  if (claims.nonce !== undefined || claims.at_hash !== undefined || claims.c_hash !== undefined) {
    throw unauthenticated('ID tokens are not accepted: send an access token for this API.', true);
  }
  const delegated = nonEmptyString(claims.scp) || nonEmptyString(claims.scope);
  if ((claims.idtyp === 'app' || !delegated) && !rules.allowAppTokens) {
    throw unauthenticated('App-only tokens are not accepted: the token must be a signed-in user\'s, with a delegated scope.', true);
  }
  if (rules.allowedClientIds.length > 0) {
    const client = nonEmptyString(claims.azp) ? claims.azp : nonEmptyString(claims.appid) ? claims.appid : undefined;
    if (!client || !rules.allowedClientIds.some((id) => id.toLowerCase() === client.toLowerCase())) {
      throw unauthenticated('The token was issued to a client application that may not call this API.', true);
    }
  }
  const { iat, exp } = payload;
  if (typeof iat === 'number' && typeof exp === 'number' && exp - iat > rules.maxLifetimeSeconds) {
    throw unauthenticated('The token lives longer than this API accepts.', true);
  }
  if (typeof exp === 'number' && exp - nowSeconds > rules.maxLifetimeSeconds) {
    throw unauthenticated('The token lives longer than this API accepts.', true);
  }
}
