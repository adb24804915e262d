import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { LocalCa } from '../tls/localCa';
import {
  DEMO_API_AUDIENCE,
  DEMO_FABRIKAM,
  DEMO_MANAGED_IDENTITY,
  DEMO_POLICY_FILE,
  DEMO_SECRET_NAME,
  DEMO_SERVICE_PRINCIPAL,
  DEMO_TENANT_ID,
  DEMO_USERS,
  demoDatasetTables,
  demoPowerBiModel,
} from './demoWorld';
import { AppInsightsEmulator, MONITOR_AUDIENCE } from './appInsights';
import { EntraEmulator } from './entra';
import { KeyVaultEmulator } from './keyVault';
import { ManagedIdentityEmulator } from './managedIdentity';
import { POWER_BI_AUDIENCE, PowerBiEmulator } from './powerBi';
import { UserIssuerEmulator } from './userIssuer';

// Starts every local Azure emulator seeded with the demo world and answers the app settings
// that point the broker's real SDK clients at them.

export interface LocalAzure {
  entra: EntraEmulator;
  users: UserIssuerEmulator;
  managedIdentity: ManagedIdentityEmulator;
  keyVault: KeyVaultEmulator;
  powerBi: PowerBiEmulator;
  /** The ingestion endpoint, when started with `telemetry`. */
  appInsights: AppInsightsEmulator | undefined;
  /** The current client secret of the demo service principal (also in Key Vault). */
  clientSecret: string;
  settings: Record<string, string>;
  /** A signed access token for a demo user, for the broker's API. */
  userToken(name: string, lifetimeSeconds?: number): Promise<string>;
  /** Rotates the service principal's secret in Entra and Key Vault, as an operator would. */
  rotateClientSecret(options?: { updateKeyVault?: boolean }): string;
  close(): Promise<void>;
}

