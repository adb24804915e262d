// When to try a Power BI call again and how long to wait: 429 and 503 honour Retry-After,
// network errors back off exponentially, and nothing waits past the request's deadline.

export { parseRetryAfterMs } from '../http/retryAfter';

export const RETRYABLE_STATUSES = new Set([429, 503]);

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 5000 };

export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
}
