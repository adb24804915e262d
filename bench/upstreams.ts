import type { EmulatorServer } from '../dev/emulators/core/emulatorServer';
import type { LocalAzure } from '../dev/emulators/localAzure';

// What the broker asked of each upstream, read from the emulators' request logs, and the latency
// every emulator adds to each call (a `delay` fault on every request).

export interface UpstreamCounts {
  /** The authority's OpenID metadata, which msal reads before its first token request. */
  entraMetadata: number;
  /** Client-credentials token requests (POST .../oauth2/v2.0/token). */
  entraToken: number;
  managedIdentity: number;
  /** Every HTTP call to Key Vault (the SDK's first call is an unauthenticated challenge). */
  keyVault: number;
  powerBiGet: number;
  generateToken: number;
  /** The SPA users' issuer: OpenID discovery and JWKS, for validating caller tokens. */
  userIssuer: number;
}

export const UPSTREAM_COLUMNS: readonly { key: keyof UpstreamCounts; title: string }[] = [
  { key: 'entraMetadata', title: 'Entra GET' },
  { key: 'entraToken', title: 'Entra token' },
  { key: 'managedIdentity', title: 'MI token' },
  { key: 'keyVault', title: 'Key Vault' },
  { key: 'powerBiGet', title: 'PBI GET' },
  { key: 'generateToken', title: 'GenerateToken' },
  { key: 'userIssuer', title: 'user IdP' },
];

function servers(azure: LocalAzure): EmulatorServer[] {
  return [azure.entra.server, azure.managedIdentity.server, azure.keyVault.server, azure.powerBi.server, azure.users.server];
}

export function countUpstreamCalls(azure: LocalAzure): UpstreamCounts {
  return {
    entraMetadata: azure.entra.server.log.count({ method: 'GET' }),
    entraToken: azure.entra.server.log.count({ method: 'POST', path: '/oauth2/v2.0/token' }),
    managedIdentity: azure.managedIdentity.server.log.count({ path: '/msi/token' }),
    keyVault: azure.keyVault.server.log.count({ path: '/secrets/' }),
    powerBiGet: azure.powerBi.log.count({ method: 'GET' }),
    generateToken: azure.powerBi.log.count({ method: 'POST', path: /\/GenerateToken$/i }),
    userIssuer: azure.users.server.log.count(),
  };
}

/** Forgets earlier calls, so the next count covers one phase (and the 5000-entry log never wraps). */
export function clearUpstreamLogs(azure: LocalAzure): void {
  for (const server of servers(azure)) server.log.clear();
}

/** When each logged upstream call was answered (epoch ms), over every emulator. */
export function upstreamLogTimes(azure: LocalAzure): number[] {
  return servers(azure).flatMap((server) => server.log.all().map((entry) => Date.parse(entry.time)));
}

export function injectLatency(azure: LocalAzure, delayMs: number): void {
  if (delayMs <= 0) return;
  for (const server of servers(azure)) server.inject({ kind: 'delay', ratio: 1, delayMs });
}

/** No injected latency: for figures that must leave upstream time out. */
export function clearLatency(azure: LocalAzure): void {
  for (const server of servers(azure)) server.faults.clear();
}

export function totalCalls(counts: UpstreamCounts): number {
  return UPSTREAM_COLUMNS.reduce((sum, c) => sum + counts[c.key], 0);
}

/** Each kind of call, folded over several counts with `fold` (a sum, a maximum). */
export function combineCounts(fold: (a: number, b: number) => number, all: readonly UpstreamCounts[]): UpstreamCounts {
  const combined: UpstreamCounts = { entraMetadata: 0, entraToken: 0, managedIdentity: 0, keyVault: 0, powerBiGet: 0, generateToken: 0, userIssuer: 0 };
  for (const counts of all) for (const { key } of UPSTREAM_COLUMNS) combined[key] = fold(combined[key], counts[key]);
  return combined;
}

export function perRequest(counts: UpstreamCounts, requests: number): UpstreamCounts {
  const per = { ...counts };
  for (const { key } of UPSTREAM_COLUMNS) per[key] = counts[key] / requests;
  return per;
}
