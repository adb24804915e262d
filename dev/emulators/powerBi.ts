import { randomBytes } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest } from './core/emulatorServer';
import type { FaultSpec } from './core/faults';
import { redactBody, type RequestLog } from './core/requestLog';
import { resolveActor, type Actor } from './powerBi/access';
import { authenticate, POWER_BI_AUDIENCE, type VerifyAccessToken } from './powerBi/auth';
import type { PowerBiContext } from './powerBi/context';
import type { DatasetTable } from './powerBi/embedData';
import { addEmbedPageRoutes, defaultEmbedPageScript } from './powerBi/embedPageRoutes';
import { EmbedTokenCodec, InvalidEmbedTokenError, type DecodedEmbedToken } from './powerBi/embedTokenCodec';
import { EmbedTokenIssuer, type IssuedEmbedToken } from './powerBi/embedTokenIssuer';
import { EmbedUrls } from './powerBi/embedUrls';
import { servicePrincipalNotAllowed } from './powerBi/errors';
import { addGenerateTokenRoutes } from './powerBi/generateTokenRoutes';
import { addGroupUserRoutes } from './powerBi/groupUserRoutes';
import { addItemRoutes } from './powerBi/itemRoutes';
import { DEFAULT_EMBED_TOKEN_MINUTES } from './powerBi/lifetime';
import {
  ModelError,
  PowerBiModel,
  type Dashboard,
  type DashboardInput,
  type Dataset,
  type DatasetInput,
  type GroupUser,
  type Profile,
  type ProfileInput,
  type Report,
  type ReportInput,
  type Tile,
  type TileInput,
  type Workspace,
  type WorkspaceInput,
} from './powerBi/model';
import { modelFromJson, modelToJson, type PowerBiModelJson } from './powerBi/modelJson';
import { addProfileRoutes } from './powerBi/profileRoutes';
import { TrialEmbedTokenQuota } from './powerBi/trialQuota';

// A local Power BI REST API (the part an "app owns data" embedding backend calls): item
// metadata, GenerateToken V1/V2 with the service's rules, and profiles, over HTTPS with a
// `RequestId` on every answer. Embed tokens are sealed so only the emulator can read them.

export type { DatasetTable, DecodedEmbedToken, IssuedEmbedToken, PowerBiModelJson, VerifyAccessToken };
export type { AccessTokenClaims, VerifiedAccessToken } from './powerBi/auth';
export type { DashboardInput, DatasetInput, GroupUser, ProfileInput, ReportInput, TileInput, WorkspaceInput } from './powerBi/model';
export { InvalidEmbedTokenError, ModelError, POWER_BI_AUDIENCE };

export interface PowerBiEmulatorOptions {
  /** Server certificate: the emulator speaks HTTPS only, like the service. */
  tls: { certPem: string; keyPem: string };
  /** Verifies a bearer token (the Entra emulator provides one); throw with `code: 'expired'` for an expired token. */
  verifyAccessToken: VerifyAccessToken;
  /** Accepted `aud` values. Default `https://analysis.windows.net/powerbi/api`. */
  audience?: string | readonly string[];
  /** Host of the embed and web URLs in item answers. Default: this emulator's own base URL. */
  embedHost?: string;
  /** Default embed-token lifetime in minutes. Default 60. */
  defaultLifetimeMinutes?: number;
  /** Secret that seals embed tokens; random per instance by default. */
  embedTokenSecret?: string | Buffer;
  /** Embed tokens allowed for workspaces without a capacity before GenerateToken answers 403. Unlimited when unset. */
  trialEmbedTokenQuota?: number;
  /** Clock in epoch milliseconds, for tests that freeze time. */
  now?: () => number;
  /** A model to start with (the shape `POST /_emulator/model` takes). */
  model?: PowerBiModelJson;
  /** Rows the local embed page shows for a dataset, by dataset id, with their RLS filters. */
  datasetTables?: Record<string, DatasetTable>;
  /** The built embed page script. Default: dist/embed-page/reportEmbed.js in the repository. */
  embedPageScript?: string;
}

export class PowerBiEmulator implements PowerBiContext {
  readonly server: EmulatorServer;
  readonly urls: EmbedUrls;
  readonly issuer: EmbedTokenIssuer;
  private currentModel: PowerBiModel;
  private readonly audiences: readonly string[];
  private readonly now: () => number;
  /** The tenant setting "Service principals can use Fabric APIs" (on by default here). */
  private servicePrincipalsAllowed = true;
  private readonly tables = new Map<string, DatasetTable>();

