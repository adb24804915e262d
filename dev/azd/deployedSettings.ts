import { CLOUD_NAMES, CLOUDS, type CloudName } from '../../shared/config/clouds';
import type { Environment } from '../../shared/config/config';

// The app settings `azd provision` gives the function app, derived from the azd environment
// values the way infra/main.parameters.json and infra/main.bicep derive them. Values Bicep
// itself creates (tenant, app registrations, vault URL, identity) do not exist before
// provisioning: they get well-formed stand-ins, so only what the deployer chose is judged.

export const PROVISIONED = {
  tenantId: '00000000-0000-4000-8000-00000000aaaa',
  clientId: '00000000-0000-4000-8000-00000000bbbb',
  identityClientId: '00000000-0000-4000-8000-00000000cccc',
  vaultUrl: 'https://kv-provisioned.vault.azure.net',
  apiIdentifierUri: 'api://00000000-0000-4000-8000-00000000aaaa/powerbi-embed-broker',
} as const;

export interface DeployedSettings {
  /** What the function app's app settings will be (stand-ins for what Bicep creates). */
  settings: Record<string, string>;
  /** Problems Bicep or the azd parameter file would hit, or that make a dead app, before the app's own checks. */
  problems: string[];
  /** Things that are fine but worth saying. */
  notes: string[];
}

const BOOLEAN = /^(true|false)$/i;

/** The regions infra/modules/staticWebApp.bicep may place the sample SPA's site in. */
export const STATIC_WEB_APP_REGIONS = ['centralus', 'eastasia', 'eastus2', 'westeurope', 'westus2'];

function value(env: Environment, name: string): string | undefined {
  const found = env[name]?.trim();
  return found ? found : undefined;
}

function decodeBase64Policy(text: string, problems: string[]): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
    problems.push('EMBED_POLICY_BASE64 is not base64 (make it with `base64 -w0 embed-policy.json`)');
    return undefined;
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Endpoints Bicep derives from POWERBI_CLOUD; the hooks honour them when set (sovereign clouds, local emulators). */
export const ENDPOINT_OVERRIDES = ['AZURE_AUTHORITY_HOST', 'POWERBI_API_URL', 'POWERBI_SCOPE'] as const;

