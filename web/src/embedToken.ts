// Keeps a Power BI embed alive on an embed token from the broker. Self-contained: copy this
// file into your app; it depends on nothing else (not even on powerbi-client: you pass in the
// function that embeds). What it does, for one report:
//
//   1. fetch the embed configuration from the broker with the user's bearer token, then embed;
//   2. refresh a safe margin before `expiration` (5 minutes, less for short tokens, minus a
//      random jitter of up to a minute so many tabs do not call at once) and hand the new
//      token to the embedded report with `setAccessToken()`: no reload, no flicker;
//   3. when the tab becomes visible after the refresh time passed (browsers throttle or freeze
//      timers in hidden tabs), refresh at once; when the old token already expired, embed
//      again (`embed(config)` is called anew), since an expired report must be reloaded;
//   4. 503/429/5xx or a network failure: back off (the broker's `Retry-After` when it sends
//      one) and try again; 401: run sign-in again; 403: stop and say the user has no access;
//   5. report every step through `onStatus` with a message fit for the user and the problem
//      body's `traceId` (when the broker sends one) for support.
//
// Everything with a side effect (fetch, clock, timers, page visibility, randomness) is a
// dependency, so the behaviour is testable with fakes. In a browser:
//
//   const session = startEmbedSession({
//     url: `${apiBase}/api/embed/reports/${key}`,
//     getAccessToken: () => msal.acquireTokenSilent(...).then((r) => r.accessToken),
//     signIn: () => msal.loginRedirect(...),
//     embed: (config) => powerbi.embed(element, { ...config, tokenType: models.TokenType.Embed }) as Report,
//     fetch: (url, init) => fetch(url, init),
//     now: () => Date.now(),
//     setTimeout: (fn, ms) => window.setTimeout(fn, ms),
//     clearTimeout: (handle) => window.clearTimeout(handle as number),
//     visibility: documentVisibility(document),
//     onStatus: (status) => render(status),
//   });
//   report.on('error', (e) => { if (isTokenExpired(e.detail)) void session.refreshNow(); });

/** The broker's answer: what powerbi-client's `embed()` takes (tokenType aside). */
export interface EmbedConfig {
  type: string;
  id: string;
  embedUrl: string;
  accessToken: string;
  tokenType: string;
  tokenId?: string;
  /** ISO 8601, e.g. `2026-12-01T14:00:00Z`. */
  expiration: string;
  datasetId?: string;
}

/** The part of powerbi-client's embedded report this module uses. */
export interface EmbeddedItem {
  setAccessToken(token: string): Promise<unknown>;
}

/** An RFC 9457 problem body as the broker sends it. */
export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  traceId?: string;
}

export type EmbedStatus =
  | { kind: 'loading' }
  | { kind: 'embedded'; how: 'embedded' | 'refreshed' | 'reloaded'; config: EmbedConfig; refreshAt: number }
  | { kind: 'signing-in'; message: string }
  | { kind: 'forbidden'; message: string; problem: Problem }
  | { kind: 'unavailable'; message: string; retryAt: number; problem?: Problem }
  | { kind: 'failed'; message: string; problem?: Problem };

export interface ResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}

export interface PageVisibility {
  isVisible(): boolean;
  /** Calls `listener` when the page's visibility changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export interface EmbedSessionDeps {
  /** The broker's embed endpoint for one report, e.g. `https://api.example/api/embed/reports/sales`. */
  url: string;
  getAccessToken(): Promise<string>;
  /** Runs the sign-in again (e.g. msal's loginRedirect); called on a 401. */
  signIn(): unknown;
  /** Embeds (first time, and again after the token expired); returns the embedded report. */
  embed(config: EmbedConfig): EmbeddedItem;
  fetch(url: string, init: { headers: Record<string, string> }): Promise<ResponseLike>;
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  visibility?: PageVisibility;
  /** In [0, 1); default Math.random. */
  random?(): number;
  onStatus?(status: EmbedStatus): void;
  /** Refresh this long before expiry (default 5 minutes; at most a quarter of the token's remaining life). */
  marginMs?: number;
  /** Up to this much earlier still, at random (default 60 s; at most an eighth of the remaining life). */
  jitterMs?: number;
  /** Back-off without Retry-After: first delay (default 2 s), doubling up to `maxRetryMs` (default 60 s). */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

export interface EmbedSession {
  /** Fetches a new token now (single flight): on TokenExpired errors from the report, for instance. */
  refreshNow(): Promise<void>;
  stop(): void;
  readonly config: EmbedConfig | undefined;
}

export const DEFAULT_MARGIN_MS = 5 * 60_000;
export const DEFAULT_JITTER_MS = 60_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export const MESSAGES = {
  forbidden: 'You have no access to this report.',
  unavailable: 'The report service is unavailable right now; try again shortly (retrying automatically).',
  signingIn: 'Your session ended; signing you in again.',
  failed: 'The report could not be loaded.',
} as const;

/** When to refresh a token expiring at `expirationMs`, seen at `nowMs` (epoch ms). */
export function refreshTime(expirationMs: number, nowMs: number, marginMs: number, jitterMs: number, random: number): number {
  const remaining = Math.max(0, expirationMs - nowMs);
  const margin = Math.min(marginMs, remaining / 4);
  const jitter = Math.min(jitterMs, remaining / 8) * random;
  return nowMs + Math.max(0, remaining - margin - jitter);
}

/** Seconds (or an HTTP date) in Retry-After, as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** True for powerbi-client's error for an expired token (the `error` event's detail, or a rejected setAccessToken). */
export function isTokenExpired(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { message?: unknown }).message === 'TokenExpired';
}

