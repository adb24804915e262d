import { createHash, createPrivateKey, createPublicKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest, type EmulatorResponse } from './core/emulatorServer';

// A local Microsoft Entra ID for service principals: OIDC discovery, JWKS and the v2.0 token
// endpoint's client-credentials grant (secret, certificate assertion, or a managed-identity token
// as a federated credential). Only tenant-specific authorities exist, as the broker must use one.
//
// Token shapes (the emulator's base URL stands in for both login.microsoftonline.com and sts.windows.net):
// - v1.0 access tokens (what Power BI, Key Vault, Graph get):   iss `{base}/{tenant}/`,      `appid`, `appidacr`, ver 1.0
// - v2.0 access tokens (resources that accept v2 only, e.g. api://AzureADTokenExchange):
//                                                               iss `{base}/{tenant}/v2.0`,  `azp`, `azpacr`, ver 2.0
// Both carry aud (the resource as requested), tid, oid, sub (= oid), idtyp 'app', roles when granted.

export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Resources Entra knows out of the box (first-party service principals present in every tenant). */
const DEFAULT_RESOURCES = [
  'https://analysis.windows.net/powerbi/api',
  'https://vault.azure.net',
  'https://graph.microsoft.com',
  'https://management.azure.com',
  'https://storage.azure.com',
  'https://monitor.azure.com',
  TOKEN_EXCHANGE_AUDIENCE,
  'https://database.windows.net',
];

const OBO_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Resources whose manifest says accessTokenAcceptedVersion 2: Entra issues them v2.0 tokens. */
const V2_RESOURCES = new Set([TOKEN_EXCHANGE_AUDIENCE].map(normalizeResource));
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
/**
 * Entra tolerates clock skew on client assertions. It matters even on one machine: MSAL rounds
 * `nbf` to the nearest second, so its assertion can start up to half a second in the future.
 */
const ASSERTION_CLOCK_SKEW_SECONDS = 300;
const DEFAULT_LIFETIME = { minSeconds: 60 * 60, maxSeconds: 90 * 60 };

// ---------------------------------------------------------------------------------------------
// Signing key: one RS256 key per issuer, published as a JWKS with a kid.

export interface SigningKey {
  kid: string;
  jwks: JSONWebKeySet;
  sign(payload: JWTPayload): Promise<string>;
  verifier: ReturnType<typeof createLocalJWKSet>;
}

/** Pre-made private keys (PKCS#8 PEM, one per line of JSON) that test runs share: RSA keys are slow to make. */
export const SIGNING_KEY_POOL_ENV = 'EMULATOR_SIGNING_KEY_POOL';
let pooledKeysTaken = 0;

async function rsaKeyPair(): Promise<{ privateKey: CryptoKey | KeyObject; publicKey: CryptoKey | KeyObject }> {
  const poolFile = process.env[SIGNING_KEY_POOL_ENV];
  if (poolFile) {
    // Keys are handed out in turn, so the emulators of one process never share a key.
    const pool = JSON.parse(readFileSync(poolFile, 'utf8')) as string[];
    const pem = pool[pooledKeysTaken++ % pool.length] as string;
    const privateKey = createPrivateKey(pem);
    return { privateKey, publicKey: createPublicKey(privateKey) };
  }
  return generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await rsaKeyPair();
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const jwks: JSONWebKeySet = { keys: [{ kty: jwk.kty as string, use: 'sig', kid, n: jwk.n as string, e: jwk.e as string }] };
  return {
    kid,
    jwks,
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(privateKey),
    verifier: createLocalJWKSet(jwks),
  };
}

// ---------------------------------------------------------------------------------------------

export interface FederatedCredential {
  issuer: string;
  subject: string;
  /** Default `api://AzureADTokenExchange`. */
  audience?: string;
}

export interface AppRegistration {
  tenantId: string;
  clientId: string;
  /** The service principal's object id: the `oid` of its tokens. Random when unset. */
  objectId?: string;
  displayName?: string;
  secrets?: string[];
  /** PEM certificates whose keys may sign client assertions. */
  certificates?: string[];
  federatedCredentials?: FederatedCredential[];
  /** Application permissions (app roles) granted, per resource: they appear as `roles`. */
  roles?: Record<string, string[]>;
  /** Application ID URIs (e.g. `api://my-api`): user tokens for these may be exchanged on behalf of the user. */
  identifierUris?: string[];
}

