import { isTokenExpired, MESSAGES, refreshTime, retryAfterMs, startEmbedSession, type EmbedConfig, type EmbedSessionDeps, type EmbedStatus, type ResponseLike } from '../../web/src/embedToken';

// The token's life with fakes: a clock and timers the test moves, a broker answering what
// the test queues, a visibility the test flips, and an embedded report that records tokens.

const START = Date.parse('2026-12-01T10:00:00Z');
const MINUTE = 60_000;

class FakeClock {
  time = START;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  get pending(): number[] {
    return this.timers.map((t) => t.at);
  }
  /** Moves the clock, firing due timers in order; `frozen` moves it without firing (a frozen tab). */
  async advance(ms: number, { frozen = false } = {}): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = frozen ? undefined : this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function config(n: number, expiresAt: number): EmbedConfig {
  return { type: 'report', id: 'r1', embedUrl: 'https://app.powerbi.com/reportEmbed?reportId=r1', accessToken: `embed-${n}`, tokenType: 'Embed', tokenId: `t${n}`, expiration: new Date(expiresAt).toISOString() };
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): ResponseLike {
  return { status, headers: { get: (name) => headers[name.toLowerCase()] ?? null }, json: async () => body };
}

function setup(overrides: Partial<EmbedSessionDeps> = {}) {
  const clock = new FakeClock();
  const answers: (ResponseLike | Error)[] = [];
  const requests: { url: string; authorization: string | undefined }[] = [];
  const statuses: EmbedStatus[] = [];
  const embedded: EmbedConfig[] = [];
  const tokensSet: string[] = [];
  let visible = true;
  const listeners: (() => void)[] = [];
  let setAccessToken = async (token: string) => {
    tokensSet.push(token);
  };
  let signIns = 0;
  let issued = 0;
  const deps: EmbedSessionDeps = {
    url: 'https://api.example/api/embed/reports/sales',
    getAccessToken: async () => 'user-token',
    signIn: () => {
      signIns += 1;
    },
    embed: (c) => {
      embedded.push(c);
      return { setAccessToken: (t) => setAccessToken(t) };
    },
    fetch: async (url, init) => {
      requests.push({ url, authorization: init.headers.authorization });
      const next = answers.shift() ?? answer(200, config(++issued, clock.time + 60 * MINUTE));
      if (next instanceof Error) throw next;
      return next;
    },
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5,
    visibility: {
      isVisible: () => visible,
      subscribe: (l) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
    },
    onStatus: (s) => statuses.push(s),
    ...overrides,
  };
  return {
    clock,
    answers,
    requests,
    statuses,
    embedded,
    tokensSet,
    deps,
    get signIns() {
      return signIns;
    },
    failSetAccessToken(error: unknown) {
      setAccessToken = async () => {
        throw error;
      };
    },
    setVisible(value: boolean) {
      visible = value;
      for (const l of [...listeners]) l();
    },
    last: () => statuses[statuses.length - 1],
  };
}

describe('refreshTime', () => {
  it('refreshes five minutes and up to a minute of jitter before a one-hour token expires', () => {
    expect(refreshTime(START + 60 * MINUTE, START, 5 * MINUTE, MINUTE, 0)).toBe(START + 55 * MINUTE);
    expect(refreshTime(START + 60 * MINUTE, START, 5 * MINUTE, MINUTE, 0.5)).toBe(START + 54.5 * MINUTE);
  });

  it('keeps the margin within a quarter and the jitter within an eighth of a short token', () => {
    expect(refreshTime(START + 20_000, START, 5 * MINUTE, MINUTE, 0)).toBe(START + 15_000);
    expect(refreshTime(START + 20_000, START, 5 * MINUTE, MINUTE, 1)).toBe(START + 12_500);
    expect(refreshTime(START - 1000, START, 5 * MINUTE, MINUTE, 1)).toBe(START);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(retryAfterMs('7', START)).toBe(7000);
    expect(retryAfterMs(new Date(START + 3000).toUTCString(), START)).toBe(3000);
    expect(retryAfterMs(null, START)).toBeUndefined();
    expect(retryAfterMs('soon', START)).toBeUndefined();
  });
});

describe('startEmbedSession', () => {
  it('fetches with the bearer token, embeds, and hands fresh tokens to the report before expiry without re-embedding', async () => {
    const t = setup();
    startEmbedSession(t.deps);
    await settle();
    expect(t.requests).toEqual([{ url: t.deps.url, authorization: 'Bearer user-token' }]);
    expect(t.embedded.map((c) => c.accessToken)).toEqual(['embed-1']);
    expect(t.last()).toMatchObject({ kind: 'embedded', how: 'embedded', refreshAt: START + 54.5 * MINUTE });

    await t.clock.advance(54.5 * MINUTE - 1);
    expect(t.requests).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.requests).toHaveLength(2);
    expect(t.tokensSet).toEqual(['embed-2']);
    expect(t.embedded).toHaveLength(1);
    expect(t.last()).toMatchObject({ kind: 'embedded', how: 'refreshed' });

    await t.clock.advance(3 * 60 * MINUTE);
    expect(t.tokensSet).toEqual(['embed-2', 'embed-3', 'embed-4', 'embed-5']);
    expect(t.embedded).toHaveLength(1);
  });

  it('refreshes at once when the tab becomes visible after the refresh time passed in a frozen tab', async () => {
    const t = setup();
    startEmbedSession(t.deps);
    await settle();
    t.setVisible(false);
    await t.clock.advance(56 * MINUTE, { frozen: true });
    expect(t.requests).toHaveLength(1);
    t.setVisible(true);
    await settle();
    expect(t.requests).toHaveLength(2);
    expect(t.tokensSet).toEqual(['embed-2']);
    expect(t.embedded).toHaveLength(1);
  });

  it('does not refresh early when the tab becomes visible before the refresh time', async () => {
    const t = setup();
    startEmbedSession(t.deps);
    await settle();
    t.setVisible(false);
    await t.clock.advance(10 * MINUTE, { frozen: true });
    t.setVisible(true);
    await settle();
    expect(t.requests).toHaveLength(1);
  });

  it('embeds again when the old token expired while the tab was hidden', async () => {
    const t = setup();
    startEmbedSession(t.deps);
    await settle();
    t.setVisible(false);
    await t.clock.advance(61 * MINUTE, { frozen: true });
    t.setVisible(true);
    await settle();
    expect(t.tokensSet).toEqual([]);
    expect(t.embedded.map((c) => c.accessToken)).toEqual(['embed-1', 'embed-2']);
    expect(t.last()).toMatchObject({ kind: 'embedded', how: 'reloaded' });
  });

  it('embeds again when the report refuses the new token as expired', async () => {
    const t = setup();
    t.failSetAccessToken({ message: 'TokenExpired', errorCode: '403' });
    startEmbedSession(t.deps);
    await settle();
    await t.clock.advance(55 * MINUTE);
    expect(t.embedded.map((c) => c.accessToken)).toEqual(['embed-1', 'embed-2']);
    expect(t.last()).toMatchObject({ how: 'reloaded' });
  });

  it('backs off on 503 for as long as Retry-After says, then recovers', async () => {
    const t = setup();
    t.answers.push(answer(503, { status: 503, code: 'upstream_unavailable', traceId: 'abc123' }, { 'retry-after': '7' }));
    startEmbedSession(t.deps);
    await settle();
    expect(t.last()).toEqual({ kind: 'unavailable', message: `${MESSAGES.unavailable} Support reference: abc123.`, retryAt: START + 7000, problem: { status: 503, code: 'upstream_unavailable', traceId: 'abc123' } });
    expect(t.embedded).toHaveLength(0);
    await t.clock.advance(6999);
    expect(t.requests).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.requests).toHaveLength(2);
    expect(t.last()).toMatchObject({ kind: 'embedded', how: 'embedded' });
  });

