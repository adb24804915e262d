import { randomUUID } from 'node:crypto';
import { DEMO_TENANT_ID } from '../dev/emulators/demoWorld';
import { findRepoRoot, startLocalAzure, type LocalAzure } from '../dev/emulators/localAzure';
import { readRoutePrefix } from '../dev/host/hostJson';
import { loadFunctionApp } from '../dev/host/loadFunctionApp';
import { startLocalHost, type LocalHost } from '../dev/host/localHost';
import type { LocalCa } from '../dev/tls/localCa';
import { GenerateTokenTimer } from './generateTokenTimer';

// The broker as it runs locally: the demo-world emulators, and the built function files loaded
// the way the Functions worker loads them, served over HTTP by the local host.

export interface BrokerApp {
  azure: LocalAzure;
  host: LocalHost;
  timer: GenerateTokenTimer;
  /** GET an embed config as a user; throws on anything but 200 so no figure hides an error. */
  embed(token: string, key?: string): Promise<void>;
  /** A new user of the sales team, each needing an embed token of its own; answers its username and bearer token. */
  newSalesUser(): Promise<{ username: string; token: string }>;
  close(): Promise<void>;
}

export async function startBrokerApp(ca: LocalCa): Promise<BrokerApp> {
  const azure = await startLocalAzure(ca);
  // The Functions host hands app settings to the worker as environment variables.
  Object.assign(process.env, azure.settings);
  const timer = new GenerateTokenTimer(azure.powerBi.url);
  timer.install();
  const appDir = findRepoRoot(__dirname);
  const prefix = readRoutePrefix(appDir);
  let host: LocalHost;
  try {
    const core = loadFunctionApp(appDir);
    host = await startLocalHost({
      functions: core.functions,
      routePrefix: prefix,
      // Per-request information lines would swamp the report; problems still show.
      log: (level, message) => {
        if (level === 'error' || level === 'warning') console.error(`[host ${level}] ${message}`);
      },
    });
  } catch (error) {
    timer.uninstall();
    await azure.close();
    throw error;
  }

  const apiUrl = prefix ? `${host.url}/${prefix}` : host.url;
  let users = 0;
  return {
    azure,
    host,
    timer,
    async embed(token, key = 'sales-overview') {
      const response = await fetch(`${apiUrl}/embed/reports/${key}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.text();
      if (response.status !== 200) throw new Error(`embed request answered ${response.status}: ${body.slice(0, 300)}`);
    },
    async newSalesUser() {
      const name = `bench-${++users}`;
      const username = `${name}@contoso.example`;
      azure.users.addUser({ name, claims: { oid: randomUUID(), preferred_username: username, roles: ['Sales.EU'], tid: DEMO_TENANT_ID } });
      return { username, token: await azure.userToken(name) };
    },
    async close() {
      await host.close();
      timer.uninstall();
      await azure.close();
    },
  };
}
