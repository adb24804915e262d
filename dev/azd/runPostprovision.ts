import type { TokenCredential } from '@azure/identity';
import { ConfigError, loadConfig, type BrokerConfig, type Environment } from '../../shared/config/config';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { clientValues } from './clientValuesStep';
import { deployedSettings } from './deployedSettings';
import { storeCredentialInKeyVault } from './keyVaultCredentialStep';
import type { PromptSecret } from './promptSecret';
import type { FetchLike } from './powerBiRest';
import { checkServicePrincipalApiAccess } from './servicePrincipalApiStep';
import type { StepReport } from './stepReport';
import { grantWorkspaceAccess } from './workspaceAccessStep';

// postprovision: the steps Bicep cannot do, each idempotent, each reporting what it did, what it
// skipped and why, and what is left for the deployer. Endpoints come from the azd environment
// (provisioning outputs, and the endpoint overrides tests use to reach the local emulators).

export interface PostprovisionOptions {
  env: Environment;
  root: string;
  /** The deployer: writes to Key Vault and calls Power BI as them. */
  credential: TokenCredential;
  promptSecret?: PromptSecret | undefined;
  fetch?: FetchLike | undefined;
}

export function deployedConfig(env: Environment, root: string): BrokerConfig {
  const { settings, problems } = deployedSettings(env, { endpointOverrides: true });
  if (problems.length > 0) throw new ConfigError(problems);
  return loadConfig(settings, { readFile: (path) => readFileSync(resolve(root, path), 'utf8') });
}

export async function runPostprovision(options: PostprovisionOptions): Promise<StepReport[]> {
  let config: BrokerConfig;
  try {
    config = deployedConfig(options.env, options.root);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [{ step: 'Settings', status: 'failed', lines: error.problems, todo: ['Fix the settings (the preprovision hook lists them), then run `azd up` again.'] }];
  }
  const vault = await storeCredentialInKeyVault({ env: options.env, config, root: options.root, credential: options.credential, promptSecret: options.promptSecret });
  const workspaces = await grantWorkspaceAccess({ env: options.env, config, credential: options.credential, fetch: options.fetch });
  const apiAccess = await checkServicePrincipalApiAccess({ config, credential: vault.credential, fetch: options.fetch });
  return [vault.report, workspaces, apiAccess, clientValues(options.env, config)];
}
