import { randomUUID } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import { EntraEmulator } from '../../../dev/emulators/entra';
import { ManagedIdentityEmulator } from '../../../dev/emulators/managedIdentity';
import { loadLocalCa } from '../../../dev/tls/localCa';
import { useIdentityEndpoint } from '../../helpers/identityEnvironment';

// Proves the App Service managed identity emulator against the real @azure/identity.
// msal-node keeps the identity source (endpoint and header) and the token cache in static state
// for the whole process: each test asks for a different resource or identity, and the header is
// changed on the emulator's side rather than in the environment.

const tenantId = randomUUID();
const userAssignedClientId = randomUUID();
const userAssignedResourceId = `/subscriptions/${randomUUID()}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/broker-uami`;
let entra: EntraEmulator;
let mi: ManagedIdentityEmulator;
const identityEnvironment = useIdentityEndpoint();
const tokens: string[] = [];

/** `header: null` sends no x-identity-header. */
function msi(query: Record<string, string>, header: string | null = mi.header): Promise<Response> {
  return fetch(`${mi.endpoint}?${new URLSearchParams(query).toString()}`, { headers: header === null ? {} : { 'x-identity-header': header } });
}

beforeAll(async () => {
  const ca = await loadLocalCa(process.env.LOCAL_CA_DIR!);
  entra = await EntraEmulator.start({ tls: await ca.issueServerCertificate(), tenants: [tenantId], resources: ['api://broker-test-a', 'api://broker-test-b'] });
  mi = await ManagedIdentityEmulator.start({ entra, tenantId, userAssigned: [{ clientId: userAssignedClientId, resourceId: userAssignedResourceId }] });
  identityEnvironment.set(mi.endpoint, mi.header);
});

afterAll(async () => {
  await mi?.close();
  await entra?.close();
  identityEnvironment.restore();
});

it('gives the system-assigned identity a token through ManagedIdentityCredential', async () => {
  const token = await new ManagedIdentityCredential().getToken('https://vault.azure.net/.default');
  tokens.push(token.token);
  const claims = await entra.verifyAccessToken(token.token, { audience: 'https://vault.azure.net' });
  expect(claims).toMatchObject({ oid: mi.systemAssigned!.objectId, sub: mi.systemAssigned!.objectId, appid: mi.systemAssigned!.clientId, tid: tenantId, idtyp: 'app' });
  // msal turns expires_on into a lifetime and back on its own clock reading: a second may tick in between.
  expect(Math.abs(token.expiresOnTimestamp - (claims.exp as number) * 1000)).toBeLessThanOrEqual(1000);

  const [request] = mi.server.log.find({ path: '/msi/token' });
  expect(request?.query).toEqual({ 'api-version': '2019-08-01', resource: 'https://vault.azure.net' });
  expect(request?.headers['x-identity-header']).toBe('[redacted]');
});

it('gives a user-assigned identity its own token, by client id or resource id', async () => {
  const byClientId = await new ManagedIdentityCredential({ clientId: userAssignedClientId }).getToken('https://analysis.windows.net/powerbi/api/.default');
  const byResourceId = await new ManagedIdentityCredential({ resourceId: userAssignedResourceId }).getToken('api://broker-test-a/.default');
  tokens.push(byClientId.token, byResourceId.token);
  for (const [token, audience] of [
    [byClientId.token, 'https://analysis.windows.net/powerbi/api'],
    [byResourceId.token, 'api://broker-test-a'],
  ] as const) {
    const claims = await entra.verifyAccessToken(token, { audience });
    expect(claims).toMatchObject({ appid: userAssignedClientId, xms_mirid: userAssignedResourceId });
    expect(claims.oid).not.toBe(mi.systemAssigned!.objectId);
  }
});

it('refuses an unknown user-assigned identity', async () => {
  await expect(new ManagedIdentityCredential({ clientId: randomUUID() }).getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/No User Assigned/);
});

it('refuses callers holding a stale IDENTITY_HEADER', async () => {
  const current = mi.header;
  mi.rotateHeader();
  try {
    await expect(new ManagedIdentityCredential().getToken('api://broker-test-b/.default')).rejects.toThrow(/X-IDENTITY-HEADER header is not valid/);
  } finally {
    mi.rotateHeader(current);
  }
  expect(mi.server.log.find({ path: '/msi/token' }).at(-1)?.status).toBe(401);
});

it('answers malformed requests like App Service', async () => {
  const resource = 'https://vault.azure.net';
  expect((await msi({ 'api-version': '2019-08-01', resource }, null)).status).toBe(400);
  expect((await msi({ 'api-version': '2019-08-01', resource }, 'wrong')).status).toBe(401);
  expect((await msi({ resource })).status).toBe(400);
  expect((await msi({ 'api-version': '2019-08-01' })).status).toBe(400);
  const unknownResource = await msi({ 'api-version': '2019-08-01', resource: 'https://nothing.example' });
  expect(unknownResource.status).toBe(400);
  expect(await unknownResource.json()).toMatchObject({ statusCode: 400, message: expect.stringContaining('AADSTS500011') });
  expect((await msi({ 'api-version': '2019-08-01', resource, client_id: userAssignedClientId, mi_res_id: userAssignedResourceId })).status).toBe(400);
  expect((await fetch(mi.endpoint, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);

  const ok = await msi({ 'api-version': '2019-08-01', resource });
  expect(ok.status).toBe(200);
  const body = (await ok.json()) as Record<string, string>;
  tokens.push(body.access_token as string);
  expect(body).toEqual({ access_token: expect.any(String), expires_on: expect.stringMatching(/^\d+$/), resource, token_type: 'Bearer', client_id: mi.systemAssigned!.clientId });
});

it('follows the Entra token lifetime', async () => {
  entra.setTokenLifetime(1200);
  try {
    const body = (await (await msi({ 'api-version': '2019-08-01', resource: 'https://storage.azure.com' })).json()) as { access_token: string; expires_on: string };
    tokens.push(body.access_token);
    const claims = await entra.verifyAccessToken(body.access_token, { audience: 'https://storage.azure.com' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(1200);
    expect(Number(body.expires_on)).toBe(claims.exp);
  } finally {
    entra.resetTokenLifetime();
  }
});

it('never logs the identity header or a token', () => {
  const logged = JSON.stringify([mi.server.log.all(), entra.server.log.all()]);
  for (const value of [...tokens, mi.header]) expect(logged).not.toContain(value);
});
