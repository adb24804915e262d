import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { BrokerError } from '../errors/brokerError';
import { parseRetryAfterMs } from '../http/retryAfter';

// What the Azure SDK pipeline saw on the wire, for the failures it does not explain: a call the
// SDK gave up on after a 429 or 503 (Key Vault, the managed identity) surfaces as an abort or a
// generic error, and its Retry-After is lost. The recorder wraps the SDK's own HTTP client.

export interface ThrottleSeen {
  status: number;
  retryAfterMs: number | undefined;
  at: number;
}

/** A call the SDK gave up on after the upstream throttled it: 503 with the upstream's own Retry-After. */
export function throttledError(what: string, throttle: Pick<ThrottleSeen, 'status' | 'retryAfterMs'>, cause: unknown, extensions: Record<string, string | number>): BrokerError {
  return new BrokerError('upstream_unavailable', `${what} is throttling (${throttle.status}).`, {
    cause,
    extensions: { ...extensions, upstreamStatus: throttle.status },
    ...(throttle.retryAfterMs !== undefined ? { retryAfterSeconds: throttle.retryAfterMs / 1000 } : {}),
  });
}

export interface ObservedResponse {
  method: string;
  url: string;
  status: number | undefined;
  durationMs: number;
  requestId: string | undefined;
  error?: string;
  /** 1 for a first try; the SDK's retry policy sends the same request object again. */
  attempt: number;
  /** Whether the request carried credentials (a 401 to one without is Key Vault's challenge). */
  authenticated: boolean;
  retryAfterMs?: number;
}

export class ResponseRecorder {
  private lastThrottle: ThrottleSeen | undefined;
  /** Tries of each request object; Key Vault's unauthenticated challenge try is not counted as one. */
  private readonly tries = new WeakMap<PipelineRequest, { count: number; authenticated: boolean }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly observe?: (response: ObservedResponse) => void,
  ) {}

  /** The SDK's HTTP client, reporting each answer (every retry included) to this recorder. */
  wrap(inner: HttpClient): HttpClient {
    return {
      sendRequest: async (request: PipelineRequest): Promise<PipelineResponse> => {
        const started = this.now();
        const authenticated = request.headers.has('authorization');
        const before = this.tries.get(request);
        const attempt = before && before.authenticated === authenticated ? before.count + 1 : 1;
        this.tries.set(request, { count: attempt, authenticated });
        try {
          const response = await inner.sendRequest(request);
          this.record(request, response, started, attempt);
          return response;
        } catch (error) {
          const name = (error as { name?: unknown } | null)?.name;
          this.observe?.({ method: request.method, url: request.url, status: undefined, durationMs: this.now() - started, requestId: undefined, error: typeof name === 'string' ? name : 'error', attempt, authenticated: request.headers.has('authorization') });
          throw error;
        }
      },
    };
  }

  /** A 429 or 503 answered since `since` (epoch ms on this recorder's clock). */
  throttledSince(since: number): ThrottleSeen | undefined {
    return this.lastThrottle && this.lastThrottle.at >= since ? this.lastThrottle : undefined;
  }

  private record(request: PipelineRequest, response: PipelineResponse, started: number, attempt: number): void {
    const at = this.now();
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), Date.now());
    if (response.status === 429 || response.status === 503) {
      this.lastThrottle = { status: response.status, retryAfterMs, at };
    }
    this.observe?.({
      method: request.method,
      url: request.url,
      status: response.status,
      durationMs: at - started,
      requestId: response.headers.get('x-ms-request-id') ?? undefined,
      attempt,
      authenticated: request.headers.has('authorization'),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}
