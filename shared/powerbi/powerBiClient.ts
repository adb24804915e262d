import { BrokerError } from '../errors/brokerError';
import { isGuid } from '../ids/guid';
import type { FetchLike } from '../auth/openIdDiscovery';
import type { UpstreamCallObserver } from '../credentials/msalNetworkClient';
import { parseRetryAfterMs } from '../http/retryAfter';
import { connectionBackInPool } from '../upstream/pooledConnection';
import { settleWithin } from '../upstream/settleWithin';
import { backoffMs, DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, type RetryPolicy } from './retryPolicy';
import { dashboardAnswer, datasetAnswer, datasourcesAnswer, embedTokenAnswer, reportAnswer, tileAnswer, tilesAnswer } from './upstreamAnswers';

// The Power BI REST calls the broker makes. Each call has its own timeout, retries within one
// overall deadline, and keeps the upstream RequestId on every error: Microsoft support asks for it.

export interface PowerBiClientOptions {
  apiUrl: string;
  getAccessToken: () => Promise<string>;
  fetch?: FetchLike;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  callTimeoutMs: number;
  deadlineMs: number;
  retry?: RetryPolicy;
  observe?: UpstreamCallObserver;
  /** Power BI refused our access token (401, or 403 TokenExpired): drop it so the retry gets a new one. */
  onTokenRejected?: () => void;
}

export interface ReportInfo {
  id: string;
  name: string;
  /** Absent for a paginated report whose data does not come from a Power BI dataset. */
  datasetId?: string;
  /** The dataset's workspace, when it is not the report's. */
  datasetWorkspaceId?: string;
  embedUrl: string;
  reportType: string;
}

export interface DatasetInfo {
  id: string;
  name: string;
  isEffectiveIdentityRequired: boolean;
  isEffectiveIdentityRolesRequired: boolean;
  /** The datasets a composite model reads with DirectQuery (and their workspace, when Power BI says). */
  upstreamDatasets?: { id: string; workspaceId?: string }[];
}

export interface DashboardInfo {
  id: string;
  displayName: string;
  embedUrl: string;
}

export interface TileInfo {
  id: string;
  title: string;
  embedUrl: string;
  reportId?: string;
  datasetId?: string;
}

export interface DatasourceInfo {
  datasourceType: string;
  server?: string;
  database?: string;
}

export interface TokenIdentity {
  username: string;
  roles?: string[];
  customData?: string;
  datasets: string[];
  reports?: string[];
  identityBlob?: { value: string };
}

export interface GenerateTokenV2Request {
  datasets: { id: string; xmlaPermissions?: 'Off' | 'ReadOnly' }[];
  reports: { id: string; allowEdit?: boolean }[];
  targetWorkspaces?: { id: string }[];
  identities?: TokenIdentity[];
  /** SSO for paginated reports' Azure SQL data sources. */
  datasourceIdentities?: { identityBlob: { value: string }; datasources: { datasourceType: string; connectionDetails: { server: string; database: string } }[] }[];
  lifetimeInMinutes?: number;
}

/** V1 GenerateToken: one dashboard or tile per token. */
export type V1Target = { kind: 'dashboard'; workspaceId: string; dashboardId: string } | { kind: 'tile'; workspaceId: string; dashboardId: string; tileId: string };

export interface GenerateTokenV1Request {
  accessLevel: 'View';
  identities?: TokenIdentity[];
  lifetimeInMinutes?: number;
}

/** A service principal's access token, for calls made as a principal other than the broker's own. */
export interface PrincipalToken {
  getAccessToken: () => Promise<string>;
  /** Power BI refused the token: drop it so the retry gets a new one. */
  onTokenRejected?: () => void;
}

/** Who one call acts as: a profile of the principal (X-PowerBI-Profile-Id), another principal, or the broker's own. */
export interface CallAs {
  profileId?: string;
  principal?: PrincipalToken;
}

export interface EmbedToken {
  token: string;
  tokenId: string;
  expiration: string;
}

interface Attempt {
  response?: Response;
  error?: unknown;
  timedOut?: boolean;
}

