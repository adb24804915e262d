import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import { UserIssuerEmulator } from '../../../dev/emulators/userIssuer';
import { loadLocalCa } from '../../../dev/tls/localCa';

// Proves the SPA users' issuer with the same kind of validation the broker does: OIDC discovery,
// then jose's remote JWKS over HTTPS.

const API_AUDIENCE = 'api://powerbi-embed-broker';
let issuer: UserIssuerEmulator;

async function verify(token: string) {
  const config = (await (await fetch(issuer.discoveryUrl)).json()) as { issuer: string; jwks_uri: string };
  return jwtVerify(token, createRemoteJWKSet(new URL(config.jwks_uri)), { issuer: config.issuer, audience: API_AUDIENCE, algorithms: ['RS256'] });
}

beforeAll(async () => {
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR!);
  issuer = await UserIssuerEmulator.start({ tls: await ca.issueServerCertificate(), defaultAudience: API_AUDIENCE });
  issuer.addUser({ name: 'alice', claims: { preferred_username: 'alice@contoso.test', roles: ['Sales.Viewer'], groups: ['g-emea'], scp: 'Embed.Read' } });
});

afterAll(async () => {
  await issuer?.close();
});

it('publishes an Entra-shaped discovery document and JWKS', async () => {
  const config = (await (await fetch(issuer.discoveryUrl)).json()) as Record<string, string>;
  expect(config.issuer).toBe(`${issuer.url}/${issuer.tenantId}/v2.0`);
  expect(config.jwks_uri).toBe(issuer.jwksUri);
  const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: string }[] };
  expect(jwks.keys[0]?.kid).toEqual(expect.any(String));
  expect((await fetch(`${issuer.url}/common/v2.0/.well-known/openid-configuration`)).status).toBe(400);
});

it('issues RS256 tokens carrying the user claims, verifiable through the remote JWKS', async () => {
  const token = await issuer.issueToken('alice', { audience: API_AUDIENCE, extraClaims: { azp: 'spa-client-id' } });
  const { payload, protectedHeader } = await verify(token);
  expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
  expect(payload).toMatchObject({
    iss: issuer.issuer,
    aud: API_AUDIENCE,
    tid: issuer.tenantId,
    oid: expect.any(String),
    sub: expect.any(String),
    preferred_username: 'alice@contoso.test',
    roles: ['Sales.Viewer'],
    groups: ['g-emea'],
    scp: 'Embed.Read',
    azp: 'spa-client-id',
    ver: '2.0',
  });
  expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
});

it('makes expired and not-yet-valid tokens on request', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await issuer.issueToken('alice', { audience: API_AUDIENCE, issuedAt: now - 7200, lifetimeSeconds: 3600 });
  await expect(verify(expired)).rejects.toBeInstanceOf(errors.JWTExpired);
  const early = await issuer.issueToken('alice', { audience: API_AUDIENCE, notBefore: now + 3600 });
  await expect(verify(early)).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
  await expect(issuer.issueToken('nobody', { audience: API_AUDIENCE })).rejects.toThrow(/no user/);
});

it('manages users and issues tokens over HTTP', async () => {
  const put = await fetch(`${issuer.url}/_emulator/users/bob`, { method: 'PUT', body: JSON.stringify({ claims: { email: 'bob@contoso.test', oid: '00000000-0000-0000-0000-00000000b0b0' } }) });
  expect(put.status).toBe(200);
  const users = (await (await fetch(`${issuer.url}/_emulator/users`)).json()) as { name: string }[];
  expect(users.map((u) => u.name).sort()).toEqual(['alice', 'bob']);

  const answer = await fetch(`${issuer.url}/_emulator/users/bob/token`, { method: 'POST', body: JSON.stringify({ lifetimeSeconds: 600 }) });
  const body = (await answer.json()) as { access_token: string; token_type: string; expires_in: number };
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
  const { payload } = await verify(body.access_token);
  expect(payload).toMatchObject({ email: 'bob@contoso.test', oid: '00000000-0000-0000-0000-00000000b0b0', aud: API_AUDIENCE });
  expect((payload.exp as number) - (payload.iat as number)).toBe(600);
});

it('answers garbage with 4xx and keeps serving', async () => {
  const token = (user: string, body: string) => fetch(`${issuer.url}/_emulator/users/${user}/token`, { method: 'POST', body });
  expect((await token('alice', '{nope')).status).toBe(400);
  expect((await token('alice', JSON.stringify({ lifetimeSeconds: -5 }))).status).toBe(400);
  expect((await token('nobody', '{}')).status).toBe(404);
  expect((await fetch(`${issuer.url}/_emulator/users/carol`, { method: 'PUT', body: JSON.stringify({ claims: [1, 2] }) })).status).toBe(400);
  expect((await token('alice', 'x'.repeat(2 * 1024 * 1024))).status).toBe(413);
  expect((await token('alice', '')).status).toBe(200);
});

