import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_USERS } from '../dev/emulators/demoWorld';
import { startLocalAzure } from '../dev/emulators/localAzure';
import type { LocalCa } from '../dev/tls/localCa';
import { createBroker } from '../shared/app/broker';
import { loadConfig } from '../shared/config/config';
import { summarize, type Summary } from './stats';

// Entra calls per hour for one instance, over simulated days: one clock shared by the broker,
// Entra and Power BI steps a minute at a time, with one embed request per simulated minute.
// Each request is for a new user so GenerateToken runs every time and its lifetime is observed.

export const SIM_STEP_MINUTES = 1;
const MINUTE_MS = 60_000;

/** Entra token lifetimes to simulate: a fixed 60 minutes (the documented default) or 60-90 minutes at random (what Entra hands out in practice, the emulator's default). */
export type EntraLifetime = 'fixed-60' | 'random-60-90';

export interface SimulationResult {
  lifetime: EntraLifetime;
  hours: number;
  requests: number;
  minLifetimeMinutes: number;
  entraCalls: number;
  /** Successful secret reads (the SDK's unauthenticated challenge not counted). */
  keyVaultReads: number;
  generateTokenCalls: number;
  /** Remaining lifetime of each embed token at the moment it was issued, in minutes. */
  embedLifetime: Summary;
  /** Simulated minutes between consecutive Entra token requests. */
  entraInterval: Summary;
}

export async function simulateMinLifetime(ca: LocalCa, hours: number, lifetime: EntraLifetime = 'random-60-90'): Promise<SimulationResult> {
  let clock = Date.now();
  const now = () => clock;
  const azure = await startLocalAzure(ca, { now });
  try {
    if (lifetime === 'fixed-60') azure.entra.setTokenLifetime(3600);
    // @azure/identity finds the managed-identity endpoint through the environment.
    Object.assign(process.env, { IDENTITY_ENDPOINT: azure.settings.IDENTITY_ENDPOINT, IDENTITY_HEADER: azure.settings.IDENTITY_HEADER });
    const config = loadConfig({ ...azure.settings });
    const broker = createBroker(config, { now });
    const template = DEMO_USERS[0]?.claims ?? {};
    const entraLog = azure.entra.server.log;
    const countEntra = () => entraLog.count({ method: 'POST', path: '/oauth2/v2.0/token' });

    const lifetimes: number[] = [];
    const entraAt: number[] = [];
    const steps = (hours * 60) / SIM_STEP_MINUTES;
    for (let step = 0; step < steps; step++) {
      const before = countEntra();
      const claims = { ...template, oid: randomUUID(), preferred_username: `sim-${step}@contoso.example` };
      const { config: embed } = await broker.embedReport({ claims }, 'sales-overview');
      lifetimes.push((Date.parse(embed.expiration) - clock) / MINUTE_MS);
      if (countEntra() > before) entraAt.push(step * SIM_STEP_MINUTES);
      clock += SIM_STEP_MINUTES * MINUTE_MS;
    }
    return {
      lifetime,
      hours,
      requests: steps,
      minLifetimeMinutes: config.embed.minLifetimeMinutes,
      entraCalls: countEntra(),
      keyVaultReads: azure.keyVault.server.log.find({ method: 'GET', path: '/secrets/' }).filter((e) => e.status === 200).length,
      generateTokenCalls: azure.powerBi.log.count({ method: 'POST', path: /\/GenerateToken$/i }),
      embedLifetime: summarize(lifetimes),
      entraInterval: summarize(entraAt.slice(1).map((t, i) => t - (entraAt[i] as number))),
    };
  } finally {
    await azure.close();
  }
}

/** Runs the simulation in a child process (see simulationChild.ts for why); it inherits the trusted local CA. */
export async function simulateInChildProcess(hours: number, lifetime: EntraLifetime): Promise<SimulationResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, 'simulationChild.js'), String(hours), lifetime], { env: process.env, maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout) as SimulationResult;
}
