// Flex Consumption plan and the broker's function app (Node 22, Linux), its app settings
// (names exactly as ARCHITECTURE.md's configuration table), and Easy Auth, on when AUTH_MODE=easyauth.

param name string
param planName string
param location string
param tags object = {}

@description('Resource id, client id of the user-assigned managed identity the app runs as.')
param identityId string
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

@description('Origins of the SPA allowed by CORS, e.g. https://app.contoso.com. Empty: no cross-origin calls.')
param corsAllowedOrigins array = []

param maximumInstanceCount int = 100
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

// ---- broker settings (see ARCHITECTURE.md, "Configuration contract") ----

param powerBiClientId string
@allowed([
  'secret'
  'certificate'
  'managed-identity'
])
param powerBiCredential string
param keyVaultUrl string
param powerBiClientSecretName string
@description('Key Vault certificate name; empty unless powerBiCredential is certificate.')
param powerBiCertificateName string = ''
@allowed([
  'Public'
  'USGov'
  'USGovHigh'
  'USGovDoD'
  'China'
])
param powerBiCloud string
// `none` exists for local runs only and is refused when deployed, so it is not offered here.
@allowed([
  'jwt'
  'easyauth'
])
param authMode string
param authIssuer string
@description('Accepted aud values of the SPA\'s user tokens.')
param authAudiences array
@description('AUTH_ALLOWED_CLIENT_IDS, comma separated; empty: any client.')
param authAllowedClientIds string = ''
param authAllowAppTokens bool
param authMaxTokenAgeMinutes int
param embedPolicyStrict bool
@description('Client id of the API app registration (Easy Auth\'s Entra provider).')
param apiClientId string
@description('The embed policy as inline JSON; empty when embedPolicyPath is used.')
param embedPolicy string = ''
@description('Path of the policy file inside the deployed package; empty when embedPolicy is used.')
param embedPolicyPath string = ''
param embedMinLifetimeMinutes int
param upstreamTimeoutSeconds int
param requestDeadlineSeconds int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the `api` service of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: corsAllowedOrigins
        // The SPA sends a bearer token, not cookies.
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// Host plumbing: identity-based AzureWebJobsStorage (no keys), Entra-authenticated telemetry.
// Service URIs rather than __accountName, which the host completes with the public cloud's suffix.
var platformSettings = {
  AzureWebJobsStorage__blobServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}'
  AzureWebJobsStorage__queueServiceUri: 'https://${storageAccountName}.queue.${environment().suffixes.storage}'
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

var brokerSettings = {
  POWERBI_TENANT_ID: tenant().tenantId
  POWERBI_CLIENT_ID: powerBiClientId
  POWERBI_CREDENTIAL: powerBiCredential
  KEY_VAULT_URL: keyVaultUrl
  POWERBI_CLIENT_SECRET_NAME: powerBiClientSecretName
  // AZURE_AUTHORITY_HOST, POWERBI_API_URL and POWERBI_SCOPE are left to their per-cloud defaults.
  POWERBI_CLOUD: powerBiCloud
  AUTH_MODE: authMode
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: join(authAudiences, ',')
  AUTH_ALLOW_APP_TOKENS: authAllowAppTokens ? 'true' : 'false'
  AUTH_MAX_TOKEN_AGE_MINUTES: string(authMaxTokenAgeMinutes)
  EMBED_POLICY_STRICT: embedPolicyStrict ? 'true' : 'false'
  EMBED_MIN_LIFETIME_MINUTES: string(embedMinLifetimeMinutes)
  UPSTREAM_TIMEOUT_SECONDS: string(upstreamTimeoutSeconds)
  REQUEST_DEADLINE_SECONDS: string(requestDeadlineSeconds)
  // Flex Consumption starts instances on demand: the first request of each should not wait for the cold chain.
  PREWARM_ON_START: 'true'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // @azure/identity's ManagedIdentityCredential picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
}

// Settings that exist only when given: an empty value would be a malformed setting.
var certificateSetting = empty(powerBiCertificateName) ? {} : { POWERBI_CERTIFICATE_NAME: powerBiCertificateName }
var allowedClientsSetting = empty(authAllowedClientIds) ? {} : { AUTH_ALLOWED_CLIENT_IDS: authAllowedClientIds }
var inlinePolicySetting = empty(embedPolicy) ? {} : { EMBED_POLICY: embedPolicy }
var policyPathSetting = empty(embedPolicyPath) ? {} : { EMBED_POLICY_PATH: embedPolicyPath }

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformSettings, brokerSettings, certificateSetting, allowedClientsSetting, inlinePolicySetting, policyPathSetting)
}

// Easy Auth validates the caller's token in front of the app when AUTH_MODE=easyauth; without it
// the broker would trust an x-ms-client-principal header that anyone could send. Always declared,
// enabled by the mode: switching back to jwt turns it off instead of leaving it as it was.
var easyAuthEnabled = authMode == 'easyauth'

resource easyAuth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: easyAuthEnabled
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/api/health'
        '/api/health/ready'
      ]
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: easyAuthEnabled
        registration: {
          clientId: apiClientId
          openIdIssuer: authIssuer
        }
        validation: {
          allowedAudiences: authAudiences
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
    httpSettings: {
      requireHttps: true
    }
  }
}

// No FTP and no basic-auth publishing: azd deploys with an Entra token.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  // Not in the published type, but ARM asks the policies for the site's location.
  #disable-next-line BCP187
  location: location
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  // Not in the published type, but ARM asks the policies for the site's location.
  #disable-next-line BCP187
  location: location
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
