import type { EmulatorRequest } from '../core/emulatorServer';
import { invalidToken, tokenExpired } from './errors';

// Who is calling: the bearer token is verified by an injected function (the Entra
// emulator's), then the audience and expiry are checked here as the service does.

/**
 * Claims of a verified Entra access token that Power BI looks at. A type alias (not an
 * interface) so it is assignable to AccessTokenClaims.
 */
export type VerifiedAccessToken = {
  oid?: string;
  /** v1 tokens name the client application here... */
  appid?: string;
  /** ...v2 tokens here. */
  azp?: string;
  tid?: string;
  /** Expiry, epoch seconds. */
  exp: number;
  aud: string | string[];
  /** `app` for an app-only (service principal) token. */
  idtyp?: string;
  /** Delegated scopes: present only in a user's token. */
  scp?: string;
};

/** Any JWT payload (jose's JWTPayload fits); the claims above are read and type-checked at run time. */
export type AccessTokenClaims = Readonly<Record<string, unknown>>;

/** Verifies signature, issuer and expiry; throws on a bad token, with `code: 'expired'` when it only expired. */
export type VerifyAccessToken = (token: string) => Promise<AccessTokenClaims>;

export const POWER_BI_AUDIENCE = 'https://analysis.windows.net/powerbi/api';

export interface Caller {
  oid?: string;
  appid?: string;
  tid?: string;
  /** Expiry of the access token, epoch seconds: an embed token never outlives it. */
  exp: number;
  isServicePrincipal: boolean;
  /** Lower-cased ids workspace membership and profile ownership are matched against. */
  ids: string[];
}

function isExpiredError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'expired';
}

export async function authenticate(req: EmulatorRequest, verify: VerifyAccessToken, audiences: readonly string[], nowMs: number): Promise<Caller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
  if (!match?.[1]) throw invalidToken('A bearer token is required.');
  let claims: AccessTokenClaims;
  try {
    claims = await verify(match[1]);
  } catch (error) {
    if (isExpiredError(error)) throw tokenExpired();
    throw invalidToken('The access token is not valid.');
  }
  const text = (name: string) => (typeof claims[name] === 'string' && claims[name] ? (claims[name] as string) : undefined);
  const aud = claims.aud;
  const tokenAudiences = Array.isArray(aud) ? aud : [aud];
  if (!tokenAudiences.some((value) => typeof value === 'string' && audiences.includes(value))) throw invalidToken('The access token has the wrong audience.');
  const exp = claims.exp;
  if (typeof exp !== 'number' || exp * 1000 <= nowMs) throw tokenExpired();
  const oid = text('oid');
  const appid = text('appid') ?? text('azp');
  const tid = text('tid');
  if (!oid && !appid) throw invalidToken('The access token names no principal.');
  // Client-credentials tokens carry no delegated scopes; newer ones also say idtyp=app.
  const isServicePrincipal = claims.idtyp === 'app' || (claims.idtyp === undefined && claims.scp === undefined);
  // A service principal is known by its object id or its app id; a user only by object id
  // (the app id in a user's token is the client app's, not the user's).
  const ids = isServicePrincipal ? [oid, appid] : [oid];
  return {
    ...(oid ? { oid } : {}),
    ...(appid ? { appid } : {}),
    ...(tid ? { tid } : {}),
    exp,
    isServicePrincipal,
    ids: ids.filter((id): id is string => Boolean(id)).map((id) => id.toLowerCase()),
  };
}