interface Answer {
  body: unknown;
  requestId: string | undefined;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PowerBiClient {
  private readonly fetchFn: FetchLike;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: PowerBiClientOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepFor;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** When a request started now would have to be done: pass it to every call of one request. */
  deadlineFromNow(): number {
    return this.now() + this.options.deadlineMs;
  }

  async getReport(workspaceId: string, reportId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<ReportInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/reports/${guid(reportId)}`, deadline, undefined, as);
    return reportAnswer(answer.body, reportId, answer.requestId);
  }

  async getDataset(workspaceId: string, datasetId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<DatasetInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/datasets/${guid(datasetId)}`, deadline, undefined, as);
    return datasetAnswer(answer.body, datasetId, answer.requestId);
  }

  async getDashboard(workspaceId: string, dashboardId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<DashboardInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/dashboards/${guid(dashboardId)}`, deadline, undefined, as);
    return dashboardAnswer(answer.body, dashboardId, answer.requestId);
  }

  async getTiles(workspaceId: string, dashboardId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<TileInfo[]> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/dashboards/${guid(dashboardId)}/tiles`, deadline, undefined, as);
    return tilesAnswer(answer.body, answer.requestId);
  }

  async getTile(workspaceId: string, dashboardId: string, tileId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<TileInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/dashboards/${guid(dashboardId)}/tiles/${guid(tileId)}`, deadline, undefined, as);
    return tileAnswer(answer.body, tileId, answer.requestId);
  }

  /** Get Datasources In Group: how a paginated report's Power BI dataset is found. */
  async getReportDatasources(workspaceId: string, reportId: string, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<DatasourceInfo[]> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/reports/${guid(reportId)}/datasources`, deadline, undefined, as);
    return datasourcesAnswer(answer.body, answer.requestId);
  }

  async generateToken(request: GenerateTokenV2Request, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<EmbedToken> {
    const answer = await this.call('POST', '/v1.0/myorg/GenerateToken', deadline, request, as);
    return embedTokenAnswer(answer.body, answer.requestId);
  }

  async generateTokenV1(target: V1Target, request: GenerateTokenV1Request, deadline = this.deadlineFromNow(), as: CallAs = {}): Promise<EmbedToken> {
    const dashboard = `/v1.0/myorg/groups/${guid(target.workspaceId)}/dashboards/${guid(target.dashboardId)}`;
    const path = target.kind === 'dashboard' ? `${dashboard}/GenerateToken` : `${dashboard}/tiles/${guid(target.tileId)}/GenerateToken`;
    const answer = await this.call('POST', path, deadline, request, as);
    return embedTokenAnswer(answer.body, answer.requestId);
  }

  private async call(method: string, path: string, deadline: number, body: unknown, as: CallAs): Promise<Answer> {
    if (as.profileId !== undefined) guid(as.profileId);
    const onTokenRejected = as.principal ? as.principal.onTokenRejected : this.options.onTokenRejected;
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}${path}`;
    let last: Attempt = {};
    let tokenRenewed = false;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (deadline - this.now() <= 0) break;
      last = await this.attempt(method, url, path, body, deadline, as, attempt);
      const { response } = last;
      if (response && !RETRYABLE_STATUSES.has(response.status)) {
        if (response.ok) return this.readJson(response);
        if (!tokenRenewed && onTokenRejected && (await isTokenRejection(response))) {
          tokenRenewed = true;
          onTokenRejected();
          continue;
        }
        throw await this.refusal(response);
      }
      if (last.timedOut) break;
      const retryAfterMs = parseRetryAfterMs(response?.headers.get('retry-after'), this.now());
      const wait = backoffMs(this.retry, attempt, retryAfterMs);
      if (attempt === this.retry.maxAttempts || this.now() + wait >= deadline) break;
      await response?.body?.cancel().catch(() => undefined);
      await this.sleep(wait);
    }
    throw this.giveUp(last, deadline);
  }

  private async attempt(method: string, url: string, path: string, body: unknown, deadline: number, as: CallAs, attempt = 1): Promise<Attempt> {
    // The token first: its wait (a cold Key Vault read and Entra call) counts against the
    // request's deadline, not against this call's own timeout.
    const token = await this.tokenBefore(deadline, as.principal?.getAccessToken ?? this.options.getAccessToken);
    // The previous call's kept-alive connection is reused, not a new one opened.
    await connectionBackInPool();
    const started = this.now();
    const signal = AbortSignal.timeout(Math.max(1, Math.min(this.options.callTimeoutMs, deadline - started)));
    try {
      const response = await this.fetchFn(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(as.profileId !== undefined ? { 'x-powerbi-profile-id': as.profileId } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
      });
      const retryAfter = response.headers.get('retry-after');
      this.options.observe?.({ target: 'powerbi', method, path, status: response.status, durationMs: this.now() - started, requestId: requestIdOf(response), attempt, ...(retryAfter ? { retryAfter } : {}) });
      return { response };
    } catch (error) {
      if (error instanceof BrokerError) throw error;
      const timedOut = signal.aborted;
      this.options.observe?.({ target: 'powerbi', method, path, status: undefined, durationMs: this.now() - started, requestId: undefined, error: timedOut ? 'timeout' : 'network', attempt });
      return { error, timedOut };
    }
  }

  private tokenBefore(deadline: number, getAccessToken: () => Promise<string>): Promise<string> {
    return settleWithin(
      getAccessToken,
      deadline - this.now(),
      () => new BrokerError('upstream_timeout', 'No service-principal token could be had within the request deadline.', { extensions: { upstream: 'entra' } }),
    );
  }

  private async readJson(response: Response): Promise<Answer> {
    try {
      return { body: (await response.json()) as unknown, requestId: requestIdOf(response) };
    } catch (error) {
      throw new BrokerError('upstream_invalid_response', 'Power BI answered with a body that is not JSON.', { cause: error, extensions: upstreamExtensions(response) });
    }
  }

  private async refusal(response: Response): Promise<BrokerError> {
    const code = await upstreamCode(response);
    return new BrokerError(response.status >= 500 ? 'upstream_error' : 'upstream_refused', `Power BI ${response.status >= 500 ? 'failed' : 'refused'} the request (${response.status}${code ? ` ${code}` : ''}).`, {
      extensions: { ...upstreamExtensions(response), upstreamStatus: response.status, ...(code ? { upstreamCode: code } : {}) },
    });
  }

  private giveUp(last: Attempt, deadline: number): BrokerError {
    const { response, error, timedOut } = last;
    if (response) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), this.now());
      return new BrokerError('upstream_unavailable', `Power BI is busy or unavailable (${response.status}).`, {
        extensions: { ...upstreamExtensions(response), upstreamStatus: response.status },
        ...(retryAfterMs !== undefined ? { retryAfterSeconds: retryAfterMs / 1000 } : {}),
      });
    }
    if (timedOut || this.now() >= deadline) {
      return new BrokerError('upstream_timeout', 'Power BI did not answer in time.', { cause: error, extensions: { upstream: 'powerbi' } });
    }
    return new BrokerError('upstream_unavailable', 'Power BI cannot be reached.', { cause: error, extensions: { upstream: 'powerbi' }, retryAfterSeconds: 5 });
  }
}

/** Only GUIDs go into a Power BI URL, whoever supplied them (policy, client or an upstream answer). */
export function guid(id: string): string {
  if (!isGuid(id)) throw new BrokerError('upstream_invalid_response', 'An item id is not a GUID; it was not sent to Power BI.');
  return id;
}


function requestIdOf(response: Response): string | undefined {
  return response.headers.get('requestid') ?? response.headers.get('x-ms-request-id') ?? undefined;
}

function upstreamExtensions(response: Response): Record<string, string> {
  const requestId = requestIdOf(response);
  return { upstream: 'powerbi', ...(requestId ? { upstreamRequestId: requestId } : {}) };
}

/** 401, or 403 with TokenExpired: Power BI refused the access token itself, not the request. */
async function isTokenRejection(response: Response): Promise<boolean> {
  if (response.status === 401) return true;
  if (response.status !== 403) return false;
  return (await upstreamCode(response.clone())) === 'TokenExpired';
}

async function upstreamCode(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } } | undefined;
    const code = body?.error?.code;
    // Only a short identifier is echoed back: never free text that might carry data.
    return typeof code === 'string' && /^[A-Za-z0-9_.]{1,100}$/.test(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
