import 'reflect-metadata';
import { KeyObject, randomUUID, webcrypto, X509Certificate } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import { ConfidentialClientApplication, type AuthError } from '@azure/msal-node';
import * as x509 from '@peculiar/x509';
import { AccessTokenError, createSigningKey, EntraEmulator, TOKEN_EXCHANGE_AUDIENCE } from '../../../dev/emulators/entra';
import { ManagedIdentityEmulator } from '../../../dev/emulators/managedIdentity';
import { loadLocalCa } from '../../../dev/tls/localCa';

// Proves the Entra emulator against the real msal-node (and @azure/identity for the managed
// identity used as a federated credential).

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const POWER_BI = 'https://analysis.windows.net/powerbi/api';
const POWER_BI_SCOPE = `${POWER_BI}/.default`;
const tenantId = randomUUID();

let entra: EntraEmulator;
let mi: ManagedIdentityEmulator;
const savedEnv = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
/** Every credential and token the tests send or receive: none may appear in the request log. */
const sensitive: string[] = [];

async function makeCertificate(): Promise<{ certPem: string; keyPem: string; thumbprintSha256: string }> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=powerbi-embed-broker test client',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const certPem = cert.toString('pem');
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem, keyPem, thumbprintSha256: new X509Certificate(certPem).fingerprint256.replace(/:/g, '') };
}

function app(auth: { clientId: string; clientSecret?: string; clientCertificate?: { thumbprintSha256: string; privateKey: string }; clientAssertion?: () => Promise<string> }, tenant: string = tenantId) {
  return new ConfidentialClientApplication({
    auth: { ...auth, authority: entra.authority(tenant), knownAuthorities: [new URL(entra.url).host] },
  });
}

async function acquireError(client: ConfidentialClientApplication, scope = POWER_BI_SCOPE): Promise<AuthError> {
  try {
    await client.acquireTokenByClientCredential({ scopes: [scope] });
  } catch (error) {
    return error as AuthError;
  }
  throw new Error('expected the token request to fail');
}

