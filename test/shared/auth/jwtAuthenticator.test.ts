import { createHmac, randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { BrokerError } from '../../../shared/errors/brokerError';
import { JwtAuthenticator } from '../../../shared/auth/jwtAuthenticator';
import { KEYS_FAILURE_COOLDOWN_MS, KEYS_MAX_AGE_MS, KEYS_STALE_MAX_AGE_MS } from '../../../shared/auth/issuerKeys';

const ISSUER = 'https://issuer.test/v2.0';
const AUDIENCE = 'api://broker';
const NOW = 1_800_000_000;

interface FakeIssuer {
  fetch: (input: string) => Promise<Response>;
  calls: string[];
  key: CryptoKey;
  publicJwk: JWK;
}

// RSA keys are slow to make: the issuer's and one stranger's are made once for the whole file.
const issuerKeyPair = generateKeyPair('RS256', { extractable: true });
const strangerKeyPair = generateKeyPair('RS256', { extractable: true });
const stranger = async () => (await strangerKeyPair).privateKey;

async function fakeIssuer(extraKeys: JWK[] = [], keysAnswer?: () => Response | Promise<Response>): Promise<FakeIssuer> {
  const { privateKey, publicKey } = await issuerKeyPair;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const calls: string[] = [];
  const fetch = async (input: string) => {
    calls.push(input);
    if (input === `${ISSUER}/.well-known/openid-configuration`) return Response.json({ issuer: ISSUER, jwks_uri: 'https://issuer.test/keys' });
    if (input === 'https://issuer.test/keys') return keysAnswer ? keysAnswer() : Response.json({ keys: [publicJwk, ...extraKeys] });
    return new Response('not found', { status: 404 });
  };
  return { fetch, calls, key: privateKey, publicJwk };
}

/** An issuer whose key set is answered only once `releaseKeys` is called. */
async function issuerHoldingKeys(): Promise<{ issuer: FakeIssuer; releaseKeys: () => void }> {
  let releaseKeys: () => void = () => undefined;
  const keysHeld = new Promise<void>((resolve) => (releaseKeys = resolve));
  const issuer = await fakeIssuer([], async () => {
    await keysHeld;
    return Response.json({ keys: [(await fakeIssuer()).publicJwk] });
  });
  return { issuer, releaseKeys };
}

function sign(key: CryptoKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scp: 'access_as_user', iat: NOW - 60, nbf: NOW - 60, exp: NOW + 3600, ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'key-1', ...header }).sign(key);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function failure(promise: Promise<unknown>): Promise<BrokerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BrokerError) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('JwtAuthenticator', () => {
  let issuer: FakeIssuer;
  let auth: JwtAuthenticator;

  beforeEach(async () => {
    issuer = await fakeIssuer();
    auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE, 'other-aud'], fetch: issuer.fetch, now: () => NOW });
  });

  it('accepts a valid token and returns its claims', async () => {
    const claims = await auth.verify(await sign(issuer.key, { roles: ['Sales.EU'] }));
    expect(claims).toMatchObject({ sub: 'user-1', roles: ['Sales.EU'], aud: AUDIENCE });
  });

  it('accepts any configured audience', async () => {
    const token = await new SignJWT({ scp: 'access_as_user' }).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuer(ISSUER).setAudience('other-aud').setIssuedAt(NOW).setExpirationTime(NOW + 60).sign(issuer.key);
    await expect(auth.verify(token)).resolves.toMatchObject({ aud: 'other-aud' });
  });

  const forgeries: [string, () => Promise<string>][] = [
    ['alg none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: NOW + 60 })}.`],
    [
      'HS256 signed with the public key',
      async () => {
        const head = `${b64url({ alg: 'HS256', kid: 'key-1' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'x', exp: NOW + 60 })}`;
        const signature = createHmac('sha256', JSON.stringify(issuer.publicJwk)).update(head).digest('base64url');
        return `${head}.${signature}`;
      },
    ],
    ['unknown kid', async () => sign(issuer.key, {}, { kid: 'key-unknown' })],
    ['wrong issuer', async () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuer('https://evil.test').setAudience(AUDIENCE).setExpirationTime(NOW + 60).sign(issuer.key)],
    ['wrong audience', async () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuer(ISSUER).setAudience('api://someone-else').setExpirationTime(NOW + 60).sign(issuer.key)],
    ['expired beyond the skew', async () => sign(issuer.key, { exp: NOW - 121 })],
    ['not yet valid beyond the skew', async () => sign(issuer.key, { nbf: NOW + 121 })],
    ['no expiry', async () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).sign(issuer.key)],
    [
      'tampered payload',
      async () => {
        const [head, , sig] = (await sign(issuer.key, { roles: ['Sales.EU'] })).split('.');
        return `${head}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', roles: ['Admin'], exp: NOW + 60 })}.${sig}`;
      },
    ],
    ['signed by another key with the same kid', async () => sign(await stranger())],
    ['garbage', async () => 'not.a.jwt'],
  ];

  it.each(forgeries)('refuses %s with 401 invalid_token', async (_name, forge) => {
    const error = await failure(auth.verify(await forge()));
    expect(error.status).toBe(401);
    expect(error.code).toBe('unauthenticated');
    expect(error.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  it('accepts a token within the clock skew', async () => {
    await expect(auth.verify(await sign(issuer.key, { exp: NOW - 60 }))).resolves.toBeDefined();
  });

  it('refuses a symmetric algorithm outright', async () => {
    const token = `${b64url({ alg: 'HS256', kid: 'key-1' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, exp: NOW + 60 })}.abc`;
    expect((await failure(auth.verify(token))).status).toBe(401);
  });

  it('refuses EdDSA and HS256 tokens that verify against keys in the JWKS: only the algorithm allow-list stands in the way', async () => {
    // The issuer's JWKS also publishes an Ed25519 (OKP) key and a symmetric (oct) key. Both
    // tokens below are correctly signed with keys of that very set; jose would accept the
    // EdDSA one (and refuse the HS256 one only for its own reasons) without `algorithms`.
    const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const edJwk: JWK = { ...(await exportJWK(ed.publicKey)), kid: 'key-ed', use: 'sig' };
    const secret = randomBytes(32);
    const octJwk: JWK = { kty: 'oct', k: secret.toString('base64url'), kid: 'key-oct', use: 'sig' };
    const mixed = await fakeIssuer([edJwk, octJwk]);
    const mixedAuth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: mixed.fetch, now: () => NOW });
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scp: 'access_as_user', iat: NOW - 60, nbf: NOW - 60, exp: NOW + 3600 };

    // The set itself is usable: the RS256 key in it still verifies.
    await expect(mixedAuth.verify(await sign(mixed.key))).resolves.toMatchObject({ sub: 'user-1' });

    const edToken = await new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'key-ed' }).sign(ed.privateKey);
    const hsToken = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'key-oct' }).sign(secret);
    for (const token of [edToken, hsToken]) {
      const error = await failure(mixedAuth.verify(token));
      expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
      expect(error.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      // Refused by the allow-list, not by some other check that happens to catch it.
      expect(error.message).toMatch(/algorithm/);
    }
  });

  it('fetches discovery and JWKS once for many concurrent requests', async () => {
    const token = await sign(issuer.key);
    await Promise.all(Array.from({ length: 20 }, () => auth.verify(token)));
    expect(issuer.calls.filter((c) => c.endsWith('openid-configuration'))).toHaveLength(1);
    expect(issuer.calls.filter((c) => c.endsWith('/keys'))).toHaveLength(1);
  });

  it('makes at most one JWKS fetch per cooldown for a flood of unknown kids', async () => {
    await auth.verify(await sign(issuer.key));
    const before = issuer.calls.length;
    const forged = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(issuer.key, {}, { kid: `unknown-${i}` })));
    for (const token of forged) await failure(auth.verify(token));
    expect(issuer.calls.length - before).toBeLessThanOrEqual(1);
  });

  it('answers 503 when the issuer cannot be reached, and recovers once the discovery cooldown is over', async () => {
    let up = false;
    let clock = NOW;
    const flaky = new JwtAuthenticator({
      issuer: ISSUER,
      audiences: [AUDIENCE],
      now: () => clock,
      fetch: async (input) => {
        if (!up) throw new TypeError('fetch failed');
        return issuer.fetch(input);
      },
    });
    const token = await sign(issuer.key);
    const error = await failure(flaky.verify(token));
    expect(error).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    up = true;
    // Within the cooldown the failure is answered again without asking the issuer.
    expect(await failure(flaky.verify(token))).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    expect(issuer.calls).toHaveLength(0);
    clock += Math.ceil(KEYS_FAILURE_COOLDOWN_MS / 1000);
    await expect(flaky.verify(token)).resolves.toBeDefined();
  });

  it('refuses a discovery document that names another issuer', async () => {
    const lying = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: async () => Response.json({ issuer: 'https://evil.test', jwks_uri: 'https://evil.test/keys' }) });
    expect(await failure(lying.verify(await sign(issuer.key)))).toMatchObject({ status: 502, code: 'upstream_invalid_response' });
  });
});