  constructor(private readonly options: PowerBiEmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.audiences = typeof options.audience === 'string' ? [options.audience] : (options.audience ?? [POWER_BI_AUDIENCE]);
    this.currentModel = options.model ? modelFromJson(options.model) : new PowerBiModel();
    for (const [id, table] of Object.entries(options.datasetTables ?? {})) this.tables.set(id.toLowerCase(), table);
    this.issuer = new EmbedTokenIssuer({
      codec: new EmbedTokenCodec(options.embedTokenSecret ?? randomBytes(32)),
      quota: new TrialEmbedTokenQuota(options.trialEmbedTokenQuota),
      now: this.now,
      defaultLifetimeMinutes: options.defaultLifetimeMinutes ?? DEFAULT_EMBED_TOKEN_MINUTES,
    });
    this.server = new EmulatorServer({
      name: 'powerbi',
      tls: options.tls,
      requestIdHeader: 'RequestId',
      notFound: (req) => ({ status: 404, body: { error: { code: 'NotFound', message: `No HTTP resource was found that matches the request URI '${req.path}'.` } } }),
    });
    this.urls = new EmbedUrls(
      () => this.options.embedHost ?? this.server.url,
      () => this.server.url,
    );
    addItemRoutes(this.server, this);
    addGenerateTokenRoutes(this.server, this);
    addProfileRoutes(this.server, this);
    addGroupUserRoutes(this.server, this);
    addEmbedPageRoutes(
      this.server,
      { decodeEmbedToken: (token) => this.decodeEmbedToken(token), datasetTable: (id) => this.datasetTable(id), report: (id) => this.model.report(id), now: () => this.now() },
      () => options.embedPageScript ?? defaultEmbedPageScript(),
    );
    this.addAdminRoutes();
  }

  get model(): PowerBiModel {
    return this.currentModel;
  }

  /** Base URL, e.g. `https://127.0.0.1:52011` (use as POWERBI_API_URL). */
  get url(): string {
    return this.server.url;
  }

  get log(): RequestLog {
    return this.server.log;
  }

  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return this.server.listen(port, host);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  inject(spec: FaultSpec): void {
    this.server.inject(spec);
  }

  addWorkspace(input: WorkspaceInput): Workspace {
    return this.model.addWorkspace(input);
  }

  addWorkspaceMember(workspaceId: string, principalId: string): void {
    this.model.addWorkspaceMember(workspaceId, principalId);
  }

  /** A member with a role, as Add Group User makes one (e.g. the deployer as Admin). */
  setWorkspaceUser(workspaceId: string, user: GroupUser): GroupUser {
    return this.model.setWorkspaceUser(workspaceId, user);
  }

  /** Turns the tenant setting that lets service principals call the REST API on or off. */
  allowServicePrincipals(allowed: boolean): void {
    this.servicePrincipalsAllowed = allowed;
  }

  addDataset(workspaceId: string, input: DatasetInput): Dataset {
    return this.model.addDataset(workspaceId, input);
  }

  addReport(workspaceId: string, input: ReportInput): Report {
    return this.model.addReport(workspaceId, input);
  }

  addDashboard(workspaceId: string, input: DashboardInput): Dashboard {
    return this.model.addDashboard(workspaceId, input);
  }

  addTile(dashboardId: string, input: TileInput): Tile {
    return this.model.addTile(dashboardId, input);
  }

  addProfile(input: ProfileInput): Profile {
    return this.model.addProfile(input);
  }

  /** Replaces the whole model; throws ModelError and keeps the old model when the JSON is inconsistent. */
  loadModel(json: unknown): void {
    this.currentModel = modelFromJson(json);
  }

  exportModel(): PowerBiModelJson {
    return modelToJson(this.model);
  }

  /** Empty model, no issued tokens, trial quota refilled, request log and faults cleared. */
  reset(): void {
    this.currentModel = new PowerBiModel();
    this.servicePrincipalsAllowed = true;
    this.issuer.reset();
    this.server.log.clear();
    this.server.faults.clear();
  }

  /** Sets the rows the embed page shows for a dataset. */
  setDatasetTable(datasetId: string, table: DatasetTable): void {
    this.tables.set(datasetId.toLowerCase(), table);
  }