  it('backs off exponentially without Retry-After and on network failures', async () => {
    const t = setup();
    t.answers.push(new TypeError('Failed to fetch'), answer(503, {}), answer(502, {}));
    startEmbedSession(t.deps);
    await settle();
    const retries: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = t.last() as Extract<EmbedStatus, { kind: 'unavailable' }>;
      expect(s.kind).toBe('unavailable');
      retries.push(s.retryAt - t.clock.time);
      await t.clock.advance(s.retryAt - t.clock.time);
    }
    // random() = 0.5: three quarters of 2 s, 4 s, 8 s.
    expect(retries).toEqual([1500, 3000, 6000]);
    expect(t.last()).toMatchObject({ kind: 'embedded' });
  });

  it('says the user has no access on 403, with the trace id, and stops', async () => {
    const t = setup();
    t.answers.push(answer(403, { status: 403, code: 'forbidden', detail: 'No rule allows this report.', traceId: 'trace-9' }));
    startEmbedSession(t.deps);
    await settle();
    expect(t.last()).toMatchObject({ kind: 'forbidden', message: `${MESSAGES.forbidden} Support reference: trace-9.` });
    expect(t.clock.pending).toEqual([]);
    expect(t.embedded).toHaveLength(0);
  });

  it('runs sign-in again on 401', async () => {
    const t = setup();
    t.answers.push(answer(401, { status: 401, code: 'unauthorized' }));
    startEmbedSession(t.deps);
    await settle();
    expect(t.signIns).toBe(1);
    expect(t.last()).toMatchObject({ kind: 'signing-in' });
  });

  it('shows other problems with their detail, without retrying', async () => {
    const t = setup();
    t.answers.push(answer(404, { status: 404, code: 'unknown_item', detail: 'No embeddable item has this key.' }));
    startEmbedSession(t.deps);
    await settle();
    expect(t.last()).toEqual({ kind: 'failed', message: `${MESSAGES.failed} No embeddable item has this key.`, problem: { status: 404, code: 'unknown_item', detail: 'No embeddable item has this key.' } });
    expect(t.clock.pending).toEqual([]);
  });

  it('makes one request for concurrent refreshes, and none after stop', async () => {
    const t = setup();
    const session = startEmbedSession(t.deps);
    await settle();
    await Promise.all([session.refreshNow(), session.refreshNow()]);
    expect(t.requests).toHaveLength(2);
    session.stop();
    await session.refreshNow();
    await t.clock.advance(2 * 60 * MINUTE);
    expect(t.requests).toHaveLength(2);
    expect(t.clock.pending).toEqual([]);
  });

  it('recognises powerbi-client’s expired-token error', () => {
    expect(isTokenExpired({ message: 'TokenExpired', errorCode: '403' })).toBe(true);
    expect(isTokenExpired({ message: 'LoadReportFailed' })).toBe(false);
    expect(isTokenExpired(undefined)).toBe(false);
  });
});
