import { randomUUID } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest, type EmulatorResponse } from './core/emulatorServer';
import { AccessTokenError, type EntraEmulator } from './entra';

// Azure Key Vault's secrets data plane, with what the real client depends on:
// - the challenge: an unauthenticated call gets 401 + WWW-Authenticate naming the Entra authority
//   and resource, then the client retries with a bearer token for https://vault.azure.net;
// - tokens verified against the Entra emulator (signature, expiry, audience, tenant);
// - Azure RBAC: reading needs "Key Vault Secrets User", writing "Key Vault Secrets Officer";
// - versioned secrets, disabled versions, Key Vault's JSON error shapes.

export const VAULT_RESOURCE = 'https://vault.azure.net';
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

type Role = 'Key Vault Secrets User' | 'Key Vault Secrets Officer';
type Action = 'getSecret' | 'readMetadata' | 'setSecret';

interface SecretVersion {
  version: string;
  value: string;
  contentType: string | undefined;
  tags: Record<string, string>;
  enabled: boolean;
  created: number;
  updated: number;
}

interface Secret {
  name: string;
  /** Oldest first; the last one is the current version. */
  versions: SecretVersion[];
}

export interface SetSecretOptions {
  contentType?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
}

export interface KeyVaultEmulatorOptions {
  tls: { certPem: string; keyPem: string };
  entra: Pick<EntraEmulator, 'url' | 'verifyAccessToken'>;
  tenantId: string;
  port?: number;
}

export class KeyVaultEmulator {
  readonly server: EmulatorServer;
  private readonly secrets = new Map<string, Secret>();
  private readonly roles = new Map<string, Set<Role>>();

  static async start(options: KeyVaultEmulatorOptions): Promise<KeyVaultEmulator> {
    const emulator = new KeyVaultEmulator(options);
    await emulator.server.listen(options.port ?? 0);
    return emulator;
  }

  private constructor(private readonly options: KeyVaultEmulatorOptions) {
    this.server = new EmulatorServer({ name: 'key-vault', tls: options.tls, requestIdHeader: 'x-ms-request-id' });
    this.addRoutes();
  }

  /** The vault URL for SecretClient. */
  get url(): string {
    return this.server.url;
  }

  grantSecretsReader(objectId: string): void {
    this.grant(objectId, 'Key Vault Secrets User');
  }

  grantSecretsOfficer(objectId: string): void {
    this.grant(objectId, 'Key Vault Secrets Officer');
  }

  revokeAll(objectId: string): void {
    this.roles.delete(objectId.toLowerCase());
  }

  /** Adds a new version (a rotation) and returns its version id. */
  setSecret(name: string, value: string, options: SetSecretOptions = {}): string {
    if (!SECRET_NAME.test(name)) throw new Error(`invalid secret name ${name}`);
    const now = Math.floor(Date.now() / 1000);
    const secret = this.secrets.get(name.toLowerCase()) ?? { name, versions: [] };
    const version: SecretVersion = {
      version: randomUUID().replace(/-/g, ''),
      value,
      contentType: options.contentType,
      tags: options.tags ?? {},
      enabled: options.enabled ?? true,
      created: now,
      updated: now,
    };
    secret.versions.push(version);
    this.secrets.set(name.toLowerCase(), secret);
    return version.version;
  }

  /** The current version's value, or undefined. */
  getSecretValue(name: string): string | undefined {
    return this.secrets.get(name.toLowerCase())?.versions.at(-1)?.value;
  }

