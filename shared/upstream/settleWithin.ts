import type { BrokerError } from '../errors/brokerError';

// A hard bound on one upstream leg. Some SDK calls ignore their abort signal (the managed
// identity credential does), so a hung call would keep a shared flight pending forever; this
// settles the caller's promise at the bound whatever the work does. Work that settles later is
// dropped without an unhandled rejection.

export function settleWithin<T>(work: () => Promise<T>, timeoutMs: number, onTimeout: () => BrokerError): Promise<T> {
  let started: Promise<T>;
  try {
    started = work();
  } catch (error) {
    return Promise.reject(error);
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, timeoutMs));
  });
  started.catch(() => undefined);
  return Promise.race([started, expired]).finally(() => clearTimeout(timer));
}
