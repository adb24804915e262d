import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkProvisionSettings, formatProvisionCheck } from '../../../dev/azd/checkProvisionSettings';
import { deployedSettings } from '../../../dev/azd/deployedSettings';

// preprovision: the azd environment values become the app settings Bicep will set, and the app's
// own validator judges them before anything is provisioned.

const root = resolve(__dirname, '..', '..', '..');
const policyText = readFileSync(join(root, 'dev', 'demo', 'embed-policy.json'), 'utf8');
const policyBase64 = Buffer.from(policyText).toString('base64');
const base = { EMBED_POLICY_BASE64: policyBase64, CORS_ALLOWED_ORIGINS: 'https://app.contoso.example' };

function runPreprovision(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'dev', 'azd', 'preprovision.js')], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => done({ code, output }));
  });
}

describe('the settings azd will deploy', () => {
  it('follows the template: managed identity and created app registrations by default, the policy decoded from base64', () => {
    const { settings, problems } = deployedSettings(base);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ POWERBI_CREDENTIAL: 'managed-identity', AUTH_MODE: 'jwt', POWERBI_CLOUD: 'Public', POWERBI_CLIENT_SECRET_NAME: 'powerbi-client-secret', EMBED_POLICY: policyText });
    expect(settings.AUTH_ISSUER).toMatch(/^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+\/v2\.0$/);
    expect(settings).not.toHaveProperty('POWERBI_API_URL');
  });

  it('uses existing app registrations and the secret credential when the template creates none', () => {
    const { settings, problems } = deployedSettings({ ...base, CREATE_APP_REGISTRATIONS: 'false', EXISTING_POWERBI_CLIENT_ID: '11111111-1111-4111-8111-111111111111', EXISTING_API_CLIENT_ID: '22222222-2222-4222-8222-222222222222', EXISTING_API_IDENTIFIER_URI: 'api://broker' });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ POWERBI_CLIENT_ID: '11111111-1111-4111-8111-111111111111', POWERBI_CREDENTIAL: 'secret', AUTH_AUDIENCE: '22222222-2222-4222-8222-222222222222,api://broker' });
  });

  it('checks the Static Web App\'s region, and says when the SPA would have no app registration', () => {
    expect(deployedSettings({ ...base, STATIC_WEB_APP_LOCATION: 'westeurope' }).problems).toEqual([]);
    expect(deployedSettings({ ...base, STATIC_WEB_APP_LOCATION: 'swedencentral' }).problems).toEqual([expect.stringMatching(/^STATIC_WEB_APP_LOCATION must be one of centralus, eastasia, eastus2, westeurope, westus2/)]);
    const noSpa = (env: Record<string, string>) => deployedSettings({ ...base, ...env }).notes.filter((note) => note.includes('EXISTING_SPA_CLIENT_ID'));
    expect(noSpa({})).toEqual([]);
    expect(noSpa({ CREATE_SPA_APP_REGISTRATION: 'false' })).toHaveLength(1);
    expect(noSpa({ CREATE_SPA_APP_REGISTRATION: 'false', EXISTING_SPA_CLIENT_ID: '33333333-3333-4333-8333-333333333333' })).toEqual([]);
  });

  it('passes endpoint overrides to the hooks only, and says the deployed app ignores them', () => {
    const env = { ...base, POWERBI_API_URL: 'https://127.0.0.1:1' };
    expect(deployedSettings(env).settings).not.toHaveProperty('POWERBI_API_URL');
    expect(deployedSettings(env).notes.join('\n')).toContain('POWERBI_API_URL is not a template parameter');
    expect(deployedSettings(env, { endpointOverrides: true }).settings.POWERBI_API_URL).toBe('https://127.0.0.1:1');
  });
});

