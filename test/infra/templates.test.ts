import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CLOUDS as POWERBI_CLOUDS, CLOUD_NAMES } from '../../shared/config/clouds';
import { CLOUDS, SUBSCRIPTION_ID, TENANT_ID, TemplateError, runtimeValue, type Deployed, type Deployment, type Json, type Template } from './arm';
import { compileInfra, describeWithBicep, diagnostics, graphModule, infraDir, repoRoot, type Compiled } from './bicepCli';
import { declarations } from './bicepText';
import { STATIC_WEB_APP_REGIONS as PREPROVISION_SWA_REGIONS } from '../../dev/azd/deployedSettings';
import { webDeployment, type StaticWebAppConfig } from '../../dev/azd/webDeployment';
import { BUILT_IN_ROLES, DEPLOYER_PRINCIPAL_ID, appSettings, deployMain, get, idOf, ofType, single, type Scenario } from './infraFixture';

// The templates, compiled by the real Bicep CLI and deployed on paper (./arm.ts) for the parameter
// sets azd passes. Each block checks one promise of infra/README.md.

/** Regions that offer Flex Consumption (`az functionapp list-flexconsumption-locations`). */
const FLEX_REGIONS = new Set(
  'australiaeast australiasoutheast brazilsouth canadacentral centralindia centralus eastasia eastus eastus2 francecentral germanywestcentral italynorth japaneast koreacentral northcentralus northeurope norwayeast southafricanorth southcentralus southeastasia southindia spaincentral swedencentral uaenorth uksouth ukwest westcentralus westeurope westus westus2 westus3'.split(
    ' ',
  ),
);
const FLEX_MEMORY_MB = [512, 2048, 4096];
/** Regions that offer Static Web Apps (`az provider show -n Microsoft.Web --query "resourceTypes[?resourceType=='staticSites'].locations"`). */
const STATIC_WEB_APP_REGIONS = ['centralus', 'eastasia', 'eastus2', 'westeurope', 'westus2'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const bicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? bicepFiles(path.join(dir, entry.name)) : entry.name.endsWith('.bicep') ? [path.join(dir, entry.name)] : [],
  );

