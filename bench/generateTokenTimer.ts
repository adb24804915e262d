// Measures how long the broker waits on Power BI's GenerateToken, at the broker's own fetch
// boundary (network, TLS, emulator work and the injected delay). Concurrent requests overlap, so
// each call is attributed to its request by the effective identity's username in the body:
// every warm request in the bench is for a distinct user.

type Fetch = typeof fetch;

export class GenerateTokenTimer {
  private readonly byUser = new Map<string, number>();
  private original: Fetch | undefined;

  constructor(private readonly powerBiUrl: string) {}

  /** Must run before the function app loads: the broker keeps the fetch it finds at start-up. */
  install(): void {
    if (this.original) return;
    const original = globalThis.fetch;
    this.original = original;
    globalThis.fetch = async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const username = url.startsWith(this.powerBiUrl) && /\/GenerateToken$/i.test(url) ? usernameOf(init?.body) : undefined;
      if (username === undefined) return original(input, init);
      const started = performance.now();
      try {
        return await original(input, init);
      } finally {
        // Retries of one request add up: all of it is time spent waiting on Power BI.
        this.byUser.set(username, (this.byUser.get(username) ?? 0) + performance.now() - started);
      }
    };
  }

  /** The fetch the broker would have had, for calls that must not be attributed to it. */
  get untimedFetch(): Fetch {
    return this.original ?? globalThis.fetch;
  }

  uninstall(): void {
    if (this.original) globalThis.fetch = this.original;
    this.original = undefined;
  }

  /** Time spent in GenerateToken for this user's requests (0 when none was made). */
  take(username: string): number {
    const ms = this.byUser.get(username) ?? 0;
    this.byUser.delete(username);
    return ms;
  }
}

function usernameOf(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const parsed = JSON.parse(body) as { identities?: { username?: unknown }[] };
    const username = parsed.identities?.[0]?.username;
    return typeof username === 'string' ? username : undefined;
  } catch {
    return undefined;
  }
}
