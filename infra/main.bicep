// powerbi-embed-broker: Flex Consumption function app (Node 22) with a user-assigned managed
// identity, identity-based storage, Key Vault (RBAC), Log Analytics + Application Insights, and
// (optionally) the Entra app registrations. `azd up` deploys it; see infra/README.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; seeds resourceToken and names the resource group.')
param environmentName string

// Regions that offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).
@description('Region of every resource. Only regions that offer the Flex Consumption plan.')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user or pipeline (azd: AZURE_PRINCIPAL_ID). Gets Key Vault Secrets Officer to put the client secret.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

// ---- app registrations ----

@description('Create the Power BI, API and SPA app registrations with the Microsoft Graph extension. false: pass existing client ids instead (tenants where the deployer may not create applications).')
param createAppRegistrations bool = true

@description('Also create the SPA app registration (only with createAppRegistrations).')
param createSpaAppRegistration bool = true

@description('Existing service-principal app registration for Power BI (only when createAppRegistrations is false).')
param existingPowerBiClientId string = ''

@description('Existing API app registration the SPA\'s tokens are issued for (only when createAppRegistrations is false).')
param existingApiClientId string = ''

@description('Application ID URI of the existing API app registration, if any (only when createAppRegistrations is false).')
param existingApiIdentifierUri string = ''

@description('App roles of the API app registration that the embed policy maps to Power BI RLS roles.')
param rlsAppRoles array = [
  'Sales.EU'
  'Sales.US'
]

@description('Comma-separated origins allowed by CORS besides the Static Web App\'s own (always allowed), e.g. "https://app.contoso.com,http://localhost:5173".')
param corsAllowedOrigins string = ''

@description('Comma-separated redirect URIs of the SPA app registration besides the Static Web App\'s URL (always registered). Empty: each CORS origin followed by /.')
param spaRedirectUris string = ''

@description('Region of the Static Web App hosting the SPA. Empty: the Static Web Apps region nearest to location.')
@allowed([
  ''
  'centralus'
  'eastasia'
  'eastus2'
  'westeurope'
  'westus2'
])
param staticWebAppLocation string = ''

// ---- broker settings (ARCHITECTURE.md, "Configuration contract") ----

// The table's default is `secret`. A fresh azd deployment creates the federated identity
// credential on the Power BI app, so `managed-identity` works with no secret to create, store or
// rotate: it is the default whenever this template creates the app registrations.
@description('POWERBI_CREDENTIAL. Empty: managed-identity when createAppRegistrations, else secret.')
@allowed([
  ''
  'secret'
  'certificate'
  'managed-identity'
])
param powerBiCredential string = ''

@description('POWERBI_CLIENT_SECRET_NAME: Key Vault secret holding the client secret.')
param powerBiClientSecretName string = 'powerbi-client-secret'

@description('POWERBI_CERTIFICATE_NAME: Key Vault certificate (POWERBI_CREDENTIAL=certificate). Empty: setting not set.')
param powerBiCertificateName string = ''

@description('POWERBI_CLOUD: sets the authority host, Power BI API URL and scope.')
@allowed([
  'Public'
  'USGov'
  'USGovHigh'
  'USGovDoD'
  'China'
])
param powerBiCloud string = 'Public'

@description('AUTH_MODE: jwt (the broker validates the bearer token) or easyauth (App Service Authentication validates it). `none` is local-only and not offered.')
@allowed([
  'jwt'
  'easyauth'
])
param authMode string = 'jwt'

@description('AUTH_ISSUER. Empty: this tenant\'s v2.0 issuer.')
param authIssuer string = ''

@description('AUTH_AUDIENCE, comma separated. Empty: the API app\'s client id and Application ID URI.')
param authAudience string = ''

@description('AUTH_ALLOWED_CLIENT_IDS, comma separated: the client apps (azp/appid) whose user tokens may call the API. Empty: the SPA app registration this template creates, if any; otherwise any client.')
param authAllowedClientIds string = ''

@description('AUTH_ALLOW_APP_TOKENS: accept app-only tokens (no delegated scope); the embed policy then decides.')
param authAllowAppTokens bool = false