describe('JwtAuthenticator when the issuer fails', () => {
  const failures: [string, () => Response][] = [
    ['a 500', () => new Response('oops', { status: 500 })],
    ['a redirect', () => new Response(null, { status: 302, headers: { location: 'https://evil.test/keys' } })],
    ['malformed JSON', () => new Response('{"keys": [', { status: 200, headers: { 'content-type': 'application/json' } })],
    ['a key set without keys', () => Response.json({ keys: [] })],
  ];

  it.each(failures)('answers %s from the key set with 503 and Retry-After on a cold instance, never 401', async (_name, answer) => {
    const issuer = await fakeIssuer([], answer);
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => NOW });
    const error = await failure(auth.verify(await sign(issuer.key)));
    expect(error).toMatchObject({ status: 503, code: 'upstream_unavailable', extensions: { upstream: 'issuer' } });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each(failures)('keeps using the last good keys past their age while the key set answers %s', async (_name, answer) => {
    let failing = false;
    let clock = NOW;
    const issuer = await fakeIssuer([], () => (failing ? answer() : undefined) as unknown as Response);
    const good = await fakeIssuer();
    const fetch = async (input: string) => (failing ? issuer.fetch(input) : good.fetch(input));
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch, now: () => clock });
    // A new token each time, so the verified-token cache does not answer instead of the keys.
    const token = (n: number) => sign(good.key, { iat: NOW, exp: NOW + 3 * 3600, jti: `t-${n}` });
    await expect(auth.verify(await token(1))).resolves.toBeDefined();
    failing = true;
    clock += KEYS_MAX_AGE_MS / 1000 + 1;
    await expect(auth.verify(await token(2))).resolves.toBeDefined();
    // The background refresh failed; the held keys still answer, and nothing waits on the issuer.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(auth.verify(await token(3))).resolves.toBeDefined();
    expect(issuer.calls.filter((c) => c.endsWith('/keys')).length).toBe(1);
  });

  it('stops using keys older than the stale bound and answers 503', async () => {
    let failing = false;
    let clock = NOW;
    const good = await fakeIssuer();
    const fetch = async (input: string) => (failing && input.endsWith('/keys') ? new Response('down', { status: 503 }) : good.fetch(input));
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch, now: () => clock, maxTokenAgeMinutes: 7 * 24 * 60 });
    await expect(auth.verify(await sign(good.key))).resolves.toBeDefined();
    failing = true;
    clock += KEYS_STALE_MAX_AGE_MS / 1000 + 1;
    const fresh = await sign(good.key, { iat: clock, nbf: clock, exp: clock + 3600 });
    expect(await failure(auth.verify(fresh))).toMatchObject({ status: 503, code: 'upstream_unavailable' });
  });

  it('after one failed key-set fetch on a cold instance, refuses callers for a second, not the whole failure cooldown', async () => {
    let fail = 1;
    const good = await fakeIssuer();
    const fetch = async (input: string) => (input.endsWith('/keys') && fail-- > 0 ? new Response('blip', { status: 503 }) : good.fetch(input));
    let clock = NOW;
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch, now: () => clock });
    const token = await sign(good.key);
    const first = await failure(auth.verify(token));
    expect(first).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    expect(first.retryAfterSeconds).toBe(1);
    expect(await failure(auth.verify(token))).toMatchObject({ status: 503 });
    clock += 1;
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    expect(KEYS_FAILURE_COOLDOWN_MS).toBeGreaterThan(1_000);
  });

  it('makes one key-set fetch per failure cooldown for a flood of forged tokens during an outage', async () => {
    const issuer = await fakeIssuer([], () => new Response('down', { status: 500 }));
    let clock = NOW;
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => clock });
    const forger = await stranger();
    for (let i = 0; i < 200; i++) await failure(auth.verify(await sign(forger, {}, { kid: `forged-${i % 7}` })));
    expect(issuer.calls.filter((c) => c.endsWith('/keys'))).toHaveLength(1);
    clock += KEYS_FAILURE_COOLDOWN_MS / 1000;
    for (let i = 0; i < 50; i++) await failure(auth.verify(await sign(forger)));
    expect(issuer.calls.filter((c) => c.endsWith('/keys'))).toHaveLength(2);
  });

  it('tries every key that matches a duplicated kid', async () => {
    const other = await strangerKeyPair;
    const decoy: JWK = { ...(await exportJWK(other.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const issuer = await fakeIssuer();
    const duplicated = await fakeIssuer([], () => Response.json({ keys: [decoy, issuer.publicJwk] }));
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: duplicated.fetch, now: () => NOW });
    await expect(auth.verify(await sign(issuer.key))).resolves.toMatchObject({ sub: 'user-1' });
    const third = (await generateKeyPair('RS256')).privateKey;
    expect(await failure(auth.verify(await sign(third)))).toMatchObject({ status: 401 });
  });

  it('tries every key for a token without a kid', async () => {
    const other = await strangerKeyPair;
    const issuer = await fakeIssuer([{ ...(await exportJWK(other.publicKey)), kid: 'key-2', use: 'sig' }]);
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => NOW });
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', scp: 'access_as_user', iat: NOW, exp: NOW + 60 };
    await expect(auth.verify(await new SignJWT(payload).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey))).resolves.toMatchObject({ sub: 'user-1' });
    await expect(auth.verify(await new SignJWT(payload).setProtectedHeader({ alg: 'RS256' }).sign(issuer.key))).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('keeps the request deadline while the issuer hangs', async () => {
    const issuer = await fakeIssuer([], () => new Promise<Response>(() => undefined));
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, timeoutMs: 60_000 });
    const error = await failure(auth.verify(await sign(issuer.key, { iat: Math.floor(Date.now() / 1000), nbf: undefined, exp: Math.floor(Date.now() / 1000) + 600 }), Date.now() + 30));
    expect(error).toMatchObject({ status: 503, code: 'upstream_unavailable' });
  });
});

