import 'reflect-metadata';
import { webcrypto, KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as x509 from '@peculiar/x509';
import { runPostprovision, type PostprovisionOptions } from '../../../dev/azd/runPostprovision';
import { formatReports, type StepReport } from '../../../dev/azd/stepReport';
import { DEMO_SANDBOX_WORKSPACE_ID, DEMO_SERVICE_PRINCIPAL, DEMO_TENANT_ID, DEMO_WORKSPACE_ID } from '../../../dev/emulators/demoWorld';
import type { LocalAzure } from '../../../dev/emulators/localAzure';
import { startTestAzure } from '../../helpers/localAzureForTests';
import { deployerCredential } from './deployerCredential';

// postprovision against the local emulators: the real SecretClient writes to the Key Vault
// emulator, the Power BI calls go over HTTPS to the Power BI emulator with the deployer's and the
// service principal's tokens from the Entra emulator. Each step is run twice: the second run
// changes nothing.

const root = resolve(__dirname, '..', '..', '..');
const DEPLOYER = { clientId: 'de910e00-0000-4000-8000-0000000000c1', objectId: 'de910e00-0000-4000-8000-0000000000e1', secret: 'deployer~secret~value' };
const SECRET_NAME = 'broker-client-secret';

async function makeCertificate(): Promise<{ certPem: string; keyPem: string }> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: 'CN=postprovision test', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), signingAlgorithm: algorithm, keys });
  return { certPem: `${cert.toString('pem')}\n`, keyPem: KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString() };
}

const byStep = (reports: StepReport[]) => Object.fromEntries(reports.map((r) => [r.step, r]));

