import { BrokerError } from '../errors/brokerError';
import { isGuid } from '../ids/guid';
import type { FetchLike } from '../auth/openIdDiscovery';
import type { UpstreamCallObserver } from '../credentials/msalNetworkClient';
import { parseRetryAfterMs } from '../http/retryAfter';
import { backoffMs, DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, type RetryPolicy } from './retryPolicy';
import { datasetAnswer, embedTokenAnswer, reportAnswer } from './upstreamAnswers';

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
}

export interface GenerateTokenV2Request {
  datasets: { id: string; xmlaPermissions?: 'Off' | 'ReadOnly' }[];
  reports: { id: string; allowEdit?: boolean }[];
  targetWorkspaces?: { id: string }[];
  identities?: { username: string; roles?: string[]; customData?: string; datasets: string[]; reports?: string[] }[];
  lifetimeInMinutes?: number;
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

  async getReport(workspaceId: string, reportId: string, deadline = this.deadlineFromNow()): Promise<ReportInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/reports/${guid(reportId)}`, deadline);
    return reportAnswer(answer.body, reportId, answer.requestId);
  }

  async getDataset(workspaceId: string, datasetId: string, deadline = this.deadlineFromNow()): Promise<DatasetInfo> {
    const answer = await this.call('GET', `/v1.0/myorg/groups/${guid(workspaceId)}/datasets/${guid(datasetId)}`, deadline);
    return datasetAnswer(answer.body, datasetId, answer.requestId);
  }

  async generateToken(request: GenerateTokenV2Request, deadline = this.deadlineFromNow()): Promise<EmbedToken> {
    const answer = await this.call('POST', '/v1.0/myorg/GenerateToken', deadline, request);
    return embedTokenAnswer(answer.body, answer.requestId);
  }

  private async call(method: string, path: string, deadline: number, body?: unknown): Promise<Answer> {
    const url = `${this.options.apiUrl.replace(/\/+$/, '')}${path}`;
    let last: Attempt = {};
    let tokenRenewed = false;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (deadline - this.now() <= 0) break;
      last = await this.attempt(method, url, path, body, deadline, attempt);
      const { response } = last;
      if (response && !RETRYABLE_STATUSES.has(response.status)) {
        if (response.ok) return this.readJson(response);
        if (!tokenRenewed && this.options.onTokenRejected && (await isTokenRejection(response))) {
          tokenRenewed = true;
          this.options.onTokenRejected();
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

  private async attempt(method: string, url: string, path: string, body: unknown, deadline: number, attempt = 1): Promise<Attempt> {
    // The token first: its wait (a cold Key Vault read and Entra call) counts against the
    // request's deadline, not against this call's own timeout.
    const token = await this.tokenBefore(deadline);
    const started = this.now();
    const signal = AbortSignal.timeout(Math.max(1, Math.min(this.options.callTimeoutMs, deadline - started)));
    try {
      const response = await this.fetchFn(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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

  private async tokenBefore(deadline: number): Promise<string> {
    const remaining = deadline - this.now();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BrokerError('upstream_timeout', 'No service-principal token could be had within the request deadline.', { extensions: { upstream: 'entra' } })),
        Math.max(0, remaining),
      );
    });
    try {
      return await Promise.race([this.options.getAccessToken(), expired]);
    } finally {
      clearTimeout(timer);
    }
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
