import { resolve } from 'node:path';
import type { LocalAzure } from '../../../dev/emulators/localAzure';
import { startHostProcess, type HostProcess } from '../../../dev/hostProcess';
import { startTestAzure } from '../../helpers/localAzureForTests';

// The built app in the real local host process, as `npm start` runs it: package.json `main`,
// host.json's route prefix, the Module-level @azure/functions-core stand-in, app settings from
// the environment and the emulators' CA trusted through NODE_EXTRA_CA_CERTS.

const appDir = resolve(__dirname, '..', '..', '..');

describe('the built function app under the local host process', () => {
  let azure: LocalAzure;
  let host: HostProcess;

  beforeAll(async () => {
    azure = await startTestAzure();
    host = await startHostProcess(appDir, { ...process.env, ...azure.settings, PORT: '0' });
  });

  afterAll(async () => {
    await host?.stop();
    await azure?.close();
  });

  it('serves GET /api/health registered through app.http', async () => {
    const res = await fetch(`${host.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves an embed token to a demo user', async () => {
    const token = await azure.userToken('alice');
    const res = await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const config = (await res.json()) as { accessToken: string };
    expect(azure.powerBi.decodeEmbedToken(config.accessToken).identities).toEqual([expect.objectContaining({ username: 'alice@contoso.example' })]);
  });

  it('answers an unknown route with problem+json', async () => {
    const res = await fetch(`${host.url}/api/unknown`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('never logs a bearer token or the client secret', async () => {
    const token = await azure.userToken('bob');
    await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${host.url}/api/embed/reports/sales-overview`, { headers: { authorization: `Bearer ${token}x` } });
    const output = host.output();
    expect(output).not.toContain(token.slice(0, 40));
    expect(output).not.toContain(azure.clientSecret);
  });
});

describe('start-up with bad settings', () => {
  it('exits non-zero with one message that lists every problem', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, PORT: '0', POWERBI_TENANT_ID: 'common', AUTH_MODE: 'sometimes', EMBED_MIN_LIFETIME_MINUTES: 'soon' };
    const failure = await startHostProcess(appDir, env).then(
      async (host) => {
        await host.stop();
        throw new Error('the host started with bad settings');
      },
      (error: Error & { output: string; exitCode: number }) => error,
    );
    expect(failure.exitCode).toBe(1);
    for (const expected of ['POWERBI_TENANT_ID must be a specific tenant', 'POWERBI_CLIENT_ID is required', 'AUTH_MODE must be one of', 'EMBED_MIN_LIFETIME_MINUTES must be a whole number', 'EMBED_POLICY_PATH or EMBED_POLICY is required']) {
      expect(failure.output).toContain(expected);
    }
    expect(failure.output).not.toMatch(/\n\s+at /);
  });
});
