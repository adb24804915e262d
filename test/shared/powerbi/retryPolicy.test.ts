import { backoffMs, DEFAULT_RETRY_POLICY, parseRetryAfterMs, RETRYABLE_STATUSES } from '../../../shared/powerbi/retryPolicy';

const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);

describe('parseRetryAfterMs', () => {
  it.each([
    ['1', 1000],
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3000],
    ['1.5', 1500],
  ])('reads delay-seconds %j as %i ms', (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfterMs(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfterMs('Fri, 01 May 2026 12:01:00 GMT', NOW)).toBe(60_000);
  });

  it('reads an HTTP date in the past as no wait', () => {
    expect(parseRetryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it.each([null, undefined, '', 'soon', '5s', '1e3'])('ignores %j', (header) => {
    expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('honours Retry-After over the policy', () => {
    expect(backoffMs(DEFAULT_RETRY_POLICY, 1, 7000)).toBe(7000);
    expect(backoffMs(DEFAULT_RETRY_POLICY, 3, 0)).toBe(0);
  });

  it('backs off exponentially from the base delay, capped at the maximum', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(policy, attempt, undefined))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe('RETRYABLE_STATUSES', () => {
  it('retries throttling and unavailability, not errors that would repeat', () => {
    expect([429, 503].every((s) => RETRYABLE_STATUSES.has(s))).toBe(true);
    expect([400, 401, 403, 404, 500].some((s) => RETRYABLE_STATUSES.has(s))).toBe(false);
  });
});
