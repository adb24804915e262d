import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { EmulatorHttpError, EmulatorServer, type EmulatorResponse } from './core/emulatorServer';
import { createSigningKey, type SigningKey } from './entra';

// The identity provider of the SPA's users (an Entra ID or B2C tenant in production): it signs the
// user access tokens the broker validates. Shaped like Entra's v2.0 endpoints so the broker's
// validation code is the same locally and in Azure:
//   issuer    {base}/{tenantId}/v2.0
//   discovery {base}/{tenantId}/v2.0/.well-known/openid-configuration
//   JWKS      {base}/{tenantId}/discovery/v2.0/keys
// Users live in memory with arbitrary claims; tokens are issued in process or over /_emulator.

export interface UserIssuerOptions {
  tls: { certPem: string; keyPem: string };
  port?: number;
  /** Default: a random GUID. */
  tenantId?: string;
  /** Audience for HTTP token requests that name none (the broker's API app id URI or client id). */
  defaultAudience?: string;
  /** Delegated scope every user token carries as `scp`, as Entra puts the API's scope in a user's token. Default `access_as_user`. */
  scope?: string;
}

export interface UserDefinition {
  name: string;
  /** Any claims (oid, preferred_username, email, roles, groups, scp, ...). `oid`, `sub`, `tid` default to generated values. */
  claims?: Record<string, unknown>;
}

export interface IssueUserTokenOptions {
  audience: string;
  /** Default 3600. */
  lifetimeSeconds?: number;
  /** Added last: they may override any claim, including iss or aud. */
  extraClaims?: Record<string, unknown>;
  /** Epoch seconds; default = issuedAt. */
  notBefore?: number;
  /** Epoch seconds; default now. With a past value and a short lifetime the token is already expired. */
  issuedAt?: number;
}

const DEFAULT_LIFETIME_SECONDS = 3600;
const DEFAULT_SCOPE = 'access_as_user';

export class UserIssuerEmulator {
  readonly server: EmulatorServer;
  readonly tenantId: string;
  private readonly users = new Map<string, Record<string, unknown>>();

  static async start(options: UserIssuerOptions): Promise<UserIssuerEmulator> {
    const emulator = new UserIssuerEmulator(options, await createSigningKey());
    await emulator.server.listen(options.port ?? 0);
    return emulator;
  }

  private constructor(
    private readonly options: UserIssuerOptions,
    private readonly key: SigningKey,
  ) {
    this.tenantId = (options.tenantId ?? randomUUID()).toLowerCase();
    this.server = new EmulatorServer({ name: 'user-issuer', tls: options.tls, requestIdHeader: 'x-ms-request-id' });
    this.addRoutes();
  }

  get url(): string {
    return this.server.url;
  }

  get issuer(): string {
    return `${this.url}/${this.tenantId}/v2.0`;
  }

  get discoveryUrl(): string {
    return `${this.issuer}/.well-known/openid-configuration`;
  }

  get jwksUri(): string {
    return `${this.url}/${this.tenantId}/discovery/v2.0/keys`;
  }

  /** The public keys, for verifiers that take a local JWKS. */
  get jwks(): SigningKey['jwks'] {
    return this.key.jwks;
  }

  /** Adds or replaces a user; returns the claims its tokens will carry. */
  addUser(user: UserDefinition): Record<string, unknown> {
    const claims = { oid: randomUUID(), sub: randomUUID().replace(/-/g, ''), tid: this.tenantId, ...(user.claims ?? {}) };
    this.users.set(user.name, claims);
    return claims;
  }

  removeUser(name: string): void {
    this.users.delete(name);
  }

  listUsers(): { name: string; claims: Record<string, unknown> }[] {
    return [...this.users].map(([name, claims]) => ({ name, claims }));
  }

  async issueToken(userName: string, options: IssueUserTokenOptions): Promise<string> {
    const user = this.users.get(userName);
    if (!user) throw new Error(`no user ${userName} in the user issuer`);
    const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      scp: this.options.scope ?? DEFAULT_SCOPE,
      ...user,
      iss: this.issuer,
      aud: options.audience,
      iat,
      nbf: options.notBefore ?? iat,
      exp: iat + (options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS),
      ver: '2.0',
      ...(options.extraClaims ?? {}),
    };
    return this.key.sign(payload);
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private addRoutes(): void {
    const s = this.server;
    s.route('GET', '/_emulator/users', () => ({ status: 200, body: this.listUsers() }));
    s.route('PUT', '/_emulator/users/:name', (req, { name = '' }) => {
      const body = req.json() as { claims?: unknown } | undefined;
      const claims = body?.claims ?? {};
      if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
        throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'send { claims: { ... } }' } });
      }
      return { status: 200, body: { name, claims: this.addUser({ name, claims: claims as Record<string, unknown> }) } };
    });
    s.route('POST', '/_emulator/users/:name/token', async (req, { name = '' }): Promise<EmulatorResponse> => {
      const body = (req.json() ?? {}) as { audience?: unknown; lifetimeSeconds?: unknown };
      const audience = typeof body.audience === 'string' ? body.audience : this.options.defaultAudience;
      if (!audience) throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'no audience given and no defaultAudience configured' } });
      if (body.lifetimeSeconds !== undefined && (typeof body.lifetimeSeconds !== 'number' || !(body.lifetimeSeconds > 0))) {
        throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'lifetimeSeconds must be a positive number' } });
      }
      if (!this.users.has(name)) throw new EmulatorHttpError(404, { error: { code: 'NotFound', message: `no user ${name}` } });
      const lifetimeSeconds = (body.lifetimeSeconds as number | undefined) ?? DEFAULT_LIFETIME_SECONDS;
      const token = await this.issueToken(name, { audience, lifetimeSeconds });
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds } };
    });

    const tenantOnly = (tenant: string) => {
      if (tenant.toLowerCase() !== this.tenantId) {
        throw new EmulatorHttpError(400, { error: 'invalid_tenant', error_description: `AADSTS90002: Tenant '${tenant}' not found.`, error_codes: [90002] });
      }
    };
    s.route('GET', '/:tenant/v2.0/.well-known/openid-configuration', (_req, { tenant = '' }) => {
      tenantOnly(tenant);
      const base = `${this.url}/${this.tenantId}`;
      return {
        status: 200,
        body: {
          issuer: this.issuer,
          jwks_uri: this.jwksUri,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'oid', 'tid', 'name', 'preferred_username', 'email', 'roles', 'groups', 'scp'],
        },
      };
    });
    s.route('GET', '/:tenant/discovery/v2.0/keys', (_req, { tenant = '' }) => {
      tenantOnly(tenant);
      return { status: 200, body: this.key.jwks };
    });
  }
}
