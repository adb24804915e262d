import { RequestLog } from '../../../../dev/emulators/core/requestLog';

describe('RequestLog', () => {
  const entry = (path: string) => ({ time: new Date(0).toISOString(), method: 'GET', path, query: {}, headers: {}, body: undefined, status: 200 });

  it('finds every matching entry with a g or y pattern, on every call', () => {
    const log = new RequestLog();
    log.add(entry('/t/token'));
    log.add(entry('/t/token'));
    log.add(entry('/t/keys'));
    const global = /token/g;
    expect(log.count({ path: global })).toBe(2);
    expect(log.count({ path: global })).toBe(2);
    expect(log.count({ path: /^\/t\//y })).toBe(3);
  });

  it('keeps only the last entries', () => {
    const log = new RequestLog(2);
    for (const path of ['/a', '/b', '/c']) log.add(entry(path));
    expect(log.all().map((e) => e.path)).toEqual(['/b', '/c']);
  });
});