describeWithBicep('infra templates, compiled', (bicep) => {
  let compiled: Compiled;
  const scenarios = new Map<string, Deployment>();
  /** The deployment for these parameters (memoized: scenarios repeat across tests). */
  const deployment = (scenario: Scenario = { parameters: {} }): Deployment => {
    const key = JSON.stringify(scenario);
    if (!scenarios.has(key)) scenarios.set(key, deployMain(compiled, scenario));
    return scenarios.get(key) as Deployment;
  };

  beforeAll(() => {
    compiled = compileInfra(bicep);
  });

  const identityOf = (d: Deployment) => single(d, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const siteOf = (d: Deployment) => single(d, 'Microsoft.Web/sites');
  const storageOf = (d: Deployment) => single(d, 'Microsoft.Storage/storageAccounts');
  const vaultOf = (d: Deployment) => single(d, 'Microsoft.KeyVault/vaults');
  const insightsOf = (d: Deployment) => single(d, 'Microsoft.Insights/components');
  const staticSiteOf = (d: Deployment) => single(d, 'Microsoft.Web/staticSites');
  const runtime = (resource: Deployed, property: string) => runtimeValue(resource.type, resource.name, property);

  describe('the compiler', () => {
    it('builds every template with no error and no warning', () => {
      expect(diagnostics(compiled.buildOutput)).toEqual([]);
      expect({ status: compiled.buildStatus, output: compiled.buildOutput.trim() }).toEqual({ status: 0, output: '' });
    });

    it('lints every template clean (warnings count as errors)', () => {
      expect(diagnostics(compiled.lintOutput)).toEqual([]);
      expect({ status: compiled.lintStatus, output: compiled.lintOutput.trim() }).toEqual({ status: 0, output: '' });
    });

    it('built every .bicep file of infra/', () => {
      for (const file of bicepFiles(infraDir)) {
        const relative = path.relative(infraDir, file).replace(/\.bicep$/, '.json');
        expect({ relative, schema: compiled.template(relative) && '$schema' in compiled.template(relative) }).toEqual({ relative, schema: true });
      }
    });

    it('compiles main.bicep against a stand-in with the Graph module\'s parameters and outputs', () => {
      const standIn = compiled.template('modules/appRegistrations.json') as Template & { parameters: Record<string, { type: string; defaultValue?: Json }> };
      const source = readFileSync(graphModule, 'utf8');
      const realParams = declarations(source, 'param').map((p) => ({ name: p.name, type: p.type.toLowerCase(), optional: p.value !== undefined }));
      const standInParams = Object.entries(standIn.parameters).map(([name, spec]) => ({ name, type: spec.type.toLowerCase(), optional: 'defaultValue' in spec }));
      expect(standInParams).toEqual(realParams);
      const realOutputs = declarations(source, 'output').map((o) => ({ name: o.name, type: o.type.toLowerCase() }));
      const standInOutputs = Object.entries(standIn.outputs ?? {}).map(([name, spec]) => ({ name, type: spec.type.toLowerCase() }));
      expect(standInOutputs).toEqual(realOutputs);
    });
  });

  describe('parameters', () => {
    it('offers only regions with Flex Consumption', () => {
      const location = (compiled.template('main.json').parameters ?? {}).location;
      expect(location?.allowedValues?.length).toBeGreaterThan(10);
      expect((location?.allowedValues ?? []).filter((region) => !FLEX_REGIONS.has(String(region)))).toEqual([]);
      expect(() => deployMain(compiled, { parameters: { location: 'westindia' } })).toThrow(TemplateError);
    });

    it('offers AUTH_MODE jwt and easyauth only (`none` is local-only), jwt by default', () => {
      const authMode = (compiled.template('main.json').parameters ?? {}).authMode;
      expect(authMode?.allowedValues).toEqual(['jwt', 'easyauth']);
      expect(authMode?.defaultValue).toBe('jwt');
      expect(() => deployMain(compiled, { parameters: { authMode: 'none' } })).toThrow(TemplateError);
    });

    it('offers exactly the clouds the broker knows for POWERBI_CLOUD', () => {
      expect((compiled.template('main.json').parameters ?? {}).powerBiCloud?.allowedValues).toEqual([...CLOUD_NAMES]);
    });

    it('places every resource in the chosen region, the Static Web App in the nearest one that offers it (metric alerts and action groups exist only globally)', () => {
      const d = deployment({ parameters: { location: 'swedencentral', alertEmail: 'oncall@contoso.example' } });
      const globalOnly = (resource: Deployed) => ['microsoft.insights/metricalerts', 'microsoft.insights/actiongroups'].includes(resource.type.toLowerCase());
      const located = d.resources.filter((resource) => 'location' in resource.body && resource.type !== 'Microsoft.Web/staticSites');
      expect(located.length).toBeGreaterThan(8);
      expect(located.filter((resource) => !globalOnly(resource) && resource.body.location !== 'swedencentral').map((r) => `${r.type} ${r.name}`)).toEqual([]);
      expect(located.filter(globalOnly).map((r) => String(r.body.location).toLowerCase())).toEqual(['global', 'global']);
      expect(staticSiteOf(d).body.location).toBe('westeurope');
    });
  });

  describe('main.parameters.json (what azd passes)', () => {
    /** Variables azd itself sets in every environment. */
    const AZD_VARIABLES = ['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_PRINCIPAL_ID', 'AZURE_PRINCIPAL_TYPE'];
    const file = () =>
      Object.entries((JSON.parse(readFileSync(path.join(infraDir, 'main.parameters.json'), 'utf8')) as { parameters: Record<string, { value: unknown }> }).parameters).map(([name, { value }]) => {
        const match = /^\$\{([A-Z][A-Z0-9_]*)(?:=([^}]*))?\}$/.exec(String(value));
        return { name, variable: match?.[1], fallback: match?.[2] };
      });
    /** azd's substitution with empty variables, converted to each parameter's type as azd does. */
    const substituted = (variables: Record<string, string>): Record<string, Json> => {
      const declared = compiled.template('main.json').parameters ?? {};
      return Object.fromEntries(
        file().map(({ name, variable, fallback }) => {
          const text = (variable && variables[variable]) || fallback || '';
          const type = declared[name]?.type.toLowerCase();
          return [name, type === 'bool' ? text === 'true' : type === 'int' ? Number(text) : text];
        }),
      );
    };

    it('passes each value from one azd environment variable, to a parameter main.bicep declares', () => {
      const declared = compiled.template('main.json').parameters ?? {};
      for (const entry of file()) expect({ ...entry, declared: entry.name in declared }).toEqual({ ...entry, variable: expect.stringMatching(/^[A-Z]/), declared: true });
      const required = Object.entries(declared).filter(([, spec]) => !('defaultValue' in spec)).map(([name]) => name);
      expect(required.filter((name) => !file().some((entry) => entry.name === name))).toEqual([]);
    });

    it('falls back to the template\'s own defaults', () => {
      const declared = compiled.template('main.json').parameters ?? {};
      const given = substituted({});
      for (const { name, fallback } of file()) {
        const spec = declared[name];
        if (fallback === undefined || !spec || typeof spec.defaultValue === 'string' && spec.defaultValue.startsWith('[')) continue;
        expect({ name, fallback: given[name] }).toEqual({ name, fallback: spec.defaultValue });
      }
    });

    it('deploys with nothing but what `azd env new` and `azd up` set', () => {
      const d = deployMain(compiled, { parameters: substituted({ AZURE_ENV_NAME: 'dev', AZURE_LOCATION: 'eastus2', AZURE_PRINCIPAL_ID: DEPLOYER_PRINCIPAL_ID }) });
      expect(appSettings(d).POWERBI_CREDENTIAL).toBe('managed-identity');
      expect(d.outputs.AZURE_FUNCTION_NAME).toBe(siteOf(d).name);
    });

    it('matches the parameter table of infra/README.md', () => {
      const readme = readFileSync(path.join(infraDir, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Parameters'));
      const rows = section.slice(0, section.indexOf('\n\n', section.indexOf('| ---'))).split('\n').filter((line) => line.startsWith('| `'));
      const declared = compiled.template('main.json').parameters ?? {};
      const documented = rows.flatMap((row) => {
        const [variables = '', parameters = ''] = row.split('|').slice(1, 3);
        const names = [...variables.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1] as string);
        const params = [...parameters.matchAll(/`(\w+)`/g)].map((m) => m[1] as string).filter((name) => name in declared);
        return names.map((variable, i) => ({ variable, name: params[i] }));
      });
      const passed = file()
        .filter(({ variable }) => !AZD_VARIABLES.includes(variable ?? ''))
        .map(({ variable, name }) => ({ variable, name }));
      expect(documented.sort((a, b) => a.variable.localeCompare(b.variable))).toEqual(passed.sort((a, b) => String(a.variable).localeCompare(String(b.variable))));
    });
  });

  describe('the function app', () => {
    it('is one Linux Flex Consumption app on a FC1 plan, Node 22', () => {
      const d = deployment();
      const site = siteOf(d);
      const plan = single(d, 'Microsoft.Web/serverfarms');
      expect(plan.body.sku).toEqual({ tier: 'FlexConsumption', name: 'FC1' });
      expect(get(plan, 'properties.reserved')).toBe(true);
      expect(site.body.kind).toBe('functionapp,linux');
      expect(get(site, 'properties.serverFarmId')).toBe(idOf(plan));
      expect(get(site, 'properties.functionAppConfig.runtime')).toEqual({ name: 'node', version: '22' });
      const scale = get(site, 'properties.functionAppConfig.scaleAndConcurrency') as { instanceMemoryMB: number; maximumInstanceCount: number };
      expect(FLEX_MEMORY_MB).toContain(scale.instanceMemoryMB);
      expect(scale.maximumInstanceCount).toBeGreaterThanOrEqual(40);
      expect(scale.maximumInstanceCount).toBeLessThanOrEqual(1000);
      const memory = (compiled.template('modules/functionApp.json').parameters ?? {}).instanceMemoryMB;
      expect((memory?.allowedValues ?? []).filter((mb) => !FLEX_MEMORY_MB.includes(Number(mb)))).toEqual([]);
    });

    it('runs as the user-assigned identity, HTTPS only, TLS 1.2, no FTP', () => {
      const d = deployment();
      const site = siteOf(d);
      expect(site.body.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [idOf(identityOf(d))]: {} } });
      expect(get(site, 'properties.httpsOnly')).toBe(true);
      expect(get(site, 'properties.siteConfig.minTlsVersion')).toBe('1.2');
      expect(get(site, 'properties.siteConfig.scmMinTlsVersion')).toBe('1.2');
      expect(get(site, 'properties.siteConfig.ftpsState')).toBe('Disabled');
    });

    it('turns off basic-auth publishing for FTP and SCM, in the site\'s region', () => {
      const d = deployment({ parameters: { location: 'westus3' } });
      const policies = ofType(d, 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
      expect(policies.map((policy) => policy.name).sort()).toEqual([`${siteOf(d).name}/ftp`, `${siteOf(d).name}/scm`]);
      for (const policy of policies) expect({ name: policy.name, location: policy.body.location, properties: policy.body.properties }).toEqual({ name: policy.name, location: 'westus3', properties: { allow: false } });
    });

    it('reads its package from the storage account\'s deployment container, with its identity', () => {
      const d = deployment();
      const storage = storageOf(d);
      const containers = ofType(d, 'Microsoft.Storage/storageAccounts/blobServices/containers');
      expect(containers).toHaveLength(1);
      const [account, , container] = (containers[0] as Deployed).name.split('/');
      expect(account).toBe(storage.name);
      expect(get(containers[0] as Deployed, 'properties.publicAccess')).toBe('None');
      expect(get(siteOf(d), 'properties.functionAppConfig.deployment.storage')).toEqual({
        type: 'blobContainer',
        value: `${runtime(storage, 'primaryEndpoints.blob')}${container}`,
        authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: idOf(identityOf(d)) },
      });
    });

    it('carries the azd-service-name tag of each azure.yaml service, and azure.yaml names no other', () => {
      const azureYaml = parseYaml(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')) as { services: Record<string, { host: string }>; infra?: { path?: string; module?: string } };
      expect(azureYaml.infra).toMatchObject({ provider: 'bicep', path: 'infra', module: 'main' });
      const d = deployment();
      const tagged = d.resources.filter((resource) => typeof get(resource, 'tags.azd-service-name') === 'string');
      const byService = Object.fromEntries(tagged.map((resource) => [get(resource, 'tags.azd-service-name') as string, resource]));
      expect(Object.keys(byService).sort()).toEqual(Object.keys(azureYaml.services).sort());
      expect(tagged).toHaveLength(Object.keys(byService).length);
      for (const [name, service] of Object.entries(azureYaml.services)) {
        const resource = byService[name] as Deployed;
        if (service.host === 'function') expect({ name, type: resource.type, kind: resource.body.kind }).toEqual({ name, type: 'Microsoft.Web/sites', kind: expect.stringContaining('functionapp') });
        else expect({ name, host: service.host, type: resource.type }).toEqual({ name, host: 'staticwebapp', type: 'Microsoft.Web/staticSites' });
      }
      expect(d.outputs.SERVICE_API_NAME).toBe(siteOf(d).name);
      expect(d.outputs.SERVICE_WEB_NAME).toBe(staticSiteOf(d).name);
    });

    it('allows the Static Web App\'s origin and the configured CORS origins exactly, never *', () => {
      const origins = deployment({ parameters: { corsAllowedOrigins: ' https://app.contoso.com, http://localhost:5173 ,' } });
      const spaOrigin = `https://${runtime(staticSiteOf(origins), 'defaultHostname')}`;
      expect(get(siteOf(origins), 'properties.siteConfig.cors')).toEqual({ allowedOrigins: [spaOrigin, 'https://app.contoso.com', 'http://localhost:5173'], supportCredentials: false });
      expect(get(siteOf(deployment()), 'properties.siteConfig.cors')).toEqual({ allowedOrigins: [spaOrigin], supportCredentials: false });
      expect(deployment().outputs.SPA_ORIGIN).toBe(spaOrigin);
      // Listed twice, allowed once.
      expect(get(siteOf(deployment({ parameters: { corsAllowedOrigins: 'https://app.contoso.com,https://app.contoso.com' } })), 'properties.siteConfig.cors.allowedOrigins')).toEqual([spaOrigin, 'https://app.contoso.com']);
      for (const d of [origins, deployment()]) expect(JSON.stringify(get(siteOf(d), 'properties.siteConfig.cors'))).not.toContain('*');
    });
  });

  describe('the Static Web App (the SPA)', () => {
    it('is one Free-plan site, deployed by azd rather than a repository workflow, with no staging environments', () => {
      const site = staticSiteOf(deployment());
      expect(site.body.sku).toEqual({ name: 'Free', tier: 'Free' });
      expect(get(site, 'properties.provider')).toBe('Custom');
      expect(get(site, 'properties.stagingEnvironmentPolicy')).toBe('Disabled');
      expect(get(site, 'tags')).toEqual({ 'azd-env-name': 'dev', 'azd-service-name': 'web' });
    });

    it('lands in a region that offers Static Web Apps for every region the template offers, or the one chosen', () => {
      const locations = ((compiled.template('main.json').parameters ?? {}).location?.allowedValues ?? []).map(String);
      expect(locations.length).toBeGreaterThan(10);
      const placed = locations.map((location) => ({ location, site: String(staticSiteOf(deployment({ parameters: { location } })).body.location) }));
      expect(placed.filter(({ site }) => !STATIC_WEB_APP_REGIONS.includes(site))).toEqual([]);
      for (const region of STATIC_WEB_APP_REGIONS) expect(placed.find(({ location }) => location === region)?.site ?? region).toBe(region);
      expect(staticSiteOf(deployment({ parameters: { location: 'japaneast', staticWebAppLocation: 'westus2' } })).body.location).toBe('westus2');
      expect((compiled.template('main.json').parameters ?? {}).staticWebAppLocation?.allowedValues).toEqual(['', ...STATIC_WEB_APP_REGIONS]);
      expect((compiled.template('modules/staticWebApp.json').parameters ?? {}).siteLocation?.allowedValues).toEqual(['', ...STATIC_WEB_APP_REGIONS]);
      // What preprovision accepts for STATIC_WEB_APP_LOCATION.
      expect(PREPROVISION_SWA_REGIONS).toEqual(STATIC_WEB_APP_REGIONS);
    });

    it('is a redirect URI of the SPA app registration (https://<site>/), with each CORS origin or the URIs given', () => {
      const spaUrl = (d: Deployment) => `https://${runtime(staticSiteOf(d), 'defaultHostname')}/`;
      const byDefault = deployment();
      expect(byDefault.moduleParameters.appRegistrations?.spaRedirectUris).toEqual([spaUrl(byDefault)]);
      expect(byDefault.outputs.WEB_URL).toBe(spaUrl(byDefault));
      const cors = deployment({ parameters: { corsAllowedOrigins: 'https://app.contoso.com, http://localhost:5173' } });
      expect(cors.moduleParameters.appRegistrations?.spaRedirectUris).toEqual([spaUrl(cors), 'https://app.contoso.com/', 'http://localhost:5173/']);
      const given = deployment({ parameters: { corsAllowedOrigins: 'https://app.contoso.com', spaRedirectUris: 'https://app.contoso.com/signed-in, http://localhost:5173/' } });
      expect(given.moduleParameters.appRegistrations?.spaRedirectUris).toEqual([spaUrl(given), 'https://app.contoso.com/signed-in', 'http://localhost:5173/']);
      expect(deployment({ parameters: { createSpaAppRegistration: false } }).moduleParameters.appRegistrations?.createSpaApp).toBe(false);
    });
  });

  describe('app settings', () => {
    const expected = (d: Deployment, overrides: Record<string, Json> = {}): Record<string, Json> => {
      const identity = identityOf(d);
      const storage = storageOf(d);
      const suffix = CLOUDS.AzureCloud.suffixes.storage;
      return {
        AzureWebJobsStorage__blobServiceUri: `https://${storage.name}.blob.${suffix}`,
        AzureWebJobsStorage__queueServiceUri: `https://${storage.name}.queue.${suffix}`,
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: runtime(identity, 'clientId'),
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${runtime(identity, 'clientId')};Authorization=AAD`,
        APPLICATIONINSIGHTS_CONNECTION_STRING: runtime(insightsOf(d), 'ConnectionString'),
        AZURE_CLIENT_ID: runtime(identity, 'clientId'),
        POWERBI_TENANT_ID: TENANT_ID,
        POWERBI_CLIENT_ID: d.outputs.POWERBI_CLIENT_ID as string,
        POWERBI_CREDENTIAL: 'managed-identity',
        KEY_VAULT_URL: runtime(vaultOf(d), 'vaultUri'),
        POWERBI_CLIENT_SECRET_NAME: 'powerbi-client-secret',
        POWERBI_CLOUD: 'Public',
        AUTH_MODE: 'jwt',
        AUTH_ISSUER: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
        AUTH_AUDIENCE: `${d.outputs.API_CLIENT_ID as string},api://${TENANT_ID}/powerbi-embed-broker-${storage.name.slice(2)}-api`,
        // Only the SPA this template registers may call the API, when it registers one.
        ...(d.outputs.SPA_CLIENT_ID ? { AUTH_ALLOWED_CLIENT_IDS: d.outputs.SPA_CLIENT_ID as string } : {}),
        AUTH_ALLOW_APP_TOKENS: 'false',
        AUTH_MAX_TOKEN_AGE_MINUTES: '1440',
        EMBED_POLICY_STRICT: 'false',
        EMBED_MIN_LIFETIME_MINUTES: '30',
        UPSTREAM_TIMEOUT_SECONDS: '8',
        REQUEST_DEADLINE_SECONDS: '20',
        PREWARM_ON_START: 'true',
        ...overrides,
      };
    };

    it('are exactly the broker\'s settings and the host\'s identity-based plumbing', () => {
      const d = deployment();
      expect(appSettings(d)).toEqual(expected(d));
      expect(d.outputs.POWERBI_CLIENT_ID).toMatch(GUID);
      expect(d.outputs.API_CLIENT_ID).toMatch(GUID);
    });

    it('are all strings', () => {
      for (const d of [deployment(), deployment({ parameters: { embedPolicy: '{"rules":[]}', powerBiCertificateName: 'cert', powerBiCredential: 'certificate' } })]) {
        const notStrings = Object.entries(appSettings(d)).filter(([, value]) => typeof value !== 'string');
        expect(notStrings).toEqual([]);
      }
    });

    it('follow the parameters azd passes', () => {
      const parameters = {
        powerBiCredential: 'certificate',
        powerBiCertificateName: 'broker-cert',
        powerBiClientSecretName: 'other-secret',
        powerBiCloud: 'USGov',
        authMode: 'easyauth',
        authIssuer: 'https://sts.example/tenant/v2.0',
        authAudience: 'aud-1, api://aud-2',
        embedPolicyBase64: Buffer.from('{"rules":[{"match":{}}]}').toString('base64'),
        embedMinLifetimeMinutes: 12,
        upstreamTimeoutSeconds: 5,
        requestDeadlineSeconds: 15,
        authAllowedClientIds: '11111111-1111-4111-8111-111111111111',
        authAllowAppTokens: true,
        authMaxTokenAgeMinutes: 90,
        embedPolicyStrict: true,
      };
      const d = deployment({ parameters });
      expect(appSettings(d)).toEqual(
        expected(d, {
          POWERBI_CREDENTIAL: 'certificate',
          POWERBI_CERTIFICATE_NAME: 'broker-cert',
          POWERBI_CLIENT_SECRET_NAME: 'other-secret',
          POWERBI_CLOUD: 'USGov',
          AUTH_MODE: 'easyauth',
          AUTH_ISSUER: 'https://sts.example/tenant/v2.0',
          AUTH_AUDIENCE: 'aud-1,api://aud-2',
          EMBED_POLICY: '{"rules":[{"match":{}}]}',
          EMBED_MIN_LIFETIME_MINUTES: '12',
          UPSTREAM_TIMEOUT_SECONDS: '5',
          REQUEST_DEADLINE_SECONDS: '15',
          AUTH_ALLOWED_CLIENT_IDS: '11111111-1111-4111-8111-111111111111',
          AUTH_ALLOW_APP_TOKENS: 'true',
          AUTH_MAX_TOKEN_AGE_MINUTES: '90',
          EMBED_POLICY_STRICT: 'true',
        }),
      );
      const byPath = deployment({ parameters: { embedPolicyPath: 'policies/embed.json' } });
      expect(appSettings(byPath)).toEqual(expected(byPath, { EMBED_POLICY_PATH: 'policies/embed.json' }));
    });

    it('use existing app registrations and a secret when the template creates none', () => {
      const d = deployment({
        parameters: { createAppRegistrations: false, existingPowerBiClientId: 'pbi-client', existingApiClientId: 'api-client', existingApiIdentifierUri: 'api://broker' },
      });
      expect(d.moduleParameters.appRegistrations).toBeUndefined();
      expect(appSettings(d)).toEqual(expected(d, { POWERBI_CLIENT_ID: 'pbi-client', POWERBI_CREDENTIAL: 'secret', AUTH_AUDIENCE: 'api-client,api://broker' }));
      expect(d.outputs).toMatchObject({ POWERBI_CLIENT_ID: 'pbi-client', API_CLIENT_ID: 'api-client', API_SCOPE: 'api://broker/access_as_user', SPA_CLIENT_ID: '' });
    });

    it('hold no key or connection string: storage is reached with the identity everywhere', () => {
      for (const d of [deployment(), deployment({ parameters: { powerBiCredential: 'secret' } })]) {
        const settings = appSettings(d);
        expect(Object.keys(settings)).not.toContain('AzureWebJobsStorage');
        expect(Object.keys(settings).filter((name) => /^(WEBSITE_CONTENT|AzureWebJobsStorage$|DEPLOYMENT_STORAGE)/.test(name))).toEqual([]);
        expect(JSON.stringify(settings)).not.toMatch(/AccountKey=|SharedAccessSignature=|sig=|secret:/i);
        expect(get(storageOf(d), 'properties')).toMatchObject({ allowSharedKeyAccess: false, allowBlobPublicAccess: false, defaultToOAuthAuthentication: true, minimumTlsVersion: 'TLS1_2', supportsHttpsTrafficOnly: true });
      }
    });
  });

  describe('one identity, one vault, one storage account, shared by name', () => {
    it('the app\'s identity is the one the storage, telemetry and Power BI credential use', () => {
      const d = deployment();
      const identity = identityOf(d);
      const settings = appSettings(d);
      expect(settings.AZURE_CLIENT_ID).toBe(runtime(identity, 'clientId'));
      expect(settings.AzureWebJobsStorage__clientId).toBe(runtime(identity, 'clientId'));
      expect(d.moduleParameters.appRegistrations?.managedIdentityPrincipalId).toBe(runtime(identity, 'principalId'));
      expect(d.outputs.AZURE_MANAGED_IDENTITY_CLIENT_ID).toBe(runtime(identity, 'clientId'));
      expect(d.outputs.AZURE_MANAGED_IDENTITY_PRINCIPAL_ID).toBe(runtime(identity, 'principalId'));
    });

    it('the vault the app reads is the one that grants it the secret', () => {
      const d = deployment();
      expect(appSettings(d).KEY_VAULT_URL).toBe(runtime(vaultOf(d), 'vaultUri'));
      expect(d.outputs).toMatchObject({ KEY_VAULT_NAME: vaultOf(d).name, KEY_VAULT_URL: runtime(vaultOf(d), 'vaultUri') });
    });

    it('the storage account the host uses is the one holding the package and granting the identity', () => {
      const d = deployment();
      const storage = storageOf(d);
      expect(appSettings(d).AzureWebJobsStorage__blobServiceUri).toBe(`https://${storage.name}.blob.core.windows.net`);
      expect(get(siteOf(d), 'properties.functionAppConfig.deployment.storage.value')).toEqual(expect.stringContaining(runtime(storage, 'primaryEndpoints.blob')));
    });
  });

  describe('role assignments', () => {
    const assignments = (d: Deployment) =>
      ofType(d, 'Microsoft.Authorization/roleAssignments').map((assignment) => {
        const roleId = String(get(assignment, 'properties.roleDefinitionId'));
        const match = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/.exec(roleId);
        return {
          scope: assignment.scope,
          role: BUILT_IN_ROLES[match?.[2] ?? ''] ?? `unknown role ${roleId}`,
          principal: get(assignment, 'properties.principalId'),
          principalType: get(assignment, 'properties.principalType'),
          name: assignment.name,
          subscription: match?.[1],
        };
      });
    const scopeOf = (resource: Deployed) => `${resource.type}/${resource.name}`;

    it('grant each identity exactly the roles it needs, on the resource it needs them on', () => {
      const d = deployment();
      const mi = runtime(identityOf(d), 'principalId');
      const actual = assignments(d).map(({ scope, role, principal, principalType }) => ({ scope, role, principal, principalType }));
      expect(actual.sort((a, b) => a.role.localeCompare(b.role))).toEqual(
        [
          { scope: scopeOf(vaultOf(d)), role: 'Key Vault Secrets Officer', principal: DEPLOYER_PRINCIPAL_ID, principalType: 'User' },
          { scope: scopeOf(vaultOf(d)), role: 'Key Vault Secrets User', principal: mi, principalType: 'ServicePrincipal' },
          { scope: scopeOf(insightsOf(d)), role: 'Monitoring Metrics Publisher', principal: mi, principalType: 'ServicePrincipal' },
          { scope: scopeOf(storageOf(d)), role: 'Storage Blob Data Owner', principal: mi, principalType: 'ServicePrincipal' },
        ].sort((a, b) => a.role.localeCompare(b.role)),
      );
    });

    it('add the certificate roles in certificate mode, and none for the deployer without its id', () => {
      const d = deployment({ parameters: { powerBiCredential: 'certificate', powerBiCertificateName: 'cert', principalType: 'ServicePrincipal' } });
      const roles = assignments(d).map(({ role, principal, principalType }) => `${role} ${principal === DEPLOYER_PRINCIPAL_ID ? 'deployer' : 'identity'} ${String(principalType)}`);
      expect(roles.sort()).toEqual(
        [
          'Key Vault Certificate User identity ServicePrincipal',
          'Key Vault Certificates Officer deployer ServicePrincipal',
          'Key Vault Secrets Officer deployer ServicePrincipal',
          'Key Vault Secrets User identity ServicePrincipal',
          'Monitoring Metrics Publisher identity ServicePrincipal',
          'Storage Blob Data Owner identity ServicePrincipal',
        ].sort(),
      );
      const anonymous = deployment({ parameters: { principalId: '' } });
      expect(assignments(anonymous).filter(({ principal }) => principal === '')).toEqual([]);
      expect(assignments(anonymous)).toHaveLength(3);
    });

    it('are named by a GUID unique to each assignment, and use this subscription\'s role definitions', () => {
      const all = assignments(deployment({ parameters: { powerBiCredential: 'certificate' } }));
      for (const { name, subscription } of all) expect({ name, subscription }).toEqual({ name: expect.stringMatching(GUID), subscription: SUBSCRIPTION_ID });
      expect(new Set(all.map(({ name }) => name)).size).toBe(all.length);
    });
  });

  describe('Easy Auth', () => {
    const authSettings = (d: Deployment) => single(d, 'Microsoft.Web/sites/config', (resource) => resource.name.endsWith('/authsettingsV2'));

    it('is on exactly when AUTH_MODE=easyauth', () => {
      expect(get(authSettings(deployment()), 'properties.platform.enabled')).toBe(false);
      expect(get(authSettings(deployment()), 'properties.identityProviders.azureActiveDirectory.enabled')).toBe(false);
      const on = deployment({ parameters: { authMode: 'easyauth' } });
      expect(get(authSettings(on), 'properties.platform.enabled')).toBe(true);
      expect(appSettings(on).AUTH_MODE).toBe('easyauth');
    });

    it('requires a token the API app\'s issuer and audiences sign, except on the health routes', () => {
      const d = deployment({ parameters: { authMode: 'easyauth' } });
      const settings = appSettings(d);
      expect(get(authSettings(d), 'properties')).toEqual({
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/api/health', '/api/health/ready'] },
        identityProviders: {
          azureActiveDirectory: {
            enabled: true,
            registration: { clientId: d.outputs.API_CLIENT_ID, openIdIssuer: settings.AUTH_ISSUER },
            validation: { allowedAudiences: String(settings.AUTH_AUDIENCE).split(',') },
          },
        },
        login: { tokenStore: { enabled: false } },
        httpSettings: { requireHttps: true },
      });
    });
  });

  describe('monitoring (docs/runbook.md)', () => {
    const rulesOf = (d: Deployment) => ofType(d, 'Microsoft.Insights/scheduledQueryRules');
    const runbook = () => readFileSync(path.join(repoRoot, 'docs', 'runbook.md'), 'utf8');

    it('turns instrumentation-key ingestion off: the host and the exporter send as the managed identity', () => {
      const d = deployment();
      expect(get(insightsOf(d), 'properties.DisableLocalAuth')).toBe(true);
      expect(appSettings(d).APPLICATIONINSIGHTS_AUTHENTICATION_STRING).toBe(`ClientId=${runtime(identityOf(d), 'clientId')};Authorization=AAD`);
      expect(get(insightsOf(deployment({ parameters: { appInsightsDisableLocalAuth: false } })), 'properties.DisableLocalAuth')).toBe(false);
    });

    it('alerts on the 5xx rate, p95 latency, upstream failures by target, Power BI 403s and credential failures', () => {
      const d = deployment();
      const rules = rulesOf(d);
      expect(rules.map((r) => r.name).sort()).toEqual(['credential-failures', 'http-5xx-rate', 'p95-latency', 'powerbi-403', 'upstream-failures']);
      for (const rule of rules) {
        expect(get(rule, 'properties.scopes')).toEqual([idOf(insightsOf(d))]);
        expect(get(rule, 'properties.enabled')).toBe(true);
        expect(get(rule, 'properties.description')).toContain(`section "${rule.name}"`);
        // Every rule has its runbook section.
        expect(runbook()).toContain(`## ${rule.name}`);
      }
      const criterion = (name: string) => (get(single(d, 'Microsoft.Insights/scheduledQueryRules', (r) => r.name === name), 'properties.criteria.allOf') as Json[])[0] as Record<string, Json>;
      expect(criterion('http-5xx-rate').query).toMatch(/countif\(toint\(resultCode\) >= 500\)/);
      expect(criterion('p95-latency').query).toMatch(/percentile\(duration, 95\)[\s\S]*p95 > 3000/);
      expect(criterion('upstream-failures')).toMatchObject({ query: expect.stringContaining('resultCode == "429"'), dimensions: [{ name: 'upstream', operator: 'Include', values: ['*'] }] });
      expect(criterion('powerbi-403').query).toContain('resultCode == "403"');
      expect(criterion('credential-failures').query).toMatch(/CredentialReread[\s\S]*key-vault[\s\S]*"403"/);
      expect(get(single(d, 'Microsoft.Insights/scheduledQueryRules', (r) => r.name === 'http-5xx-rate'), 'properties.actions.actionGroups')).toEqual([]);
    });

    it('notifies an e-mail action group only when ALERT_EMAIL is given', () => {
      expect(ofType(deployment(), 'Microsoft.Insights/actionGroups')).toEqual([]);
      const d = deployment({ parameters: { alertEmail: 'oncall@contoso.example' } });
      const group = single(d, 'Microsoft.Insights/actionGroups');
      expect(get(group, 'properties.emailReceivers')).toEqual([{ name: 'on-call', emailAddress: 'oncall@contoso.example', useCommonAlertSchema: true }]);
      expect(String(get(group, 'properties.groupShortName')).length).toBeLessThanOrEqual(12);
      for (const rule of rulesOf(d)) expect(get(rule, 'properties.actions.actionGroups')).toEqual([idOf(group)]);
      expect(get(single(d, 'Microsoft.Insights/metricAlerts'), 'properties.actions')).toEqual([{ actionGroupId: idOf(group) }]);
    });

    it('tests readiness from several regions with a standard availability test, and alerts when two fail', () => {
      const d = deployment();
      const test = single(d, 'Microsoft.Insights/webtests');
      expect(test.body.kind).toBe('standard');
      expect(get(test, 'properties.Request')).toMatchObject({ RequestUrl: `https://${runtime(siteOf(d), 'defaultHostName')}/api/health/ready`, HttpVerb: 'GET' });
      expect(get(test, 'properties.ValidationRules')).toMatchObject({ ExpectedHttpStatusCode: 200, SSLCheck: true });
      expect((get(test, 'properties.Locations') as Json[]).length).toBeGreaterThanOrEqual(5);
      expect(get(test, 'properties.SyntheticMonitorId')).toBe(test.name);
      expect((test.body.tags as Record<string, Json>)[`hidden-link:${idOf(insightsOf(d))}`]).toBe('Resource');
      const alert = single(d, 'Microsoft.Insights/metricAlerts');
      expect(get(alert, 'properties.criteria')).toEqual({
        'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria',
        webTestId: idOf(test),
        componentId: idOf(insightsOf(d)),
        failedLocationCount: 2,
      });
      expect(get(alert, 'properties.scopes')).toEqual([idOf(test), idOf(insightsOf(d))]);
    });

    it('ships the on-call workbook: requests by result code, upstream latency and failures, tokens per hour, denials by rule, cache hit ratio', () => {
      const d = deployment();
      const workbook = single(d, 'Microsoft.Insights/workbooks');
      expect(workbook.body.kind).toBe('shared');
      expect(workbook.name).toMatch(GUID);
      expect(get(workbook, 'properties.sourceId')).toBe(idOf(insightsOf(d)));
      const content = JSON.parse(String(get(workbook, 'properties.serializedData'))) as { version: string; items: { type: number; content: { title?: string; query?: string } }[] };
      expect(content.version).toBe('Notebook/1.0');
      const queries = content.items.filter((item) => item.type === 3).map((item) => item.content);
      const titled = (pattern: RegExp) => queries.find((q) => pattern.test(q.title ?? ''))?.query ?? '';
      expect(titled(/result code/)).toMatch(/^requests[\s\S]*by resultCode/);
      expect(titled(/latency/)).toMatch(/^dependencies[\s\S]*percentile\(duration, 95\)[\s\S]*by upstream/);
      expect(titled(/failures/)).toMatch(/success == false[\s\S]*by upstream/);
      expect(titled(/per hour/)).toMatch(/EmbedTokenIssued[\s\S]*bin\(timestamp, 1h\)/);
      expect(titled(/denials/)).toMatch(/PolicyDenied[\s\S]*rule = tostring\(customDimensions.rule\)/);
      expect(titled(/cache hit ratio/)).toMatch(/cacheHit/);
    });
  });

  describe('Key Vault', () => {
    it('authorizes with RBAC only and keeps deleted secrets (soft delete, purge protection)', () => {
      const vault = vaultOf(deployment());
      expect(get(vault, 'properties')).toMatchObject({ tenantId: TENANT_ID, enableRbacAuthorization: true, enableSoftDelete: true, enablePurgeProtection: true, softDeleteRetentionInDays: 90 });
      expect(get(vault, 'properties.accessPolicies') ?? []).toEqual([]);
    });
  });

  describe('clouds', () => {
    const entraCloud = (name: string): keyof typeof CLOUDS => {
      const host = POWERBI_CLOUDS[name as keyof typeof POWERBI_CLOUDS].authorityHost;
      return host.endsWith('.us') ? 'AzureUSGovernment' : host.endsWith('.cn') ? 'AzureChinaCloud' : 'AzureCloud';
    };
    const audience = { AzureCloud: 'api://AzureADTokenExchange', AzureUSGovernment: 'api://AzureADTokenExchangeUSGov', AzureChinaCloud: 'api://AzureADTokenExchangeChina' };

    it.each([...CLOUD_NAMES])('gives the federated credential the token-exchange audience of %s\'s Entra cloud', (name) => {
      const d = deployment({ parameters: { powerBiCloud: name } });
      expect(d.moduleParameters.appRegistrations?.federatedCredentialAudience).toBe(audience[entraCloud(name)]);
      expect(d.outputs.POWERBI_TOKEN_EXCHANGE_AUDIENCE).toBe(audience[entraCloud(name)]);
    });

    it.each(['AzureUSGovernment', 'AzureChinaCloud'] as const)('uses %s\'s storage suffix and sign-in endpoint', (cloud) => {
      const d = deployMain(compiled, { parameters: { powerBiCloud: cloud === 'AzureChinaCloud' ? 'China' : 'USGovHigh' }, cloud: CLOUDS[cloud] });
      const storage = storageOf(d).name;
      const settings = appSettings(d);
      expect(settings.AzureWebJobsStorage__blobServiceUri).toBe(`https://${storage}.blob.${CLOUDS[cloud].suffixes.storage}`);
      expect(settings.AzureWebJobsStorage__queueServiceUri).toBe(`https://${storage}.queue.${CLOUDS[cloud].suffixes.storage}`);
      expect(settings.AUTH_ISSUER).toBe(`${CLOUDS[cloud].authentication.loginEndpoint}${TENANT_ID}/v2.0`);
      expect(JSON.stringify(d)).not.toMatch(/core\.windows\.net|login\.microsoftonline\.com/);
    });
  });

  describe('outputs', () => {
    it('give azd and the SPA what they need', () => {
      const d = deployment();
      const site = siteOf(d);
      expect(d.outputs).toMatchObject({
        AZURE_LOCATION: 'eastus',
        AZURE_TENANT_ID: TENANT_ID,
        AZURE_RESOURCE_GROUP: 'rg-dev',
        AZURE_FUNCTION_NAME: site.name,
        AZURE_FUNCTION_APP_NAME: site.name,
        SERVICE_API_NAME: site.name,
        SERVICE_API_URI: `https://${runtime(site, 'defaultHostName')}`,
        API_BASE_URL: `https://${runtime(site, 'defaultHostName')}/api`,
        POWERBI_TENANT_ID: TENANT_ID,
      });
      expect(d.outputs.API_SCOPE).toBe(`${String(appSettings(d).AUTH_AUDIENCE).split(',')[1]}/access_as_user`);
      expect(single(d, 'Microsoft.Resources/resourceGroups').name).toBe(d.outputs.AZURE_RESOURCE_GROUP);
    });

    it('are all the SPA\'s deployment needs: its config.json names the API, the SPA app, its authority and the API\'s scope', () => {
      const d = deployment({ parameters: { embedPolicyPath: 'dev/demo/embed-policy.json' } });
      const settings = appSettings(d);
      expect(String(settings.AUTH_AUDIENCE).split(',')).toContain(d.outputs.API_CLIENT_ID);
      expect(settings.AUTH_ALLOWED_CLIENT_IDS).toBe(d.outputs.SPA_CLIENT_ID);
      expect(d.outputs.SPA_AUTHORITY).toBe(`https://login.microsoftonline.com/${TENANT_ID}`);
      expect(`${String(d.outputs.SPA_AUTHORITY)}/v2.0`).toBe(settings.AUTH_ISSUER);
      // What azd hands the predeploy hook: every output (runtime hostnames made concrete) and the env values.
      const env = Object.fromEntries(Object.entries(d.outputs).map(([name, value]) => [name, String(value).replace(/«[^»]+»/g, 'host.example.net')]));
      const baseConfig = JSON.parse(readFileSync(path.join(repoRoot, 'web', 'public', 'staticwebapp.config.json'), 'utf8')) as StaticWebAppConfig;
      const result = webDeployment({ env: { ...env, EMBED_POLICY_PATH: 'dev/demo/embed-policy.json' }, baseConfig, readRepoFile: (file) => readFileSync(path.join(repoRoot, file), 'utf8') });
      expect(result.report).toMatchObject({ status: 'done', todo: [] });
      expect(result.config).toMatchObject({ apiBaseUrl: env.SERVICE_API_URI, clientId: env.SPA_CLIENT_ID, authority: env.SPA_AUTHORITY, apiScope: env.API_SCOPE, protocolMode: 'AAD' });
      expect(`${String(result.config?.apiBaseUrl)}/api`).toBe(env.API_BASE_URL);
      expect(String(result.staticWebAppConfig?.globalHeaders?.['Content-Security-Policy'])).toContain(`connect-src 'self' https://login.microsoftonline.com ${String(env.SERVICE_API_URI)};`);
    });

    it('hold no secret', () => {
      for (const file of ['main.json', ...bicepFiles(path.join(infraDir, 'modules')).map((f) => `modules/${path.basename(f, '.bicep')}.json`)]) {
        const template = compiled.template(file);
        const secureParams = Object.entries(template.parameters ?? {}).filter(([, spec]) => /^secure/i.test(spec.type)).map(([name]) => name);
        for (const [name, output] of Object.entries(template.outputs ?? {})) {
          const text = JSON.stringify(output);
          expect({ file, name, type: output.type.toLowerCase() }).not.toEqual({ file, name, type: expect.stringMatching(/^secure/) });
          expect({ file, name, lists: /\blist\w*\(/i.test(text), secureParam: secureParams.some((p) => text.includes(`parameters('${p}')`)) }).toEqual({ file, name, lists: false, secureParam: false });
        }
      }
      const d = deployment({ parameters: { powerBiCredential: 'secret' } });
      expect(JSON.stringify(d.outputs)).not.toMatch(/secret:|AccountKey|password/i);
      expect(Object.keys(d.outputs).filter((name) => /SECRET|PASSWORD|KEY$/.test(name) && !/_NAME$/.test(name))).toEqual([]);
    });
  });
});