describe('checkProvisionSettings', () => {
  it('accepts a valid environment, with the demo policy inline or as a file shipped in the package', () => {
    expect(checkProvisionSettings(base, root)).toMatchObject({ ok: true, problems: [] });
    const byPath = checkProvisionSettings({ EMBED_POLICY_PATH: 'dev/demo/embed-policy.json', CORS_ALLOWED_ORIGINS: 'x' }, root);
    expect(byPath.ok).toBe(true);
    expect(formatProvisionCheck(byPath)).toContain('9 catalog items, 3 rules');
    // The app resolves a relative path against its own folder (AzureWebJobsScriptRoot): nothing to warn about.
    expect(byPath.notes.join('\n')).not.toContain('EMBED_POLICY_PATH');
  });

  it('stops on a missing embed policy, saying how to set one', () => {
    const check = checkProvisionSettings({}, root);
    expect(check.ok).toBe(false);
    expect(check.problems).toEqual([expect.stringContaining('no embed policy: set EMBED_POLICY_BASE64')]);
    expect(formatProvisionCheck(check)).toMatch(/would not start[\s\S]*azd env set/);
  });

  it('lists every problem at once, in the app validator\'s words', () => {
    const badPolicy = Buffer.from(JSON.stringify({ version: 1, items: { 'Not A Key': {} }, rules: [] })).toString('base64');
    const check = checkProvisionSettings(
      { EMBED_POLICY_BASE64: badPolicy, AUTH_MODE: 'none', POWERBI_CREDENTIAL: 'certificate', EMBED_MIN_LIFETIME_MINUTES: '90', CREATE_APP_REGISTRATIONS: 'maybe' },
      root,
    );
    expect(check.ok).toBe(false);
    const all = check.problems.join('\n');
    for (const expected of ['AUTH_MODE=none is for local runs only', 'POWERBI_CERTIFICATE_NAME is required when POWERBI_CREDENTIAL is certificate', 'EMBED_MIN_LIFETIME_MINUTES must be a whole number from 1 to 50', 'CREATE_APP_REGISTRATIONS must be true or false', 'embed policy:']) {
      expect(all).toContain(expected);
    }
  });

  it('refuses what would break only after deploying: bad base64, two policies, a policy file outside the package, missing existing ids', () => {
    expect(checkProvisionSettings({ EMBED_POLICY_BASE64: '{"version":1}' }, root).problems).toContainEqual(expect.stringContaining('EMBED_POLICY_BASE64 is not base64'));
    expect(checkProvisionSettings({ ...base, EMBED_POLICY_PATH: 'dev/demo/embed-policy.json' }, root).problems).toContain('set only one of EMBED_POLICY_PATH and EMBED_POLICY');
    expect(checkProvisionSettings({ EMBED_POLICY_PATH: '/etc/embed-policy.json' }, root).problems).toContainEqual(expect.stringContaining('must be a path inside this repository'));
    expect(checkProvisionSettings({ EMBED_POLICY_PATH: 'no/such/policy.json' }, root).problems).toContainEqual(expect.stringContaining('cannot be read (ENOENT)'));
    const existing = checkProvisionSettings({ ...base, CREATE_APP_REGISTRATIONS: 'false' }, root).problems;
    expect(existing).toEqual(expect.arrayContaining([expect.stringContaining('EXISTING_POWERBI_CLIENT_ID is required'), expect.stringContaining('EXISTING_API_CLIENT_ID (or AUTH_AUDIENCE_OVERRIDE) is required')]));
  });
});

describe('the preprovision hook as azd runs it', () => {
  it('exits 1 with the list of problems, so azd up stops before provisioning', async () => {
    const { code, output } = await runPreprovision({ AUTH_MODE: 'none' });
    expect(code).toBe(1);
    expect(output).toContain('no embed policy');
    expect(output).toContain('AUTH_MODE=none');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('exits 0 for valid settings, and twice the same', async () => {
    const first = await runPreprovision(base);
    const second = await runPreprovision(base);
    expect(first.code).toBe(0);
    expect(first.output).toContain('are valid');
    expect(second).toEqual(first);
  });
});
