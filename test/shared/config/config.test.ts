import { ConfigError, loadConfig, type Environment } from '../../../shared/config/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { samplePolicy } from '../policy/policyFixtures';
import { LOCAL_TELEMETRY_SETTINGS } from '../../../dev/emulators/localAzure';

/** The demo policy: every rule requires the delegated scope and names its items. */
const DEMO_POLICY = readFileSync(join(__dirname, '..', '..', '..', 'dev', 'demo', 'embed-policy.json'), 'utf8');

const TENANT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const CLIENT = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

function baseEnv(extra: Environment = {}): Environment {
  return {
    POWERBI_TENANT_ID: TENANT,
    POWERBI_CLIENT_ID: CLIENT,
    KEY_VAULT_URL: 'https://kv-demo.vault.azure.net/',
    AUTH_ISSUER: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    AUTH_AUDIENCE: 'api://broker, 0b0b0b0b-0000-4000-8000-000000000000',
    EMBED_POLICY: JSON.stringify(samplePolicy()),
    ...extra,
  };
}

function problemsOf(env: Environment, readFile?: (path: string) => string): string[] {
  try {
    loadConfig(env, readFile ? { readFile } : {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(baseEnv());
    expect(config.powerBi).toEqual({
      tenantId: TENANT,
      clientId: CLIENT,
      credential: 'secret',
      cloud: 'Public',
      authorityHost: 'https://login.microsoftonline.com',
      apiUrl: 'https://api.powerbi.com',
      scope: 'https://analysis.windows.net/powerbi/api/.default',
    });
    expect(config.keyVault).toEqual({ url: 'https://kv-demo.vault.azure.net', clientSecretName: 'powerbi-client-secret', certificateName: undefined });
    expect(config.auth).toEqual({ mode: 'jwt', issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, audiences: ['api://broker', '0b0b0b0b-0000-4000-8000-000000000000'], allowedClientIds: [], allowAppTokens: false, maxTokenAgeMinutes: 1440 });
    expect(config.embed.minLifetimeMinutes).toBe(30);
    expect(config.telemetry.connectionString).toBeUndefined();
    expect(config.policy).toEqual(samplePolicy());
  });

  it.each([
    ['USGov', 'https://login.microsoftonline.com', 'https://api.powerbigov.us', 'https://analysis.usgovcloudapi.net/powerbi/api/.default'],
    ['USGovHigh', 'https://login.microsoftonline.us', 'https://api.high.powerbigov.us', 'https://high.analysis.usgovcloudapi.net/powerbi/api/.default'],
    ['USGovDoD', 'https://login.microsoftonline.us', 'https://api.mil.powerbigov.us', 'https://mil.analysis.usgovcloudapi.net/powerbi/api/.default'],
    ['China', 'https://login.chinacloudapi.cn', 'https://api.powerbi.cn', 'https://analysis.chinacloudapi.cn/powerbi/api/.default'],
  ])('presets the %s cloud', (cloud, authorityHost, apiUrl, scope) => {
    expect(loadConfig(baseEnv({ POWERBI_CLOUD: cloud })).powerBi).toMatchObject({ cloud, authorityHost, apiUrl, scope });
  });

  it('lets each endpoint override the cloud preset', () => {
    const config = loadConfig(baseEnv({ POWERBI_CLOUD: 'China', AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9000/', POWERBI_API_URL: 'https://127.0.0.1:9001', POWERBI_SCOPE: 'https://x/.default' }));
    expect(config.powerBi).toMatchObject({ authorityHost: 'https://127.0.0.1:9000', apiUrl: 'https://127.0.0.1:9001', scope: 'https://x/.default' });
  });

  it('lists every problem at once', () => {
    const problems = problemsOf({
      POWERBI_TENANT_ID: 'common',
      POWERBI_CLIENT_ID: 'not-a-guid',
      POWERBI_CREDENTIAL: 'password',
      POWERBI_CLOUD: 'Mars',
      POWERBI_API_URL: 'http://api.powerbi.com',
      AUTH_MODE: 'jwt',
      EMBED_MIN_LIFETIME_MINUTES: '90',
      EMBED_POLICY: '{"version":2}',
    });
    const text = problems.join('\n');
    for (const expected of [
      'POWERBI_TENANT_ID must be a specific tenant',
      'POWERBI_CLIENT_ID must be a GUID',
      'POWERBI_CREDENTIAL must be one of secret, certificate, managed-identity',
      'POWERBI_CLOUD must be one of',
      'POWERBI_API_URL must use https',
      'KEY_VAULT_URL is required',
      'AUTH_ISSUER is required',
      'AUTH_AUDIENCE is required',
      'EMBED_MIN_LIFETIME_MINUTES must be a whole number from 1 to 50',
      'embed policy:',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('puts every problem in the error message', () => {
    expect(() => loadConfig({})).toThrow(/Invalid configuration \(\d+ problems\):\n {2}- POWERBI_TENANT_ID is required/);
  });

  it('needs a certificate name for the certificate credential, and no vault for managed-identity', () => {
    expect(problemsOf(baseEnv({ POWERBI_CREDENTIAL: 'certificate' }))).toEqual(['POWERBI_CERTIFICATE_NAME is required when POWERBI_CREDENTIAL is certificate']);
    const config = loadConfig(baseEnv({ POWERBI_CREDENTIAL: 'managed-identity', KEY_VAULT_URL: undefined }));
    expect(config.powerBi.credential).toBe('managed-identity');
  });

  it('refuses AUTH_MODE=none on Azure but allows it locally', () => {
    expect(loadConfig(baseEnv({ AUTH_MODE: 'none' })).auth).toEqual({ mode: 'none' });
    const platforms = ['WEBSITE_INSTANCE_ID', 'WEBSITE_OWNER_NAME', 'CONTAINER_NAME', 'WEBSITE_SITE_NAME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_SKU', 'CONTAINER_APP_NAME', 'KUBERNETES_SERVICE_HOST', 'IDENTITY_ENDPOINT', 'MSI_ENDPOINT'];
    for (const platform of platforms) {
      for (const value of ['abc', 'FlexConsumption', '   ', '']) {
        expect(problemsOf(baseEnv({ AUTH_MODE: 'none', [platform]: value }))).toEqual([`AUTH_MODE=none is for local runs only and is refused on a hosting platform (${platform} is set)`]);
      }
    }
  });

  it('refuses an AUTH_AUDIENCE that names no audience', () => {
    expect(problemsOf(baseEnv({ AUTH_AUDIENCE: ' , ' }))).toEqual(['AUTH_AUDIENCE must name at least one audience']);
  });

  it('reads a relative policy path from the app folder the Functions host names', () => {
    const read: string[] = [];
    const readFile = (path: string) => {
      read.push(path);
      return JSON.stringify(samplePolicy());
    };
    loadConfig(baseEnv({ EMBED_POLICY: undefined, EMBED_POLICY_PATH: 'policies/embed.json', AzureWebJobsScriptRoot: '/home/site/wwwroot' }), { readFile });
    loadConfig(baseEnv({ EMBED_POLICY: undefined, EMBED_POLICY_PATH: '/etc/embed.json', AzureWebJobsScriptRoot: '/home/site/wwwroot' }), { readFile });
    loadConfig(baseEnv({ EMBED_POLICY: undefined, EMBED_POLICY_PATH: 'policies/embed.json' }), { readFile });
    expect(read).toEqual(['/home/site/wwwroot/policies/embed.json', '/etc/embed.json', 'policies/embed.json']);
  });

  it('reads the policy from a file, and says when it cannot', () => {
    const env = baseEnv({ EMBED_POLICY: undefined, EMBED_POLICY_PATH: '/policy.json' });
    expect(loadConfig(env, { readFile: () => JSON.stringify(samplePolicy()) }).policy.rules).toHaveLength(2);
    const missing = problemsOf(env, () => {
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    });
    expect(missing).toEqual(['EMBED_POLICY_PATH "/policy.json" cannot be read (ENOENT)']);
    expect(problemsOf(baseEnv({ EMBED_POLICY_PATH: '/p.json' }))).toEqual(['set only one of EMBED_POLICY_PATH and EMBED_POLICY']);
  });

  it('allows AUTH_MODE=easyauth only where App Service runs Easy Auth', () => {
    const azure = { WEBSITE_INSTANCE_ID: 'i-1', WEBSITE_AUTH_ENABLED: 'True' };
    expect(loadConfig(baseEnv({ AUTH_MODE: 'easyauth', ...azure })).auth).toEqual({ mode: 'easyauth' });
    expect(problemsOf(baseEnv({ AUTH_MODE: 'easyauth' }))).toEqual([expect.stringContaining('exists only on Azure')]);
    expect(problemsOf(baseEnv({ AUTH_MODE: 'easyauth', FUNCTIONS_EXTENSION_VERSION: '~4', WEBSITE_AUTH_ENABLED: 'True' }))).toEqual([expect.stringContaining('exists only on Azure')]);
    for (const enabled of [undefined, 'False', 'false', '']) {
      expect(problemsOf(baseEnv({ AUTH_MODE: 'easyauth', WEBSITE_INSTANCE_ID: 'i-1', WEBSITE_AUTH_ENABLED: enabled }))).toEqual([expect.stringContaining('WEBSITE_AUTH_ENABLED is not True')]);
    }
  });

  it('warns that AUTH_MODE=none signs nobody in', () => {
    expect(loadConfig(baseEnv({ AUTH_MODE: 'none', EMBED_POLICY: DEMO_POLICY })).warnings).toEqual([expect.stringContaining('AUTH_MODE=none')]);
    expect(loadConfig(baseEnv({ EMBED_POLICY: DEMO_POLICY })).warnings).toEqual([]);
  });

  it('reads the token-kind settings and checks them', () => {
    const spa = '11111111-1111-4111-8111-111111111111';
    const config = loadConfig(baseEnv({ AUTH_ALLOWED_CLIENT_IDS: ` ${spa} ,`, AUTH_ALLOW_APP_TOKENS: 'TRUE', AUTH_MAX_TOKEN_AGE_MINUTES: '90' }));
    expect(config.auth).toMatchObject({ allowedClientIds: [spa], allowAppTokens: true, maxTokenAgeMinutes: 90 });
    expect(problemsOf(baseEnv({ AUTH_ALLOWED_CLIENT_IDS: 'spa-app', AUTH_ALLOW_APP_TOKENS: 'yes', AUTH_MAX_TOKEN_AGE_MINUTES: '1' }))).toEqual([
      'AUTH_ALLOWED_CLIENT_IDS must be a GUID (got "spa-app")',
      'AUTH_ALLOW_APP_TOKENS must be true or false (got "yes")',
      'AUTH_MAX_TOKEN_AGE_MINUTES must be a whole number from 5 to 10080 (got "1")',
    ]);
  });

  it('warns about lax policy rules, and refuses them with EMBED_POLICY_STRICT', () => {
    const policy = samplePolicy();
    const lax = {
      ...policy,
      rules: [
        { ...policy.rules[0], name: 'anyone', match: {}, allow: ['*'] },
        { ...policy.rules[0], name: 'no-scope', match: { roles: 'Sales.EU' } },
      ],
    };
    const env = baseEnv({ EMBED_POLICY: JSON.stringify(lax) });
    expect(loadConfig(env).warnings).toEqual([
      expect.stringContaining('"match": {} admits every signed-in caller'),
      expect.stringContaining('"allow": ["*"] admits every item'),
      expect.stringContaining('does not require a delegated scope'),
    ]);
    const problems = problemsOf({ ...env, EMBED_POLICY_STRICT: 'true' });
    expect(problems).toHaveLength(3);
    for (const problem of problems) expect(problem).toContain('EMBED_POLICY_STRICT');
    expect(loadConfig(baseEnv({ EMBED_POLICY_STRICT: 'true', EMBED_POLICY: DEMO_POLICY })).warnings).toEqual([]);
  });

  describe('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', () => {
    const MI = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

    it('is off unless asked for', () => {
      expect(loadConfig(baseEnv()).telemetry).toEqual({ connectionString: undefined, entraAuthentication: false });
    });

    it('turns Entra-authenticated ingestion on with Authorization=AAD, in the Functions host\'s format', () => {
      for (const value of ['Authorization=AAD', `ClientId=${MI};Authorization=AAD`, ` authorization = aad ; clientid=${MI} `]) {
        const config = loadConfig(baseEnv({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x', APPLICATIONINSIGHTS_AUTHENTICATION_STRING: value, AZURE_CLIENT_ID: MI }));
        expect(config.telemetry).toEqual({ connectionString: 'InstrumentationKey=x', entraAuthentication: true });
        expect(config.warnings.filter((w) => w.includes('APPLICATIONINSIGHTS'))).toEqual([]);
      }
    });

    it('warns when its ClientId is not the identity the broker runs as', () => {
      const config = loadConfig(baseEnv({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${MI}` }));
      expect(config.telemetry.entraAuthentication).toBe(true);
      expect(config.warnings.filter((w) => w.includes('APPLICATIONINSIGHTS'))).toEqual([expect.stringContaining('ClientId other than AZURE_CLIENT_ID')]);
    });

    it.each([
      ['no Authorization', `ClientId=${MI}`],
      ['another scheme', 'Authorization=Basic'],
      ['not key=value', 'AAD'],
      ['a ClientId that is not a GUID', 'Authorization=AAD;ClientId=me'],
    ])('refuses %s', (_name, value) => {
      expect(problemsOf(baseEnv({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: value }))).toEqual([expect.stringContaining('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')]);
    });
  });

  it('reads the platform variables the local telemetry settings add without turning on anything of App Service', () => {
    const local = { ...LOCAL_TELEMETRY_SETTINGS, IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi/token', IDENTITY_HEADER: 'h' };
    const config = loadConfig(baseEnv(local));
    // The managed identity was in use already (IDENTITY_ENDPOINT), and AUTH_MODE=none refused already.
    expect(config.managedIdentityAvailable).toBe(true);
    expect(problemsOf(baseEnv({ ...local, AUTH_MODE: 'none' }))).toEqual([expect.stringContaining('IDENTITY_ENDPOINT')]);
    // Easy Auth still needs App Service Authentication itself, which nothing local sets.
    expect(problemsOf(baseEnv({ ...local, AUTH_MODE: 'easyauth' }))).toEqual([expect.stringContaining('WEBSITE_AUTH_ENABLED')]);
  });
});
