import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { FetchLike } from '../auth/openIdDiscovery';

// msal-node's network client, with what msal leaves out: a timeout on the token POST, an
// injectable fetch, and a hook that reports each call (for dependency telemetry).

export interface UpstreamCall {
  target: string;
  method: string;
  path: string;
  status: number | undefined;
  durationMs: number;
  requestId: string | undefined;
  error?: string;
  /** 1 for a first try, 2 and up for a retry of the same call. */
  attempt?: number;
  /** The answer's Retry-After header, as sent. */
  retryAfter?: string;
}

export type UpstreamCallObserver = (call: UpstreamCall) => void;

export class MsalNetworkClient implements INetworkModule {
  /** Calls that hit our timeout; msal reports them only as a generic network error. */
  timeouts = 0;
  /** Retry-After of the last answer (Entra sends it with 429 and 503); msal does not pass it on. */
  lastRetryAfter: string | undefined;
  /** Tries per msal request (msal repeats a call with the same client-request-id): the last few only. */
  private readonly tries = new Map<string, number>();

  constructor(
    private readonly fetchFn: FetchLike,
    private readonly timeoutMs: number,
    private readonly observe: UpstreamCallObserver = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: string, url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const started = this.now();
    const { pathname, searchParams } = new URL(url);
    const attempt = this.countTry(searchParams.get('client-request-id'));
    const signal = AbortSignal.timeout(Math.min(timeout ?? this.timeoutMs, this.timeoutMs));
    try {
      const response = await this.fetchFn(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        signal,
      });
      const text = await response.text();
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => (headers[name] = value));
      this.lastRetryAfter = response.status >= 400 ? headers['retry-after'] : undefined;
      const retryAfter = headers['retry-after'];
      this.observe({ target: 'entra', method, path: pathname, status: response.status, durationMs: this.now() - started, requestId: headers['x-ms-request-id'], attempt, ...(retryAfter ? { retryAfter } : {}) });
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { error: 'invalid_response', error_description: `Entra answered ${response.status} with a body that is not JSON.` };
      }
      return { headers, body: body as T, status: response.status };
    } catch (error) {
      if (signal.aborted) this.timeouts += 1;
      this.observe({ target: 'entra', method, path: pathname, status: undefined, durationMs: this.now() - started, requestId: undefined, error: signal.aborted ? 'timeout' : errorName(error), attempt });
      throw error;
    }
  }

  private countTry(requestId: string | null): number {
    if (!requestId) return 1;
    const attempt = (this.tries.get(requestId) ?? 0) + 1;
    this.tries.delete(requestId);
    this.tries.set(requestId, attempt);
    if (this.tries.size > 16) this.tries.delete(this.tries.keys().next().value as string);
    return attempt;
  }
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'error';
}
