// Entra app registrations, created with the Microsoft Graph Bicep extension (alias in
// ../bicepconfig.json). The deploying identity needs Graph permission to create applications
// (e.g. the Application Developer role); main.bicep skips this module when
// createAppRegistrations is false.
//   - powerBiApp: the service principal that calls Power BI. No secret is created here; its
//     credential is a federated identity credential trusting the function's managed identity.
//   - apiApp: the API the SPA's user tokens are issued for (scope access_as_user, RLS app roles).
//   - spaApp: optional SPA client (redirect URIs, permission to call access_as_user).
extension microsoftGraphV1

@description('Prefix of the apps\' uniqueName (immutable alternate key, unique in the tenant).')
param uniqueNamePrefix string

@description('Shown in the apps\' display names.')
param environmentName string

@description('Principal (object) id of the function\'s user-assigned managed identity.')
param managedIdentityPrincipalId string

@description('Audience of the managed-identity token exchanged for the app token: api://AzureADTokenExchange in the public cloud, api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina in the sovereign ones.')
param federatedCredentialAudience string

@description('App role values the policy can map to Power BI RLS roles, e.g. Sales.EU.')
param rlsAppRoles array = [
  'Sales.EU'
  'Sales.US'
]

param createSpaApp bool = true

@description('Redirect URIs of the SPA (MSAL.js auth code + PKCE).')
param spaRedirectUris array = []

var powerBiAppUniqueName = '${uniqueNamePrefix}-powerbi'
var apiAppUniqueName = '${uniqueNamePrefix}-api'
var spaAppUniqueName = '${uniqueNamePrefix}-spa'
var issuer = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

// api://<tenantId>/<name> is one of the identifier-URI forms Entra's default app management
// policy accepts; a bare api://<name> is refused in tenants that enforce that policy, and
// api://<appId> cannot be set in the same declaration that creates the appId.
var apiIdentifierUri = 'api://${tenant().tenantId}/${apiAppUniqueName}'
var accessAsUserScopeId = guid(apiAppUniqueName, 'access_as_user')

// The deployer owns what it creates: a redeploy by the same user or pipeline may then update the
// apps without a directory role (Application Developer only lets it create them).
var deployerOwns = {
  relationships: [
    deployer().objectId
  ]
}

resource powerBiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: powerBiAppUniqueName
  displayName: 'powerbi-embed-broker ${environmentName} (Power BI service principal)'
  signInAudience: 'AzureADMyOrg'
  owners: deployerOwns
  notes: 'Calls the Power BI REST API (GenerateToken). Add its service principal to the Power BI workspaces; grant it no Power BI API permissions.'

  // The function's managed identity is this app's credential: the broker presents an MI token
  // for the token-exchange audience as client assertion (POWERBI_CREDENTIAL=managed-identity).
  resource managedIdentityCredential 'federatedIdentityCredentials@v1.0' = {
    name: '${powerBiApp.uniqueName}/function-managed-identity'
    description: 'The broker function app\'s user-assigned managed identity'
    audiences: [
      federatedCredentialAudience
    ]
    issuer: issuer
    subject: managedIdentityPrincipalId
  }
}

// Workspace membership and the Fabric tenant setting are granted to a service principal, so the
// app needs one in this tenant.
resource powerBiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: powerBiApp.appId
  owners: deployerOwns
}

resource apiApp 'Microsoft.Graph/applications@v1.0' = {
  uniqueName: apiAppUniqueName
  displayName: 'powerbi-embed-broker ${environmentName} (API)'
  signInAudience: 'AzureADMyOrg'
  owners: deployerOwns
  identifierUris: [
    apiIdentifierUri
  ]
  api: {
    // v2 tokens: iss is {loginEndpoint}{tenant}/v2.0 and aud the client id, matching AUTH_ISSUER.
    requestedAccessTokenVersion: 2
    oauth2PermissionScopes: [
      {
        id: accessAsUserScopeId
        value: 'access_as_user'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Get Power BI embed tokens as the signed-in user'
        adminConsentDescription: 'Lets the app request Power BI embed tokens for the signed-in user; row-level security follows the user\'s roles.'
        userConsentDisplayName: 'View embedded Power BI content as you'
        userConsentDescription: 'Lets the app show you the Power BI reports you are allowed to see.'
      }
    ]
  }
  // Examples for RLS: assign users or groups to these roles on the API's enterprise application;
  // the embed policy maps the token's `roles` claim to Power BI RLS roles.
  appRoles: [for role in rlsAppRoles: {
    id: guid(apiAppUniqueName, 'appRole', role)
    value: role
    displayName: role
    description: 'Row-level security role ${role}'
    allowedMemberTypes: [
      'User'
    ]
    isEnabled: true
  }]
}

resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = {
  appId: apiApp.appId
  owners: deployerOwns
}

resource spaApp 'Microsoft.Graph/applications@v1.0' = if (createSpaApp) {
  uniqueName: spaAppUniqueName
  displayName: 'powerbi-embed-broker ${environmentName} (SPA)'
  signInAudience: 'AzureADMyOrg'
  owners: deployerOwns
  spa: {
    redirectUris: spaRedirectUris
  }
  requiredResourceAccess: [
    {
      resourceAppId: apiApp.appId
      resourceAccess: [
        {
          id: accessAsUserScopeId
          type: 'Scope'
        }
      ]
    }
  ]
}

resource spaServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = if (createSpaApp) {
  appId: spaApp!.appId
  owners: deployerOwns
}

output powerBiClientId string = powerBiApp.appId
output powerBiServicePrincipalObjectId string = powerBiServicePrincipal.id
output apiClientId string = apiApp.appId
output apiIdentifierUri string = apiIdentifierUri
output apiScope string = '${apiIdentifierUri}/access_as_user'
output spaClientId string = createSpaApp ? spaApp!.appId : ''
