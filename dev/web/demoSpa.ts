import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_API_SCOPE, DEMO_POLICY_FILE, DEMO_SPA_CLIENT_ID } from '../emulators/demoWorld';
import { findRepoRoot, type LocalAzure } from '../emulators/localAzure';
import { startSpaServer, type SpaServer } from './spaServer';

// The sample SPA against the local emulators: registered as a public client of the users'
// issuer (its own URL as redirect URI), configured through /config.json, its API proxied.

export const EMBED_HOST = 'https://app.powerbi.com';

export interface DemoSpaOptions {
  port?: number;
  refreshMarginSeconds?: number;
  refreshJitterSeconds?: number;
}

function title(key: string): string {
  return key
    .split('-')
    .map((word, i) => (word === 'kpis' ? 'KPIs' : i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : word))
    .join(' ');
}

/** The policy's item keys: the SPA's report picker (the broker lists no keys itself). */
export function demoReports(repoRoot: string = findRepoRoot()): { key: string; title: string }[] {
  const policy = JSON.parse(readFileSync(join(repoRoot, DEMO_POLICY_FILE), 'utf8')) as { items: Record<string, { type: string }> };
  return Object.entries(policy.items)
    .filter(([, item]) => item.type === 'report')
    .map(([key]) => ({ key, title: title(key) }));
}

export async function startDemoSpa(azure: LocalAzure, apiUrl: string, options: DemoSpaOptions = {}): Promise<SpaServer> {
  const repoRoot = findRepoRoot();
  const issuer = new URL(azure.users.issuer);
  const spa = await startSpaServer({
    root: join(repoRoot, 'dist', 'web'),
    apiUrl,
    port: options.port ?? 0,
    config: {
      apiBaseUrl: '',
      clientId: DEMO_SPA_CLIENT_ID,
      authority: azure.users.issuer,
      knownAuthorities: [issuer.host],
      protocolMode: 'OIDC',
      apiScope: DEMO_API_SCOPE,
      reports: demoReports(repoRoot),
      ...(options.refreshMarginSeconds !== undefined ? { refreshMarginSeconds: options.refreshMarginSeconds } : {}),
      ...(options.refreshJitterSeconds !== undefined ? { refreshJitterSeconds: options.refreshJitterSeconds } : {}),
    },
  });
  azure.users.registerClient({ clientId: DEMO_SPA_CLIENT_ID, redirectUris: [`${spa.url}/`] });
  return spa;
}

/** Chromium flags that let a browser reach the local Power BI page at the embed host, and trust the local certificates. */
export function browserFlags(azure: LocalAzure): string[] {
  const powerBi = new URL(azure.powerBi.url);
  return [`--host-resolver-rules=MAP app.powerbi.com ${powerBi.hostname}:${powerBi.port}`, '--ignore-certificate-errors'];
}
