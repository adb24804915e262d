import { randomUUID } from 'node:crypto';
import type { RestError } from '@azure/core-rest-pipeline';
import { ManagedIdentityCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { EntraEmulator } from '../../../dev/emulators/entra';
import { KeyVaultEmulator } from '../../../dev/emulators/keyVault';
import { ManagedIdentityEmulator } from '../../../dev/emulators/managedIdentity';
import { loadLocalCa } from '../../../dev/tls/localCa';
import { useIdentityEndpoint } from '../../helpers/identityEnvironment';

// Proves the Key Vault emulator against the real @azure/keyvault-secrets client, authenticated by
// the real ManagedIdentityCredential through the challenge flow.

const tenantId = randomUUID();
const noRoleClientId = randomUUID();
let entra: EntraEmulator;
let mi: ManagedIdentityEmulator;
let vault: KeyVaultEmulator;
const identityEnvironment = useIdentityEndpoint();
const sensitive: string[] = [];

/** A SecretClient the way the broker makes one for a loopback vault; short retry delays keep fault tests quick. */
function client(credential = new ManagedIdentityCredential()): SecretClient {
  return new SecretClient(vault.url, credential, { disableChallengeResourceVerification: true, retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 } });
}

async function restError(promise: Promise<unknown>): Promise<RestError> {
  try {
    await promise;
  } catch (error) {
    return error as RestError;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR!);
  entra = await EntraEmulator.start({ tls: await ca.issueServerCertificate(), tenants: [tenantId] });
  mi = await ManagedIdentityEmulator.start({ entra, tenantId, userAssigned: [{ clientId: noRoleClientId }] });
  vault = await KeyVaultEmulator.start({ tls: await ca.issueServerCertificate(), entra, tenantId });
  vault.grantSecretsReader(mi.systemAssigned!.objectId);
  identityEnvironment.set(mi.endpoint, mi.header);
});

afterAll(async () => {
  await vault?.close();
  await mi?.close();
  await entra?.close();
  identityEnvironment.restore();
});

it('reads a secret through the challenge flow, and the new value after a rotation', async () => {
  const first = `pbi-secret-${randomUUID()}`;
  const second = `pbi-secret-${randomUUID()}`;
  sensitive.push(first, second);
  const firstVersion = vault.setSecret('pbi-client-secret', first, { contentType: 'text/plain' });

  const secrets = client();
  const read = await secrets.getSecret('pbi-client-secret');
  expect(read.value).toBe(first);
  expect(read.properties).toMatchObject({ name: 'pbi-client-secret', version: firstVersion, contentType: 'text/plain', enabled: true, vaultUrl: vault.url });

  // The first call went out without a token and was challenged; the retry carried one.
  const calls = vault.server.log.find({ path: '/secrets/pbi-client-secret' });
  expect(calls.map((c) => c.status)).toEqual([401, 200]);
  expect(calls[0]?.headers.authorization).toBeUndefined();
  expect(calls[1]?.headers.authorization).toBe('Bearer [redacted]');

  const secondVersion = vault.setSecret('pbi-client-secret', second);
  expect(secondVersion).not.toBe(firstVersion);
  expect((await secrets.getSecret('pbi-client-secret')).value).toBe(second);
  expect((await secrets.getSecret('pbi-client-secret', { version: firstVersion })).value).toBe(first);
  expect(vault.getSecretValue('pbi-client-secret')).toBe(second);

  const versions: string[] = [];
  for await (const properties of secrets.listPropertiesOfSecretVersions('pbi-client-secret')) versions.push(properties.version ?? '');
  expect(versions.sort()).toEqual([firstVersion, secondVersion].sort());
});

it('answers a missing secret with 404 SecretNotFound', async () => {
  const error = await restError(client().getSecret('no-such-secret'));
  expect(error.statusCode).toBe(404);
  expect(error.code).toBe('SecretNotFound');
});

it('refuses an identity without a role with 403 ForbiddenByRbac, and writes without Secrets Officer', async () => {
  vault.setSecret('rbac-secret', 'rbac-value');
  sensitive.push('rbac-value');
  const error = await restError(client(new ManagedIdentityCredential({ clientId: noRoleClientId })).getSecret('rbac-secret'));
  expect(error.statusCode).toBe(403);
  expect(error.code).toBe('Forbidden');
  expect(JSON.stringify(error.details)).toContain('ForbiddenByRbac');

  const reader = client();
  expect((await restError(reader.setSecret('rbac-secret', 'written-value'))).statusCode).toBe(403);
  vault.grantSecretsOfficer(mi.systemAssigned!.objectId);
  sensitive.push('written-value');
  const written = await reader.setSecret('rbac-secret', 'written-value');
  expect(written.value).toBe('written-value');
  expect(vault.getSecretValue('rbac-secret')).toBe('written-value');
});

