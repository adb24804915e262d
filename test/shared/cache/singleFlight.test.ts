import { SingleFlight } from '../../../shared/cache/singleFlight';
import { deferred } from '../../helpers/deferred';

// Concurrent callers of one key share one piece of work, its failure included, and a settled
// call is forgotten so the next caller starts afresh.


describe('SingleFlight', () => {
  it('gives concurrent callers of one key the same in-flight work', async () => {
    const flight = new SingleFlight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const work = () => {
      calls += 1;
      return gate.promise;
    };
    const callers = Array.from({ length: 10 }, () => flight.run('k', work));
    expect(flight.size).toBe(1);
    gate.resolve('value');
    await expect(Promise.all(callers)).resolves.toEqual(Array(10).fill('value'));
    expect(calls).toBe(1);
  });

  it('runs different keys separately', async () => {
    const flight = new SingleFlight<string>();
    const started: string[] = [];
    const results = await Promise.all(
      ['a', 'b', 'a'].map((key) =>
        flight.run(key, async () => {
          started.push(key);
          return key.toUpperCase();
        }),
      ),
    );
    expect(results).toEqual(['A', 'B', 'A']);
    expect(started).toEqual(['a', 'b']);
  });

  it('shares a failure with every caller that joined the call', async () => {
    const flight = new SingleFlight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const callers = Array.from({ length: 5 }, () =>
      flight.run('k', () => {
        calls += 1;
        return gate.promise;
      }),
    );
    const failure = new Error('upstream down');
    gate.reject(failure);
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason === failure)).toBe(true);
    expect(calls).toBe(1);
  });

  it('forgets a settled call: the next caller starts new work', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    const work = async () => ++calls;
    await expect(flight.run('k', work)).resolves.toBe(1);
    expect(flight.size).toBe(0);
    await expect(flight.run('k', work)).resolves.toBe(2);
  });

  it('forgets a failed call: the next caller retries', async () => {
    const flight = new SingleFlight<string>();
    await expect(flight.run('k', async () => Promise.reject(new Error('first attempt fails')))).rejects.toThrow('first attempt fails');
    expect(flight.size).toBe(0);
    await expect(flight.run('k', async () => 'second')).resolves.toBe('second');
  });

  it('forgets work that throws before returning a promise', async () => {
    const flight = new SingleFlight<string>();
    const throwsAtOnce = (): Promise<string> => {
      throw new Error('thrown synchronously');
    };
    await expect(flight.run('k', throwsAtOnce)).rejects.toThrow('thrown synchronously');
    expect(flight.size).toBe(0);
    await expect(flight.run('k', async () => 'recovered')).resolves.toBe('recovered');
  });

  it('lets a caller that arrives after settling start its own call while a newer one is shared', async () => {
    const flight = new SingleFlight<string>();
    const first = deferred<string>();
    const second = deferred<string>();
    const a = flight.run('k', () => first.promise);
    first.resolve('one');
    await a;
    const b = flight.run('k', () => second.promise);
    const c = flight.run('k', async () => 'not run');
    second.resolve('two');
    await expect(Promise.all([b, c])).resolves.toEqual(['two', 'two']);
  });
});