describe('JwtAuthenticator token kinds', () => {
  let issuer: FakeIssuer;
  beforeEach(async () => {
    issuer = await fakeIssuer();
  });
  const make = (options: Partial<ConstructorParameters<typeof JwtAuthenticator>[0]> = {}) =>
    new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => NOW, ...options });

  it.each([
    ['an app-only token (idtyp app)', { idtyp: 'app', scp: undefined, roles: ['Sales.EU'] }],
    ['a token with no delegated scope', { scp: undefined }],
    ['a blank scope', { scp: '  ' }],
    ['an ID token whose audience is the API', { scp: undefined, nonce: 'n-1' }],
    ['an ID token that carries at_hash', { at_hash: 'abc' }],
    ['a token that lives until 2200', { exp: 7_258_118_400 }],
    ['a token issued over a day ago', { iat: NOW - 2 * 86_400, exp: NOW + 60 }],
    ['a token without iat', { iat: undefined }],
  ])('refuses %s by default with 401 invalid_token', async (_name, claims) => {
    const error = await failure(make().verify(await sign(issuer.key, claims)));
    expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(error.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('accepts app-only tokens only when allowed, and ID tokens never', async () => {
    const auth = make({ allowAppTokens: true });
    await expect(auth.verify(await sign(issuer.key, { idtyp: 'app', scp: undefined, roles: ['Reader'] }))).resolves.toMatchObject({ idtyp: 'app' });
    expect(await failure(auth.verify(await sign(issuer.key, { scp: undefined, nonce: 'n' })))).toMatchObject({ status: 401 });
  });

  it('checks azp or appid against AUTH_ALLOWED_CLIENT_IDS', async () => {
    const spa = '11111111-1111-4111-8111-111111111111';
    const auth = make({ allowedClientIds: [spa] });
    await expect(auth.verify(await sign(issuer.key, { azp: spa.toUpperCase() }))).resolves.toBeDefined();
    await expect(auth.verify(await sign(issuer.key, { appid: spa }))).resolves.toBeDefined();
    for (const claims of [{ azp: '22222222-2222-4222-8222-222222222222' }, {}, { azp: 42 }]) {
      expect(await failure(auth.verify(await sign(issuer.key, claims)))).toMatchObject({ status: 401 });
    }
  });
});

describe('JwtAuthenticator verified-token cache', () => {
  it('reuses a verdict only while the token is unexpired and young enough', async () => {
    const issuer = await fakeIssuer();
    let clock = NOW;
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => clock, maxTokenAgeMinutes: 60 });
    const token = await sign(issuer.key, { iat: NOW, nbf: NOW, exp: NOW + 50 * 60 });
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    clock += 49 * 60;
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
    // Past exp the cached verdict is gone; only the clock skew still lets jose accept it, then not.
    clock += 60 + 121;
    expect(await failure(auth.verify(token))).toMatchObject({ status: 401 });

    const old = await sign(issuer.key, { iat: NOW, nbf: NOW, exp: NOW + 120 * 60 });
    clock = NOW + 30 * 60;
    expect(await failure(auth.verify(old))).toMatchObject({ status: 401 });
  });

  it('hands out a frozen payload, so one request cannot change what the next one sees', async () => {
    const issuer = await fakeIssuer();
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => NOW });
    const token = await sign(issuer.key, { roles: ['Sales.EU'] });
    const first = await auth.verify(token);
    expect(Object.isFrozen(first)).toBe(true);
    expect(await auth.verify(token)).toBe(first);
  });

  it('verifies a token sent many times at once only once: every caller gets the same verdict', async () => {
    const { issuer, releaseKeys } = await issuerHoldingKeys();
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => NOW });
    const token = await sign(issuer.key, { roles: ['Sales.EU'] });
    const verdicts = Array.from({ length: 20 }, () => auth.verify(token));
    releaseKeys();
    const payloads = await Promise.all(verdicts);
    // One verification: one payload object, handed to all twenty (frozen, as a cached one is).
    expect(new Set(payloads).size).toBe(1);
    expect(Object.isFrozen(payloads[0])).toBe(true);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(342)}`;
    const refusals = await Promise.all(Array.from({ length: 5 }, () => failure(auth.verify(forged))));
    expect(new Set(refusals).size).toBe(1);
    expect(refusals[0]).toMatchObject({ status: 401 });
  });

  it('keeps each caller of a shared verification to its own deadline', async () => {
    const { issuer, releaseKeys } = await issuerHoldingKeys();
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch });
    const token = await sign(issuer.key, { iat: Math.floor(Date.now() / 1000) - 60, nbf: Math.floor(Date.now() / 1000) - 60, exp: Math.floor(Date.now() / 1000) + 3600 });
    const leader = auth.verify(token, Date.now() + 10_000);
    const hurried = auth.verify(token, Date.now() + 50);
    expect(await failure(hurried)).toMatchObject({ status: 503, code: 'upstream_unavailable' });
    releaseKeys();
    await expect(leader).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('never caches a refusal', async () => {
    const issuer = await fakeIssuer();
    let clock = NOW - 3600;
    const auth = new JwtAuthenticator({ issuer: ISSUER, audiences: [AUDIENCE], fetch: issuer.fetch, now: () => clock });
    const token = await sign(issuer.key, { nbf: NOW, iat: NOW - 3600 });
    expect(await failure(auth.verify(token))).toMatchObject({ status: 401 });
    clock = NOW;
    await expect(auth.verify(token)).resolves.toMatchObject({ sub: 'user-1' });
  });
});
