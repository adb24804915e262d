import { RefreshableValue } from '../../../shared/cache/refreshableValue';
import type { ClientCredential } from '../../../shared/credentials/clientCredential';
import { entraError, isCredentialRejected } from '../../../shared/credentials/entraError';
import {
  SHORT_TOKEN_REUSE_MS,
  ServicePrincipalTokenProvider,
  type AccessToken,
  type TokenSource,
} from '../../../shared/credentials/servicePrincipalToken';
import { BrokerError } from '../../../shared/errors/brokerError';

// The service principal's Entra token with a fake token source (msal's place) and a frozen
// clock: when the network is used, how often, and what happens after each kind of failure.

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const MIN_REMAINING = 50 * MINUTE;

/** What a token source throws for an Entra error answer (msal surfaces Entra's `error` as `errorCode`). */
function entraFailure(errorCode: string, status?: number, retryAfterMs?: number): Error {
  return entraError(Object.assign(new Error(`${errorCode} from Entra`), { errorCode, ...(status ? { status } : {}) }), { retryAfterMs });
}

type Answer = AccessToken | Error | Promise<AccessToken>;

interface FakeSource extends TokenSource {
  credential: ClientCredential;
  calls: boolean[];
}

/**
 * The world around the provider: a clock, a vault of credentials (each read returns a new
 * object, as a Key Vault read does) and the token sources created from them. Each acquire, on
 * whichever source, takes the next scripted answer.
 */
function world(options: { kind?: 'secret' | 'assertion'; answers?: Answer[] } = {}) {
  let now = T0;
  const answers: Answer[] = [...(options.answers ?? [])];
  const secrets = ['secret-1', 'secret-2', 'secret-3'];
  let reads = 0;
  const sources: FakeSource[] = [];
  const shortTokens: number[] = [];
  const load = async (): Promise<ClientCredential> => {
    const secret = secrets[Math.min(reads, secrets.length - 1)] as string;
    reads += 1;
    return options.kind === 'assertion' ? { kind: 'assertion', getAssertion: async () => 'assertion' } : { kind: 'secret', secret };
  };
  const provider = new ServicePrincipalTokenProvider({
    credential: new RefreshableValue(load),
    createSource: (credential) => {
      const source: FakeSource = {
        credential,
        calls: [],
        async acquire(forceRefresh) {
          source.calls.push(forceRefresh);
          const answer = answers.shift();
          if (answer === undefined) throw new Error('the test gave no answer for this acquire');
          if (answer instanceof Error) throw answer;
          return answer;
        },
      };
      sources.push(source);
      return source;
    },
    minRemainingMs: MIN_REMAINING,
    now: () => now,
    onShortToken: (remainingMs) => shortTokens.push(remainingMs),
  });
  return {
    provider,
    sources,
    shortTokens,
    answers,
    get reads() {
      return reads;
    },
    get acquires() {
      return sources.reduce((n, s) => n + s.calls.length, 0);
    },
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
  };
}

