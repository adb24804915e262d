import { unauthenticated } from './bearerToken';

// App Service Authentication ("Easy Auth") puts the signed-in user in `x-ms-client-principal`
// (base64 JSON). The platform strips that header from client requests, so it is trusted only
// when AUTH_MODE=easyauth says the app runs behind it.

interface ClientPrincipal {
  auth_typ?: string;
  name_typ?: string;
  role_typ?: string;
  claims?: { typ?: unknown; val?: unknown }[];
}

const SHORT_NAMES: Record<string, string> = {
  'http://schemas.microsoft.com/identity/claims/objectidentifier': 'oid',
  'http://schemas.microsoft.com/identity/claims/tenantid': 'tid',
  'http://schemas.microsoft.com/identity/claims/scope': 'scp',
  'http://schemas.microsoft.com/ws/2008/06/identity/claims/role': 'roles',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'email',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn': 'upn',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier': 'sub',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'name',
};

const MULTI_VALUED = new Set(['roles', 'groups', 'wids']);

export function claimsFromClientPrincipal(header: string | null | undefined): Record<string, string | string[]> {
  if (!header) throw unauthenticated('App Service Authentication did not sign the caller in.', false);
  let principal: ClientPrincipal;
  try {
    principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as ClientPrincipal;
  } catch (error) {
    throw unauthenticated('The client principal header is malformed.', true, error);
  }
  if (!principal || !Array.isArray(principal.claims)) throw unauthenticated('The client principal header is malformed.', true);
  // Only Microsoft Entra sign-ins: another provider configured beside it (GitHub, Google...) is not the API's users.
  if (principal.auth_typ !== 'aad') throw unauthenticated('The caller was not signed in with Microsoft Entra ID.', true);
  const roleType = principal.role_typ;
  const claims: Record<string, string | string[]> = {};
  for (const { typ, val } of principal.claims) {
    if (typeof typ !== 'string' || typeof val !== 'string') continue;
    const name = typ === roleType ? 'roles' : (SHORT_NAMES[typ] ?? typ);
    const existing = claims[name];
    if (existing === undefined) claims[name] = MULTI_VALUED.has(name) ? [val] : val;
    else claims[name] = Array.isArray(existing) ? [...existing, val] : [existing, val];
  }
  return claims;
}
