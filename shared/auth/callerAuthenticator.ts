import type { BrokerConfig } from '../config/config';
import type { Claims } from '../policy/claims';
import { extractBearerToken } from './bearerToken';
import { claimsFromClientPrincipal } from './easyAuthPrincipal';
import { JwtAuthenticator } from './jwtAuthenticator';
import type { FetchLike } from './openIdDiscovery';

// Who is calling, per AUTH_MODE. Only the configured mode's evidence counts: in jwt mode an
// `x-ms-client-principal` header is ignored, in easyauth mode a bearer token is not read.

export interface CallerEvidence {
  authorization?: string | null | undefined;
  clientPrincipal?: string | null | undefined;
}

export interface Caller {
  claims: Claims;
  mode: BrokerConfig['auth']['mode'];
  /** The validated bearer token itself (jwt mode): what an on-behalf-of exchange needs. */
  bearerToken?: string;
}

export interface CallerAuthenticator {
  /** `deadline` (epoch ms): a key-set fetch this needs counts against the request's deadline. */
  authenticate(evidence: CallerEvidence, deadline?: number): Promise<Caller>;
}

/** The identity AUTH_MODE=none gives every caller (local runs only; refused on Azure). */
export const LOCAL_DEVELOPER_CLAIMS: Claims = Object.freeze({ oid: 'local-developer', sub: 'local-developer', preferred_username: 'developer@localhost', name: 'Local developer' });

export function createCallerAuthenticator(auth: BrokerConfig['auth'], deps: { fetch?: FetchLike; now?: () => number; timeoutMs?: number } = {}): CallerAuthenticator {
  switch (auth.mode) {
    case 'jwt': {
      const { issuer, audiences, allowedClientIds, allowAppTokens, maxTokenAgeMinutes } = auth;
      const jwt = new JwtAuthenticator({ issuer, audiences, allowedClientIds, allowAppTokens, maxTokenAgeMinutes, ...deps });
      return {
        authenticate: async (evidence, deadline) => {
          const bearerToken = extractBearerToken(evidence.authorization);
          return { claims: await jwt.verify(bearerToken, deadline), mode: 'jwt', bearerToken };
        },
      };
    }
    case 'easyauth':
      return { authenticate: async (evidence) => ({ claims: claimsFromClientPrincipal(evidence.clientPrincipal), mode: 'easyauth' }) };
    case 'none':
      return { authenticate: async () => ({ claims: LOCAL_DEVELOPER_CLAIMS, mode: 'none' }) };
  }
}