  datasetTable(datasetId: string): DatasetTable | undefined {
    return this.tables.get(datasetId.toLowerCase());
  }

  /** The lifetime of embed tokens whose GenerateToken request names none; fractions of a minute allowed (short-lived tokens for tests). */
  setEmbedTokenLifetime(seconds: number): void {
    this.issuer.lifetimeMinutes = seconds / 60;
  }

  /** What a token issued by this emulator grants; throws InvalidEmbedTokenError for a foreign or altered token. */
  decodeEmbedToken(token: string): DecodedEmbedToken {
    return this.issuer.decode(token);
  }

  /** The most recently issued embed tokens (the last DEFAULT_REMEMBERED_EMBED_TOKENS, 1000), oldest first, unredacted. */
  issuedTokens(): IssuedEmbedToken[] {
    return this.issuer.list();
  }

  async actor(req: EmulatorRequest): Promise<Actor> {
    const caller = await authenticate(req, this.options.verifyAccessToken, this.audiences, this.now());
    if (caller.isServicePrincipal && !this.servicePrincipalsAllowed) throw servicePrincipalNotAllowed();
    return resolveActor(req, caller, this.model);
  }

  odataContext(fragment: string): string {
    return `${this.server.url}/v1.0/myorg/${fragment}`;
  }

  private addAdminRoutes(): void {
    this.server.route('GET', '/_emulator/model', () => ({ status: 200, body: this.exportModel() }));
    this.server.route('POST', '/_emulator/model', (req) => {
      try {
        this.loadModel(req.json());
      } catch (error) {
        if (error instanceof ModelError) throw new EmulatorHttpError(400, { error: { code: 'BadModel', message: error.message } });
        throw error;
      }
      const model = this.exportModel();
      return { status: 201, body: { workspaces: model.workspaces?.length ?? 0, profiles: model.profiles?.length ?? 0 } };
    });
    this.server.route('DELETE', '/_emulator/model', () => {
      this.currentModel = new PowerBiModel();
      return { status: 204 };
    });
    this.server.route('PUT', '/_emulator/tenant-settings', (req) => {
      const body = req.json();
      const allowed = body && typeof body === 'object' ? (body as { servicePrincipalsCanUseApis?: unknown }).servicePrincipalsCanUseApis : undefined;
      if (typeof allowed !== 'boolean') throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'servicePrincipalsCanUseApis must be a boolean' } });
      this.allowServicePrincipals(allowed);
      return { status: 200, body: { servicePrincipalsCanUseApis: allowed } };
    });
    this.server.route('POST', '/_emulator/reset', () => {
      this.reset();
      return { status: 204 };
    });
    // Admin answers carry no credentials: no embed token, and an identity's identityBlob (an OAuth token) is redacted.
    this.server.route('GET', '/_emulator/embed-tokens', () => ({
      status: 200,
      body: this.issuedTokens().map(({ token: _token, ...claims }) => redactBody(claims)),
    }));
    this.server.route('GET', '/_emulator/embed-token-lifetime', () => ({ status: 200, body: { seconds: Math.round(this.issuer.lifetimeMinutes * 60) } }));
    this.server.route('PUT', '/_emulator/embed-token-lifetime', (req) => {
      const body = req.json();
      const seconds = body && typeof body === 'object' ? (body as { seconds?: unknown }).seconds : undefined;
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
        throw new EmulatorHttpError(400, { error: { code: 'BadRequest', message: 'send { "seconds": <positive integer> }' } });
      }
      this.setEmbedTokenLifetime(seconds);
      return { status: 200, body: { seconds } };
    });
    this.server.route('POST', '/_emulator/embed-tokens/decode', (req) => {
      const body = req.json();
      const token = body && typeof body === 'object' ? (body as { token?: unknown }).token : undefined;
      try {
        if (typeof token !== 'string') throw new InvalidEmbedTokenError('token must be a string');
        const claims = this.decodeEmbedToken(token);
        return { status: 200, body: { ...(redactBody(claims) as DecodedEmbedToken), expired: Date.parse(claims.expiration) <= this.now() } };
      } catch (error) {
        if (error instanceof InvalidEmbedTokenError) throw new EmulatorHttpError(400, { error: { code: error.code, message: error.message } });
        throw error;
      }
    });
  }
}
