import { summarize } from '../../bench/stats';
import { burstFloorLine, coldStartLine, goalsReport, mainTable, type Figure } from '../../bench/report';

const figure = (overrides: Partial<Figure>): Figure => ({ label: 'row', concurrency: 16, requests: 1000, errors: 0, p50: 2, p99: 8, requestsPerSecond: 4000, floorMs: 0, ...overrides });

describe('mainTable', () => {
  it('puts the anchor figures and the ratios beside the broker figures', () => {
    const table = mainTable([{ broker: figure({ label: 'warm, cache hit, c=16' }), anchor: figure({ label: 'anchor', p50: 250, requestsPerSecond: 50 }) }]);
    const row = table.split('\n').find((line) => line.startsWith('| warm, cache hit'));
    expect(row).toBe('| warm, cache hit, c=16 | 16 | 1,000 | 0 | 2.0 | 8.0 | 4,000 | 0.0 | 2.0 | 250.0 | 50 | 125× | 80.0× |');
  });

  it('says why a row has no figures', () => {
    const table = mainTable([{ broker: figure({ label: 'cold start, bundle with telemetry', unavailable: 'not available: the applicationinsights package is not installed' }), anchor: undefined }]);
    expect(table).toContain('| cold start, bundle with telemetry | - | - | - | not available: the applicationinsights package is not installed |');
  });

  it('subtracts the upstream floor from the p50', () => {
    const table = mainTable([{ broker: figure({ label: 'miss', p50: 57.5, floorMs: 50 }), anchor: undefined }]);
    expect(table).toContain('| miss | 16 | 1,000 | 0 | 57.5 | 8.0 | 4,000 | 50.0 | 7.5 | - | - | - | - |');
  });
});

describe('burstFloorLine', () => {
  it('multiplies round trips by the latency and compares the p50 with it', () => {
    expect(burstFloorLine('cold burst', 6, 50, 450)).toBe('cold burst: floor 6 sequential upstream round trips × 50 ms = 300 ms; p50 450.0 ms = 1.50× the floor');
  });

  it("lists every burst's p50 when the row is the median of several", () => {
    expect(burstFloorLine('cold burst', 6, 50, 430, [460, 420, 430])).toBe(
      'cold burst: floor 6 sequential upstream round trips × 50 ms = 300 ms; p50 430.0 ms = 1.43× the floor (median of 3 bursts, each on a fresh process: 420.0, 430.0, 460.0 ms)',
    );
  });
});

describe('goalsReport', () => {
  it('marks each goal', () => {
    expect(goalsReport([{ name: 'a', passed: true, observed: 'x' }, { name: 'b', passed: false, observed: 'y' }])).toBe('PASS  a: x\nFAIL  b: y');
  });
});

describe('coldStartLine', () => {
  it('splits the median start into start-up and the first request', () => {
    const runs = [
      { toListeningMs: 200, toFirstAnswerMs: 300 },
      { toListeningMs: 250, toFirstAnswerMs: 400 },
      { toListeningMs: 220, toFirstAnswerMs: 340 },
    ];
    const line = coldStartLine({ label: 'bundle', available: true, runs, firstAnswer: summarize(runs.map((r) => r.toFirstAnswerMs)), listening: summarize(runs.map((r) => r.toListeningMs)) });
    expect(line).toBe('bundle: median 340 ms; of it, medians: 220 ms to listening (node, host, loading the app), 120 ms for the first request (3 runs)');
  });

  it('passes on why there is no figure', () => {
    expect(coldStartLine({ label: 'with telemetry', available: false, reason: 'not available: x' })).toBe('with telemetry: not available: x');
  });
});