export function deployedSettings(env: Environment, options: { endpointOverrides?: boolean } = {}): DeployedSettings {
  const problems: string[] = [];
  const notes: string[] = [];
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = value(env, name);
    if (raw === undefined) return fallback;
    if (BOOLEAN.test(raw)) return raw.toLowerCase() === 'true';
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const createApps = flag('CREATE_APP_REGISTRATIONS', true);
  const tenantId = value(env, 'AZURE_TENANT_ID') ?? PROVISIONED.tenantId;
  const cloudName = value(env, 'POWERBI_CLOUD') ?? 'Public';
  const cloud: CloudName = CLOUD_NAMES.find((name) => name === cloudName) ?? 'Public';
  if (!CLOUD_NAMES.includes(cloudName as CloudName)) problems.push(`POWERBI_CLOUD must be one of ${CLOUD_NAMES.join(', ')} (got "${cloudName}"; the template accepts these names exactly)`);

  const settings: Record<string, string> = {
    // The function app runs in Azure: the app's own rules for Azure apply (AUTH_MODE=none is refused).
    WEBSITE_INSTANCE_ID: 'provisioned',
    POWERBI_TENANT_ID: tenantId,
    KEY_VAULT_URL: value(env, 'KEY_VAULT_URL') ?? PROVISIONED.vaultUrl,
    AZURE_CLIENT_ID: value(env, 'AZURE_MANAGED_IDENTITY_CLIENT_ID') ?? PROVISIONED.identityClientId,
    POWERBI_CLOUD: cloudName,
  };

  const existingClientId = value(env, 'EXISTING_POWERBI_CLIENT_ID');
  if (createApps) {
    settings.POWERBI_CLIENT_ID = value(env, 'POWERBI_CLIENT_ID') ?? PROVISIONED.clientId;
    if (existingClientId) notes.push('EXISTING_POWERBI_CLIENT_ID is ignored while CREATE_APP_REGISTRATIONS is true');
  } else if (existingClientId) {
    settings.POWERBI_CLIENT_ID = existingClientId;
  } else {
    problems.push('EXISTING_POWERBI_CLIENT_ID is required when CREATE_APP_REGISTRATIONS is false');
  }

  const credential = value(env, 'POWERBI_CREDENTIAL') ?? (createApps ? 'managed-identity' : 'secret');
  settings.POWERBI_CREDENTIAL = credential;
  if (credential === 'managed-identity' && !createApps) {
    notes.push('POWERBI_CREDENTIAL=managed-identity with an existing app registration: add the federated credential for the function identity yourself (infra/README.md, "The service principal\'s credential")');
  }
  settings.POWERBI_CLIENT_SECRET_NAME = value(env, 'POWERBI_CLIENT_SECRET_NAME') ?? 'powerbi-client-secret';
  const certificateName = value(env, 'POWERBI_CERTIFICATE_NAME');
  if (certificateName) settings.POWERBI_CERTIFICATE_NAME = certificateName;

  const authMode = value(env, 'AUTH_MODE') ?? 'jwt';
  if (authMode.toLowerCase() === 'none') problems.push('AUTH_MODE=none is for local runs only and cannot be deployed: use jwt or easyauth');
  else if (authMode !== 'jwt' && authMode !== 'easyauth') problems.push(`AUTH_MODE must be jwt or easyauth (got "${authMode}"; the template accepts these names exactly)`);
  settings.AUTH_MODE = authMode;
  // The template turns App Service Authentication on exactly for easyauth, and the platform then says so.
  if (authMode === 'easyauth') settings.WEBSITE_AUTH_ENABLED = 'True';
  if (authMode === 'jwt') {
    settings.AUTH_ISSUER = value(env, 'AUTH_ISSUER') ?? `${CLOUDS[cloud].authorityHost}/${tenantId}/v2.0`;
    const override = value(env, 'AUTH_AUDIENCE_OVERRIDE');
    const existingApi = value(env, 'EXISTING_API_CLIENT_ID');
    if (override) settings.AUTH_AUDIENCE = override;
    else if (createApps) settings.AUTH_AUDIENCE = [value(env, 'API_CLIENT_ID') ?? PROVISIONED.clientId, PROVISIONED.apiIdentifierUri].join(',');
    else if (existingApi) settings.AUTH_AUDIENCE = [existingApi, value(env, 'EXISTING_API_IDENTIFIER_URI')].filter(Boolean).join(',');
    else problems.push('EXISTING_API_CLIENT_ID (or AUTH_AUDIENCE_OVERRIDE) is required when CREATE_APP_REGISTRATIONS is false');
  }

  // Bicep prefers the inline policy; the app itself refuses both at once, and so do we.
  const policyBase64 = value(env, 'EMBED_POLICY_BASE64');
  const policyPath = value(env, 'EMBED_POLICY_PATH');
  if (policyBase64) {
    const decoded = decodeBase64Policy(policyBase64, problems);
    if (decoded !== undefined) settings.EMBED_POLICY = decoded;
  }
  if (policyPath) settings.EMBED_POLICY_PATH = policyPath;
  if (!policyBase64 && !policyPath) {
    problems.push('no embed policy: set EMBED_POLICY_BASE64 (`azd env set EMBED_POLICY_BASE64 "$(base64 -w0 embed-policy.json)"`) or EMBED_POLICY_PATH (a file in this repository, shipped in the package)');
  }

  const passedThrough = ['EMBED_MIN_LIFETIME_MINUTES', 'UPSTREAM_TIMEOUT_SECONDS', 'REQUEST_DEADLINE_SECONDS', 'AUTH_ALLOWED_CLIENT_IDS', 'AUTH_ALLOW_APP_TOKENS', 'AUTH_MAX_TOKEN_AGE_MINUTES', 'EMBED_POLICY_STRICT'];
  for (const name of passedThrough) {
    const given = value(env, name);
    if (given) settings[name] = given;
  }
  for (const name of ENDPOINT_OVERRIDES) {
    const given = value(env, name);
    if (given && options.endpointOverrides) settings[name] = given;
    else if (given) notes.push(`${name} is not a template parameter: the deployed app derives it from POWERBI_CLOUD`);
  }
  const siteLocation = value(env, 'STATIC_WEB_APP_LOCATION');
  if (siteLocation && !STATIC_WEB_APP_REGIONS.includes(siteLocation)) problems.push(`STATIC_WEB_APP_LOCATION must be one of ${STATIC_WEB_APP_REGIONS.join(', ')}, the regions of Static Web Apps (got "${siteLocation}")`);
  if ((!createApps || !flag('CREATE_SPA_APP_REGISTRATION', true)) && !value(env, 'EXISTING_SPA_CLIENT_ID'))
    notes.push('The template creates no SPA app registration and EXISTING_SPA_CLIENT_ID is empty: deploying the `web` service (the sample SPA) will stop until you set it');
  if (!value(env, 'CORS_ALLOWED_ORIGINS')) notes.push('CORS_ALLOWED_ORIGINS is empty: only the sample SPA\'s Static Web App may call the API from a browser (add your own app\'s origin with `azd env set CORS_ALLOWED_ORIGINS "https://app.contoso.com"`)');
  return { settings, problems, notes };
}
