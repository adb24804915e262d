import { createHmac, createPublicKey, randomUUID, type JsonWebKey } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { DEMO_API_AUDIENCE } from '../../dev/emulators/demoWorld';
import type { IssueUserTokenOptions } from '../../dev/emulators/userIssuer';
import { startTestApp, type TestApp } from '../helpers/localAzureForTests';

// Forged and broken bearer tokens over real HTTP: the local host, the real function files and
// the user-issuer emulator's discovery document and JWKS. Every forgery below is otherwise a
// good token for alice (right issuer, audience, lifetime and an admitted role), so it would be
// answered 200 if the one check it targets were missing.

const REPORT = '/api/embed/reports/sales-overview';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function hs256(header: Record<string, unknown>, payload: JWTPayload, secret: string): string {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

describe('forged bearer tokens', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(() => app.close());

  beforeEach(() => {
    app.azure.powerBi.log.clear();
  });

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const issuerKid = () => app.azure.users.jwks.keys[0]?.kid as string;
  const issue = (options: Partial<IssueUserTokenOptions> = {}) => app.azure.users.issueToken('alice', { audience: DEMO_API_AUDIENCE, ...options });
  /** The claims of a genuine token for alice, to forge around. */
  const aliceClaims = async (): Promise<JWTPayload> => decodeJwt(await issue());

  const getWith = (token: string) => fetch(`${app.url}${REPORT}`, { headers: { authorization: `Bearer ${token}` } });

  async function expectInvalidToken(token: string): Promise<void> {
    const res = await getWith(token);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(await res.json()).toMatchObject({ status: 401, code: 'unauthenticated' });
  }

  const hmacWithPublicKey = (secret: () => string) => async () => hs256({ alg: 'HS256', typ: 'JWT', kid: issuerKid() }, await aliceClaims(), secret());

  const forgeries: [string, () => Promise<string>][] = [
    ['alg none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(await aliceClaims())}.`],
    ['HS256 keyed with the JWKS document', hmacWithPublicKey(() => JSON.stringify(app.azure.users.jwks))],
    ['HS256 keyed with the JWK', hmacWithPublicKey(() => JSON.stringify(app.azure.users.jwks.keys[0]))],
    [
      'HS256 keyed with the public key PEM',
      hmacWithPublicKey(() => createPublicKey({ key: app.azure.users.jwks.keys[0] as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()),
    ],
    ['HS256 keyed with the modulus n', hmacWithPublicKey(() => app.azure.users.jwks.keys[0]?.n as string)],
    [
      'an unknown kid (a foreign key)',
      async () => new SignJWT(await aliceClaims()).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: `foreign-${randomUUID()}` }).sign((await generateKeyPair('RS256')).privateKey),
    ],
    ['a wrong iss', async () => issue({ extraClaims: { iss: `https://login.evil.example/${app.azure.users.tenantId}/v2.0` } })],
    ['a wrong aud', async () => issue({ audience: 'api://someone-else' })],
    [
      'a token expired beyond the 2 minute skew',
      async () => {
        const token = await issue({ issuedAt: nowSeconds() - 3600, lifetimeSeconds: 3600 - 180 });
        expect(decodeJwt(token).exp).toBeLessThan(nowSeconds() - 150);
        return token;
      },
    ],
    ['a token not valid for another 5 minutes', async () => issue({ notBefore: nowSeconds() + 300 })],
    [
      'a tampered payload (roles changed, signature kept)',
      async () => {
        const [header, payload, signature] = (await issue()).split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
        // Still a role the policy admits, so a skipped signature check would answer 200.
        return `${header}.${b64url({ ...claims, roles: ['Sales.US'] })}.${signature}`;
      },
    ],
    [
      "another RSA key under the issuer's kid",
      async () => new SignJWT(await aliceClaims()).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: issuerKid() }).sign((await generateKeyPair('RS256')).privateKey),
    ],
    [
      'no exp',
      async () => {
        const token = await issue({ extraClaims: { exp: undefined } });
        expect(decodeJwt(token)).not.toHaveProperty('exp');
        return token;
      },
    ],
  ];

  it.each(forgeries)('refuses %s with 401 invalid_token, without calling Power BI', async (_name, forge) => {
    await expectInvalidToken(await forge());
    expect(app.azure.powerBi.log.all()).toHaveLength(0);
  });

  it('fetches the JWKS at most once for a flood of 50 tokens with distinct unknown kids', async () => {
    const jwksPath = new URL(app.azure.users.jwksUri).pathname;
    const jwksFetches = () => app.azure.users.server.log.count({ method: 'GET', path: jwksPath });
    // Make sure the broker holds the key set (so the count below watches the broker's own fetches).
    await expectInvalidToken(await issue({ audience: 'api://someone-else' }));
    const before = jwksFetches();
    expect(before).toBeGreaterThanOrEqual(1);

    const foreign = (await generateKeyPair('RS256')).privateKey;
    const claims = await aliceClaims();
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: `unknown-${i}-${randomUUID()}` }).sign(foreign)));
    // One after the other: each unknown kid gets its own chance to trigger a refetch.
    for (const token of tokens) await expectInvalidToken(token);

    expect(jwksFetches() - before).toBeLessThanOrEqual(1);
    expect(app.azure.powerBi.log.all()).toHaveLength(0);
  });

  it('still accepts a valid token afterwards', async () => {
    const res = await getWith(await issue());
    expect(res.status).toBe(200);
    const config = (await res.json()) as Record<string, string>;
    expect(app.azure.powerBi.decodeEmbedToken(config.accessToken as string).identities).toEqual([expect.objectContaining({ username: 'alice@contoso.example', roles: ['Region EU'] })]);
  });
});
