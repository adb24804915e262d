// How long to leave an upstream alone after failed fetches: one failure costs a second, each
// further failure in a row doubles it, up to a bound. A single blip (one refused or lost fetch
// as an instance starts) then refuses callers for a second, not for the whole bound, while an
// outage is asked at most once per bound once it has lasted a few attempts. A success forgets.

export class FailureBackoff {
  private failures = 0;
  private until = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
    private readonly firstMs = Math.min(1_000, maxMs),
  ) {}

  /** Milliseconds before another attempt is allowed; zero or less: now. */
  retryInMs(): number {
    return this.until - this.now();
  }

  /** The pause a failure now would start (for a Retry-After given with that failure). */
  nextPauseMs(): number {
    return Math.min(this.maxMs, this.firstMs * 2 ** this.failures);
  }

  /** Records a failure and returns the pause it starts. */
  failed(): number {
    const pause = this.nextPauseMs();
    this.failures++;
    this.until = this.now() + pause;
    return pause;
  }

  succeeded(): void {
    this.failures = 0;
    this.until = Number.NEGATIVE_INFINITY;
  }
}