export function findRepoRoot(start: string = __dirname): string {
  let dir = resolve(start);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

function newSecret(): string {
  return `demo~${randomBytes(24).toString('base64url')}`;
}

export interface LocalAzureOptions {
  /** One clock (epoch ms) for Entra and Power BI, so tests can move time for both. */
  now?: () => number;
  /** Host of the Power BI embed URLs (default: the emulator's own URL). A browser needs `https://app.powerbi.com`, mapped to the emulator, as powerbi-client embeds only Power BI hosts. */
  embedHost?: string;
  /**
   * Also start the Application Insights ingestion emulator and send the broker's telemetry there.
   * `entraAuthentication`: ingestion accepts only managed-identity tokens, as with DisableLocalAuth in Azure.
   */
  telemetry?: { entraAuthentication?: boolean };
}

/**
 * What the exporter needs locally: every span kept in short runs, and the platform variables that
 * stop its resource detection probing the VM metadata endpoint (169.254.169.254). Harmless to the
 * broker here: IDENTITY_ENDPOINT already marks a platform (managed identity on, AUTH_MODE=none
 * refused) and Easy Auth still needs WEBSITE_AUTH_ENABLED, which is never set.
 */
export const LOCAL_TELEMETRY_SETTINGS: Readonly<Record<string, string>> = {
  OTEL_TRACES_SAMPLER: 'always_on',
  WEBSITE_SITE_NAME: 'powerbi-embed-broker-local',
  FUNCTIONS_EXTENSION_VERSION: '~4',
  APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
};

export async function startLocalAzure(ca: LocalCa, options: LocalAzureOptions = {}): Promise<LocalAzure> {
  const tls = await ca.issueServerCertificate();
  const clock = options.now ? { now: options.now } : {};
  const entra = await EntraEmulator.start({ tls, tenants: [DEMO_TENANT_ID], resources: [MONITOR_AUDIENCE], ...clock });
  const started: { close(): Promise<void> }[] = [entra];
  try {
    const users = await UserIssuerEmulator.start({ tls, tenantId: DEMO_TENANT_ID, defaultAudience: DEMO_API_AUDIENCE });
    started.push(users);
    entra.trustUserTokenIssuer(users.issuer, users.jwks);
    for (const user of DEMO_USERS) users.addUser({ name: user.name, claims: { tid: DEMO_TENANT_ID, ...user.claims } });

    const managedIdentity = await ManagedIdentityEmulator.start({ entra, tenantId: DEMO_TENANT_ID, systemAssigned: DEMO_MANAGED_IDENTITY });
    started.push(managedIdentity);

    let clientSecret = newSecret();
    entra.registerApp({
      tenantId: DEMO_TENANT_ID,
      clientId: DEMO_SERVICE_PRINCIPAL.clientId,
      objectId: DEMO_SERVICE_PRINCIPAL.objectId,
      displayName: 'powerbi-embed-broker (demo)',
      secrets: [clientSecret],
      // The broker's API is this app too: user tokens for it may be exchanged on behalf of the user (SSO to Azure SQL).
      identifierUris: [DEMO_API_AUDIENCE],
      // Lets POWERBI_CREDENTIAL=managed-identity work too: the function's identity as a federated credential.
      federatedCredentials: [{ issuer: `${entra.url}/${DEMO_TENANT_ID}/v2.0`, subject: DEMO_MANAGED_IDENTITY.objectId }],
    });

    // Fabrikam's own service principal: no secret at all, only the function's identity as a federated credential.
    entra.registerApp({
      tenantId: DEMO_TENANT_ID,
      clientId: DEMO_FABRIKAM.servicePrincipal.clientId,
      objectId: DEMO_FABRIKAM.servicePrincipal.objectId,
      displayName: 'powerbi-embed-broker Fabrikam (demo)',
      secrets: [],
      federatedCredentials: [{ issuer: `${entra.url}/${DEMO_TENANT_ID}/v2.0`, subject: DEMO_MANAGED_IDENTITY.objectId }],
    });

    const keyVault = await KeyVaultEmulator.start({ tls, entra, tenantId: DEMO_TENANT_ID });
    started.push(keyVault);
    keyVault.grantSecretsReader(DEMO_MANAGED_IDENTITY.objectId);
    keyVault.setSecret(DEMO_SECRET_NAME, clientSecret);

    const powerBi = new PowerBiEmulator({
      tls,
      verifyAccessToken: (token) => entra.verifyAccessToken(token, { audience: POWER_BI_AUDIENCE }),
      model: demoPowerBiModel(),
      datasetTables: demoDatasetTables(),
      ...(options.embedHost ? { embedHost: options.embedHost } : {}),
      ...clock,
    });
    await powerBi.listen();
    started.push(powerBi);

    const entraIngestion = options.telemetry?.entraAuthentication ?? false;
    const appInsights = options.telemetry ? await AppInsightsEmulator.start({ tls, entra, disableLocalAuth: entraIngestion }) : undefined;
    if (appInsights) started.push(appInsights.server);

    const settings: Record<string, string> = {
      POWERBI_TENANT_ID: DEMO_TENANT_ID,
      POWERBI_CLIENT_ID: DEMO_SERVICE_PRINCIPAL.clientId,
      POWERBI_CREDENTIAL: 'secret',
      KEY_VAULT_URL: keyVault.url,
      POWERBI_CLIENT_SECRET_NAME: DEMO_SECRET_NAME,
      AZURE_AUTHORITY_HOST: entra.url,
      POWERBI_API_URL: powerBi.url,
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: users.issuer,
      AUTH_AUDIENCE: DEMO_API_AUDIENCE,
      EMBED_POLICY_PATH: join(findRepoRoot(), DEMO_POLICY_FILE),
      IDENTITY_ENDPOINT: managedIdentity.endpoint,
      IDENTITY_HEADER: managedIdentity.header,
      ...(appInsights
        ? {
            ...LOCAL_TELEMETRY_SETTINGS,
            APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.connectionString,
            ...(entraIngestion ? { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' } : {}),
          }
        : {}),
    };

    return {
      entra,
      users,
      managedIdentity,
      keyVault,
      powerBi,
      appInsights,
      get clientSecret() {
        return clientSecret;
      },
      settings,
      userToken: (name, lifetimeSeconds = 3600) => users.issueToken(name, { audience: DEMO_API_AUDIENCE, lifetimeSeconds }),
      rotateClientSecret(options = {}) {
        clientSecret = newSecret();
        entra.setAppSecrets(DEMO_SERVICE_PRINCIPAL.clientId, [clientSecret]);
        if (options.updateKeyVault !== false) keyVault.setSecret(DEMO_SECRET_NAME, clientSecret);
        return clientSecret;
      },
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

async function closeAll(servers: { close(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled(servers.reverse().map((s) => s.close()));
}
