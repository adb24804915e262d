import { randomBytes, randomUUID } from 'node:crypto';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest, type EmulatorResponse } from './core/emulatorServer';
import type { EntraEmulator } from './entra';

// The App Service / Functions managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER):
// GET /msi/token?api-version=2019-08-01&resource=...[&client_id=|&principal_id=|&object_id=|&mi_res_id=]
// with header x-identity-header. Tokens are minted by the Entra emulator for the identity's object id.
// Plain HTTP like the real one (a local socket inside the App Service sandbox).

export const APP_SERVICE_MSI_API_VERSION = '2019-08-01';

export interface ManagedIdentity {
  /** The identity's client (application) id: `appid` of its tokens. */
  clientId: string;
  /** The identity's service principal object id (principal id): `oid` and `sub` of its tokens. */
  objectId: string;
  /** ARM resource id of a user-assigned identity (`mi_res_id`), carried as `xms_mirid`. */
  resourceId?: string;
}

export interface ManagedIdentityEmulatorOptions {
  entra: Pick<EntraEmulator, 'issueAccessToken' | 'knowsResource' | 'addTenant'>;
  tenantId: string;
  /** The app's system-assigned identity (ids random when omitted); `false` for none. */
  systemAssigned?: Partial<ManagedIdentity> | false;
  userAssigned?: (Pick<ManagedIdentity, 'clientId'> & Partial<ManagedIdentity>)[];
  /** IDENTITY_HEADER value; random when unset. */
  header?: string;
  /** Token lifetime; Entra's (60–90 min, or what setTokenLifetime says) when unset. Real MI tokens last about 24 h. */
  lifetimeSeconds?: number;
  port?: number;
}

type IdentityQuery = 'client_id' | 'principal_id' | 'object_id' | 'mi_res_id';

export class ManagedIdentityEmulator {
  readonly server = new EmulatorServer({ name: 'managed-identity' });
  readonly systemAssigned: ManagedIdentity | undefined;
  private readonly userAssigned: ManagedIdentity[] = [];
  private secret: string;

  static async start(options: ManagedIdentityEmulatorOptions): Promise<ManagedIdentityEmulator> {
    const emulator = new ManagedIdentityEmulator(options);
    await emulator.server.listen(options.port ?? 0);
    return emulator;
  }

  private constructor(private readonly options: ManagedIdentityEmulatorOptions) {
    options.entra.addTenant(options.tenantId);
    this.secret = options.header ?? randomBytes(16).toString('hex').toUpperCase();
    if (options.systemAssigned !== false) {
      this.systemAssigned = { clientId: randomUUID(), objectId: randomUUID(), ...(options.systemAssigned ?? {}) };
    }
    for (const identity of options.userAssigned ?? []) this.addUserAssigned(identity);
    this.server.route('GET', '/msi/token', (req) => this.token(req));
  }

  get url(): string {
    return this.server.url;
  }

  /** Value for IDENTITY_ENDPOINT. */
  get endpoint(): string {
    return `${this.url}/msi/token`;
  }

  /** Value for IDENTITY_HEADER. */
  get header(): string {
    return this.secret;
  }

  /** App Service changes IDENTITY_HEADER when the app restarts; callers holding the old one are refused. */
  rotateHeader(next: string = randomBytes(16).toString('hex').toUpperCase()): string {
    this.secret = next;
    return next;
  }

  addUserAssigned(identity: Pick<ManagedIdentity, 'clientId'> & Partial<ManagedIdentity>): ManagedIdentity {
    const full: ManagedIdentity = { objectId: randomUUID(), ...identity };
    this.userAssigned.push(full);
    return full;
  }

  async close(): Promise<void> {
    await this.server.close();
  }

  private async token(req: EmulatorRequest): Promise<EmulatorResponse> {
    const given = req.header('x-identity-header');
    if (given === undefined) throw failure(400, 'The X-IDENTITY-HEADER header is missing.');
    if (given !== this.secret) throw failure(401, 'The X-IDENTITY-HEADER header is not valid.');
    const apiVersion = req.query.get('api-version');
    if (apiVersion !== APP_SERVICE_MSI_API_VERSION) throw failure(400, `The api-version '${apiVersion ?? ''}' is not supported; use ${APP_SERVICE_MSI_API_VERSION}.`);
    const resource = req.query.get('resource');
    if (!resource) throw failure(400, "The 'resource' query parameter is missing.");
    const identity = this.select(req);
    if (!this.options.entra.knowsResource(resource)) {
      throw failure(400, `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${this.options.tenantId}.`);
    }
    const issued = await this.options.entra.issueAccessToken({
      tenantId: this.options.tenantId,
      resource,
      appId: identity.clientId,
      objectId: identity.objectId,
      appIdAcr: '2',
      ...(this.options.lifetimeSeconds !== undefined ? { lifetimeSeconds: this.options.lifetimeSeconds } : {}),
      ...(identity.resourceId ? { extraClaims: { xms_mirid: identity.resourceId } } : {}),
    });
    return {
      status: 200,
      body: { access_token: issued.accessToken, expires_on: String(issued.expiresOn), resource, token_type: 'Bearer', client_id: identity.clientId },
    };
  }

  private select(req: EmulatorRequest): ManagedIdentity {
    const queries: IdentityQuery[] = ['client_id', 'principal_id', 'object_id', 'mi_res_id'];
    const asked = queries.filter((name) => req.query.get(name));
    if (asked.length > 1) throw failure(400, 'Only one of client_id, principal_id, object_id or mi_res_id may be given.');
    const [name] = asked;
    if (!name) {
      if (!this.systemAssigned) throw failure(400, 'No system-assigned managed identity is enabled for this app.');
      return this.systemAssigned;
    }
    const value = (req.query.get(name) ?? '').toLowerCase();
    const found = this.userAssigned.find((identity) =>
      name === 'client_id' ? identity.clientId.toLowerCase() === value : name === 'mi_res_id' ? identity.resourceId?.toLowerCase() === value : identity.objectId.toLowerCase() === value,
    );
    if (!found) throw failure(400, 'No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.');
    return found;
  }
}

/** App Service's error shape; msal-node reads `message` as the description. */
function failure(status: number, message: string): EmulatorHttpError {
  return new EmulatorHttpError(status, { statusCode: status, message, correlationId: randomUUID() });
}