function token(name: string, lifetimeMs: number, from = T0): AccessToken {
  return { token: name, expiresOnMs: from + lifetimeMs };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('ServicePrincipalTokenProvider', () => {
  it('serves the kept token without calling the source while it has the minimum left', async () => {
    const w = world({ answers: [token('t1', 75 * MINUTE)] });
    expect(w.provider.peek()).toBeUndefined();
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.sources[0]?.calls).toEqual([false]);

    w.advance(75 * MINUTE - MIN_REMAINING); // exactly the minimum left
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.provider.peek()?.token).toBe('t1');
    expect(w.acquires).toBe(1);
    expect(w.reads).toBe(1);
  });

  it('skips msal’s cache (forceRefresh) once the kept token has less than the minimum left', async () => {
    const w = world({ answers: [token('t1', 75 * MINUTE), token('t2', 80 * MINUTE, T0 + 26 * MINUTE)] });
    await w.provider.getToken();
    w.advance(75 * MINUTE - MIN_REMAINING + 1);
    expect(w.provider.peek()).toBeUndefined();
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't2' });
    expect(w.sources).toHaveLength(1);
    expect(w.sources[0]?.calls).toEqual([false, true]);
    // The new token is kept in turn.
    await w.provider.getToken();
    expect(w.acquires).toBe(2);
    expect(w.reads).toBe(1);
  });

  it('shares one acquire between concurrent callers', async () => {
    let release!: (t: AccessToken) => void;
    const gate = new Promise<AccessToken>((resolve) => (release = resolve));
    const w = world({ answers: [gate] });
    const callers = Array.from({ length: 20 }, () => w.provider.getToken());
    await new Promise((resolve) => setImmediate(resolve));
    release(token('t1', 75 * MINUTE));
    const tokens = await Promise.all(callers);
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['t1']));
    expect(w.acquires).toBe(1);
    expect(w.reads).toBe(1);
  });

  it('re-reads the credential once after invalid_client and succeeds with a new source', async () => {
    const w = world({ answers: [entraFailure('invalid_client', 401), token('t1', 75 * MINUTE)] });
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.reads).toBe(2);
    expect(w.sources.map((s) => s.credential)).toEqual([
      { kind: 'secret', secret: 'secret-1' },
      { kind: 'secret', secret: 'secret-2' },
    ]);
    // A new credential cannot have a cached token: the retry goes straight to Entra.
    expect(w.sources[1]?.calls).toEqual([true]);
    // And the new credential is the one used from then on.
    w.advance(30 * MINUTE);
    w.answers.push(token('t2', 75 * MINUTE, w.now()));
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't2' });
    expect(w.sources).toHaveLength(2);
    expect(w.sources[1]?.calls).toEqual([true, true]);
  });

  it('treats unauthorized_client like invalid_client', async () => {
    const w = world({ answers: [entraFailure('unauthorized_client', 400), token('t1', 75 * MINUTE)] });
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.reads).toBe(2);
  });

  it('surfaces the error when the re-read credential is refused too, after only one re-read', async () => {
    const second = entraFailure('invalid_client', 401);
    const w = world({ answers: [entraFailure('invalid_client', 401), second] });
    const callers = Array.from({ length: 5 }, () => w.provider.getToken());
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === second)).toBe(true);
    expect(w.reads).toBe(2);
    expect(w.acquires).toBe(2);
  });

  it('drops the source after a non-credential error (msal would fail locally for 60 s) and does not re-read the credential', async () => {
    const unavailable = entraFailure('temporarily_unavailable', 503);
    const w = world({ answers: [unavailable, token('t1', 75 * MINUTE)] });
    await expect(failure(w.provider.getToken())).resolves.toBe(unavailable);
    expect(w.sources).toHaveLength(1);
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.sources).toHaveLength(2);
    expect(w.sources[0]?.credential).toBe(w.sources[1]?.credential);
    expect(w.reads).toBe(1);
  });

  it('drops the source after a network error thrown by it', async () => {
    const w = world({ answers: [new TypeError('fetch failed'), token('t1', 75 * MINUTE)] });
    await expect(failure(w.provider.getToken())).resolves.toBeInstanceOf(TypeError);
    await w.provider.getToken();
    expect(w.sources).toHaveLength(2);
  });

  it('drops the renewed source too when its retry fails for another reason', async () => {
    const unavailable = entraFailure('temporarily_unavailable', 503);
    const w = world({ answers: [entraFailure('invalid_client', 401), unavailable, token('t1', 75 * MINUTE)] });
    await expect(failure(w.provider.getToken())).resolves.toBe(unavailable);
    expect(w.sources).toHaveLength(2);
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't1' });
    expect(w.sources).toHaveLength(3);
    // The renewed credential is kept; only the client is replaced.
    expect(w.sources[2]?.credential).toBe(w.sources[1]?.credential);
    expect(w.reads).toBe(2);
  });

  it('after a failed refresh, keeps serving nothing stale: the next call tries again', async () => {
    const w = world({ answers: [token('t1', 75 * MINUTE), entraFailure('temporarily_unavailable', 503)] });
    await w.provider.getToken();
    w.advance(30 * MINUTE);
    await expect(failure(w.provider.getToken())).resolves.toMatchObject({ extensions: { upstreamCode: 'temporarily_unavailable' } });
    w.answers.push(token('t2', 75 * MINUTE, w.now()));
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 't2' });
  });

  it('reports a token shorter than the minimum and reuses it only for SHORT_TOKEN_REUSE_MS', async () => {
    const w = world({ answers: [token('short-1', 20 * MINUTE)] });
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 'short-1' });
    expect(w.shortTokens).toEqual([20 * MINUTE]);

    w.advance(SHORT_TOKEN_REUSE_MS - 1);
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 'short-1' });
    expect(w.acquires).toBe(1);

    w.advance(1);
    w.answers.push(token('long', 75 * MINUTE, w.now()));
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 'long' });
    expect(w.acquires).toBe(2);
    expect(w.sources[0]?.calls).toEqual([false, true]);
    expect(w.shortTokens).toHaveLength(1);

    // A good token ends the short-token grace: it is served on freshness alone from now on.
    w.advance(75 * MINUTE - MIN_REMAINING + 1);
    w.answers.push(token('long-2', 75 * MINUTE, w.now()));
    await expect(w.provider.getToken()).resolves.toMatchObject({ token: 'long-2' });
  });

  it('does not reuse a short token past its own expiry', async () => {
    const w = world({ answers: [token('very-short', 10_000)] });
    await w.provider.getToken();
    w.advance(10_000);
    expect(w.provider.peek()).toBeUndefined();
  });

  it('refuses a token that has already expired', async () => {
    const w = world({ answers: [token('dead', 0)] });
    const error = await failure(w.provider.getToken());
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).code).toBe('upstream_invalid_response');
    expect((error as BrokerError).message).not.toContain('dead');
    expect(w.provider.peek()).toBeUndefined();
  });

  it('never re-reads an assertion credential: a refused assertion is not a rotated secret', async () => {
    const refused = entraFailure('invalid_client', 401);
    const w = world({ kind: 'assertion', answers: [refused] });
    await expect(failure(w.provider.getToken())).resolves.toBe(refused);
    expect(w.reads).toBe(1);
    expect(w.sources).toHaveLength(1);
  });

  it('surfaces a credential read failure without creating a source', async () => {
    const provider = new ServicePrincipalTokenProvider({
      credential: new RefreshableValue<ClientCredential>(async () => Promise.reject(new Error('vault down'))),
      createSource: () => {
        throw new Error('must not be called');
      },
      minRemainingMs: MIN_REMAINING,
      now: () => T0,
    });
    await expect(provider.getToken()).rejects.toThrow('vault down');
  });
});

