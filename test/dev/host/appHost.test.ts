import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

// Runs the built app through the real local host process: package.json `main`, host.json's
// route prefix and the Module-level @azure/functions-core stand-in, as `npm start` does.

const appDir = resolve(__dirname, '..', '..', '..');

function startHostProcess(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [resolve(appDir, 'dist/dev/host/main.js')], {
      cwd: appDir,
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output);
      if (found) resolvePromise({ child, url: found[1] as string });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`host exited with ${code}: ${output}`)));
  });
}

describe('the built function app under the local host', () => {
  let host: { child: ChildProcess; url: string };

  beforeAll(async () => {
    host = await startHostProcess();
  });

  afterAll(() => {
    host.child.kill();
  });

  it('serves GET /api/health registered through app.http', async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with problem+json', async () => {
    const res = await fetch(`${host.url}/api/unknown`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
