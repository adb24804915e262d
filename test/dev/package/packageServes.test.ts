import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_SALES_DATASET_ID, DEMO_SALES_REPORT_ID } from '../../../dev/emulators/demoWorld';
import type { LocalAzure } from '../../../dev/emulators/localAzure';
import { startHostProcess, type HostProcess } from '../../../dev/hostProcess';
import { buildPackage } from '../../../dev/package/buildPackage';
import { startTestAzure } from '../../helpers/localAzureForTests';

// The deployment package alone, outside the repository (no node_modules anywhere above it),
// loaded by the local host the way the Functions worker loads it: package.json `main`, the
// bundled files, @azure/functions-core from the host. The embed policy is the copy shipped in
// the package, found through a relative EMBED_POLICY_PATH from the app's folder.

const root = resolve(__dirname, '..', '..', '..');
const POLICY = 'dev/demo/embed-policy.json';

describe('the deployment package under the local host', () => {
  let packageDir: string;
  let azure: LocalAzure;
  let host: HostProcess;

  beforeAll(async () => {
    packageDir = join(await mkdtemp(join(tmpdir(), 'pbi-broker-deployed-')), 'wwwroot');
    await buildPackage({ root, outDir: packageDir, policyPath: POLICY });
    azure = await startTestAzure();
    host = await startHostProcess(root, { ...process.env, ...azure.settings, EMBED_POLICY_PATH: POLICY, PORT: '0' }, { functionAppDir: packageDir });
  });

  afterAll(async () => {
    await host?.stop();
    await azure?.close();
    await rm(resolve(packageDir, '..'), { recursive: true, force: true });
  });

  it('registers every function of the app', async () => {
    expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
    expect((await fetch(`${host.url}/api/health/ready`)).status).not.toBe(404);
    // Registered, and the caller is asked for a token rather than told the route is unknown.
    expect((await fetch(`${host.url}/api/embed/reports/sales-overview`)).status).toBe(401);
  });

  it('is ready: configuration loaded, a service-principal token obtained through Key Vault and Entra', async () => {
    const res = await fetch(`${host.url}/api/health/ready`);
    expect(res.status).toBe(200);
    expect(azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' }).some((e) => e.status === 200)).toBe(true);
  });

  it('embeds the RLS report for a demo user end to end', async () => {
    azure.powerBi.log.clear();
    const token = await azure.userToken('alice');
    const res = await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const config = (await res.json()) as { id: string; datasetId: string; accessToken: string };
    expect(config).toMatchObject({ id: DEMO_SALES_REPORT_ID, datasetId: DEMO_SALES_DATASET_ID });
    expect(azure.powerBi.decodeEmbedToken(config.accessToken).identities).toEqual([expect.objectContaining({ username: 'alice@contoso.example', roles: ['Region EU'] })]);
    expect(azure.powerBi.log.count({ method: 'POST', path: /GenerateToken$/i })).toBe(1);
  });

  it('shares one broker between the functions: a second function reuses the cached service-principal token', async () => {
    azure.entra.server.log.clear();
    azure.keyVault.server.log.clear();
    const token = await azure.userToken('bob');
    expect((await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${host.url}/api/health/ready`)).status).toBe(200);
    expect(azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' })).toBe(0);
    expect(azure.keyVault.server.log.all()).toHaveLength(0);
  });

  it('answers problem+json for an unknown route and never logs a token', async () => {
    const res = await fetch(`${host.url}/api/unknown`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(host.output()).not.toContain(azure.clientSecret);
  });
});
