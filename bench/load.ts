import autocannon from 'autocannon';
import { summarize, type Summary } from './stats';

// One load run with autocannon over HTTP on loopback: a fixed number of connections, each with
// one request in flight, until `amount` answers or `maxSeconds`, whichever comes first. Each
// request carries the next bearer token of the list, so a run can be all one user (cache hits)
// or a new user every time (cache misses). Latency is kept per response, to the microsecond
// (autocannon's own histogram rounds to whole milliseconds).

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
  /**
   * Requests sent: the answers, plus one per connection when the time cap stopped the run
   * (each connection has a request in flight then, whose upstream calls were made).
   */
  sent: number;
  stoppedByTime: boolean;
  ok: number;
  /** Answers that were not 2xx, plus connection errors and timeouts. */
  errors: number;
  latency: Summary;
  seconds: number;
  requestsPerSecond: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.tokens.length === 0) throw new RangeError('runLoad needs at least one token');
  const url = new URL(options.url);
  let next = 0;
  const latencies: number[] = [];
  let ok = 0;
  let answered = 0;
  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url: url.origin,
      connections: options.connections,
      pipelining: 1,
      amount: options.amount,
      timeout: 30,
      requests: [
        {
          method: 'GET',
          path: `${url.pathname}${url.search}`,
          setupRequest: (request) => {
            const token = options.tokens[next++ % options.tokens.length] as string;
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
          },
        },
      ],
    },
    (error, result) => (error ? fail(error) : finish(result)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    answered += 1;
    if (statusCode >= 200 && statusCode < 300) {
      ok += 1;
      latencies.push(responseTime);
    }
  });
  let stoppedByTime = false;
  const timer = setTimeout(() => {
    stoppedByTime = true;
    instance.stop();
  }, options.maxSeconds * 1000);
  const started = performance.now();
  let result: autocannon.Result;
  try {
    result = await done;
  } finally {
    clearTimeout(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    connections: options.connections,
    requests: answered,
    sent: answered + (stoppedByTime ? options.connections : 0),
    stoppedByTime,
    ok,
    errors: answered - ok + result.errors,
    latency: summarize(latencies),
    seconds,
    requestsPerSecond: seconds > 0 ? ok / seconds : Number.NaN,
  };
}
