import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalAzure, type LocalAzure, type LocalAzureOptions } from '../../dev/emulators/localAzure';
import { startLocalHost, type LocalHost } from '../../dev/host/localHost';
import { loadLocalCa } from '../../dev/tls/localCa';
import { recorded } from './functionsCore';

// Integration tests: the local Azure emulators with the demo world, and the real function
// files served by the local host over HTTP, configured the way app settings configure them.

const repoRoot = resolve(__dirname, '..', '..');

export async function startTestAzure(options: LocalAzureOptions = {}): Promise<LocalAzure> {
  const dir = process.env.LOCAL_CA_DIR;
  if (!dir) throw new Error('LOCAL_CA_DIR is not set: run jest through dev/withLocalCa (npm test)');
  return startLocalAzure(await loadLocalCa(dir), options);
}

export interface TestApp {
  azure: LocalAzure;
  host: LocalHost;
  url: string;
  /** GET with a demo user's bearer token. */
  getAs(user: string, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions extends LocalAzureOptions {
  /** Runs after the emulators start and before the function files load (e.g. to inject a fault the load meets). */
  beforeFunctionsLoad?: (azure: LocalAzure) => void;
}

/**
 * Sets the app settings in process.env (as the Functions host does), loads every file in
 * functions/ and serves them. One app per test file: jest gives each file its own modules.
 * Prewarm is off unless asked for, so each test starts from a cold instance.
 */
export async function startTestApp(settings: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  if (recorded.functions.length > 0) throw new Error('startTestApp runs once per test file (function files load once per module registry)');
  const { beforeFunctionsLoad, ...azureOptions } = options;
  const azure = await startTestAzure(azureOptions);
  beforeFunctionsLoad?.(azure);
  Object.assign(process.env, azure.settings, { UPSTREAM_TIMEOUT_SECONDS: '2', REQUEST_DEADLINE_SECONDS: '5', PREWARM_ON_START: 'false' }, settings);
  // BROKER_APP_DIR runs the same tests against another build of the app: the deployment package.
  const appDir = process.env.BROKER_APP_DIR ? resolve(repoRoot, process.env.BROKER_APP_DIR) : undefined;
  const functionsDir = join(appDir ?? repoRoot, 'functions');
  for (const file of readdirSync(functionsDir).filter((f) => f.endsWith(appDir ? '.js' : '.ts'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the worker loads function files with require
    require(join(functionsDir, file));
  }
  const host = await startLocalHost({ functions: recorded.functions, routePrefix: 'api', log: () => undefined });
  const tokens = new Map<string, string>();
  return {
    azure,
    host,
    url: host.url,
    async getAs(user, path, init = {}) {
      let token = tokens.get(user);
      if (!token) {
        token = await azure.userToken(user);
        tokens.set(user, token);
      }
      return fetch(`${host.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
    },
    async close() {
      await host.close();
      await azure.close();
    },
  };
}
