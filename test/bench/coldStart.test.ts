import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPackageInstalled, measureColdStart, measureColdStartWithTelemetry } from '../../bench/coldStart';
import { startServerProcess } from '../../bench/serverProcess';

// Cold starts of a real child process: a tiny server that answers 200 to a bearer token it
// knows and prints the environment variable it was given.

const repoRoot = resolve(__dirname, '..', '..');
const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const ok = req.headers.authorization === 'Bearer t' && req.url === '/api/x';
  res.writeHead(ok ? 200 : 401);
  res.end(process.env.EXTRA ?? '');
});
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
const start = (env: NodeJS.ProcessEnv = {}) => startServerProcess(['-e', SERVER], { ...process.env, ...env }, repoRoot);

describe('measureColdStart', () => {
  it('times each start to listening and to the first 200', async () => {
    const result = await measureColdStart({ label: 'tiny', runs: 2, start, path: '/api/x', token: 't' });
    if (!result.available) throw new Error('expected figures');
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) expect(run.toFirstAnswerMs).toBeGreaterThanOrEqual(run.toListeningMs);
    expect(result.firstAnswer.count).toBe(2);
  });

  it('fails when the first answer is not a 200', async () => {
    await expect(measureColdStart({ label: 'tiny', runs: 1, start, path: '/api/x', token: 'wrong' })).rejects.toThrow(/tiny: the first request answered 401/);
  });
});

describe('measureColdStartWithTelemetry', () => {
  let emptyRepo: string;

  beforeAll(() => {
    emptyRepo = mkdtempSync(join(tmpdir(), 'bench-no-telemetry-'));
    writeFileSync(join(emptyRepo, 'package.json'), '{"name":"empty"}');
  });

  afterAll(() => rmSync(emptyRepo, { recursive: true, force: true }));

  it('is not available while the telemetry package is not installed, and starts nothing', async () => {
    let started = 0;
    const result = await measureColdStartWithTelemetry({
      label: 'with telemetry',
      runs: 1,
      path: '/api/x',
      token: 't',
      repoRoot: emptyRepo,
      extraEnv: {},
      start: (env) => {
        started += 1;
        return start(env);
      },
    });
    expect(result).toEqual({ label: 'with telemetry', available: false, reason: 'not available: the applicationinsights package is not installed' });
    expect(started).toBe(0);
  });

  it('starts the server with the extra settings once the package is there', async () => {
    const withPackage = mkdtempSync(join(tmpdir(), 'bench-telemetry-'));
    try {
      writeFileSync(join(withPackage, 'package.json'), '{"name":"with-telemetry"}');
      mkdirSync(join(withPackage, 'node_modules', 'applicationinsights'), { recursive: true });
      writeFileSync(join(withPackage, 'node_modules', 'applicationinsights', 'package.json'), '{"name":"applicationinsights","main":"index.js"}');
      writeFileSync(join(withPackage, 'node_modules', 'applicationinsights', 'index.js'), '');
      const given: NodeJS.ProcessEnv[] = [];
      const result = await measureColdStartWithTelemetry({
        label: 'with telemetry',
        runs: 1,
        path: '/api/x',
        token: 't',
        repoRoot: withPackage,
        extraEnv: { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' },
        start: (env) => {
          given.push(env);
          return start(env);
        },
      });
      expect(result.available).toBe(true);
      expect(given).toEqual([{ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' }]);
    } finally {
      rmSync(withPackage, { recursive: true, force: true });
    }
  });
});

describe('isPackageInstalled', () => {
  it('resolves packages from the repository', () => {
    expect(isPackageInstalled('jose', repoRoot)).toBe(true);
    expect(isPackageInstalled('no-such-package-for-the-bench', repoRoot)).toBe(false);
  });
});