interface App {
  tenantId: string;
  clientId: string;
  objectId: string;
  displayName: string;
  secrets: string[];
  /** base64url SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) thumbprints → public key. */
  certificates: Map<string, KeyObject>;
  federatedCredentials: Required<FederatedCredential>[];
  roles: Record<string, string[]>;
  identifierUris: string[];
}

export type TokenLifetime = number | { minSeconds: number; maxSeconds: number };

export interface IssueAccessTokenOptions {
  tenantId: string;
  resource: string;
  /** The client (application) id: `appid` (v1) or `azp` (v2). */
  appId?: string;
  objectId: string;
  lifetimeSeconds?: number;
  extraClaims?: Record<string, unknown>;
  /** Epoch seconds; default now. Lets tests make tokens that are already expired. */
  issuedAt?: number;
  /** How the client authenticated: '1' secret, '2' certificate or assertion (managed identities). */
  appIdAcr?: '0' | '1' | '2';
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
  /** Epoch seconds. */
  expiresOn: number;
  claims: JWTPayload;
}

export type AccessTokenErrorCode = 'expired' | 'invalid' | 'wrong_audience';

export class AccessTokenError extends Error {
  constructor(
    readonly code: AccessTokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

export interface VerifyAccessTokenOptions {
  /** Accepted `aud` values. */
  audience: string | string[];
  /** Only tokens of this tenant (any tenant of this emulator when unset). */
  tenantId?: string;
  /** Default 0: the emulator is exact, real services allow about 5 minutes. */
  clockToleranceSeconds?: number;
}

export interface EntraEmulatorOptions {
  tls: { certPem: string; keyPem: string };
  port?: number;
  tenants?: string[];
  /** Resources (application ID URIs) besides the built-in ones that scopes may name. */
  resources?: string[];
  tokenLifetime?: TokenLifetime;
  random?: () => number;
  /** Clock in epoch milliseconds for issuing and verifying access tokens, so tests can move time. */
  now?: () => number;
}

export class EntraEmulator {
  readonly server: EmulatorServer;
  private readonly tenants = new Set<string>();
  private readonly resources = new Set<string>();
  private readonly apps = new Map<string, App>();
  /** Issuers whose user tokens the on-behalf-of grant accepts as assertions (this emulator signs only app tokens). */
  private readonly userIssuers = new Map<string, ReturnType<typeof createLocalJWKSet>>();
  private lifetime = DEFAULT_LIFETIME;
  private readonly random: () => number;
  private readonly now: () => number;

  static async start(options: EntraEmulatorOptions): Promise<EntraEmulator> {
    const emulator = new EntraEmulator(options, await createSigningKey());
    await emulator.server.listen(options.port ?? 0);
    return emulator;
  }

  private constructor(
    options: EntraEmulatorOptions,
    private readonly key: SigningKey,
  ) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.server = new EmulatorServer({ name: 'entra', tls: options.tls, requestIdHeader: 'x-ms-request-id', random: this.random });
    for (const tenant of options.tenants ?? []) this.addTenant(tenant);
    for (const resource of [...DEFAULT_RESOURCES, ...(options.resources ?? [])]) this.addResource(resource);
    if (options.tokenLifetime !== undefined) this.setTokenLifetime(options.tokenLifetime);
    this.addRoutes();
  }

  get url(): string {
    return this.server.url;
  }

  /** The authority to give MSAL: `{url}/{tenantId}`. */
  authority(tenantId: string): string {
    return `${this.url}/${tenantId}`;
  }

  addTenant(tenantId: string): void {
    this.tenants.add(tenantId.toLowerCase());
  }

  addResource(resource: string): void {
    this.resources.add(normalizeResource(resource));
  }

  knowsResource(resource: string): boolean {
    return this.resources.has(normalizeResource(resource));
  }

  registerApp(registration: AppRegistration): { tenantId: string; clientId: string; objectId: string } {
    const tenantId = registration.tenantId.toLowerCase();
    this.addTenant(tenantId);
    const app: App = {
      tenantId,
      clientId: registration.clientId.toLowerCase(),
      objectId: registration.objectId ?? randomUUID(),
      displayName: registration.displayName ?? registration.clientId,
      secrets: [...(registration.secrets ?? [])],
      certificates: certificateKeys(registration.certificates ?? []),
      federatedCredentials: (registration.federatedCredentials ?? []).map((fic) => ({ audience: TOKEN_EXCHANGE_AUDIENCE, ...fic })),
      roles: registration.roles ?? {},
      identifierUris: [...(registration.identifierUris ?? [])],
    };
    this.apps.set(app.clientId, app);
    return { tenantId, clientId: app.clientId, objectId: app.objectId };
  }

  /** Lets the on-behalf-of grant accept user tokens of this issuer, verified with its key set. */
  trustUserTokenIssuer(issuer: string, jwks: JSONWebKeySet): void {
    this.userIssuers.set(issuer, createLocalJWKSet(jwks));
  }

  /** Replaces the app's secrets: a rotated-out secret stops working at once. */
  setAppSecrets(clientId: string, secrets: string[]): void {
    this.requireApp(clientId).secrets = [...secrets];
  }

  /** Replaces the app's certificates (PEM): a removed certificate stops signing assertions at once. */
  setAppCertificates(clientId: string, pems: string[]): void {
    this.requireApp(clientId).certificates = certificateKeys(pems);
  }

  setTokenLifetime(lifetime: TokenLifetime): void {
    const range = typeof lifetime === 'number' ? { minSeconds: lifetime, maxSeconds: lifetime } : lifetime;
    if (!(range.minSeconds > 0 && range.maxSeconds >= range.minSeconds)) throw new RangeError('token lifetime must be positive and min <= max');
    this.lifetime = { minSeconds: Math.floor(range.minSeconds), maxSeconds: Math.floor(range.maxSeconds) };
  }

  resetTokenLifetime(): void {
    this.lifetime = DEFAULT_LIFETIME;
  }

  async issueAccessToken(options: IssueAccessTokenOptions): Promise<IssuedAccessToken> {
    const tid = options.tenantId.toLowerCase();
    if (!this.tenants.has(tid)) throw new Error(`tenant ${options.tenantId} is not known to the Entra emulator`);
    const iat = options.issuedAt ?? Math.floor(this.now() / 1000);
    const expiresIn = options.lifetimeSeconds ?? this.nextLifetime();
    const v2 = V2_RESOURCES.has(normalizeResource(options.resource));
    const acr = options.appIdAcr ?? '1';
    const claims: JWTPayload = {
      aud: options.resource,
      iss: v2 ? this.v2Issuer(tid) : this.v1Issuer(tid),
      iat,
      nbf: iat,
      exp: iat + expiresIn,
      ...(v2 ? { azp: options.appId, azpacr: acr } : { appid: options.appId, appidacr: acr, idp: this.v1Issuer(tid) }),
      idtyp: 'app',
      oid: options.objectId,
      sub: options.objectId,
      tid,
      uti: randomUUID().replace(/-/g, '').slice(0, 22),
      ver: v2 ? '2.0' : '1.0',
      ...(options.extraClaims ?? {}),
    };
    return { accessToken: await this.key.sign(claims), expiresIn, expiresOn: iat + expiresIn, claims };
  }

  /** Verifies a token this emulator issued (signature, issuer, exp/nbf, aud) and returns its claims. */
  async verifyAccessToken(token: string, options: VerifyAccessTokenOptions): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key.verifier, { algorithms: ['RS256'], clockTolerance: options.clockToleranceSeconds ?? 0, currentDate: new Date(this.now()) }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AccessTokenError('expired', 'the token has expired');
      throw new AccessTokenError('invalid', `the token is not valid: ${(error as Error).message}`);
    }
    const tid = typeof payload.tid === 'string' ? payload.tid : '';
    if (!this.tenants.has(tid) || (payload.iss !== this.v1Issuer(tid) && payload.iss !== this.v2Issuer(tid))) {
      throw new AccessTokenError('invalid', 'the token was not issued by this Entra emulator');
    }
    if (options.tenantId !== undefined && tid !== options.tenantId.toLowerCase()) {
      throw new AccessTokenError('invalid', `the token belongs to tenant ${tid}`);
    }
    const accepted = Array.isArray(options.audience) ? options.audience : [options.audience];
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.some((aud) => aud !== undefined && accepted.includes(aud))) {
      throw new AccessTokenError('wrong_audience', `the token is for ${audiences.join(', ')}`);
    }
    return payload;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  // ------------------------------------------------------------------------------------------

  private v1Issuer(tenantId: string): string {
    return `${this.url}/${tenantId}/`;
  }

  private v2Issuer(tenantId: string): string {
    return `${this.url}/${tenantId}/v2.0`;
  }

  private tokenEndpoint(tenantId: string): string {
    return `${this.url}/${tenantId}/oauth2/v2.0/token`;
  }

  private nextLifetime(): number {
    const { minSeconds, maxSeconds } = this.lifetime;
    return minSeconds + Math.floor(this.random() * (maxSeconds - minSeconds + 1));
  }

  private requireApp(clientId: string): App {
    const app = this.apps.get(clientId.toLowerCase());
    if (!app) throw new Error(`no app ${clientId} is registered`);
    return app;
  }

  private addRoutes(): void {
    const s = this.server;
    s.route('POST', '/_emulator/token-lifetime', (req) => {
      const body = (req.json() ?? {}) as { seconds?: unknown; minSeconds?: unknown; maxSeconds?: unknown };
      try {
        if (typeof body.seconds === 'number') this.setTokenLifetime(body.seconds);
        else if (typeof body.minSeconds === 'number' && typeof body.maxSeconds === 'number') this.setTokenLifetime({ minSeconds: body.minSeconds, maxSeconds: body.maxSeconds });
        else throw new RangeError('send { seconds } or { minSeconds, maxSeconds }');
      } catch (error) {
        throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: (error as Error).message } });
      }
      return { status: 200, body: this.lifetime };
    });
    s.route('DELETE', '/_emulator/token-lifetime', () => {
      this.resetTokenLifetime();
      return { status: 200, body: this.lifetime };
    });
    s.route('GET', '/_emulator/apps', () => ({
      status: 200,
      body: [...this.apps.values()].map((app) => ({
        tenantId: app.tenantId,
        clientId: app.clientId,
        objectId: app.objectId,
        displayName: app.displayName,
        secretCount: app.secrets.length,
        certificateCount: app.certificates.size / 2,
        federatedCredentials: app.federatedCredentials,
      })),
    }));
    s.route('PUT', '/_emulator/apps/:clientId/secrets', (req, { clientId = '' }) => {
      const body = req.json() as { secrets?: unknown } | undefined;
      if (!Array.isArray(body?.secrets) || !body.secrets.every((x) => typeof x === 'string')) {
        throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'send { secrets: string[] }' } });
      }
      if (!this.apps.has(clientId.toLowerCase())) throw new EmulatorHttpError(404, { error: { code: 'NotFound', message: `no app ${clientId}` } });
      this.setAppSecrets(clientId, body.secrets as string[]);
      return { status: 204 };
    });

    s.route('GET', '/:tenant/v2.0/.well-known/openid-configuration', (req, { tenant = '' }) => this.discovery(req, tenant, 'v2'));
    s.route('GET', '/:tenant/.well-known/openid-configuration', (req, { tenant = '' }) => this.discovery(req, tenant, 'v1'));
    s.route('GET', '/:tenant/discovery/v2.0/keys', (req, { tenant = '' }) => this.keys(req, tenant));
    s.route('GET', '/:tenant/discovery/keys', (req, { tenant = '' }) => this.keys(req, tenant));
    s.route('POST', '/:tenant/oauth2/v2.0/token', (req, { tenant = '' }) => this.token(req, tenant));
    s.route('GET', '/:tenant/oauth2/v2.0/token', (req) => {
      throw this.error(req, 400, 'invalid_request', 900561, 'The endpoint only accepts POST requests. Received a GET request.');
    });
  }

  /** The tenant id for a path segment, or the error Entra gives for aliases and unknown tenants. */
  private tenantFor(req: EmulatorRequest, segment: string, unknownError: string): string {
    const tenant = segment.toLowerCase();
    if (MULTI_TENANT_ALIASES.has(tenant)) {
      // Entra itself serves a multi-tenant discovery document here; the emulator refuses early
      // because a service principal's client-credentials call needs a tenant-specific authority.
      throw this.error(req, 400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
    }
    if (!this.tenants.has(tenant)) {
      throw this.error(req, 400, unknownError, 90002, `Tenant '${segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    return tenant;
  }

  private discovery(req: EmulatorRequest, segment: string, version: 'v1' | 'v2'): EmulatorResponse {
    const tenant = this.tenantFor(req, segment, 'invalid_tenant');
    const base = `${this.url}/${tenant}`;
    const v2 = version === 'v2' ? '/v2.0' : '';
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2${v2}/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery${v2}/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: version === 'v2' ? this.v2Issuer(tenant) : this.v1Issuer(tenant),
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2${v2}/authorize`,
        device_authorization_endpoint: `${base}/oauth2${v2}/devicecode`,
        end_session_endpoint: `${base}/oauth2${v2}/logout`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'roles', 'appid', 'azp', 'idtyp'],
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com',
      },
    };
  }

  private keys(req: EmulatorRequest, segment: string): EmulatorResponse {
    this.tenantFor(req, segment, 'invalid_tenant');
    return { status: 200, body: this.key.jwks };
  }

  private async token(req: EmulatorRequest, segment: string): Promise<EmulatorResponse> {
    const tenant = this.tenantFor(req, segment, 'invalid_request');
    const form = req.form();
    const grantType = form.get('grant_type');
    if (!grantType) throw this.missing(req, 'grant_type');
    if (grantType !== 'client_credentials' && grantType !== OBO_GRANT_TYPE) {
      throw this.error(req, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    const clientId = form.get('client_id');
    if (!clientId) throw this.missing(req, 'client_id');
    const scope = form.get('scope');
    if (!scope) throw this.error(req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");

    const app = this.apps.get(clientId.toLowerCase());
    if (!app || app.tenantId !== tenant) {
      throw this.error(
        req,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const resource = this.resourceFromScope(req, scope, tenant);
    const appIdAcr = await this.authenticate(req, form, app, tenant);
    if (grantType === OBO_GRANT_TYPE) return this.onBehalfOf(req, form, app, tenant, resource, appIdAcr);
    const roles = app.roles[resource] ?? app.roles[normalizeResource(resource)];
    const issued = await this.issueAccessToken({
      tenantId: tenant,
      resource,
      appId: app.clientId,
      objectId: app.objectId,
      appIdAcr,
      ...(roles?.length ? { extraClaims: { roles } } : {}),
    });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...this.clientRequestIdHeader(req) },
      body: { token_type: 'Bearer', expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.accessToken },
    };
  }

  /**
   * The on-behalf-of grant: a user token issued to this app (its client id or an identifier URI)
   * is exchanged for one at another resource, for the same user.
   */
  private async onBehalfOf(req: EmulatorRequest, form: URLSearchParams, app: App, tenant: string, resource: string, appIdAcr: '1' | '2'): Promise<EmulatorResponse> {
    if (form.get('requested_token_use') !== 'on_behalf_of') {
      throw this.error(req, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'requested_token_use' with the value 'on_behalf_of'.");
    }
    const assertion = form.get('assertion');
    if (!assertion) throw this.missing(req, 'assertion');
    let claims: JWTPayload;
    try {
      const issuer = decodeJwt(assertion).iss ?? '';
      const keys = this.userIssuers.get(issuer);
      if (!keys) throw new Error('unknown issuer');
      ({ payload: claims } = await jwtVerify(assertion, keys, { algorithms: ['RS256'], issuer, currentDate: new Date(this.now()) }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw this.error(req, 400, 'invalid_grant', 500133, 'The assertion is not within its valid time range.');
      throw this.error(req, 400, 'invalid_grant', 50013, 'Assertion failed signature validation.');
    }
    const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((aud): aud is string => typeof aud === 'string');
    if (!audiences.some((aud) => aud.toLowerCase() === app.clientId || app.identifierUris.includes(aud))) {
      throw this.error(req, 400, 'invalid_grant', 50013, 'Assertion audience does not match the Client app presenting the assertion.');
    }
    if (typeof claims.scp !== 'string' || typeof claims.oid !== 'string') {
      throw this.error(req, 400, 'invalid_grant', 50013, 'The assertion is not a delegated user token.');
    }
    const user = Object.fromEntries(['preferred_username', 'upn', 'name'].filter((name) => typeof claims[name] === 'string').map((name) => [name, claims[name]]));
    const issued = await this.issueAccessToken({ tenantId: tenant, resource, appId: app.clientId, objectId: claims.oid, appIdAcr, extraClaims: { ...user, idtyp: 'user', scp: 'user_impersonation' } });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache', ...this.clientRequestIdHeader(req) },
      body: { token_type: 'Bearer', scope: `${resource}/user_impersonation`, expires_in: issued.expiresIn, ext_expires_in: issued.expiresIn, access_token: issued.accessToken },
    };
  }

  /** `{resource}/.default` → resource; client credentials take exactly one such scope. */
  private resourceFromScope(req: EmulatorRequest, scope: string, tenant: string): string {
    const scopes = scope.split(/\s+/).filter((s) => s && !OIDC_SCOPES.has(s.toLowerCase()));
    const only = scopes.length === 1 ? scopes[0] : undefined;
    if (!only || !only.endsWith('/.default')) {
      throw this.error(
        req,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = only.slice(0, -'/.default'.length);
    if (!this.knowsResource(resource)) {
      throw this.error(
        req,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    return resource;
  }

  /** Checks the client's credential; returns the `appidacr` its token will carry. */
  private async authenticate(req: EmulatorRequest, form: URLSearchParams, app: App, tenant: string): Promise<'1' | '2'> {
    const assertionType = form.get('client_assertion_type');
    const assertion = form.get('client_assertion');
    const secret = form.get('client_secret');
    if (assertionType !== null || assertion !== null) {
      if (assertionType !== CLIENT_ASSERTION_TYPE) {
        throw this.error(req, 400, 'invalid_request', 50012, `client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`);
      }
      if (!assertion) throw this.missing(req, 'client_assertion');
      await this.checkAssertion(req, assertion, app, tenant);
      return '2';
    }
    if (secret === null) {
      throw this.error(req, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (!app.secrets.includes(secret)) {
      throw this.error(
        req,
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      );
    }
    return '1';
  }

  private async checkAssertion(req: EmulatorRequest, assertion: string, app: App, tenant: string): Promise<void> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw this.error(req, 401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
    }
    // The decoded JSON may hold anything: claims and headers of the wrong type are a malformed token.
    const malformed = malformedAssertionPart(header, claims);
    if (malformed) throw this.error(req, 401, 'invalid_client', 50027, `JWT token is invalid or malformed: ${malformed}.`);
    // A certificate assertion is issued by the app itself; anything else is a federated token.
    if (claims.iss?.toLowerCase() === app.clientId) {
      await this.checkCertificateAssertion(req, assertion, header, claims, app, tenant);
    } else {
      await this.checkFederatedAssertion(req, assertion, claims, app);
    }
  }

  private async checkCertificateAssertion(
    req: EmulatorRequest,
    assertion: string,
    header: ReturnType<typeof decodeProtectedHeader>,
    claims: JWTPayload,
    app: App,
    tenant: string,
  ): Promise<void> {
    const print = (header['x5t#S256'] as string | undefined) ?? header.x5t;
    const key = print ? app.certificates.get(print) : undefined;
    if (!key) {
      throw this.error(
        req,
        401,
        'invalid_client',
        700027,
        `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${print ?? ''}']`,
      );
    }
    if (claims.sub?.toLowerCase() !== app.clientId) {
      throw this.error(req, 401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    }
    const audiences = [this.tokenEndpoint(tenant), `${this.url}/${tenant}/oauth2/token`, this.v2Issuer(tenant)];
    try {
      await jwtVerify(assertion, key, { algorithms: ['PS256', 'RS256'], audience: audiences, requiredClaims: ['exp'], clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS });
    } catch (error) {
      throw this.assertionFailure(req, error);
    }
  }

  private async checkFederatedAssertion(req: EmulatorRequest, assertion: string, claims: JWTPayload, app: App): Promise<void> {
    const byIssuer = app.federatedCredentials.filter((fic) => fic.issuer === claims.iss);
    if (!byIssuer.length) {
      throw this.error(req, 400, 'invalid_client', 700211, `No matching federated identity record found for presented assertion issuer '${claims.iss ?? ''}'.`);
    }
    const bySubject = byIssuer.filter((fic) => fic.subject === claims.sub);
    if (!bySubject.length) {
      throw this.error(
        req,
        400,
        'invalid_client',
        700213,
        `No matching federated identity record found for presented assertion subject '${claims.sub ?? ''}'. Please note that the matching is done using a case-sensitive comparison.`,
      );
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!bySubject.some((fic) => audiences.includes(fic.audience))) {
      throw this.error(req, 400, 'invalid_client', 700212, `No matching federated identity record found for presented assertion audience '${audiences.join(', ')}'.`);
    }
    // Only tokens this emulator issued (managed identities) can be verified: there is no other issuer's JWKS to fetch.
    try {
      await jwtVerify(assertion, this.key.verifier, { algorithms: ['RS256'], clockTolerance: ASSERTION_CLOCK_SKEW_SECONDS, currentDate: new Date(this.now()) });
    } catch (error) {
      throw this.assertionFailure(req, error);
    }
  }

  private assertionFailure(req: EmulatorRequest, error: unknown): EmulatorHttpError {
    if (error instanceof errors.JWTExpired || (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf')) {
      return this.error(req, 401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
      return this.error(req, 401, 'invalid_client', 700016, 'Client assertion contains an invalid audience; it must be the token endpoint.');
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      return this.error(req, 401, 'invalid_client', 50027, `JWT token is invalid or malformed: ${error.message}.`);
    }
    return this.error(req, 401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  }

  private missing(req: EmulatorRequest, name: string): EmulatorHttpError {
    return this.error(req, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
  }

  /**
   * The client's `client-request-id` (query, then header), echoed back as Entra does. One that
   * cannot be sent back in a header (control or non-ASCII characters) is ignored.
   */
  private clientRequestId(req: EmulatorRequest): string | undefined {
    const id = req.query.get('client-request-id') ?? req.header('client-request-id');
    return id && /^[\x20-\x7e]{1,256}$/.test(id) ? id : undefined;
  }

  private clientRequestIdHeader(req: EmulatorRequest): Record<string, string> {
    const id = this.clientRequestId(req);
    return id ? { 'client-request-id': id } : {};
  }

  /** An error in Entra's JSON shape; MSAL surfaces `error` as `errorCode`. */
  private error(req: EmulatorRequest, status: number, error: string, code: number, message: string): EmulatorHttpError {
    const traceId = randomUUID();
    const correlationId = this.clientRequestId(req) ?? randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    return new EmulatorHttpError(
      status,
      {
        error,
        error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.url}/error?code=${code}`,
      },
      { 'cache-control': 'no-store, no-cache', ...this.clientRequestIdHeader(req) },
    );
  }
}

/**
 * What is wrong with a client assertion's decoded header or claims (a claim or header the checks
 * read that is not a string, an `aud` that is not a string or strings), or undefined.
 */
function malformedAssertionPart(header: Record<string, unknown>, claims: Record<string, unknown>): string | undefined {
  for (const name of ['x5t', 'x5t#S256']) {
    if (header[name] !== undefined && typeof header[name] !== 'string') return `the '${name}' header must be a string`;
  }
  for (const name of ['iss', 'sub']) {
    if (claims[name] !== undefined && typeof claims[name] !== 'string') return `the '${name}' claim must be a string`;
  }
  const { aud } = claims;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((value) => typeof value === 'string'))) {
    return "the 'aud' claim must be a string or an array of strings";
  }
  return undefined;
}

function normalizeResource(resource: string): string {
  return resource.replace(/\/+$/, '').toLowerCase();
}

/** Each certificate's public key under both of its thumbprints, as assertions may name either. */
function certificateKeys(pems: string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const pem of pems) {
    const cert = new X509Certificate(pem);
    keys.set(thumbprint('sha1', cert.raw), cert.publicKey);
    keys.set(thumbprint('sha256', cert.raw), cert.publicKey);
  }
  return keys;
}

function thumbprint(algorithm: 'sha1' | 'sha256', der: Buffer): string {
  return createHash(algorithm).update(der).digest('base64url');
}