it('refuses a disabled version with 403 SecretDisabled', async () => {
  const version = vault.setSecret('disabled-secret', 'disabled-value');
  sensitive.push('disabled-value');
  vault.disableSecretVersion('disabled-secret', version);
  const error = await restError(client().getSecret('disabled-secret'));
  expect(error.statusCode).toBe(403);
  expect(JSON.stringify(error.details)).toContain('SecretDisabled');
});

it('survives an injected 500 through the client retry policy', async () => {
  vault.setSecret('fault-secret', 'fault-value');
  sensitive.push('fault-value');
  const secrets = client();
  await secrets.getSecret('fault-secret');
  vault.server.inject({ kind: 'status', method: 'GET', path: '/secrets/fault-secret', status: 500, body: { error: { code: 'InternalServerError', message: 'injected' } } });
  expect((await secrets.getSecret('fault-secret')).value).toBe('fault-value');
  expect(vault.server.log.find({ path: '/secrets/fault-secret' }).some((entry) => entry.fault === 'status' && entry.status === 500)).toBe(true);
});

describe('raw HTTP', () => {
  const vaultToken = () => entra.issueAccessToken({ tenantId, resource: 'https://vault.azure.net', objectId: mi.systemAssigned!.objectId });
  const get = (path: string, token?: string) => fetch(`${vault.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(() => {
    vault.setSecret('raw-secret', 'raw-value');
    sensitive.push('raw-value');
  });

  it('checks api-version, the challenge and the token', async () => {
    const { accessToken } = await vaultToken();
    sensitive.push(accessToken);
    const noVersion = await get('/secrets/raw-secret', accessToken);
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ error: { code: 'BadParameter' } });

    const challenge = await get('/secrets/raw-secret/?api-version=7.6');
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toBe(`Bearer authorization="${entra.url}/${tenantId}", resource="https://vault.azure.net"`);

    const wrongAudience = await entra.issueAccessToken({ tenantId, resource: 'https://analysis.windows.net/powerbi/api', objectId: mi.systemAssigned!.objectId });
    const expired = await entra.issueAccessToken({ tenantId, resource: 'https://vault.azure.net', objectId: mi.systemAssigned!.objectId, issuedAt: Math.floor(Date.now() / 1000) - 7200, lifetimeSeconds: 3600 });
    const trailingSlash = await entra.issueAccessToken({ tenantId, resource: 'https://vault.azure.net/', objectId: mi.systemAssigned!.objectId });
    sensitive.push(wrongAudience.accessToken, expired.accessToken, trailingSlash.accessToken);
    expect((await get('/secrets/raw-secret?api-version=7.6', wrongAudience.accessToken)).status).toBe(401);
    const expiredAnswer = await get('/secrets/raw-secret?api-version=7.6', expired.accessToken);
    expect(expiredAnswer.status).toBe(401);
    expect(JSON.stringify(await expiredAnswer.json())).toContain('TokenExpired');
    expect((await get('/secrets/raw-secret?api-version=7.6', 'not-a-token')).status).toBe(401);

    const ok = await get('/secrets/raw-secret?api-version=7.6', trailingSlash.accessToken);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ value: 'raw-value', id: expect.stringMatching(new RegExp(`^${vault.url}/secrets/raw-secret/[0-9a-f]{32}$`)), attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable' }, tags: {} });
  });

  it('sets secrets over the admin API', async () => {
    sensitive.push('admin-value');
    const put = await fetch(`${vault.url}/_emulator/secrets/admin-secret`, { method: 'PUT', body: JSON.stringify({ value: 'admin-value' }) });
    expect(put.status).toBe(200);
    expect(vault.getSecretValue('admin-secret')).toBe('admin-value');
    expect((await fetch(`${vault.url}/_emulator/secrets/admin-secret`, { method: 'PUT', body: '{nope' })).status).toBe(400);
  });

  it('answers garbage with 4xx and keeps serving', async () => {
    vault.grantSecretsOfficer(mi.systemAssigned!.objectId);
    const { accessToken } = await vaultToken();
    sensitive.push(accessToken);
    const put = (body: string) => fetch(`${vault.url}/secrets/raw-secret?api-version=7.6`, { method: 'PUT', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body });
    expect((await put('{not json')).status).toBe(400);
    expect((await put(JSON.stringify({ value: 42 }))).status).toBe(400);
    expect((await put('x'.repeat(2 * 1024 * 1024))).status).toBe(413);
    expect((await get('/secrets/bad_name!?api-version=7.6', accessToken)).status).toBe(400);
    expect((await get('/secrets/raw-secret?api-version=7.6', accessToken)).status).toBe(200);
  });
});

it('never logs a secret value or a bearer token', () => {
  const logged = JSON.stringify([vault.server.log.all(), entra.server.log.all(), mi.server.log.all()]);
  expect(sensitive.length).toBeGreaterThan(8);
  for (const value of [...sensitive, mi.header]) expect(logged).not.toContain(value);
});
