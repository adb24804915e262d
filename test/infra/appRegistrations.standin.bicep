// Stand-in for infra/modules/appRegistrations.bicep, whose Microsoft Graph extension cannot be
// restored offline: the same parameters and outputs (test/infra checks both against the real
// module), no Graph resources. Tests compile main.bicep with this file in the module's place; the
// outputs are deterministic stand-ins for the ids Entra would assign.

param uniqueNamePrefix string

#disable-next-line no-unused-params
param environmentName string

param managedIdentityPrincipalId string

param federatedCredentialAudience string

#disable-next-line no-unused-params
param rlsAppRoles array = [
  'Sales.EU'
  'Sales.US'
]

param createSpaApp bool = true

#disable-next-line no-unused-params
param spaRedirectUris array = []

var apiIdentifierUri = 'api://${tenant().tenantId}/${uniqueNamePrefix}-api'

output powerBiClientId string = guid(uniqueNamePrefix, 'powerbi', managedIdentityPrincipalId, federatedCredentialAudience)
output powerBiServicePrincipalObjectId string = guid(uniqueNamePrefix, 'powerbi-sp')
output apiClientId string = guid(uniqueNamePrefix, 'api')
output apiIdentifierUri string = apiIdentifierUri
output apiScope string = '${apiIdentifierUri}/access_as_user'
output spaClientId string = createSpaApp ? guid(uniqueNamePrefix, 'spa') : ''
