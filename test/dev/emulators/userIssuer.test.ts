import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
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
