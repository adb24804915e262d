import { createBroker } from '../shared/app/broker';
import { loadConfig } from '../shared/config/config';
import { DEMO_USERS } from '../dev/emulators/demoWorld';
import { startLocalAzure } from '../dev/emulators/localAzure';
import { loadLocalCa } from '../dev/tls/localCa';
import { startAppInsightsTelemetry } from '../shared/telemetry/appInsightsTelemetry';
import { NO_TELEMETRY } from '../shared/telemetry/telemetry';

// In a process of its own: the broker's cached embed (policy, caches, and its telemetry) called
// directly, no HTTP, `node telemetryCallsChild.js with|without`; with the SDK started, also the
// CPU time of the telemetry calls alone. Prints microseconds per call as JSON.

const CALLS = 5_000;

async function microsPerCall(work: () => unknown): Promise<number> {
  for (let i = 0; i < 500; i++) await work();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await work();
  return Number(process.hrtime.bigint() - started) / 1000 / CALLS;
}

async function main(): Promise<void> {
  const withTelemetry = process.argv[2] === 'with';
  const azure = await startLocalAzure(await loadLocalCa(process.env.LOCAL_CA_DIR as string), withTelemetry ? { telemetry: {} } : {});
  Object.assign(process.env, azure.settings);
  const telemetry = withTelemetry ? startAppInsightsTelemetry({ connectionString: azure.settings.APPLICATIONINSIGHTS_CONNECTION_STRING as string }) : NO_TELEMETRY;
  const broker = createBroker(loadConfig(process.env), { telemetry });
  const alice = { ...(DEMO_USERS.find((u) => u.name === 'alice')?.claims ?? {}) };
  const cachedEmbed = await microsPerCall(() => broker.embedReport({ claims: alice }, 'sales-overview'));
  const result: Record<string, number> = { cachedEmbed };
  if (withTelemetry) {
    result.reportsOfCachedEmbed = await microsPerCall(() => {
      telemetry.event('EmbedTokenIssued', { itemKeys: 'sales-overview', rule: 'sales-team', cacheHit: 'true', rls: 'true', userHash: 'AAAAAAAAAAAAAAAAAAAAAA' }, { lifetimeMinutes: 55 });
      telemetry.metric('EmbedTokenCacheHits', 1);
      telemetry.metric('EmbedTokenLifetimeMinutes', 55);
    });
    result.dependency = await microsPerCall(() =>
      telemetry.dependency({ target: 'powerbi', host: 'api.powerbi.com', method: 'POST', operation: 'POST /v1.0/myorg/GenerateToken', path: '/v1.0/myorg/GenerateToken', durationMs: 50, status: 200, success: true, attempt: 1, requestId: 'r' }),
    );
  }
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