function postToken(form: Record<string, string> | string, tenant: string = tenantId, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
  return fetch(`${entra.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
}

beforeAll(async () => {
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR!);
  entra = await EntraEmulator.start({ tls: await ca.issueServerCertificate(), tenants: [tenantId] });
  mi = await ManagedIdentityEmulator.start({ entra, tenantId });
  process.env.IDENTITY_ENDPOINT = mi.endpoint;
  process.env.IDENTITY_HEADER = mi.header;
});

afterAll(async () => {
  await entra?.close();
  await mi?.close();
  if (savedEnv.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
  else process.env.IDENTITY_ENDPOINT = savedEnv.endpoint;
  if (savedEnv.header === undefined) delete process.env.IDENTITY_HEADER;
  else process.env.IDENTITY_HEADER = savedEnv.header;
});

describe('discovery', () => {
  it('serves a tenant-specific OpenID configuration and JWKS', async () => {
    const config = (await (await fetch(`${entra.url}/${tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(config.issuer).toBe(`${entra.url}/${tenantId}/v2.0`);
    expect(config.token_endpoint).toBe(`${entra.url}/${tenantId}/oauth2/v2.0/token`);
    const jwks = (await (await fetch(config.jwks_uri as string)).json()) as { keys: { kid: string; kty: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', kid: expect.any(String) })]);
  });

  it('answers unknown tenants and multi-tenant aliases with 400', async () => {
    const unknown = await fetch(`${entra.url}/${randomUUID()}/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    for (const alias of ['common', 'organizations', 'consumers']) {
      const response = await postToken({ grant_type: 'client_credentials', client_id: randomUUID(), client_secret: 'x', scope: POWER_BI_SCOPE }, alias);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request', error_codes: [50059] });
    }
  });
});

describe('client secret', () => {
  const clientId = randomUUID();
  const secret = `secret-${randomUUID()}`;
  let objectId: string;

  beforeAll(() => {
    ({ objectId } = entra.registerApp({ tenantId, clientId, secrets: [secret], roles: { [POWER_BI]: ['Tenant.Read.All'] } }));
    sensitive.push(secret);
  });

  it('issues a Power BI token that MSAL then serves from its cache', async () => {
    entra.server.log.clear();
    const client = app({ clientId, clientSecret: secret });
    const first = await client.acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] });
    expect(first?.fromCache).toBe(false);
    sensitive.push(first!.accessToken);
    const claims = await entra.verifyAccessToken(first!.accessToken, { audience: POWER_BI });
    expect(claims).toMatchObject({ aud: POWER_BI, iss: `${entra.url}/${tenantId}/`, tid: tenantId, appid: clientId, oid: objectId, sub: objectId, idtyp: 'app', ver: '1.0', roles: ['Tenant.Read.All'] });
    const lifetime = (claims.exp as number) - (claims.iat as number);
    expect(lifetime).toBeGreaterThanOrEqual(3600);
    expect(lifetime).toBeLessThanOrEqual(5400);

    const second = await client.acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] });
    expect(second?.fromCache).toBe(true);
    expect(second?.accessToken).toBe(first!.accessToken);
    expect(entra.server.log.count({ method: 'GET', path: '/.well-known/openid-configuration' })).toBe(1);
    expect(entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(1);
  });

  it('refuses a wrong secret with invalid_client', async () => {
    const error = await acquireError(app({ clientId, clientSecret: 'not-the-secret' }));
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS7000215');
  });

  it('refuses an unknown app with unauthorized_client', async () => {
    const error = await acquireError(app({ clientId: randomUUID(), clientSecret: secret }));
    expect(error.errorCode).toBe('unauthorized_client');
    expect(error.errorMessage).toContain('AADSTS700016');
  });

  it('refuses scopes without /.default and unknown resources', async () => {
    expect((await acquireError(app({ clientId, clientSecret: secret }), `${POWER_BI}/Report.Read.All`)).errorCode).toBe('invalid_scope');
    expect((await acquireError(app({ clientId, clientSecret: secret }), 'https://nothing.example/.default')).errorCode).toBe('invalid_resource');
  });

  it('stops accepting a rotated-out secret at once', async () => {
    const rotatedId = randomUUID();
    entra.registerApp({ tenantId, clientId: rotatedId, secrets: ['old-secret-value'] });
    sensitive.push('old-secret-value', 'new-secret-value');
    expect(await app({ clientId: rotatedId, clientSecret: 'old-secret-value' }).acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] })).toBeTruthy();

    entra.setAppSecrets(rotatedId, ['new-secret-value']);
    expect((await acquireError(app({ clientId: rotatedId, clientSecret: 'old-secret-value' }))).errorCode).toBe('invalid_client');
    const fresh = await app({ clientId: rotatedId, clientSecret: 'new-secret-value' }).acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] });
    expect(fresh?.accessToken).toBeTruthy();

    // The same rotation over the admin API, for npm start users.
    const put = await fetch(`${entra.url}/_emulator/apps/${rotatedId}/secrets`, { method: 'PUT', body: JSON.stringify({ secrets: ['third-secret-value'] }) });
    expect(put.status).toBe(204);
    sensitive.push('third-secret-value');
    expect((await acquireError(app({ clientId: rotatedId, clientSecret: 'new-secret-value' }))).errorCode).toBe('invalid_client');
  });

  it('is refused by MSAL itself on /common (no request is sent)', async () => {
    entra.server.log.clear();
    const client = new ConfidentialClientApplication({
      auth: { clientId, clientSecret: secret, authority: `${entra.url}/common`, knownAuthorities: [new URL(entra.url).host] },
    });
    const error = await acquireError(client);
    expect(error.errorCode).toBe('missing_tenant_id_error');
    expect(entra.server.log.count()).toBe(0);
  });

  it('follows the configured token lifetime, in process and over HTTP', async () => {
    const form = { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: POWER_BI_SCOPE };
    entra.setTokenLifetime(600);
    expect(((await (await postToken(form)).json()) as { expires_in: number }).expires_in).toBe(600);
    const set = await fetch(`${entra.url}/_emulator/token-lifetime`, { method: 'POST', body: JSON.stringify({ minSeconds: 1000, maxSeconds: 1000 }) });
    expect(set.status).toBe(200);
    const body = (await (await postToken(form)).json()) as { token_type: string; expires_in: number; ext_expires_in: number; access_token: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1000, ext_expires_in: 1000 });
    sensitive.push(body.access_token);
    expect((await fetch(`${entra.url}/_emulator/token-lifetime`, { method: 'DELETE' })).status).toBe(200);
  });

  it('answers a 503 from the token endpoint, after which MSAL throttles that request', async () => {
    entra.server.inject({ kind: 'status', method: 'POST', path: '/oauth2/v2.0/token', status: 503, body: { error: 'temporarily_unavailable', error_description: 'AADSTS90033: A transient error has occurred.', error_codes: [90033] } });
    const client = app({ clientId, clientSecret: secret });
    const failed = await acquireError(client);
    expect(failed.errorCode).toBe('temporarily_unavailable');

    // msal-node keeps a 5xx/429 in its throttling cache (60 s without Retry-After): the same app
    // instance fails again without a request; a fresh instance goes to the (recovered) emulator.
    const posts = entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' });
    await acquireError(client);
    expect(entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(posts);
    const recovered = await app({ clientId, clientSecret: secret }).acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] });
    expect(recovered?.accessToken).toBeTruthy();
    expect(entra.server.log.find({ path: '/oauth2/v2.0/token' }).some((entry) => entry.status === 503 && entry.fault === 'status')).toBe(true);
  });
});

describe('certificate credential', () => {
  it('accepts a PS256 assertion signed by a registered certificate and refuses an unregistered one', async () => {
    const registered = await makeCertificate();
    const other = await makeCertificate();
    const clientId = randomUUID();
    entra.registerApp({ tenantId, clientId, certificates: [registered.certPem] });

    const result = await app({ clientId, clientCertificate: { thumbprintSha256: registered.thumbprintSha256, privateKey: registered.keyPem } }).acquireTokenByClientCredential({
      scopes: ['https://vault.azure.net/.default'],
    });
    const claims = await entra.verifyAccessToken(result!.accessToken, { audience: 'https://vault.azure.net' });
    expect(claims).toMatchObject({ appid: clientId, appidacr: '2' });
    const posted = entra.server.log.find({ method: 'POST', path: '/oauth2/v2.0/token' }).at(-1)?.body as Record<string, string>;
    expect(posted.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(posted.client_assertion).toBe('[redacted]');

    const error = await acquireError(app({ clientId, clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.keyPem } }));
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS700027');
  });
});

describe('managed identity as a federated credential', () => {
  async function miAssertion(): Promise<string> {
    const token = await new ManagedIdentityCredential().getToken(`${TOKEN_EXCHANGE_AUDIENCE}/.default`);
    sensitive.push(token.token);
    return token.token;
  }

  it('accepts the MI token when a matching federated credential is registered', async () => {
    const clientId = randomUUID();
    entra.registerApp({ tenantId, clientId, federatedCredentials: [{ issuer: `${entra.url}/${tenantId}/v2.0`, subject: mi.systemAssigned!.objectId }] });
    const assertion = await miAssertion();
    expect(await entra.verifyAccessToken(assertion, { audience: TOKEN_EXCHANGE_AUDIENCE })).toMatchObject({ ver: '2.0', azp: mi.systemAssigned!.clientId });

    const result = await app({ clientId, clientAssertion: miAssertion }).acquireTokenByClientCredential({ scopes: [POWER_BI_SCOPE] });
    sensitive.push(result!.accessToken);
    expect(await entra.verifyAccessToken(result!.accessToken, { audience: POWER_BI })).toMatchObject({ appid: clientId, appidacr: '2' });
  });

  it('refuses the MI token when no federated credential matches', async () => {
    const without = randomUUID();
    entra.registerApp({ tenantId, clientId: without });
    const error = await acquireError(app({ clientId: without, clientAssertion: miAssertion }));
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain('AADSTS700211');

    const wrongSubject = randomUUID();
    entra.registerApp({ tenantId, clientId: wrongSubject, federatedCredentials: [{ issuer: `${entra.url}/${tenantId}/v2.0`, subject: randomUUID() }] });
    expect((await acquireError(app({ clientId: wrongSubject, clientAssertion: miAssertion }))).errorMessage).toContain('AADSTS700213');
  });
});

describe('on-behalf-of', () => {
  const clientId = randomUUID();
  const secret = `secret-${randomUUID()}`;
  const api = 'api://broker-under-test';
  const issuer = 'https://users.test/v2.0';
  const SQL = 'https://database.windows.net';
  const userOid = randomUUID();
  let sign: (payload: Record<string, unknown>) => Promise<string>;
  const now = () => Math.floor(Date.now() / 1000);
  const userToken = (claims: Record<string, unknown> = {}) => sign({ iss: issuer, aud: api, oid: userOid, sub: userOid, scp: 'access_as_user', preferred_username: 'u@contoso.test', iat: now(), exp: now() + 600, ...claims });

  beforeAll(async () => {
    entra.registerApp({ tenantId, clientId, secrets: [secret], identifierUris: [api] });
    const key = await createSigningKey();
    sign = key.sign;
    entra.trustUserTokenIssuer(issuer, key.jwks);
    sensitive.push(secret);
  });

  async function oboError(assertion: string): Promise<AuthError> {
    try {
      await app({ clientId, clientSecret: secret }).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [`${SQL}/.default`] });
    } catch (error) {
      return error as AuthError;
    }
    throw new Error('expected the exchange to fail');
  }

  it('exchanges a user token issued to the app for the same user at another resource, with msal-node', async () => {
    entra.server.log.clear();
    const assertion = await userToken();
    const result = await app({ clientId, clientSecret: secret }).acquireTokenOnBehalfOf({ oboAssertion: assertion, scopes: [`${SQL}/.default`] });
    sensitive.push(assertion, result!.accessToken);
    const claims = await entra.verifyAccessToken(result!.accessToken, { audience: SQL });
    expect(claims).toMatchObject({ aud: SQL, oid: userOid, appid: clientId, scp: 'user_impersonation', idtyp: 'user', preferred_username: 'u@contoso.test' });
    expect(entra.server.log.find({ method: 'POST' })[0]?.body).toMatchObject({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', requested_token_use: 'on_behalf_of', assertion: '[redacted]' });
  });

  it.each([
    ['issued to another app', { aud: 'api://someone-else' }],
    ['an app-only token (no scp)', { scp: undefined }],
    ['expired', { iat: now() - 7200, exp: now() - 3600 }],
  ])('refuses an assertion %s with invalid_grant', async (_name, claims) => {
    expect((await oboError(await userToken(claims))).errorCode).toBe('invalid_grant');
  });

  it('refuses an assertion signed by an issuer it does not trust', async () => {
    const other = await createSigningKey();
    const forged = await other.sign({ iss: issuer, aud: api, oid: userOid, scp: 'access_as_user', exp: now() + 600 });
    expect((await oboError(forged)).errorCode).toBe('invalid_grant');
  });

  it('needs requested_token_use=on_behalf_of', async () => {
    const res = await postToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: clientId, client_secret: secret, scope: `${SQL}/.default`, assertion: await userToken() });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('verifyAccessToken', () => {
  it('reports expired, wrong-audience and invalid tokens by code', async () => {
    const objectId = randomUUID();
    const expired = await entra.issueAccessToken({ tenantId, resource: POWER_BI, objectId, issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetimeSeconds: 3600 });
    const valid = await entra.issueAccessToken({ tenantId, resource: POWER_BI, objectId });
    const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (error: unknown) => (error instanceof AccessTokenError ? error.code : String(error)));
    expect(await codeOf(entra.verifyAccessToken(valid.accessToken, { audience: POWER_BI }))).toBe('ok');
    expect(await codeOf(entra.verifyAccessToken(expired.accessToken, { audience: POWER_BI }))).toBe('expired');
    expect(await codeOf(entra.verifyAccessToken(valid.accessToken, { audience: 'https://vault.azure.net' }))).toBe('wrong_audience');
    expect(await codeOf(entra.verifyAccessToken(valid.accessToken, { audience: POWER_BI, tenantId: randomUUID() }))).toBe('invalid');
    const [header, payload] = valid.accessToken.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...valid.claims, oid: randomUUID() })).toString('base64url')}.${valid.accessToken.split('.')[2]}`;
    expect(payload).toBeTruthy();
    expect(await codeOf(entra.verifyAccessToken(tampered, { audience: POWER_BI }))).toBe('invalid');
    expect(await codeOf(entra.verifyAccessToken('garbage', { audience: POWER_BI }))).toBe('invalid');
  });
});

describe('robustness', () => {
  it('answers garbage with 4xx and keeps serving', async () => {
    const clientId = randomUUID();
    const secret = `secret-${randomUUID()}`;
    entra.registerApp({ tenantId, clientId, secrets: [secret] });
    sensitive.push(secret);

    const json = await postToken(JSON.stringify({ grant_type: 'client_credentials', client_id: clientId }), tenantId, 'application/json');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request', error_codes: [900144] });
    expect((await postToken({ client_id: clientId })).status).toBe(400);
    expect(await (await postToken({ grant_type: 'password', client_id: clientId })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await (await postToken({ grant_type: 'client_credentials', client_id: clientId, scope: POWER_BI_SCOPE })).json()).toMatchObject({ error: 'invalid_client', error_codes: [7000218] });
    const badAssertion = await postToken({ grant_type: 'client_credentials', client_id: clientId, scope: POWER_BI_SCOPE, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'not.a.jwt' });
    expect(badAssertion.status).toBe(401);
    expect((await postToken('%%%&&&=\u0000')).status).toBe(400);
    expect((await postToken('x'.repeat(2 * 1024 * 1024))).status).toBe(413);
    expect((await fetch(`${entra.url}/${tenantId}/oauth2/v2.0/token`)).status).toBe(400);
    expect((await fetch(`${entra.url}/_emulator/token-lifetime`, { method: 'POST', body: '{nope' })).status).toBe(400);

    const ok = await postToken({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: POWER_BI_SCOPE });
    expect(ok.status).toBe(200);
    sensitive.push(((await ok.json()) as { access_token: string }).access_token);
  });

  it('answers a client assertion with claims or headers of the wrong type with invalid_client AADSTS50027', async () => {
    const clientId = randomUUID();
    entra.registerApp({ tenantId, clientId, federatedCredentials: [{ issuer: `${entra.url}/${tenantId}/v2.0`, subject: randomUUID() }] });
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const assertions = [
      { header: { alg: 'RS256' }, claims: { iss: 123 } },
      { header: { alg: 'RS256' }, claims: { iss: { toString: 1 } } },
      { header: { alg: 'RS256' }, claims: { iss: ['x'] } },
      { header: { alg: 'RS256', x5t: 'abc' }, claims: { iss: clientId, sub: 5 } },
      { header: { alg: 'RS256', x5t: { toString: 1 } }, claims: { iss: clientId, sub: clientId } },
      { header: { alg: 'RS256', 'x5t#S256': 7 }, claims: { iss: clientId, sub: clientId } },
      { header: { alg: 'RS256' }, claims: { iss: `${entra.url}/${tenantId}/v2.0`, sub: 'x', aud: [{ toString: 1 }] } },
      { header: { alg: 'RS256' }, claims: { iss: `${entra.url}/${tenantId}/v2.0`, sub: 'x', aud: 42 } },
    ];
    for (const { header, claims } of assertions) {
      const res = await postToken({
        grant_type: 'client_credentials',
        client_id: clientId,
        scope: POWER_BI_SCOPE,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: `${part(header)}.${part(claims)}.c2ln`,
      });
      const body = (await res.json()) as { error: string; error_codes: number[]; error_description: string };
      expect([res.status, body.error, body.error_codes, JSON.stringify(claims)]).toEqual([401, 'invalid_client', [50027], JSON.stringify(claims)]);
      expect(body.error_description).toMatch(/^AADSTS50027: JWT token is invalid or malformed/);
    }
  });

  it('echoes a usable client-request-id and ignores one it could not send back in a header', async () => {
    const form = { grant_type: 'client_credentials', client_id: randomUUID(), scope: POWER_BI_SCOPE };
    const post = (id: string) =>
      fetch(`${entra.url}/${tenantId}/oauth2/v2.0/token?client-request-id=${encodeURIComponent(id)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const good = randomUUID();
    const echoed = await post(good);
    expect(echoed.status).toBe(400);
    expect(echoed.headers.get('client-request-id')).toBe(good);
    expect(await echoed.json()).toMatchObject({ error: 'unauthorized_client', correlation_id: good });
    for (const bad of ['a\nb', '\u20ac', 'x'.repeat(300)]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(res.headers.get('client-request-id')).toBeNull();
      expect(await res.json()).toMatchObject({ error: 'unauthorized_client', correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    }
  });

  it('never logs a secret, an assertion or a token', () => {
    expect(sensitive.length).toBeGreaterThan(5);
    const logged = JSON.stringify([entra.server.log.all(), mi.server.log.all()]);
    for (const value of [...sensitive, mi.header]) expect(logged).not.toContain(value);
  });
});
