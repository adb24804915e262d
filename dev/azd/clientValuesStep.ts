import type { BrokerConfig, Environment } from '../../shared/config/config';
import type { StepReport } from './stepReport';

// postprovision, step 4: what the single-page app needs, from the provisioning outputs azd put
// in the environment (API_BASE_URL, API_SCOPE, SPA_CLIENT_ID...). Nothing is changed.

export function clientValues(env: Environment, config: BrokerConfig): StepReport {
  const get = (name: string) => env[name]?.trim() || undefined;
  const tenantId = get('AZURE_TENANT_ID') ?? config.powerBi.tenantId;
  const spaClientId = get('SPA_CLIENT_ID');
  const apiBase = get('API_BASE_URL');
  const lines = [
    `Sample SPA        ${get('WEB_URL') ?? '(not provisioned yet)'} (deployed by \`azd deploy web\`; its origin is allowed by CORS)`,
    `API base URL      ${apiBase ?? '(not provisioned yet)'}`,
    `Sign-in authority ${config.powerBi.authorityHost}/${tenantId}`,
    `SPA client id     ${spaClientId ?? '(none: CREATE_SPA_APP_REGISTRATION=false or an existing app)'}`,
    `Scope to request  ${get('API_SCOPE') ?? '(not provisioned yet)'}`,
    `Embed a report    GET ${apiBase ?? '<API base URL>'}/embed/reports/{key}`,
  ];
  const todo: string[] = [];
  if (!get('CORS_ALLOWED_ORIGINS')) todo.push('Another SPA than the sample? Allow its origin: `azd env set CORS_ALLOWED_ORIGINS "https://app.contoso.com"`, then `azd provision`.');
  if (spaClientId) todo.push(`Grant consent once for the tenant: \`az ad app permission admin-consent --id ${spaClientId}\` (or let users consent).`);
  if (get('API_CLIENT_ID')) todo.push(`Assign users or groups to the API app's roles (enterprise application of ${get('API_CLIENT_ID')}): the roles claim is what the embed policy maps to RLS.`);
  return { step: 'Values for the SPA', status: 'unchanged', lines, todo };
}
