import { FailureBackoff } from '../../../shared/upstream/failureBackoff';

describe('FailureBackoff', () => {
  it('pauses a second after one failure, doubles per failure in a row up to its bound, and forgets on success', () => {
    let clock = 0;
    const backoff = new FailureBackoff(10_000, () => clock);
    expect(backoff.retryInMs()).toBeLessThanOrEqual(0);
    expect(backoff.nextPauseMs()).toBe(1_000);
    expect(backoff.failed()).toBe(1_000);
    expect(backoff.retryInMs()).toBe(1_000);
    clock += 1_000;
    expect(backoff.retryInMs()).toBe(0);
    expect([backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()]).toEqual([2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(backoff.retryInMs()).toBe(10_000);
    backoff.succeeded();
    expect(backoff.retryInMs()).toBeLessThanOrEqual(0);
    expect(backoff.nextPauseMs()).toBe(1_000);
  });

  it('never pauses longer than a bound below a second', () => {
    const backoff = new FailureBackoff(300, () => 0);
    expect([backoff.failed(), backoff.failed()]).toEqual([300, 300]);
  });
});
