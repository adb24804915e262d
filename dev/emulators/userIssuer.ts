import { randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { EmulatorHttpError, EmulatorServer, type EmulatorResponse } from './core/emulatorServer';
import { createSigningKey, type SigningKey } from './entra';
import { AuthorizationCodes, OAuthError, type AuthorizationRequest, type SpaClient } from './userIssuer/authorizationCode';
import { signInPage, signInErrorPage } from './userIssuer/signInPage';

// The identity provider of the SPA's users (an Entra ID or B2C tenant in production): it signs the
// user access tokens the broker validates. Shaped like Entra's v2.0 endpoints so the broker's
// validation code is the same locally and in Azure:
//   issuer    {base}/{tenantId}/v2.0
//   discovery {base}/{tenantId}/v2.0/.well-known/openid-configuration
//   JWKS      {base}/{tenantId}/discovery/v2.0/keys
// Users live in memory with arbitrary claims; tokens are issued in process or over /_emulator,
// or to a registered single-page app through the authorization-code flow with PKCE:
//   authorize {base}/{tenantId}/oauth2/v2.0/authorize  (a sign-in page listing the users)
//   token     {base}/{tenantId}/oauth2/v2.0/token      (CORS, as Entra allows SPA redemption)
//   logout    {base}/{tenantId}/oauth2/v2.0/logout

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
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export type { SpaClient };

function corsHeaders(origin: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { 'access-control-allow-origin': origin ?? '*', vary: 'Origin', ...extra };
}

export class UserIssuerEmulator {
  readonly server: EmulatorServer;
  readonly tenantId: string;
  private readonly users = new Map<string, Record<string, unknown>>();
  private readonly codes = new AuthorizationCodes();

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

  /** Registers a single-page app: its client id and the exact redirect URIs it may use. */
  registerClient(client: SpaClient): void {
    this.codes.registerClient(client);
  }

  get authorizationEndpoint(): string {
    return `${this.url}/${this.tenantId}/oauth2/v2.0/authorize`;
  }

  get tokenEndpoint(): string {
    return `${this.url}/${this.tenantId}/oauth2/v2.0/token`;
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
    s.route('GET', '/:tenant/v2.0/.well-known/openid-configuration', (req, { tenant = '' }) => {
      tenantOnly(tenant);
      const base = `${this.url}/${this.tenantId}`;
      return {
        status: 200,
        headers: corsHeaders(req.header('origin')),
        body: {
          issuer: this.issuer,
          jwks_uri: this.jwksUri,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          response_modes_supported: ['query', 'fragment'],
          code_challenge_methods_supported: ['S256'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'oid', 'tid', 'name', 'preferred_username', 'email', 'roles', 'groups', 'scp'],
        },
      };
    });
    s.route('GET', '/:tenant/discovery/v2.0/keys', (req, { tenant = '' }) => {
      tenantOnly(tenant);
      return { status: 200, headers: corsHeaders(req.header('origin')), body: this.key.jwks };
    });
    this.addAuthorizationCodeRoutes(tenantOnly);
  }

  private addAuthorizationCodeRoutes(tenantOnly: (tenant: string) => void): void {
    const s = this.server;
    const html = (status: number, body: string): EmulatorResponse => ({
      status,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' },
      body,
    });
    const parse = (params: URLSearchParams): AuthorizationRequest | EmulatorResponse => {
      try {
        return this.codes.parseAuthorize(params);
      } catch (error) {
        if (error instanceof OAuthError) return html(400, signInErrorPage(error.error, error.description));
        throw error;
      }
    };
    const back = (request: AuthorizationRequest, answer: Record<string, string>): EmulatorResponse => ({
      status: 302,
      headers: { location: AuthorizationCodes.redirect(request, answer), 'cache-control': 'no-store' },
    });

    s.route('GET', '/:tenant/oauth2/v2.0/authorize', (req, { tenant = '' }) => {
      tenantOnly(tenant);
      const request = parse(req.query);
      if ('status' in request) return request;
      // No sign-in session is kept: a silent request (prompt=none) always needs interaction.
      if (req.query.get('prompt') === 'none') {
        return back(request, { error: 'login_required', error_description: 'AADSTS50058: A silent sign-in request was sent but no user is signed in.' });
      }
      return html(200, signInPage({ action: req.path, params: req.query, users: this.listUsers() }));
    });
    s.route('POST', '/:tenant/oauth2/v2.0/authorize', (req, { tenant = '' }) => {
      tenantOnly(tenant);
      const form = req.form();
      const request = parse(form);
      if ('status' in request) return request;
      const user = form.get('user') ?? '';
      if (!this.users.has(user)) return html(400, signInErrorPage('invalid_request', `AADSTS50034: The user account ${user} does not exist in the directory.`));
      return back(request, { code: this.codes.issueCode(request, user), client_info: this.clientInfo(user) });
    });
    s.route('OPTIONS', '/:tenant/oauth2/v2.0/token', (req) => ({
      status: 204,
      headers: corsHeaders(req.header('origin'), {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': req.header('access-control-request-headers') ?? 'content-type',
        'access-control-max-age': '86400',
      }),
    }));
    s.route('POST', '/:tenant/oauth2/v2.0/token', async (req, { tenant = '' }): Promise<EmulatorResponse> => {
      const cors = corsHeaders(req.header('origin'), { 'cache-control': 'no-store' });
      try {
        tenantOnly(tenant);
        return { status: 200, headers: cors, body: await this.tokenAnswer(req.form()) };
      } catch (error) {
        if (error instanceof OAuthError) {
          const code = /AADSTS(\d+)/.exec(error.description)?.[1];
          return { status: error.status, headers: cors, body: { error: error.error, error_description: error.description, error_codes: code ? [Number(code)] : [], timestamp: new Date().toISOString() } };
        }
        if (error instanceof EmulatorHttpError) throw new EmulatorHttpError(error.status, error.body, { ...error.headers, ...cors });
        throw error;
      }
    });
    s.route('GET', '/:tenant/oauth2/v2.0/logout', (req, { tenant = '' }) => {
      tenantOnly(tenant);
      const next = req.query.get('post_logout_redirect_uri');
      // Like Entra, only to a redirect URI some registered app owns.
      if (next && this.codes.isRegisteredRedirect(next)) return { status: 302, headers: { location: next, 'cache-control': 'no-store' } };
      return html(200, signInErrorPage('signed_out', 'You signed out of the demo identity provider.'));
    });
  }

  private clientInfo(user: string): string {
    const claims = this.users.get(user) ?? {};
    return Buffer.from(JSON.stringify({ uid: claims.oid, utid: claims.tid })).toString('base64url');
  }

  private async tokenAnswer(form: URLSearchParams): Promise<Record<string, unknown>> {
    const grant = this.codes.redeem(form);
    const claims = this.users.get(grant.user);
    if (!claims) throw new OAuthError('invalid_grant', `AADSTS50034: The user account ${grant.user} does not exist in the directory.`);
    const requested = grant.scope.split(/\s+/).filter(Boolean);
    const resourceScopes = requested.filter((scope) => !OIDC_SCOPES.has(scope.toLowerCase()));
    // One resource per token, as Entra: `{resource}/{scope}`; the scp claim lists the scope names.
    const first = resourceScopes[0];
    const resource = first && first.includes('/') ? first.slice(0, first.lastIndexOf('/')) : this.options.defaultAudience;
    if (!resource) throw new OAuthError('invalid_scope', 'AADSTS70011: The provided request must include a resource scope.');
    const scopes = resourceScopes.filter((scope) => scope.startsWith(`${resource}/`));
    const scp = scopes.length ? scopes.map((scope) => scope.slice(resource.length + 1)).join(' ') : (this.options.scope ?? DEFAULT_SCOPE);
    const lifetimeSeconds = DEFAULT_LIFETIME_SECONDS;
    const accessToken = await this.issueToken(grant.user, { audience: resource, lifetimeSeconds, extraClaims: { scp, azp: grant.clientId } });
    const iat = Math.floor(Date.now() / 1000);
    const idToken = await this.key.sign({
      iss: this.issuer,
      aud: grant.clientId,
      sub: String(claims.sub),
      oid: claims.oid,
      tid: claims.tid,
      ...(claims.name !== undefined ? { name: claims.name } : {}),
      ...(claims.preferred_username !== undefined ? { preferred_username: claims.preferred_username } : {}),
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
      iat,
      nbf: iat,
      exp: iat + lifetimeSeconds,
      ver: '2.0',
    });
    return {
      token_type: 'Bearer',
      scope: [...(scopes.length ? scopes : [`${resource}/${scp}`]), ...requested.filter((scope) => OIDC_SCOPES.has(scope.toLowerCase()))].join(' '),
      expires_in: lifetimeSeconds,
      ext_expires_in: lifetimeSeconds,
      access_token: accessToken,
      refresh_token: grant.refreshToken,
      id_token: idToken,
      client_info: this.clientInfo(grant.user),
    };
  }
}
