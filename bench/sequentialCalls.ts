// How many upstream round trips a cold request waits for one after the other, read from the
// emulators' request logs. Every call is delayed by the injected latency L before it is
// answered and logged, so a call logged at t started at about t - L: call b followed call a
// when b was logged at least L after a. The longest such chain is the critical path, and
// chain length x L is the floor no design with that many sequential calls can beat.

/** Longest chain of calls, each logged at least `latencyMs` (less `slackMs` of clock rounding) after the one before. */
export function sequentialRoundTrips(loggedAtMs: readonly number[], latencyMs: number, slackMs = 2): number {
  if (latencyMs <= 0) throw new RangeError('sequential round trips can only be read with an injected latency');
  const times = [...loggedAtMs].sort((a, b) => a - b);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    let d = 1;
    for (let j = 0; j < i; j++) {
      if ((times[i] as number) - (times[j] as number) >= latencyMs - slackMs) d = Math.max(d, (depth[j] as number) + 1);
    }
    depth.push(d);
    best = Math.max(best, d);
  }
  return best;
}

/**
 * The order in which `users` are sent `requests` requests: windows of `window` users, each
 * window cycled through until its share of requests is sent. Each user's first request is a
 * cache miss and its later ones hit while the window fits in the cache; across windows the
 * number of distinct users grows past any cache bound, which is what the memory figure is for.
 */
export function windowedUserOrder(users: number, requests: number, window: number): number[] {
  if (users < 1 || requests < 0 || window < 1) throw new RangeError('users and window must be at least 1');
  const order: number[] = [];
  const windows = Math.ceil(users / window);
  for (let w = 0; w < windows; w++) {
    const first = w * window;
    const size = Math.min(window, users - first);
    // Spread the requests evenly: the earlier windows take the remainder.
    const share = Math.floor(requests / windows) + (w < requests % windows ? 1 : 0);
    for (let i = 0; i < share; i++) order.push(first + (i % size));
  }
  return order;
}