describe('the postprovision hook', () => {
  let azure: LocalAzure;
  let policyBase64: string;
  let tmp: string;

  beforeAll(async () => {
    azure = await startTestAzure();
    azure.entra.registerApp({ tenantId: DEMO_TENANT_ID, clientId: DEPLOYER.clientId, objectId: DEPLOYER.objectId, displayName: 'deployer', secrets: [DEPLOYER.secret] });
    azure.keyVault.grantSecretsOfficer(DEPLOYER.objectId);
    policyBase64 = Buffer.from(await readFile(join(root, 'dev', 'demo', 'embed-policy.json'))).toString('base64');
    tmp = await mkdtemp(join(tmpdir(), 'pbi-broker-hooks-'));
  });

  afterAll(async () => {
    await azure.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** The demo workspace as a fresh deployment finds it: the deployer is Admin, the service principal not a member yet. */
  function freshWorkspace(): void {
    const model = azure.powerBi.exportModel();
    for (const workspace of model.workspaces ?? []) workspace.members = [];
    azure.powerBi.loadModel(model);
    for (const id of [DEMO_WORKSPACE_ID, DEMO_SANDBOX_WORKSPACE_ID]) azure.powerBi.setWorkspaceUser(id, { identifier: DEPLOYER.objectId, principalType: 'App', groupUserAccessRight: 'Admin' });
  }

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      AZURE_TENANT_ID: DEMO_TENANT_ID,
      POWERBI_TENANT_ID: DEMO_TENANT_ID,
      POWERBI_CLIENT_ID: DEMO_SERVICE_PRINCIPAL.clientId,
      POWERBI_SERVICE_PRINCIPAL_OBJECT_ID: DEMO_SERVICE_PRINCIPAL.objectId,
      POWERBI_CREDENTIAL: 'secret',
      POWERBI_CLIENT_SECRET_NAME: SECRET_NAME,
      KEY_VAULT_URL: azure.keyVault.url,
      AZURE_AUTHORITY_HOST: azure.entra.url,
      POWERBI_API_URL: azure.powerBi.url,
      EMBED_POLICY_BASE64: policyBase64,
      CORS_ALLOWED_ORIGINS: 'https://app.contoso.example',
      API_BASE_URL: 'https://func-api-abc.azurewebsites.net/api',
      API_SCOPE: 'api://tenant/powerbi-embed-broker/access_as_user',
      API_CLIENT_ID: '0a900000-0000-4000-8000-0000000000c1',
      SPA_CLIENT_ID: '05a00000-0000-4000-8000-0000000000c1',
      WEB_URL: 'https://stapp-web-abc.azurestaticapps.net/',
      ...extra,
    };
  }

  const options = (extra: Partial<PostprovisionOptions> & { env?: Record<string, string> } = {}): PostprovisionOptions => ({
    env: env(),
    root,
    credential: deployerCredential({ tenantId: DEMO_TENANT_ID, clientId: DEPLOYER.clientId, secret: DEPLOYER.secret, authorityHost: azure.entra.url }),
    ...extra,
  });

  const writes = () => [
    ...azure.keyVault.server.log.find({ method: 'PUT', path: '/secrets/' }),
    ...azure.powerBi.log.find({ method: 'POST', path: /\/users$/ }),
  ];

  it('stores the prompted secret, adds the service principal to the policy\'s workspace, checks it may use the API, and prints the SPA values', async () => {
    freshWorkspace();
    const asked: string[] = [];
    const reports = await runPostprovision(options({ promptSecret: async (question) => (asked.push(question), azure.clientSecret) }));
    const steps = byStep(reports);

    expect(asked).toHaveLength(1);
    expect(steps['Key Vault credential']).toMatchObject({ status: 'done', todo: [] });
    expect(azure.keyVault.getSecretValue(SECRET_NAME)).toBe(azure.clientSecret);

    // The catalog's workspace and the Save As target; never a customer's (none in the demo policy).
    expect(steps['Power BI workspace access']).toMatchObject({
      status: 'done',
      lines: [`Workspace ${DEMO_WORKSPACE_ID}: added the service principal as Member.`, `Workspace ${DEMO_SANDBOX_WORKSPACE_ID}: added the service principal as Member.`],
    });
    expect(azure.powerBi.model.workspaceUsers(DEMO_WORKSPACE_ID)).toContainEqual({ identifier: DEMO_SERVICE_PRINCIPAL.objectId, principalType: 'App', groupUserAccessRight: 'Member' });

    expect(steps['Service principal may use the Power BI API']).toMatchObject({ status: 'unchanged', todo: [] });
    const values = steps['Values for the SPA'] as StepReport;
    expect(values.lines.join('\n')).toContain('https://func-api-abc.azurewebsites.net/api');
    expect(values.lines.join('\n')).toContain(`${azure.entra.url}/${DEMO_TENANT_ID}`);
    expect(values.lines.join('\n')).toContain('05a00000-0000-4000-8000-0000000000c1');
    expect(values.lines.join('\n')).toContain('https://stapp-web-abc.azurestaticapps.net/');

    const printed = formatReports('postprovision:', reports);
    expect(printed).not.toContain(azure.clientSecret);
    expect(printed).not.toContain(DEPLOYER.secret);
  });

  it('changes nothing when run again, and asks for nothing', async () => {
    azure.keyVault.server.log.clear();
    azure.powerBi.log.clear();
    const asked: string[] = [];
    const reports = await runPostprovision(options({ promptSecret: async (question) => (asked.push(question), 'another') }));
    expect(asked).toEqual([]);
    expect(reports.slice(0, 3).map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(writes()).toEqual([]);
    expect(azure.keyVault.getSecretValue(SECRET_NAME)).toBe(azure.clientSecret);
  });

  it('stores a secret given as an azd environment value once, and asks to take it out of the environment file', async () => {
    const secret = azure.rotateClientSecret({ updateKeyVault: false });
    const first = byStep(await runPostprovision(options({ env: env({ POWERBI_CLIENT_SECRET: secret }) })));
    expect(first['Key Vault credential']?.status).toBe('done');
    expect(first['Key Vault credential']?.todo.join('\n')).toContain('azd env set POWERBI_CLIENT_SECRET ""');
    expect(first['Service principal may use the Power BI API']?.status).toBe('unchanged');
    azure.keyVault.server.log.clear();
    const second = byStep(await runPostprovision(options({ env: env({ POWERBI_CLIENT_SECRET: secret }) })));
    expect(second['Key Vault credential']?.status).toBe('unchanged');
    expect(azure.keyVault.server.log.find({ method: 'PUT', path: '/secrets/' })).toEqual([]);
  });

  it('says what to do when there is no secret and nobody to ask', async () => {
    const reports = byStep(await runPostprovision(options({ env: env({ POWERBI_CLIENT_SECRET_NAME: 'not-there-yet' }) })));
    const vault = reports['Key Vault credential'] as StepReport;
    expect(vault.status).toBe('action-needed');
    expect(vault.todo.join('\n')).toMatch(/az ad app credential reset --id b40ce000-.* az keyvault secret set --vault-name .* --name not-there-yet/);
    // Without the credential the API check cannot tell: it prints the tenant-setting step.
    expect(reports['Service principal may use the Power BI API']?.todo.join('\n')).toContain('Service principals can use Fabric APIs');
  });

  it('reports a secret Entra refuses', async () => {
    const reports = byStep(await runPostprovision(options({ env: env({ POWERBI_CLIENT_SECRET_NAME: 'wrong-secret', POWERBI_CLIENT_SECRET: 'not~the~secret' }) })));
    expect(reports['Service principal may use the Power BI API']).toMatchObject({ status: 'failed', lines: [expect.stringContaining('invalid_client')] });
  });

  it('prints the exact tenant-setting step when Power BI does not admit service principals', async () => {
    azure.powerBi.allowServicePrincipals(false);
    try {
      const reports = byStep(await runPostprovision(options()));
      const check = reports['Service principal may use the Power BI API'] as StepReport;
      expect(check.status).toBe('action-needed');
      expect(check.lines.join('\n')).toContain('ServicePrincipalIsNotAllowedByTenantAdminSwitch');
      expect(check.todo[0]).toContain(`Tenant settings > Developer settings: enable "Service principals can use Fabric APIs"`);
      expect(check.todo[0]).toContain(DEMO_SERVICE_PRINCIPAL.clientId);
    } finally {
      azure.powerBi.allowServicePrincipals(true);
    }
  });

  it('leaves a workspace it may not change to the deployer, with the command to run', async () => {
    freshWorkspace();
    azure.powerBi.setWorkspaceUser(DEMO_WORKSPACE_ID, { identifier: DEPLOYER.objectId, principalType: 'App', groupUserAccessRight: 'Viewer' });
    const workspace = byStep(await runPostprovision(options()))['Power BI workspace access'] as StepReport;
    expect(workspace.status).toBe('action-needed');
    expect(workspace.lines[0]).toContain('PowerBINotAuthorizedException');
    expect(workspace.todo[0]).toContain(`az rest --method post --resource https://analysis.windows.net/powerbi/api --url "${azure.powerBi.url}/v1.0/myorg/groups/${DEMO_WORKSPACE_ID}/users"`);
    expect(azure.powerBi.model.workspaceUsers(DEMO_WORKSPACE_ID).map((u) => u.identifier)).not.toContain(DEMO_SERVICE_PRINCIPAL.objectId);
  });

  it('says what to do when the service principal\'s object id is unknown (existing app registration)', async () => {
    const workspace = byStep(await runPostprovision(options({ env: env({ POWERBI_SERVICE_PRINCIPAL_OBJECT_ID: '' }) })))['Power BI workspace access'] as StepReport;
    expect(workspace.status).toBe('action-needed');
    expect(workspace.todo[0]).toContain('az ad sp show --id');
  });

  it('stores a PEM certificate with its content type, checks it against Entra, and leaves it alone the second time', async () => {
    freshWorkspace();
    const { certPem, keyPem } = await makeCertificate();
    azure.entra.setAppCertificates(DEMO_SERVICE_PRINCIPAL.clientId, [certPem]);
    const file = join(tmp, 'cert-and-key.pem');
    await writeFile(file, `${keyPem}${certPem}`);
    const certEnv = env({ POWERBI_CREDENTIAL: 'certificate', POWERBI_CERTIFICATE_NAME: 'broker-certificate', POWERBI_CERTIFICATE_PEM_FILE: file });

    const first = byStep(await runPostprovision(options({ env: certEnv })));
    expect(first['Key Vault credential']?.status).toBe('done');
    const stored = azure.keyVault.server.log.find({ method: 'PUT', path: '/secrets/broker-certificate' });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.body).toMatchObject({ contentType: 'application/x-pem-file' });
    expect(azure.keyVault.getSecretValue('broker-certificate')).toBe(`${keyPem}${certPem}`);
    expect(first['Service principal may use the Power BI API']?.status).toBe('unchanged');

    azure.keyVault.server.log.clear();
    const second = byStep(await runPostprovision(options({ env: certEnv })));
    expect(second['Key Vault credential']?.status).toBe('unchanged');
    expect(azure.keyVault.server.log.find({ method: 'PUT', path: '/secrets/' })).toEqual([]);
  });

  it('skips Key Vault for the managed-identity credential and says the API check cannot be made from here', async () => {
    const reports = byStep(await runPostprovision(options({ env: env({ POWERBI_CREDENTIAL: 'managed-identity' }) })));
    expect(reports['Key Vault credential']).toMatchObject({ status: 'skipped' });
    expect(reports['Service principal may use the Power BI API']).toMatchObject({ status: 'action-needed', lines: [expect.stringContaining('managed identity'), expect.any(String)] });
  });

  it('reports a vault the deployer may not use, with the role to ask for', async () => {
    azure.keyVault.revokeAll(DEPLOYER.objectId);
    try {
      const vault = byStep(await runPostprovision(options()))['Key Vault credential'] as StepReport;
      expect(vault.status).toBe('failed');
      expect(vault.lines[0]).toContain('403');
      expect(vault.todo[0]).toContain('Key Vault Secrets Officer');
    } finally {
      azure.keyVault.grantSecretsOfficer(DEPLOYER.objectId);
    }
  });

  it('stops on settings the app would refuse', async () => {
    const reports = await runPostprovision(options({ env: env({ EMBED_POLICY_BASE64: '' }) }));
    expect(reports).toEqual([expect.objectContaining({ step: 'Settings', status: 'failed' })]);
  });
});
