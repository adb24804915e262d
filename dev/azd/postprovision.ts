import { AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential } from '@azure/identity';
import { resolve } from 'node:path';
import { promptSecretOnTerminal } from './promptSecret';
import { runPostprovision } from './runPostprovision';
import { formatReports } from './stepReport';

// azure.yaml `hooks.postprovision`: azd runs it from the project root after provisioning, with
// the environment's values and the outputs of infra/main.bicep in process.env. It acts as the
// deployer: azd's login first, then the Azure CLI's (whose client may call Power BI).

async function main(): Promise<void> {
  const tenantId = process.env.AZURE_TENANT_ID?.trim() || undefined;
  const scoped = tenantId ? { tenantId } : {};
  const credential = new ChainedTokenCredential(new AzureDeveloperCliCredential(scoped), new AzureCliCredential(scoped));
  const reports = await runPostprovision({ env: process.env, root: resolve(__dirname, '..', '..', '..'), credential, promptSecret: promptSecretOnTerminal });
  process.stdout.write(formatReports('postprovision:', reports));
  // Only broken settings stop `azd up`; anything else is reported and left to the deployer.
  process.exitCode = reports.some((r) => r.step === 'Settings' && r.status === 'failed') ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(`postprovision: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