describe('authorization code flow with PKCE (a single-page app)', () => {
  const clientId = '11111111-2222-4333-8444-555555555555';
  const redirectUri = 'http://127.0.0.1:4280/';
  const verifier = 'a-long-random-code-verifier-of-the-spa-0123456789abcdef';
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  beforeAll(() => {
    issuer.registerClient({ clientId, redirectUris: [redirectUri] });
  });

  const authorizeParams = (extra: Record<string, string> = {}) =>
    new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      response_mode: 'fragment',
      scope: `${API_AUDIENCE}/access_as_user openid profile offline_access`,
      state: 'state-1',
      nonce: 'nonce-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });

  async function signIn(user: string, params = authorizeParams()): Promise<URL> {
    const res = await fetch(issuer.authorizationEndpoint, { method: 'POST', body: new URLSearchParams([...params, ['user', user]]), redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location') as string);
  }

  const redeem = (form: Record<string, string>) =>
    fetch(issuer.tokenEndpoint, { method: 'POST', headers: { origin: 'http://127.0.0.1:4280' }, body: new URLSearchParams({ client_id: clientId, ...form }) });

  it('advertises the endpoints in discovery and allows the SPA origin (CORS)', async () => {
    const res = await fetch(issuer.discoveryUrl, { headers: { origin: 'http://127.0.0.1:4280' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4280');
    expect(await res.json()).toMatchObject({ authorization_endpoint: issuer.authorizationEndpoint, token_endpoint: issuer.tokenEndpoint, code_challenge_methods_supported: ['S256'] });
    const preflight = await fetch(issuer.tokenEndpoint, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:4280', 'access-control-request-headers': 'content-type,x-client-sku' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type,x-client-sku');
  });

  it('shows a sign-in page listing the users, without echoing markup', async () => {
    const res = await fetch(`${issuer.authorizationEndpoint}?${authorizeParams({ state: '"><script>x</script>' })}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-user="alice"');
    expect(html).not.toContain('<script>x</script>');
    const silent = await fetch(`${issuer.authorizationEndpoint}?${authorizeParams({ prompt: 'none' })}`, { redirect: 'manual' });
    expect(new URLSearchParams(new URL(silent.headers.get('location') as string).hash.slice(1)).get('error')).toBe('login_required');
  });

  it('refuses unknown clients and redirect URIs, and requests without S256 PKCE', async () => {
    expect((await fetch(`${issuer.authorizationEndpoint}?${authorizeParams({ client_id: 'nope' })}`)).status).toBe(400);
    expect((await fetch(`${issuer.authorizationEndpoint}?${authorizeParams({ redirect_uri: 'https://evil.example/' })}`)).status).toBe(400);
    expect((await fetch(`${issuer.authorizationEndpoint}?${authorizeParams({ code_challenge_method: 'plain' })}`)).status).toBe(400);
  });

  it('redeems a code once, with the verifier, for tokens the broker accepts and an id token with the nonce', async () => {
    const back = await signIn('alice');
    expect(`${back.origin}${back.pathname}`).toBe(redirectUri);
    const answer = new URLSearchParams(back.hash.slice(1));
    expect(answer.get('state')).toBe('state-1');
    const code = answer.get('code') as string;

    expect((await redeem({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: 'wrong' })).status).toBe(400);
    const code2 = new URLSearchParams((await signIn('alice')).hash.slice(1)).get('code') as string;
    const res = await redeem({ grant_type: 'authorization_code', code: code2, redirect_uri: redirectUri, code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4280');
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: `${API_AUDIENCE}/access_as_user openid profile offline_access` });
    const { payload } = await verify(body.access_token as string);
    expect(payload).toMatchObject({ aud: API_AUDIENCE, scp: 'access_as_user', azp: clientId, roles: ['Sales.Viewer'], preferred_username: 'alice@contoso.test' });
    const id = decodeJwt(body.id_token as string);
    expect(id).toMatchObject({ iss: issuer.issuer, aud: clientId, nonce: 'nonce-1', preferred_username: 'alice@contoso.test' });
    expect(JSON.parse(Buffer.from(body.client_info as string, 'base64url').toString())).toEqual({ uid: payload.oid, utid: issuer.tenantId });

    const again = await redeem({ grant_type: 'authorization_code', code: code2, redirect_uri: redirectUri, code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });

    const refreshed = await redeem({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string, scope: `${API_AUDIENCE}/access_as_user` });
    expect(refreshed.status).toBe(200);
    expect((await verify(((await refreshed.json()) as { access_token: string }).access_token)).payload).toMatchObject({ aud: API_AUDIENCE });
    expect((await redeem({ grant_type: 'refresh_token', refresh_token: body.refresh_token as string })).status).toBe(400);
  });

  it('signs out back to a registered redirect URI only', async () => {
    const logout = `${issuer.url}/${issuer.tenantId}/oauth2/v2.0/logout`;
    const ok = await fetch(`${logout}?post_logout_redirect_uri=${encodeURIComponent(redirectUri)}`, { redirect: 'manual' });
    expect(ok.headers.get('location')).toBe(redirectUri);
    const other = await fetch(`${logout}?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`, { redirect: 'manual' });
    expect(other.status).toBe(200);
  });
});
