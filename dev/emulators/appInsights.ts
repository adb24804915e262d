import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { EmulatorHttpError, EmulatorServer, type EmulatorRequest, type EmulatorResponse } from './core/emulatorServer';
import type { EntraEmulator } from './entra';

// The Application Insights ingestion endpoint, for what the applicationinsights v3 exporter
// sends: POST /v2.1/track with a (gzipped) JSON array of envelopes, answered with Breeze's
// { itemsReceived, itemsAccepted, errors }; live metrics (QuickPulse ping and post) answered
// "nobody is watching". With local auth disabled (the resource's DisableLocalAuth) only a
// bearer token for https://monitor.azure.com from Entra is accepted, as in Azure. Received
// items are kept, newest last, for GET /_emulator/telemetry.

export const MONITOR_AUDIENCE = 'https://monitor.azure.com';
export const MAX_KEPT_ITEMS = 20_000;

export interface TelemetryEnvelope {
  name: string;
  time: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> };
  [field: string]: unknown;
}

export interface ReceivedItem {
  envelope: TelemetryEnvelope;
  receivedAt: string;
  /** How the ingestion request that carried it was authenticated. */
  auth: 'entra' | 'instrumentation-key';
}

export interface IngestionRequest {
  path: string;
  auth: 'entra' | 'instrumentation-key';
  /** `oid` of the bearer token's identity (a managed identity's object id). */
  principal?: string;
  gzip: boolean;
  items: number;
  status: number;
}

export interface AppInsightsEmulatorOptions {
  tls: { certPem: string; keyPem: string };
  /** Verifies bearer tokens; without it only instrumentation-key ingestion works. */
  entra?: Pick<EntraEmulator, 'verifyAccessToken'>;
  /** Refuse instrumentation-key-only ingestion (DisableLocalAuth on the resource). */
  disableLocalAuth?: boolean;
  instrumentationKey?: string;
  port?: number;
}

export class AppInsightsEmulator {
  readonly server: EmulatorServer;
  readonly instrumentationKey: string;
  private readonly items: ReceivedItem[] = [];
  private readonly ingestions: IngestionRequest[] = [];
  private disableLocalAuth: boolean;

  static async start(options: AppInsightsEmulatorOptions): Promise<AppInsightsEmulator> {
    const emulator = new AppInsightsEmulator(options);
    await emulator.server.listen(options.port ?? 0);
    return emulator;
  }

  private constructor(private readonly options: AppInsightsEmulatorOptions) {
    this.instrumentationKey = options.instrumentationKey ?? randomUUID();
    this.disableLocalAuth = options.disableLocalAuth ?? false;
    this.server = new EmulatorServer({ name: 'app-insights', tls: options.tls });
    for (const path of ['/v2.1/track', '/v2/track']) this.server.route('POST', path, (req) => this.track(req));
    this.server.route('POST', '/QuickPulseService.svc/ping', (req) => this.liveMetrics(req));
    this.server.route('POST', '/QuickPulseService.svc/post', (req) => this.liveMetrics(req));
    this.server.route('GET', '/_emulator/telemetry', (req) => ({ status: 200, body: this.received(req.query.get('operationId') ?? undefined) }));
    this.server.route('DELETE', '/_emulator/telemetry', () => {
      this.items.length = 0;
      this.ingestions.length = 0;
      return { status: 204 };
    });
    this.server.route('GET', '/_emulator/ingestions', () => ({ status: 200, body: this.ingestions }));
  }

  get url(): string {
    return this.server.url;
  }

  /** APPLICATIONINSIGHTS_CONNECTION_STRING pointing at this emulator. */
  get connectionString(): string {
    return `InstrumentationKey=${this.instrumentationKey};IngestionEndpoint=${this.url}/;LiveEndpoint=${this.url}/`;
  }

  setDisableLocalAuth(value: boolean): void {
    this.disableLocalAuth = value;
  }

  received(operationId?: string): ReceivedItem[] {
    return operationId ? this.items.filter((item) => item.envelope.tags?.['ai.operation.id'] === operationId) : [...this.items];
  }

  ingestionRequests(): IngestionRequest[] {
    return [...this.ingestions];
  }

