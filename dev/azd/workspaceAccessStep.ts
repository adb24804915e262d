import type { TokenCredential } from '@azure/identity';
import type { BrokerConfig, Environment } from '../../shared/config/config';
import type { EmbedPolicy } from '../../shared/policy/embedPolicy';
import { callPowerBi, describeAnswer, type FetchLike } from './powerBiRest';
import type { StepReport } from './stepReport';

// postprovision, step 2: the service principal becomes a Member of every workspace the embed
// policy names, through the Power BI REST API as the deployer. Get Group Users first: a
// principal already there is left alone (Add Group User would refuse it anyway).

const STEP = 'Power BI workspace access';
const ENOUGH = new Set(['Admin', 'Member']);

interface GroupUser {
  identifier?: string;
  groupUserAccessRight?: string;
}

/**
 * The workspaces the broker's own principal reaches: the catalog's and the Save As targets, less
 * any customer's (a customer is reached as its profile or its own principal, never the shared one).
 */
export function policyWorkspaces(policy: EmbedPolicy): string[] {
  const { items, rules, customers } = policy;
  const customerOwned = new Set(Object.values(customers?.entries ?? {}).flatMap((customer) => customer.workspaces.map((id) => id.toLowerCase())));
  const named = [...Object.values(items).map((item) => item.workspaceId), ...rules.flatMap((rule) => (rule.targetWorkspaceId ? [rule.targetWorkspaceId] : []))];
  return [...new Set(named.map((id) => id.toLowerCase()))].filter((id) => !customerOwned.has(id)).sort();
}

function manualCommand(config: BrokerConfig, workspaceId: string, objectId: string): string {
  const resource = config.powerBi.scope.replace(/\/\.default$/, '');
  const body = JSON.stringify({ identifier: objectId, principalType: 'App', groupUserAccessRight: 'Member' }).replace(/"/g, '\\"');
  return `\`az rest --method post --resource ${resource} --url "${config.powerBi.apiUrl}/v1.0/myorg/groups/${workspaceId}/users" --body "${body}"\` (or the workspace's Manage access page)`;
}

export interface WorkspaceStepOptions {
  env: Environment;
  config: BrokerConfig;
  credential: TokenCredential;
  fetch?: FetchLike | undefined;
}

export async function grantWorkspaceAccess(options: WorkspaceStepOptions): Promise<StepReport> {
  const { config } = options;
  const fetchImpl = options.fetch ?? fetch;
  const workspaces = policyWorkspaces(config.policy);
  const objectId = options.env.POWERBI_SERVICE_PRINCIPAL_OBJECT_ID?.trim().toLowerCase();
  if (!objectId) {
    return {
      step: STEP,
      status: 'action-needed',
      lines: ['POWERBI_SERVICE_PRINCIPAL_OBJECT_ID is empty (the app registration was not created by this template), so the service principal cannot be named.'],
      todo: [`\`azd env set POWERBI_SERVICE_PRINCIPAL_OBJECT_ID "$(az ad sp show --id ${config.powerBi.clientId} --query id -o tsv)"\`, then \`azd hooks run postprovision\`.`],
    };
  }

  let token: string;
  try {
    const got = await options.credential.getToken(config.powerBi.scope);
    if (!got?.token) throw new Error('no token');
    token = got.token;
  } catch (error) {
    return {
      step: STEP,
      status: 'action-needed',
      lines: [`Could not get a Power BI token as you (${(error as Error).name}), so no workspace was changed.`],
      todo: workspaces.map((ws) => `Add the service principal ${objectId} to workspace ${ws} as Member: ${manualCommand(config, ws, objectId)}.`),
    };
  }

  const lines: string[] = [];
  const todo: string[] = [];
  let added = 0;
  for (const workspaceId of workspaces) {
    const url = `${config.powerBi.apiUrl}/v1.0/myorg/groups/${workspaceId}/users`;
    const list = await callPowerBi(fetchImpl, url, token);
    if (list.status !== 200) {
      lines.push(`Workspace ${workspaceId}: cannot read its members (${describeAnswer(list)}); you need to be its Admin or Member, and it must exist.`);
      todo.push(`Add the service principal ${objectId} to workspace ${workspaceId} as Member: ${manualCommand(config, workspaceId, objectId)}.`);
      continue;
    }
    const users = ((list.body as { value?: GroupUser[] } | undefined)?.value ?? []).filter((u) => u.identifier?.toLowerCase() === objectId);
    const right = users.map((u) => u.groupUserAccessRight ?? '').find((r) => ENOUGH.has(r)) ?? users[0]?.groupUserAccessRight;
    if (right && ENOUGH.has(right)) {
      lines.push(`Workspace ${workspaceId}: the service principal is already ${right}.`);
      continue;
    }
    if (right) {
      lines.push(`Workspace ${workspaceId}: the service principal is only ${right}; embedding needs Member or Admin. Left as it is.`);
      todo.push(`In workspace ${workspaceId}, Manage access: change the service principal ${objectId} from ${right} to Member.`);
      continue;
    }
    const add = await callPowerBi(fetchImpl, url, token, { method: 'POST', body: { identifier: objectId, principalType: 'App', groupUserAccessRight: 'Member' } });
    if (add.status === 200 || add.status === 201) {
      added += 1;
      lines.push(`Workspace ${workspaceId}: added the service principal as Member.`);
    } else {
      lines.push(`Workspace ${workspaceId}: could not add the service principal (${describeAnswer(add)}); adding takes an Admin or Member of the workspace.`);
      todo.push(`Add the service principal ${objectId} to workspace ${workspaceId} as Member: ${manualCommand(config, workspaceId, objectId)}.`);
    }
  }
  const status = todo.length > 0 ? 'action-needed' : added > 0 ? 'done' : 'unchanged';
  return { step: STEP, status, lines, todo };
}
