import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { BrokerError } from '../errors/brokerError';
import { isGuid } from '../ids/guid';
import { parseEmbedPolicy, policyWarnings, type EmbedPolicy } from '../policy/embedPolicy';
import { CLOUD_NAMES, CLOUDS, type CloudName } from './clouds';
import { detectsAppService, platformVariables } from './platform';

// Every setting of the broker, read and checked once at start-up. A bad configuration stops
// the app with one message that lists every problem, never a stack trace on the first request.

export const CREDENTIAL_KINDS = ['secret', 'certificate', 'managed-identity'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];
export const AUTH_MODES = ['jwt', 'easyauth', 'none'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const DEFAULT_MIN_LIFETIME_MINUTES = 30;
export const DEFAULT_UPSTREAM_TIMEOUT_SECONDS = 8;
/** Below the host's functionTimeout (30 s in host.json), so a slow upstream gets a 504, not a killed invocation. */
export const DEFAULT_REQUEST_DEADLINE_SECONDS = 20;
/** Entra tokens live at least 60 minutes; above this a fresh one would be too short-lived to be worth having. */
export const MAX_MIN_LIFETIME_MINUTES = 50;
/** Entra access tokens live 60-90 minutes; a day leaves room for other issuers and refuses the absurd. */
export const DEFAULT_MAX_TOKEN_AGE_MINUTES = 24 * 60;

export interface BrokerConfig {
  powerBi: {
    tenantId: string;
    clientId: string;
    credential: CredentialKind;
    cloud: CloudName;
    authorityHost: string;
    apiUrl: string;
    scope: string;
  };
  keyVault: {
    url: string | undefined;
    clientSecretName: string;
    certificateName: string | undefined;
  };
  auth:
    | { mode: 'jwt'; issuer: string; audiences: string[]; allowedClientIds: string[]; allowAppTokens: boolean; maxTokenAgeMinutes: number }
    | { mode: 'easyauth' }
    | { mode: 'none' };
  policy: EmbedPolicy;
  embed: { minLifetimeMinutes: number };
  upstream: { callTimeoutMs: number; deadlineMs: number };
  /** Start getting the service-principal token and the catalog's metadata when the app loads. */
  prewarm: boolean;
  telemetry: {
    connectionString: string | undefined;
    /** APPLICATIONINSIGHTS_AUTHENTICATION_STRING asks for Entra ID (`Authorization=AAD`): the exporter authenticates with the managed identity. */
    entraAuthentication: boolean;
  };
  managedIdentityClientId: string | undefined;
  /** True on an App Service / Functions instance (set by the platform). */
  runningInAzure: boolean;
  /** A managed-identity endpoint is there (in Azure, or the local emulator); otherwise a developer's Azure CLI login is used. */
  managedIdentityAvailable: boolean;
  /** Accepted, but worth a line in the log at start-up (e.g. a policy rule any signed-in caller matches). */
  warnings: string[];
}

export class ConfigError extends BrokerError {
  constructor(readonly problems: string[]) {
    super('config_invalid', `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  readFile?: (path: string) => string;
}

const TENANT_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const MULTI_TENANT_AUTHORITIES = new Set(['common', 'organizations', 'consumers']);
const KEY_VAULT_NAME = /^[0-9a-zA-Z-]{1,127}$/;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Environment) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  required(name: string, why = ''): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is required${why}`);
    return value ?? '';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (!found) this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return found ?? fallback;
  }

  guid(name: string, value: string | undefined): void {
    if (value !== undefined && value !== '' && !isGuid(value)) this.problems.push(`${name} must be a GUID (got "${value}")`);
  }

  httpsUrl(name: string, value: string | undefined): string | undefined {
    if (value === undefined || value === '') return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.problems.push(`${name} must be an absolute https URL (got "${value}")`);
      return value;
    }
    if (url.protocol !== 'https:') this.problems.push(`${name} must use https (got "${value}")`);
    return value.replace(/\/+$/, '');
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === 'false') return value === 'true';
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  list(name: string): string[] {
    return (this.optional(name) ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return parsed;
  }
}

function readPolicyText(reader: Reader, readFile: (path: string) => string): string | undefined {
  const path = reader.optional('EMBED_POLICY_PATH');
  const inline = reader.optional('EMBED_POLICY');
  if (path && inline) {
    reader.problems.push('set only one of EMBED_POLICY_PATH and EMBED_POLICY');
    return undefined;
  }
  if (inline) return inline;
  if (!path) {
    reader.problems.push('EMBED_POLICY_PATH or EMBED_POLICY is required');
    return undefined;
  }
  // A relative path is the app's own file: the Functions host names the app's folder in
  // AzureWebJobsScriptRoot, and the worker's working directory is not that folder on every plan.
  const root = reader.optional('AzureWebJobsScriptRoot');
  const resolved = root && !isAbsolute(path) ? join(root, path) : path;
  try {
    return readFile(resolved);
  } catch (error) {
    reader.problems.push(`EMBED_POLICY_PATH "${path}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

export function loadConfig(env: Environment, options: LoadConfigOptions = {}): BrokerConfig {
  const r = new Reader(env);
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));

  const tenantId = r.required('POWERBI_TENANT_ID');
  if (tenantId && MULTI_TENANT_AUTHORITIES.has(tenantId.toLowerCase())) {
    r.problems.push(`POWERBI_TENANT_ID must be a specific tenant, not "${tenantId}"`);
  } else if (tenantId && !isGuid(tenantId) && !TENANT_DOMAIN.test(tenantId)) {
    r.problems.push(`POWERBI_TENANT_ID must be a tenant GUID or domain (got "${tenantId}")`);
  }
  const clientId = r.required('POWERBI_CLIENT_ID');
  r.guid('POWERBI_CLIENT_ID', clientId);
  const credential = r.oneOf('POWERBI_CREDENTIAL', CREDENTIAL_KINDS, 'secret');

  const cloud = r.oneOf('POWERBI_CLOUD', CLOUD_NAMES, 'Public');
  const preset = CLOUDS[cloud];
  const authorityHost = r.httpsUrl('AZURE_AUTHORITY_HOST', r.optional('AZURE_AUTHORITY_HOST')) ?? preset.authorityHost;
  const apiUrl = r.httpsUrl('POWERBI_API_URL', r.optional('POWERBI_API_URL')) ?? preset.powerBiApiUrl;
  const scope = r.optional('POWERBI_SCOPE') ?? preset.powerBiScope;
  if (!/\/\.default$/.test(scope)) r.problems.push(`POWERBI_SCOPE must end with /.default (got "${scope}")`);

  const needsVault = credential !== 'managed-identity';
  const vaultUrl = r.httpsUrl('KEY_VAULT_URL', needsVault ? r.required('KEY_VAULT_URL', ` when POWERBI_CREDENTIAL is ${credential}`) : r.optional('KEY_VAULT_URL'));
  const clientSecretName = r.optional('POWERBI_CLIENT_SECRET_NAME') ?? 'powerbi-client-secret';
  if (!KEY_VAULT_NAME.test(clientSecretName)) r.problems.push(`POWERBI_CLIENT_SECRET_NAME is not a valid Key Vault name (got "${clientSecretName}")`);
  const certificateName = credential === 'certificate' ? r.required('POWERBI_CERTIFICATE_NAME', ' when POWERBI_CREDENTIAL is certificate') : r.optional('POWERBI_CERTIFICATE_NAME');
  if (certificateName && !KEY_VAULT_NAME.test(certificateName)) r.problems.push(`POWERBI_CERTIFICATE_NAME is not a valid Key Vault name (got "${certificateName}")`);

  const runningInAzure = detectsAppService(env);
  const platform = platformVariables(env);
  const mode = r.oneOf('AUTH_MODE', AUTH_MODES, 'jwt');
  const warnings: string[] = [];
  let auth: BrokerConfig['auth'] = { mode: 'none' };
  if (mode === 'jwt') {
    const issuer = r.required('AUTH_ISSUER', ' when AUTH_MODE is jwt');
    r.httpsUrl('AUTH_ISSUER', issuer);
    const rawAudience = r.required('AUTH_AUDIENCE', ' when AUTH_MODE is jwt');
    const audiences = r.list('AUTH_AUDIENCE');
    if (rawAudience && audiences.length === 0) r.problems.push('AUTH_AUDIENCE must name at least one audience');
    const allowedClientIds = r.list('AUTH_ALLOWED_CLIENT_IDS');
    for (const id of allowedClientIds) r.guid('AUTH_ALLOWED_CLIENT_IDS', id);
    const allowAppTokens = r.boolean('AUTH_ALLOW_APP_TOKENS', false);
    const maxTokenAgeMinutes = r.integer('AUTH_MAX_TOKEN_AGE_MINUTES', DEFAULT_MAX_TOKEN_AGE_MINUTES, 5, 7 * 24 * 60);
    auth = { mode, issuer, audiences, allowedClientIds, allowAppTokens, maxTokenAgeMinutes };
  } else if (mode === 'easyauth') {
    // The platform strips a client's x-ms-client-principal only where it runs Easy Auth itself.
    if (!runningInAzure) r.problems.push('AUTH_MODE=easyauth needs App Service Authentication, which exists only on Azure; use AUTH_MODE=jwt here');
    else if (r.optional('WEBSITE_AUTH_ENABLED')?.toLowerCase() !== 'true') r.problems.push('AUTH_MODE=easyauth needs App Service Authentication turned on (WEBSITE_AUTH_ENABLED is not True)');
    auth = { mode };
  } else if (platform.length > 0) {
    r.problems.push(`AUTH_MODE=none is for local runs only and is refused on a hosting platform (${platform.join(', ')} is set)`);
  } else {
    warnings.push('AUTH_MODE=none: every caller is the local developer, with no sign-in. Never use this outside a laptop.');
  }

  const minLifetimeMinutes = r.integer('EMBED_MIN_LIFETIME_MINUTES', DEFAULT_MIN_LIFETIME_MINUTES, 1, MAX_MIN_LIFETIME_MINUTES);
  const callTimeoutSeconds = r.integer('UPSTREAM_TIMEOUT_SECONDS', DEFAULT_UPSTREAM_TIMEOUT_SECONDS, 1, 60);
  const deadlineSeconds = r.integer('REQUEST_DEADLINE_SECONDS', DEFAULT_REQUEST_DEADLINE_SECONDS, 1, 120);
  if (deadlineSeconds < callTimeoutSeconds) r.problems.push('REQUEST_DEADLINE_SECONDS must not be shorter than UPSTREAM_TIMEOUT_SECONDS');
  const prewarm = r.boolean('PREWARM_ON_START', true);
  const managedIdentityClientId = r.optional('AZURE_CLIENT_ID');
  r.guid('AZURE_CLIENT_ID', managedIdentityClientId);

  const connectionString = r.optional('APPLICATIONINSIGHTS_CONNECTION_STRING');
  const entraAuthentication = telemetryAuthentication(r, r.optional('APPLICATIONINSIGHTS_AUTHENTICATION_STRING'), managedIdentityClientId, warnings);

  const strictPolicy = r.boolean('EMBED_POLICY_STRICT', false);
  const policyText = readPolicyText(r, readFile);
  let policy: EmbedPolicy | undefined;
  if (policyText !== undefined) {
    const parsed = parseEmbedPolicy(policyText);
    if (parsed.ok) {
      policy = parsed.policy;
      const lax = policyWarnings(parsed.policy).map((p) => `embed policy: ${p}`);
      if (strictPolicy) r.problems.push(...lax.map((p) => `${p} (refused: EMBED_POLICY_STRICT is true)`));
      else warnings.push(...lax);
    } else r.problems.push(...parsed.problems.map((p) => `embed policy: ${p}`));
  }

  if (r.problems.length > 0 || !policy) throw new ConfigError(r.problems);
  return {
    powerBi: { tenantId, clientId, credential, cloud, authorityHost, apiUrl, scope },
    keyVault: { url: vaultUrl || undefined, clientSecretName, certificateName },
    auth,
    policy,
    embed: { minLifetimeMinutes },
    upstream: { callTimeoutMs: callTimeoutSeconds * 1000, deadlineMs: deadlineSeconds * 1000 },
    prewarm,
    telemetry: { connectionString, entraAuthentication },
    managedIdentityClientId,
    runningInAzure,
    managedIdentityAvailable: runningInAzure || r.optional('IDENTITY_ENDPOINT') !== undefined || r.optional('MSI_ENDPOINT') !== undefined,
    warnings,
  };
}

/**
 * `Authorization=AAD[;ClientId=<guid>]` (the Functions host's format). The exporter uses the
 * broker's own managed identity (AZURE_CLIENT_ID), so a ClientId naming another one is flagged.
 */
function telemetryAuthentication(r: Reader, value: string | undefined, managedIdentityClientId: string | undefined, warnings: string[]): boolean {
  if (value === undefined) return false;
  const pairs = new Map<string, string>();
  for (const part of value.split(';').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) {
      r.problems.push(`APPLICATIONINSIGHTS_AUTHENTICATION_STRING must be "Authorization=AAD" with an optional ";ClientId=<guid>" (got "${value}")`);
      return false;
    }
    pairs.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const authorization = pairs.get('authorization');
  if (authorization?.toUpperCase() !== 'AAD') {
    r.problems.push(`APPLICATIONINSIGHTS_AUTHENTICATION_STRING must contain Authorization=AAD (got "${value}")`);
    return false;
  }
  const clientId = pairs.get('clientid');
  if (clientId !== undefined) {
    r.guid('APPLICATIONINSIGHTS_AUTHENTICATION_STRING ClientId', clientId);
    if (isGuid(clientId) && clientId.toLowerCase() !== (managedIdentityClientId ?? '').toLowerCase()) {
      warnings.push('APPLICATIONINSIGHTS_AUTHENTICATION_STRING names a ClientId other than AZURE_CLIENT_ID; the broker sends its telemetry as the identity that reads Key Vault (AZURE_CLIENT_ID).');
    }
  }
  return true;
}
