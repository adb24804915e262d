import { CLOUDS, SUBSCRIPTION_ID, deploy, type Cloud, type Deployed, type Deployment, type Json, type Template } from './arm';
import type { Compiled } from './bicepCli';

// Deployments of the compiled main.bicep on paper, for the parameters azd would pass.

export const DEPLOYER_PRINCIPAL_ID = '44444444-4444-4444-8444-444444444444';

/** What `azd up` passes in a fresh environment, plus the deployer's object id. */
export const BASE_PARAMETERS: Record<string, Json> = {
  environmentName: 'dev',
  location: 'eastus',
  principalId: DEPLOYER_PRINCIPAL_ID,
};

/** Built-in Azure role definition ids (the same in every cloud) and their names. */
export const BUILT_IN_ROLES: Record<string, string> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
  '17d1049b-9a84-46fb-8f53-869881c3d3ab': 'Storage Account Contributor',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': 'Key Vault Secrets Officer',
  'db79e9a7-68ee-4b58-9aeb-b90e7c24fcba': 'Key Vault Certificate User',
  'a4417e6f-fecd-4de8-b567-7b0420556985': 'Key Vault Certificates Officer',
  '00482a5a-887f-4fb3-b363-3b7fe8e74483': 'Key Vault Administrator',
  '21090545-7ca7-4776-b22c-e363652d74d2': 'Key Vault Reader',
  '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
  '43d0d8ad-25c7-4714-9337-8ba259a9fe05': 'Monitoring Reader',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  'de139f84-1756-47ae-9be6-808fbbe84772': 'Website Contributor',
};

export interface Scenario {
  parameters: Record<string, Json>;
  cloud?: Cloud;
}

export const deployMain = (compiled: Compiled, scenario: Scenario): Deployment =>
  deploy(compiled.template('main.json') as Template, { ...BASE_PARAMETERS, ...scenario.parameters }, scenario.cloud ?? CLOUDS.AzureCloud);

export const ofType = (deployment: Deployment, type: string): Deployed[] => deployment.resources.filter((resource) => resource.type.toLowerCase() === type.toLowerCase());

export function single(deployment: Deployment, type: string, where: (resource: Deployed) => boolean = () => true): Deployed {
  const found = ofType(deployment, type).filter(where);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`);
  return found[0] as Deployed;
}

/** Resource id in the resource group the deployment created. */
export const idOf = (resource: Deployed): string => {
  const [namespace, ...types] = resource.type.split('/');
  const names = resource.name.split('/');
  const scope = resource.resourceGroup ? `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${resource.resourceGroup}` : `/subscriptions/${SUBSCRIPTION_ID}`;
  return `${scope}/providers/${namespace}/${types.map((type, i) => `${type}/${names[i] ?? ''}`).join('/')}`;
};

/** A path into a resource body: get(site, 'properties.siteConfig.cors'). */
export function get(resource: Deployed | Json, path: string): Json {
  let current: Json = (resource as Deployed).body ?? (resource as Json);
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return null;
    current = (current as Record<string, Json>)[key] ?? null;
  }
  return current;
}

export const appSettings = (deployment: Deployment): Record<string, Json> =>
  get(single(deployment, 'Microsoft.Web/sites/config', (resource) => resource.name.endsWith('/appsettings')), 'properties') as Record<string, Json>;