describe('isCredentialRejected', () => {
  it.each([
    ['invalid_client', true],
    ['unauthorized_client', true],
    ['temporarily_unavailable', false],
    ['invalid_scope', false],
  ])('%s -> %s', (code, expected) => {
    expect(isCredentialRejected(entraFailure(code))).toBe(expected);
  });

  it('is false for values that are not Entra refusals', () => {
    expect(isCredentialRejected(null)).toBe(false);
    expect(isCredentialRejected(undefined)).toBe(false);
    expect(isCredentialRejected(new Error('invalid_client'))).toBe(false);
    expect(isCredentialRejected(Object.assign(new Error('x'), { errorCode: 'invalid_client' }))).toBe(false);
  });
});

describe('a secret that is wrong at its source', () => {
  it('does not retry Entra with the same secret, and re-reads it at most once per interval', async () => {
    let now = T0;
    let reads = 0;
    let acquires = 0;
    const provider = new ServicePrincipalTokenProvider({
      credential: new RefreshableValue(
        async (): Promise<ClientCredential> => {
          reads += 1;
          return { kind: 'secret', secret: 'expired-secret' };
        },
        { minRefreshIntervalMs: 30_000, now: () => now },
      ),
      createSource: () => ({
        async acquire() {
          acquires += 1;
          throw entraFailure('invalid_client', 401);
        },
      }),
      minRemainingMs: MIN_REMAINING,
      now: () => now,
    });
    await expect(provider.getToken()).rejects.toMatchObject({ extensions: { upstreamCode: 'invalid_client' } });
    expect({ reads, acquires }).toEqual({ reads: 2, acquires: 1 });
    await expect(provider.getToken()).rejects.toMatchObject({ extensions: { upstreamCode: 'invalid_client' } });
    expect({ reads, acquires }).toEqual({ reads: 2, acquires: 2 });
    now += 30_000;
    await expect(provider.getToken()).rejects.toMatchObject({ extensions: { upstreamCode: 'invalid_client' } });
    expect({ reads, acquires }).toEqual({ reads: 3, acquires: 3 });
  });
});
