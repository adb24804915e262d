import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

// `npm start` with no Azure settings: emulators, the host, and a printed curl line that works.

const appDir = resolve(__dirname, '..', '..');

describe('npm start without Azure settings', () => {
  let child: ChildProcess;
  let output = '';

  beforeAll(async () => {
    // A stray identity setting in the shell must not bend the demo.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', AZURE_CLIENT_ID: '00000000-0000-4000-8000-00000000abcd', EMBED_POLICY: '{}' };
    child = spawn(process.execPath, [resolve(appDir, 'dist/dev/start.js')], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((done, fail) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Press Ctrl+C to stop.')) done();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => fail(new Error(`npm start exited with ${code}: ${output}`)));
    });
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('prints a health curl line that answers 200', async () => {
    const url = /curl (http:\/\/127\.0\.0\.1:\d+\/api\/health)\n/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect((await fetch(url as string)).status).toBe(200);
  });

  it("prints a demo user's token that gets an embed token", async () => {
    const line = /curl -H "Authorization: Bearer ([^"]+)" (\S+)/.exec(output);
    expect(line).not.toBeNull();
    const res = await fetch(line?.[2] as string, { headers: { authorization: `Bearer ${line?.[1]}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: 'report', tokenType: 'Embed' });
  });

  it('stops the host and the emulators on Ctrl+C', async () => {
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

describe('npm start with real settings', () => {
  it('starts no emulator and runs the host against them (here: refusing them, as they are bad)', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', POWERBI_TENANT_ID: 'organizations', POWERBI_CLIENT_ID: 'not-a-guid' };
    const child = spawn(process.execPath, [resolve(appDir, 'dist/dev/start.js')], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code).toBe(1);
    expect(output).toContain('Real settings found: starting the functions host without local emulators.');
    expect(output).toContain('POWERBI_TENANT_ID must be a specific tenant, not "organizations"');
    expect(output).not.toContain('Local Azure emulators');
  });
});