@description('AUTH_MAX_TOKEN_AGE_MINUTES: oldest iat, and longest lifetime, of an accepted caller token.')
@minValue(5)
@maxValue(10080)
param authMaxTokenAgeMinutes int = 1440

@description('EMBED_POLICY_STRICT: refuse, instead of warning about, policy rules that match every caller, do not require scp, or allow every item.')
param embedPolicyStrict bool = false

@description('EMBED_POLICY: the embed policy as inline JSON.')
param embedPolicy string = ''

@description('EMBED_POLICY as base64 of the JSON, for azd environment values (JSON quotes do not survive parameter-file substitution). Used when embedPolicy is empty.')
param embedPolicyBase64 string = ''

@description('EMBED_POLICY_PATH: path of a policy file inside the deployed package. Give it or the inline policy.')
param embedPolicyPath string = ''

@description('EMBED_MIN_LIFETIME_MINUTES: least remaining lifetime of any embed token issued.')
@minValue(1)
@maxValue(50)
param embedMinLifetimeMinutes int = 30

@description('UPSTREAM_TIMEOUT_SECONDS: timeout of each call to Entra, Key Vault or Power BI.')
@minValue(1)
@maxValue(60)
param upstreamTimeoutSeconds int = 8

@description('REQUEST_DEADLINE_SECONDS: overall deadline of the Power BI calls of one request, retries included (below host.json functionTimeout).')
@minValue(1)
@maxValue(120)
param requestDeadlineSeconds int = 20

// ---- platform ----

@description('Disable instrumentation-key ingestion in Application Insights: the Functions host and the broker\'s exporter both authenticate with the managed identity.')
param appInsightsDisableLocalAuth bool = true

@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('E-mail address for the on-call alerts (an action group); empty: the alert rules exist but notify nobody.')
param alertEmail string = ''

param functionMaximumInstanceCount int = 100

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }

var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'

var corsOrigins = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))
var extraSpaRedirectUris = empty(trim(spaRedirectUris)) ? map(corsOrigins, origin => '${origin}/') : filter(map(split(spaRedirectUris, ','), uri => trim(uri)), uri => !empty(uri))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
    disableLocalAuth: appInsightsDisableLocalAuth
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    functionPrincipalId: identity.outputs.principalId
  }
}

// The sample SPA (azure.yaml service `web`). Its origin is allowed by the function app's CORS and
// is a redirect URI of the SPA app registration, both from the site's hostname in this deployment.
module staticWebApp 'modules/staticWebApp.bicep' = {
  name: 'staticWebApp'
  scope: rg
  params: {
    name: '${abbrs.webStaticSites}web-${resourceToken}'
    location: location
    siteLocation: staticWebAppLocation
    tags: tags
  }
}

// Audience of the managed-identity token the Power BI app's federated credential accepts: it
// follows the Entra cloud of POWERBI_CLOUD (USGov, i.e. GCC, signs in with the public cloud's Entra).
var tokenExchangeAudiences = {
  Public: 'api://AzureADTokenExchange'
  USGov: 'api://AzureADTokenExchange'
  USGovHigh: 'api://AzureADTokenExchangeUSGov'
  USGovDoD: 'api://AzureADTokenExchangeUSGov'
  China: 'api://AzureADTokenExchangeChina'
}

module appRegistrations 'modules/appRegistrations.bicep' = if (createAppRegistrations) {
  name: 'appRegistrations'
  scope: rg
  params: {
    uniqueNamePrefix: 'powerbi-embed-broker-${resourceToken}'
    environmentName: environmentName
    managedIdentityPrincipalId: identity.outputs.principalId
    federatedCredentialAudience: tokenExchangeAudiences[powerBiCloud]
    rlsAppRoles: rlsAppRoles
    createSpaApp: createSpaAppRegistration
    spaRedirectUris: union(['${staticWebApp.outputs.origin}/'], extraSpaRedirectUris)
  }
}

// Spelled out so the result's type is the module's allowed values, without ''.
var effectivePowerBiCredential = powerBiCredential == 'secret'
  ? 'secret'
  : powerBiCredential == 'certificate'
      ? 'certificate'
      : powerBiCredential == 'managed-identity' || createAppRegistrations ? 'managed-identity' : 'secret'
