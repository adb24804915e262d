import { SingleFlight } from './singleFlight';

// A value loaded once and kept (a secret, a certificate). Concurrent first callers share one
// load; `refresh()` reloads it once even if many callers ask at the same moment, and at most
// once per interval, so a value that is wrong at its source is not re-read on every request.

export class RefreshableValue<T> {
  private value: T | undefined;
  private generation = 0;
  private readonly flight = new SingleFlight<T>();
  private lastRefreshAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: { minRefreshIntervalMs?: number; now?: () => number } = {},
  ) {}

  async get(): Promise<T> {
    if (this.value !== undefined) return this.value;
    return this.flight.run(`load-${this.generation}`, async () => {
      this.value = await this.load();
      return this.value;
    });
  }

  /**
   * Reloads the value unless it already changed since `seen` was read, so callers that all
   * saw the same stale value trigger one reload between them.
   */
  async refresh(seen: T): Promise<T> {
    if (this.value !== undefined && this.value !== seen) return this.value;
    const now = this.options.now ?? Date.now;
    if (this.value !== undefined && now() - this.lastRefreshAt < (this.options.minRefreshIntervalMs ?? 0)) return this.value;
    return this.flight.run(`refresh-${this.generation}`, async () => {
      this.lastRefreshAt = now();
      const fresh = await this.load();
      this.value = fresh;
      this.generation += 1;
      return fresh;
    });
  }
}
