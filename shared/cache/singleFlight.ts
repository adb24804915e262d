// Concurrent callers asking for the same key share one in-flight promise; its failure is
// shared too, and a settled call is forgotten so the next caller starts afresh.

export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    let started: Promise<T>;
    try {
      started = work();
    } catch (error) {
      // Work that throws before returning a promise must not leave a settled promise behind.
      started = Promise.reject(error);
    }
    const promise = started.finally(() => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    return promise;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