/** The visibility of a browser document (pass `document`). */
export function documentVisibility(doc: { visibilityState: string; addEventListener(type: string, l: () => void): void; removeEventListener(type: string, l: () => void): void }): PageVisibility {
  return {
    isVisible: () => doc.visibilityState === 'visible',
    subscribe(listener) {
      doc.addEventListener('visibilitychange', listener);
      return () => doc.removeEventListener('visibilitychange', listener);
    },
  };
}

function withSupport(message: string, problem: Problem | undefined): string {
  return problem?.traceId ? `${message} Support reference: ${problem.traceId}.` : message;
}

async function readProblem(response: ResponseLike): Promise<Problem> {
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  const text = (name: string) => (body && typeof body[name] === 'string' ? { [name]: body[name] as string } : {});
  return { status: response.status, ...text('code'), ...text('title'), ...text('detail'), ...text('traceId') };
}

type Fetched = { ok: EmbedConfig } | { status: number; problem?: Problem; retryAfter: string | null };

export function startEmbedSession(deps: EmbedSessionDeps): EmbedSession {
  const random = deps.random ?? Math.random;
  const marginMs = deps.marginMs ?? DEFAULT_MARGIN_MS;
  const jitterMs = deps.jitterMs ?? DEFAULT_JITTER_MS;
  const firstRetryMs = deps.firstRetryMs ?? 2000;
  const maxRetryMs = deps.maxRetryMs ?? 60_000;
  let item: EmbeddedItem | undefined;
  let current: EmbedConfig | undefined;
  let timer: unknown;
  let dueAt: number | undefined;
  let failures = 0;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const status = (s: EmbedStatus) => {
    if (!stopped) deps.onStatus?.(s);
  };

  const schedule = (at: number) => {
    if (timer !== undefined) deps.clearTimeout(timer);
    dueAt = at;
    timer = deps.setTimeout(() => {
      timer = undefined;
      void refreshNow();
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - deps.now())));
  };

  const cancel = () => {
    if (timer !== undefined) deps.clearTimeout(timer);
    timer = undefined;
    dueAt = undefined;
  };

  const fetchConfig = async (): Promise<Fetched> => {
    try {
      const token = await deps.getAccessToken();
      const response = await deps.fetch(deps.url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
      if (response.status === 200) return { ok: (await response.json()) as EmbedConfig };
      return { status: response.status, problem: await readProblem(response), retryAfter: response.headers.get('retry-after') };
    } catch {
      // Network failure (API down, offline): as a 503 without Retry-After.
      return { status: 0, retryAfter: null };
    }
  };

  const apply = async (config: EmbedConfig) => {
    const expired = current === undefined || Date.parse(current.expiration) <= deps.now();
    let how: 'embedded' | 'refreshed' | 'reloaded' = current === undefined || item === undefined ? 'embedded' : expired ? 'reloaded' : 'refreshed';
    if (how === 'refreshed') {
      try {
        await (item as EmbeddedItem).setAccessToken(config.accessToken);
      } catch (error) {
        if (!isTokenExpired(error)) throw error;
        how = 'reloaded';
      }
    }
    if (how !== 'refreshed') item = deps.embed(config);
    current = config;
    failures = 0;
    const refreshAt = refreshTime(Date.parse(config.expiration), deps.now(), marginMs, jitterMs, random());
    schedule(refreshAt);
    status({ kind: 'embedded', how, config, refreshAt });
  };

  const run = async () => {
    cancel();
    const fetched = await fetchConfig();
    if (stopped) return;
    if ('ok' in fetched) {
      try {
        await apply(fetched.ok);
      } catch {
        status({ kind: 'failed', message: MESSAGES.failed });
      }
      return;
    }
    const { problem } = fetched;
    if (fetched.status === 401) {
      status({ kind: 'signing-in', message: MESSAGES.signingIn });
      await deps.signIn();
      return;
    }
    if (fetched.status === 403) {
      status({ kind: 'forbidden', message: withSupport(MESSAGES.forbidden, problem), problem: problem as Problem });
      return;
    }
    if (fetched.status === 0 || fetched.status === 429 || fetched.status >= 500) {
      const backoff = Math.min(maxRetryMs, firstRetryMs * 2 ** failures) * (0.5 + random() / 2);
      failures += 1;
      const retryAt = deps.now() + (retryAfterMs(fetched.retryAfter, deps.now()) ?? backoff);
      schedule(retryAt);
      status({ kind: 'unavailable', message: withSupport(MESSAGES.unavailable, problem), retryAt, ...(problem ? { problem } : {}) });
      return;
    }
    status({ kind: 'failed', message: withSupport(problem?.detail ? `${MESSAGES.failed} ${problem.detail}` : MESSAGES.failed, problem), ...(problem ? { problem } : {}) });
  };

  const refreshNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    inFlight ??= run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const unsubscribe = deps.visibility?.subscribe(() => {
    if (deps.visibility?.isVisible() && dueAt !== undefined && deps.now() >= dueAt) void refreshNow();
  });

  status({ kind: 'loading' });
  void refreshNow();

  return {
    refreshNow,
    stop() {
      stopped = true;
      cancel();
      unsubscribe?.();
    },
    get config() {
      return current;
    },
  };
}
