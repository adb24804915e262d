import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startHostProcess } from './hostProcess';
import { mergeSettings, readLocalSettings } from './host/localSettings';
import { DEMO_USERS } from './emulators/demoWorld';
import { findRepoRoot, startLocalAzure } from './emulators/localAzure';
import { createLocalCa, saveLocalCa } from './tls/localCa';
import { browserFlags, EMBED_HOST, startDemoSpa } from './web/demoSpa';

// `npm start`: with real settings (environment or local.settings.json) it runs the host against
// them and starts no emulator. Without, it starts the local Azure emulators with the demo world,
// trusts their throwaway CA in the host through NODE_EXTRA_CA_CERTS, serves the sample SPA
// (dist/web, its /api proxied to the host) and prints how to open and call it.

/** Settings that mean "talk to a real tenant". */
const REAL_SETTINGS = ['POWERBI_TENANT_ID', 'POWERBI_CLIENT_ID', 'KEY_VAULT_URL'];
/** Broker and identity settings the demo sets itself: a stray one in the shell (AZURE_CLIENT_ID on an Azure dev box, say) must not bend it. */
const DEMO_OWNED = /^(POWERBI_|AUTH_|APPLICATIONINSIGHTS_|EMBED_POLICY|KEY_VAULT_URL$|AZURE_AUTHORITY_HOST$|AZURE_CLIENT_ID$|IDENTITY_|MSI_)/;

function withoutDemoOwned(settings: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(settings)) {
    if (!DEMO_OWNED.test(name)) kept[name] = value;
    else if (value) console.log(`Demo mode: ignoring ${name} from the environment.`);
  }
  return kept;
}
const DEMO_TOKEN_LIFETIME_SECONDS = 8 * 3600;

async function main(): Promise<void> {
  const appDir = findRepoRoot(__dirname);
  const settings = mergeSettings(process.env, readLocalSettings(appDir));
  const port = settings.PORT ?? '7071';

  if (REAL_SETTINGS.some((name) => settings[name])) {
    console.log('Real settings found: starting the functions host without local emulators.');
    const host = await startHostProcess(appDir, { ...settings, PORT: port }, { echo: true });
    await new Promise((resolve) => host.child.once('exit', resolve));
    process.exit(host.child.exitCode ?? 1);
  }

  const caDir = join(appDir, '.local', 'ca');
  await mkdir(caDir, { recursive: true });
  const ca = await createLocalCa();
  const caFile = await saveLocalCa(ca, caDir);
  const azure = await startLocalAzure(ca, { embedHost: EMBED_HOST, telemetry: { entraAuthentication: true } });
  const env = { ...withoutDemoOwned(settings), ...azure.settings, PORT: port, NODE_EXTRA_CA_CERTS: caFile };

  let host;
  try {
    host = await startHostProcess(appDir, env, { echo: true });
  } catch (error) {
    await azure.close();
    console.error((error as Error).message);
    process.exit((error as { exitCode?: number }).exitCode || 1);
  }

  let spa;
  try {
    spa = await startDemoSpa(azure, host.url, { port: Number(settings.SPA_PORT ?? '4280') });
  } catch (error) {
    await host.stop();
    await azure.close();
    console.error((error as Error).message);
    process.exit(1);
  }

  const alice = await azure.userToken('alice', DEMO_TOKEN_LIFETIME_SECONDS);
  const others = DEMO_USERS.filter((u) => u.name !== 'alice').map((u) => u.name);
  console.log(`
Sample SPA          ${spa.url}
  Sign in as alice (EU rows), bob (US rows) or carol (company KPIs only). powerbi-client embeds only
  from Power BI hosts, so the browser maps app.powerbi.com to the local Power BI emulator:
  chromium --user-data-dir=$(mktemp -d) ${browserFlags(azure).map((flag) => `'${flag}'`).join(' ')} ${spa.url}

Local Azure emulators (demo tenant, no Azure account needed):
  Entra             ${azure.entra.url}
  SPA user issuer   ${azure.users.issuer}
  Managed identity  ${azure.managedIdentity.endpoint}
  Key Vault         ${azure.keyVault.url}
  Power BI REST     ${azure.powerBi.url}
  App Insights      ${azure.appInsights?.url} (what the broker sends: ${azure.appInsights?.url}/_emulator/telemetry)
  CA certificate    ${caFile}

Try it:
  curl ${host.url}/api/health
  curl ${host.url}/api/health/ready

Alice (role Sales.EU) embeds the RLS report; her token is valid for 8 hours:
  curl -H "Authorization: Bearer ${alice}" ${host.url}/api/embed/reports/sales-overview

One token for two reports, one of them editable, and the dashboard:
  curl -H "Authorization: Bearer ${alice}" -H 'content-type: application/json' -d '{"reports":[{"key":"sales-overview","access":"edit"},{"key":"sales-vs-targets"}]}' ${host.url}/api/embed
  curl -H "Authorization: Bearer ${alice}" ${host.url}/api/embed/dashboards/sales-dashboard

A token for another demo user (${others.join(', ')}):
  curl --cacert ${caFile} -X POST ${azure.users.url}/_emulator/users/bob/token -H 'content-type: application/json' -d '{"lifetimeSeconds":28800}'

Press Ctrl+C to stop.
`);

  const shutdown = async (code: number) => {
    await spa.close();
    await host.stop();
    await azure.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  host.child.once('exit', (code) => void shutdown(code ?? 1));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