var powerBiClientId = appRegistrations.?outputs.powerBiClientId ?? existingPowerBiClientId
var apiClientId = appRegistrations.?outputs.apiClientId ?? existingApiClientId
var apiIdentifierUri = appRegistrations.?outputs.apiIdentifierUri ?? existingApiIdentifierUri
// v2 access tokens carry the client id as aud, v1 tokens the Application ID URI: accept both.
var authAudiences = !empty(authAudience) ? map(split(authAudience, ','), audience => trim(audience)) : (empty(apiIdentifierUri) ? [apiClientId] : [apiClientId, apiIdentifierUri])
var effectiveAuthIssuer = !empty(authIssuer) ? authIssuer : '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
var effectiveEmbedPolicy = !empty(embedPolicy) ? embedPolicy : (empty(embedPolicyBase64) ? '' : base64ToString(embedPolicyBase64))

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    functionPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
    useCertificate: effectivePowerBiCredential == 'certificate'
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    corsAllowedOrigins: union([staticWebApp.outputs.origin], corsOrigins)
    maximumInstanceCount: functionMaximumInstanceCount
    powerBiClientId: powerBiClientId
    powerBiCredential: effectivePowerBiCredential
    keyVaultUrl: keyVault.outputs.uri
    powerBiClientSecretName: powerBiClientSecretName
    powerBiCertificateName: powerBiCertificateName
    powerBiCloud: powerBiCloud
    authMode: authMode
    authIssuer: effectiveAuthIssuer
    authAudiences: authAudiences
    authAllowedClientIds: !empty(authAllowedClientIds) ? authAllowedClientIds : (appRegistrations.?outputs.spaClientId ?? '')
    authAllowAppTokens: authAllowAppTokens
    authMaxTokenAgeMinutes: authMaxTokenAgeMinutes
    embedPolicyStrict: embedPolicyStrict
    apiClientId: apiClientId
    embedPolicy: effectiveEmbedPolicy
    embedPolicyPath: embedPolicyPath
    embedMinLifetimeMinutes: embedMinLifetimeMinutes
    upstreamTimeoutSeconds: upstreamTimeoutSeconds
    requestDeadlineSeconds: requestDeadlineSeconds
  }
}

// Outputs land in the azd environment (`azd env get-values`).
// Alert rules, the readiness availability test, the on-call action group and workbook (docs/runbook.md).
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    functionAppHostName: functionApp.outputs.defaultHostName
    alertEmail: alertEmail
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_NAME string = functionApp.outputs.name
output SERVICE_API_NAME string = functionApp.outputs.name
output SERVICE_API_URI string = 'https://${functionApp.outputs.defaultHostName}'
output API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URL string = keyVault.outputs.uri
output POWERBI_TENANT_ID string = tenant().tenantId
output POWERBI_CLIENT_ID string = powerBiClientId
output POWERBI_SERVICE_PRINCIPAL_OBJECT_ID string = appRegistrations.?outputs.powerBiServicePrincipalObjectId ?? ''
output POWERBI_CLIENT_SECRET_NAME string = powerBiClientSecretName
output POWERBI_TOKEN_EXCHANGE_AUDIENCE string = tokenExchangeAudiences[powerBiCloud]
output AUTH_AUDIENCE string = join(authAudiences, ',')
output API_CLIENT_ID string = apiClientId
output API_SCOPE string = empty(apiIdentifierUri) ? 'api://${apiClientId}/access_as_user' : '${apiIdentifierUri}/access_as_user'
output SPA_CLIENT_ID string = appRegistrations.?outputs.spaClientId ?? ''
// The SPA's site. Its predeploy hook (dev/azd/predeployWeb.ts) writes config.json from
// SERVICE_API_URI, SPA_CLIENT_ID, SPA_AUTHORITY and API_SCOPE.
output SERVICE_WEB_NAME string = staticWebApp.outputs.name
output WEB_URL string = '${staticWebApp.outputs.origin}/'
output SPA_ORIGIN string = staticWebApp.outputs.origin
output SPA_AUTHORITY string = '${environment().authentication.loginEndpoint}${tenant().tenantId}'
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
