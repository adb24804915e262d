import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { SecretClient, type KeyVaultSecret } from '@azure/keyvault-secrets';
import type { BrokerConfig, Environment } from '../../shared/config/config';
import { certificateFromPem, type ClientCredential } from '../../shared/credentials/clientCredential';
import type { PromptSecret } from './promptSecret';
import type { StepReport } from './stepReport';

// postprovision, step 1: the service principal's client secret or certificate in Key Vault, when
// that is the chosen credential. The value comes from an azd environment value or a prompt that
// does not echo; what is already there and equal is left alone, so a second run writes nothing.

export const PEM_CONTENT_TYPE = 'application/x-pem-file';
const STEP = 'Key Vault credential';

export interface CredentialStepResult {
  report: StepReport;
  /** The service principal's credential as stored, for checking it against Power BI afterwards. */
  credential?: ClientCredential;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

async function readExisting(client: SecretClient, name: string): Promise<KeyVaultSecret | undefined> {
  try {
    return await client.getSecret(name);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

function vaultFailure(error: unknown, vaultName: string, name: string): StepReport {
  const status = statusOf(error);
  const lines = [`Key Vault answered ${status ?? (error as Error).name} for "${name}".`];
  const todo =
    status === 403
      ? [`Give yourself "Key Vault Secrets Officer" on ${vaultName} (the template grants it to AZURE_PRINCIPAL_ID), then run \`azd hooks run postprovision\`.`]
      : [`Check that ${vaultName} is reachable, then run \`azd hooks run postprovision\`.`];
  return { step: STEP, status: 'failed', lines, todo };
}

function withCredential(report: StepReport, credential: ClientCredential | undefined): CredentialStepResult {
  return credential ? { report, credential } : { report };
}

export interface CredentialStepOptions {
  env: Environment;
  config: BrokerConfig;
  root: string;
  credential: TokenCredential;
  promptSecret?: PromptSecret | undefined;
}

export async function storeCredentialInKeyVault(options: CredentialStepOptions): Promise<CredentialStepResult> {
  const { config, env } = options;
  const kind = config.powerBi.credential;
  if (kind === 'managed-identity') {
    return {
      report: { step: STEP, status: 'skipped', lines: ['POWERBI_CREDENTIAL is managed-identity: the function\'s managed identity is the credential (a federated credential on the Power BI app); no secret to store.'], todo: [] },
    };
  }
  const vaultUrl = config.keyVault.url as string;
  const vaultName = new URL(vaultUrl).hostname.split('.')[0] ?? vaultUrl;
  const client = new SecretClient(vaultUrl, options.credential, { disableChallengeResourceVerification: isLoopback(vaultUrl) });
  const name = kind === 'secret' ? config.keyVault.clientSecretName : (config.keyVault.certificateName as string);

  let existing: KeyVaultSecret | undefined;
  try {
    existing = await readExisting(client, name);
  } catch (error) {
    return { report: vaultFailure(error, vaultName, name) };
  }

  let given: string | undefined;
  let contentType: string | undefined;
  if (kind === 'secret') {
    given = env.POWERBI_CLIENT_SECRET?.trim() || undefined;
    if (!given && !existing) given = await options.promptSecret?.(`Client secret of the Power BI app ${config.powerBi.clientId} for Key Vault secret "${name}" (input hidden, Enter to skip): `);
  } else {
    const file = env.POWERBI_CERTIFICATE_PEM_FILE?.trim();
    if (file) {
      given = await readFile(resolve(options.root, file), 'utf8');
      contentType = PEM_CONTENT_TYPE;
      try {
        certificateFromPem(given);
      } catch {
        return { report: { step: STEP, status: 'failed', lines: [`POWERBI_CERTIFICATE_PEM_FILE "${file}" must hold the certificate and its private key as PEM.`], todo: ['Point POWERBI_CERTIFICATE_PEM_FILE at a PEM file with both, then run `azd hooks run postprovision`.'] } };
      }
    }
  }

  const asCredential = (value: string, type: string | undefined): ClientCredential | undefined => {
    if (kind === 'secret') return { kind: 'secret', secret: value };
    try {
      return type === PEM_CONTENT_TYPE ? certificateFromPem(value) : undefined;
    } catch {
      return undefined;
    }
  };

  if (given === undefined) {
    if (existing?.value !== undefined) {
      const what = kind === 'secret' ? 'secret' : `certificate (content type ${existing.properties.contentType ?? 'none'})`;
      return withCredential({ step: STEP, status: 'unchanged', lines: [`Key Vault ${vaultName} already holds the ${what} "${name}"; left as it is.`], todo: [] }, asCredential(existing.value, existing.properties.contentType));
    }
    const todo =
      kind === 'secret'
        ? [
            `Create a client secret and store it: \`secret=$(az ad app credential reset --id ${config.powerBi.clientId} --append --display-name "broker $(date +%F)" --years 1 --query password -o tsv) && az keyvault secret set --vault-name ${vaultName} --name ${name} --value "$secret" --output none; unset secret\`, or run \`azd hooks run postprovision\` in a terminal to be asked for it.`,
          ]
        : [`Store the certificate as PEM: \`azd env set POWERBI_CERTIFICATE_PEM_FILE path/to/cert-and-key.pem\` then \`azd hooks run postprovision\` (or \`az keyvault secret set --vault-name ${vaultName} --name ${name} --file cert-and-key.pem --encoding utf-8 --content-type ${PEM_CONTENT_TYPE}\`).`];
    return { report: { step: STEP, status: 'action-needed', lines: [`No ${kind === 'secret' ? 'client secret' : 'certificate'} "${name}" in Key Vault ${vaultName}, and none was given: the app cannot get a Power BI token until there is one.`], todo } };
  }

  if (existing?.value === given) {
    return withCredential({ step: STEP, status: 'unchanged', lines: [`Key Vault ${vaultName} already holds this value as "${name}"; nothing written.`], todo: [] }, asCredential(given, contentType ?? existing.properties.contentType));
  }
  try {
    await client.setSecret(name, given, contentType ? { contentType } : {});
  } catch (error) {
    return { report: vaultFailure(error, vaultName, name) };
  }
  const lines = [`Stored the ${kind === 'secret' ? 'client secret' : 'PEM certificate'} as "${name}" in Key Vault ${vaultName}${existing ? ' (a new version; running instances switch when the old one stops working or they restart)' : ''}.`];
  const todo = kind === 'secret' && env.POWERBI_CLIENT_SECRET ? ['Remove the secret from the azd environment file now that it is in Key Vault: `azd env set POWERBI_CLIENT_SECRET ""`.'] : [];
  return withCredential({ step: STEP, status: 'done', lines, todo }, asCredential(given, contentType));
}
