import autocannon from 'autocannon';
import { summarize, type Summary } from './stats';

// One load run with autocannon over HTTP on loopback: a fixed number of connections, each with
// one request in flight. Each request carries the next bearer token of the list, so a run can be
// all one user (cache hits) or a new user every time (cache misses). Latency is kept per
// response, to the microsecond (autocannon's own histogram rounds to whole milliseconds).
//
// The run goes in whole chunks until `amount` answers or `maxSeconds` (checked after each chunk),
// so it never stops with requests in flight: every request sent is answered and counted, and
// upstream calls per request are exact. The first chunk is CHUNK_PER_CONNECTION requests per
// connection; later ones about a second's worth at the rate seen so far, so restarting
// autocannon costs little and the time cap is overshot by little.

export const CHUNK_PER_CONNECTION = 20;
/** A chunk that has not finished by then has hung: it is stopped and its missing answers count as errors. */
const CHUNK_TIMEOUT_SECONDS = 120;

export interface LoadOptions {
  url: string;
  connections: number;
  amount: number;
  maxSeconds: number;
  /** Bearer tokens used in turn, one per request. */
  tokens: readonly string[];
}

export interface LoadResult {
  connections: number;
  /** Answers received (any status). */
  requests: number;
  ok: number;
  /** Answers that were not 2xx, connection errors, timeouts, and requests of a hung chunk never answered. */
  errors: number;
  latency: Summary;
  seconds: number;
  requestsPerSecond: number;
}

/** How many requests the next chunk sends: `ratePerSecond` is undefined before the first chunk. */
export function nextChunkSize(remaining: number, connections: number, ratePerSecond: number | undefined, secondsLeft: number): number {
  const size = ratePerSecond === undefined ? connections * CHUNK_PER_CONNECTION : Math.max(connections, Math.round(ratePerSecond * Math.min(1, Math.max(0, secondsLeft))));
  return Math.max(0, Math.min(remaining, size));
}

interface Tally {
  answered: number;
  ok: number;
  errors: number;
  latencies: number[];
}

function runChunk(url: URL, connections: number, amount: number, nextToken: () => string, tally: Tally): Promise<void> {
  return new Promise((resolve, reject) => {
    const answeredBefore = tally.answered;
    let hung = false;
    const instance = autocannon(
      {
        url: url.origin,
        connections: Math.min(connections, amount),
        pipelining: 1,
        amount,
        // autocannon notices the end of a run at its next sample tick (every second by default).
        sampleInt: 10,
        timeout: 30,
        requests: [
          {
            method: 'GET',
            path: `${url.pathname}${url.search}`,
            setupRequest: (request) => ({ ...request, headers: { ...request.headers, authorization: `Bearer ${nextToken()}` } }),
          },
        ],
      },
      (error, result) => {
        clearTimeout(timer);
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        tally.errors += result.errors;
        if (hung) tally.errors += Math.max(0, amount - (tally.answered - answeredBefore));
        resolve();
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      tally.answered += 1;
      if (statusCode >= 200 && statusCode < 300) {
        tally.ok += 1;
        tally.latencies.push(responseTime);
      } else {
        tally.errors += 1;
      }
    });
    const timer = setTimeout(() => {
      hung = true;
      instance.stop();
    }, CHUNK_TIMEOUT_SECONDS * 1000);
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.tokens.length === 0) throw new RangeError('runLoad needs at least one token');
  const url = new URL(options.url);
  let next = 0;
  const nextToken = () => options.tokens[next++ % options.tokens.length] as string;
  const tally: Tally = { answered: 0, ok: 0, errors: 0, latencies: [] };
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  let rate: number | undefined;
  while (tally.answered < options.amount) {
    const size = nextChunkSize(options.amount - tally.answered, options.connections, rate, options.maxSeconds - elapsed());
    const answeredBefore = tally.answered;
    await runChunk(url, options.connections, size, nextToken, tally);
    // A chunk that got no answer at all (every request failed to connect) would loop for ever.
    if (tally.answered === answeredBefore || elapsed() >= options.maxSeconds) break;
    rate = tally.answered / elapsed();
  }
  const seconds = elapsed();
  return {
    connections: options.connections,
    requests: tally.answered,
    ok: tally.ok,
    errors: tally.errors,
    latency: summarize(tally.latencies),
    seconds,
    requestsPerSecond: seconds > 0 ? tally.ok / seconds : Number.NaN,
  };
}
