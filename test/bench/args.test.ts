import { parseBenchArgs } from '../../bench/args';

describe('parseBenchArgs', () => {
  it('gives the defaults with no arguments', () => {
    expect(parseBenchArgs([])).toEqual({ latencyMs: 50, burst: 50, coldRuns: 5, requests: 2000, rowSeconds: 5, memoryRequests: 100_000, memoryUsers: 10_000, simHours: 24 });
  });

  it('reads each flag', () => {
    const options = parseBenchArgs(['--latency-ms', '20', '--burst', '10', '--cold-runs', '3', '--requests', '500', '--row-seconds', '2', '--memory-requests', '1000', '--memory-users', '100', '--sim-hours', '2']);
    expect(options).toEqual({ latencyMs: 20, burst: 10, coldRuns: 3, requests: 500, rowSeconds: 2, memoryRequests: 1000, memoryUsers: 100, simHours: 2 });
  });

  it.each([
    [['--latency-ms', '0'], /--latency-ms must be a whole number from 1 to 1000/],
    [['--requests', '1.5'], /--requests must be a whole number/],
    [['--burst', 'many'], /--burst must be a whole number/],
    [['--memory-requests', '1000000'], /--memory-requests must be a whole number from 100 to 200000/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('refuses unknown flags', () => {
    expect(() => parseBenchArgs(['--concurrency', '8'])).toThrow(/Unknown option/);
  });
});