  private async authenticate(req: EmulatorRequest): Promise<{ auth: 'entra' | 'instrumentation-key'; principal?: string }> {
    const authorization = req.header('authorization');
    if (authorization === undefined) {
      if (this.disableLocalAuth) throw new EmulatorHttpError(401, breezeError(401, 'Authentication is required: local authentication is disabled for this resource.'));
      return { auth: 'instrumentation-key' };
    }
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token || !this.options.entra) throw new EmulatorHttpError(401, breezeError(401, 'The bearer token is missing or cannot be checked.'));
    try {
      const claims = await this.options.entra.verifyAccessToken(token, { audience: [MONITOR_AUDIENCE, `${MONITOR_AUDIENCE}/`] });
      return { auth: 'entra', ...(typeof claims.oid === 'string' ? { principal: claims.oid } : {}) };
    } catch {
      throw new EmulatorHttpError(401, breezeError(401, 'The bearer token is not valid for https://monitor.azure.com.'));
    }
  }

  /** Authenticates and notes the request; a refusal is noted too. */
  private async admit(req: EmulatorRequest, gzip: boolean): Promise<{ auth: 'entra' | 'instrumentation-key'; principal?: string }> {
    try {
      return await this.authenticate(req);
    } catch (error) {
      if (error instanceof EmulatorHttpError) this.ingestions.push({ path: req.path, auth: req.header('authorization') ? 'entra' : 'instrumentation-key', gzip, items: 0, status: error.status });
      throw error;
    }
  }

  private async track(req: EmulatorRequest): Promise<EmulatorResponse> {
    const gzip = (req.header('content-encoding') ?? '').toLowerCase().includes('gzip');
    const caller = await this.admit(req, gzip);
    const { auth } = caller;
    let envelopes: unknown;
    try {
      const text = (gzip ? gunzipSync(req.rawBody) : req.rawBody).toString('utf8');
      // Older senders post newline-delimited JSON; the v3 exporter posts one array.
      envelopes = text.trimStart().startsWith('[') ? JSON.parse(text) : text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as unknown);
    } catch {
      this.ingestions.push({ ...caller, path: req.path, gzip, items: 0, status: 400 });
      throw new EmulatorHttpError(400, breezeError(400, 'The body is not JSON (or not valid gzip).'));
    }
    if (!Array.isArray(envelopes)) {
      this.ingestions.push({ ...caller, path: req.path, gzip, items: 0, status: 400 });
      throw new EmulatorHttpError(400, breezeError(400, 'The body must be an array of envelopes.'));
    }
    const errors: { index: number; statusCode: number; message: string }[] = [];
    const receivedAt = new Date().toISOString();
    envelopes.forEach((envelope: unknown, index) => {
      const problem = envelopeProblem(envelope, this.instrumentationKey);
      if (problem) errors.push({ index, statusCode: 400, message: problem });
      else this.keep({ envelope: envelope as TelemetryEnvelope, receivedAt, auth });
    });
    const status = errors.length === 0 ? 200 : errors.length === envelopes.length ? 400 : 206;
    this.ingestions.push({ ...caller, path: req.path, gzip, items: envelopes.length, status });
    return { status, body: { itemsReceived: envelopes.length, itemsAccepted: envelopes.length - errors.length, errors } };
  }

  private async liveMetrics(req: EmulatorRequest): Promise<EmulatorResponse> {
    const caller = await this.admit(req, false);
    this.ingestions.push({ ...caller, path: req.path, gzip: false, items: 0, status: 200 });
    // Nobody is watching: the SDK keeps pinging at the hinted interval and posts nothing.
    return { status: 200, headers: { 'x-ms-qps-subscribed': 'false', 'x-ms-qps-service-polling-interval-hint': '60000' }, body: '' };
  }

  private keep(item: ReceivedItem): void {
    this.items.push(item);
    if (this.items.length > MAX_KEPT_ITEMS) this.items.splice(0, this.items.length - MAX_KEPT_ITEMS);
  }
}

function breezeError(statusCode: number, message: string): unknown {
  return { itemsReceived: 0, itemsAccepted: 0, errors: [{ index: 0, statusCode, message }] };
}

function envelopeProblem(envelope: unknown, instrumentationKey: string): string | undefined {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return 'an envelope must be an object';
  const e = envelope as Partial<TelemetryEnvelope>;
  if (typeof e.name !== 'string' || e.name === '') return 'Field name on type Envelope is required but missing or empty';
  if (typeof e.time !== 'string' || Number.isNaN(Date.parse(e.time))) return 'Field time on type Envelope is required but missing or invalid';
  if (e.iKey !== undefined && e.iKey.toLowerCase() !== instrumentationKey.toLowerCase()) return 'Invalid instrumentation key';
  if (typeof e.data?.baseType !== 'string') return 'Field baseType on type Data is required but missing';
  return undefined;
}
