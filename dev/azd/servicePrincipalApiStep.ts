import { BrokerError } from '../../shared/errors/brokerError';
import type { BrokerConfig } from '../../shared/config/config';
import type { ClientCredential } from '../../shared/credentials/clientCredential';
import { createMsalTokenSource } from '../../shared/credentials/msalTokenSource';
import { callPowerBi, describeAnswer, type FetchLike } from './powerBiRest';
import type { StepReport } from './stepReport';
import { policyWorkspaces } from './workspaceAccessStep';

// postprovision, step 3: may this service principal use the Power BI REST API? Only a call with
// its own token can tell. Get Groups answers 200 when the tenant setting admits it (and lists the
// workspaces it is a member of), 401 ServicePrincipalIsNotAllowedByTenantAdminSwitch when the
// setting is off or leaves it out. The managed-identity credential exists only inside Azure, so
// from the deployer's machine the question stays open: the step then says what to check.

const STEP = 'Service principal may use the Power BI API';

export function tenantSettingSteps(config: BrokerConfig): string[] {
  return [
    `Fabric admin portal > Tenant settings > Developer settings: enable "Service principals can use Fabric APIs" (formerly "Allow service principals to use Power BI APIs") for a security group that contains the Power BI app ${config.powerBi.clientId}; a change takes up to 15 minutes.`,
    'Same page: enable "Embed content in apps" for that group.',
  ];
}

export interface ApiAccessStepOptions {
  config: BrokerConfig;
  /** The service principal's credential, when the deployer has it (secret or PEM certificate). */
  credential?: ClientCredential | undefined;
  fetch?: FetchLike | undefined;
}

export async function checkServicePrincipalApiAccess(options: ApiAccessStepOptions): Promise<StepReport> {
  const { config } = options;
  if (!options.credential) {
    const why =
      config.powerBi.credential === 'managed-identity'
        ? 'The credential is the function\'s managed identity, which exists only in Azure: cannot tell from here.'
        : 'The service principal\'s credential is not in Key Vault in a form this check can use: cannot tell.';
    return { step: STEP, status: 'action-needed', lines: [why, 'After deploying, GET /api/health/ready answers 200 once Power BI accepts the service principal.'], todo: tenantSettingSteps(config) };
  }

  const source = createMsalTokenSource(
    { tenantId: config.powerBi.tenantId, clientId: config.powerBi.clientId, authorityHost: config.powerBi.authorityHost, scope: config.powerBi.scope, timeoutMs: 20_000, ...(options.fetch ? { fetch: options.fetch } : {}) },
    options.credential,
  );
  let token: string;
  try {
    token = (await source.acquire(true)).token;
  } catch (error) {
    // The token source fails with the broker's typed error: Entra's own code is in its extensions.
    const code = error instanceof BrokerError ? error.extensions.upstreamCode ?? error.code : 'error';
    return {
      step: STEP,
      status: 'failed',
      lines: [`Entra refused the service principal's credential (${String(code)}).`],
      todo: ['Put a valid client secret or certificate of the Power BI app in Key Vault (see the Key Vault step), then run `azd hooks run postprovision`.'],
    };
  }

  const answer = await callPowerBi(options.fetch ?? fetch, `${config.powerBi.apiUrl}/v1.0/myorg/groups`, token);
  if (answer.status === 200) {
    const seen = new Set(((answer.body as { value?: { id?: string }[] } | undefined)?.value ?? []).map((g) => g.id?.toLowerCase()));
    const missing = policyWorkspaces(config.policy).filter((ws) => !seen.has(ws));
    const lines = ['Yes: Power BI accepts the service principal\'s token (Get Groups answered 200).'];
    if (missing.length > 0) lines.push(`It is not yet a member of ${missing.join(', ')} (see the workspace step).`);
    return { step: STEP, status: 'unchanged', lines, todo: [] };
  }
  if (answer.status === 401 && answer.errorCode === 'ServicePrincipalIsNotAllowedByTenantAdminSwitch') {
    return { step: STEP, status: 'action-needed', lines: [`No: the tenant setting does not admit it (${describeAnswer(answer)}).`], todo: tenantSettingSteps(config) };
  }
  return { step: STEP, status: 'action-needed', lines: [`Cannot tell: Get Groups answered ${describeAnswer(answer)}.`], todo: tenantSettingSteps(config) };
}