  /** Disables one version (the current one when unset); reading it then answers 403 SecretDisabled. */
  disableSecretVersion(name: string, version?: string): void {
    const found = this.findVersion(name, version);
    if (!found) throw new Error(`no secret ${name}${version ? `/${version}` : ''}`);
    found.enabled = false;
    found.updated = Math.floor(Date.now() / 1000);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  // ------------------------------------------------------------------------------------------

  private grant(objectId: string, role: Role): void {
    const key = objectId.toLowerCase();
    this.roles.set(key, new Set([...(this.roles.get(key) ?? []), role]));
  }

  private findVersion(name: string, version?: string): SecretVersion | undefined {
    const versions = this.secrets.get(name.toLowerCase())?.versions ?? [];
    return version ? versions.find((v) => v.version === version.toLowerCase()) : versions.at(-1);
  }

  private addRoutes(): void {
    const s = this.server;
    s.route('PUT', '/_emulator/secrets/:name', (req, { name = '' }) => {
      const body = req.json() as { value?: unknown; contentType?: unknown } | undefined;
      if (typeof body?.value !== 'string' || !SECRET_NAME.test(name)) {
        throw new EmulatorHttpError(400, { error: { code: 'BadParameter', message: 'send { value: string } to a valid secret name' } });
      }
      const version = this.setSecret(name, body.value, typeof body.contentType === 'string' ? { contentType: body.contentType } : {});
      return { status: 200, body: { id: `${this.url}/secrets/${name}/${version}`, version } };
    });
    // `versions` is registered before `:version` so the router tries it first.
    s.route('GET', '/secrets/:name/versions', async (req, { name = '' }) => {
      await this.authorize(req, 'readMetadata');
      const secret = this.requireSecret(name);
      return { status: 200, body: { value: secret.versions.map((v) => this.properties(secret, v)), nextLink: null } };
    });
    s.route('GET', '/secrets/:name', (req, { name = '' }) => this.read(req, name, undefined));
    s.route('GET', '/secrets/:name/:version', (req, { name = '', version = '' }) => this.read(req, name, version));
    s.route('PUT', '/secrets/:name', async (req, { name = '' }) => {
      await this.authorize(req, 'setSecret');
      const body = req.json() as { value?: unknown; contentType?: unknown; tags?: unknown; attributes?: { enabled?: unknown } } | undefined;
      this.requireValidName(name);
      if (typeof body?.value !== 'string') throw badParameter("The request body must contain a string 'value'.");
      const options: SetSecretOptions = {};
      if (typeof body.contentType === 'string') options.contentType = body.contentType;
      if (body.tags && typeof body.tags === 'object') options.tags = body.tags as Record<string, string>;
      if (typeof body.attributes?.enabled === 'boolean') options.enabled = body.attributes.enabled;
      const version = this.setSecret(name, body.value, options);
      const secret = this.requireSecret(name);
      return { status: 200, body: this.bundle(secret, secret.versions.find((v) => v.version === version) as SecretVersion) };
    });
  }

  private async read(req: EmulatorRequest, name: string, version: string | undefined): Promise<EmulatorResponse> {
    await this.authorize(req, 'getSecret');
    const secret = this.requireSecret(name);
    const found = this.findVersion(name, version);
    if (!found) throw notFound(`A secret with (name/id) ${name}/${version ?? ''} was not found in this key vault.`);
    if (!found.enabled) {
      throw new EmulatorHttpError(403, { error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } } });
    }
    return { status: 200, body: this.bundle(secret, found) };
  }

  private requireSecret(name: string): Secret {
    this.requireValidName(name);
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret?.versions.length) throw notFound(`A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`);
    return secret;
  }

  private requireValidName(name: string): void {
    if (!SECRET_NAME.test(name)) throw badParameter(`The secret name '${name}' is not valid: use 1-127 letters, digits and dashes.`);
  }

  private properties(secret: Secret, v: SecretVersion): Record<string, unknown> {
    return {
      id: `${this.url}/secrets/${secret.name}/${v.version}`,
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      attributes: { enabled: v.enabled, created: v.created, updated: v.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
      tags: v.tags,
    };
  }

  private bundle(secret: Secret, v: SecretVersion): Record<string, unknown> {
    return { value: v.value, ...this.properties(secret, v) };
  }

  /** api-version, then the bearer challenge, then RBAC, in the order the service checks them. */
  private async authorize(req: EmulatorRequest, action: Action): Promise<void> {
    if (!req.query.get('api-version')) throw badParameter("The 'api-version' query parameter is missing.");
    const match = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!match?.[1]) throw this.challenge('AKV10000: Request is missing a Bearer or PoP token.');
    let claims: Record<string, unknown>;
    try {
      claims = await this.options.entra.verifyAccessToken(match[1], {
        audience: [VAULT_RESOURCE, `${VAULT_RESOURCE}/`],
        tenantId: this.options.tenantId,
      });
    } catch (error) {
      if (!(error instanceof AccessTokenError)) throw error;
      const messages = {
        expired: "[TokenExpired] Error validating token: 'S2S12086'.",
        wrong_audience: `AKV10022: Invalid audience. Expected ${VAULT_RESOURCE}.`,
        invalid: 'AKV10032: Invalid issuer or signature.',
      };
      throw this.challenge(messages[error.code]);
    }
    const oid = typeof claims.oid === 'string' ? claims.oid.toLowerCase() : '';
    const roles = this.roles.get(oid) ?? new Set<Role>();
    const allowed = action === 'setSecret' ? roles.has('Key Vault Secrets Officer') : roles.size > 0;
    if (!allowed) {
      const caller = `appid=${String(claims.appid ?? claims.azp ?? '')};oid=${oid};iss=${String(claims.iss ?? '')}`;
      throw new EmulatorHttpError(403, {
        error: {
          code: 'Forbidden',
          message: `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${caller}\r\nAction: 'Microsoft.KeyVault/vaults/secrets/${action}/action'\r\nResource: '${this.url}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\nVault: local;location=local\r\n`,
          innererror: { code: 'ForbiddenByRbac' },
        },
      });
    }
  }

  /** 401 with the challenge the client's authentication policy parses. */
  private challenge(message: string): EmulatorHttpError {
    return new EmulatorHttpError(
      401,
      { error: { code: 'Unauthorized', message } },
      { 'WWW-Authenticate': `Bearer authorization="${this.options.entra.url}/${this.options.tenantId}", resource="${VAULT_RESOURCE}"` },
    );
  }
}

function badParameter(message: string): EmulatorHttpError {
  return new EmulatorHttpError(400, { error: { code: 'BadParameter', message } });
}

function notFound(message: string): EmulatorHttpError {
  return new EmulatorHttpError(404, { error: { code: 'SecretNotFound', message } });
}
