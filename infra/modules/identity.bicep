// The function app's user-assigned managed identity. User-assigned (not system-assigned) because
// the app registration's federated credential needs the identity's principal id *before* the
// function app exists, and the function app's settings need that app registration's client id:
// with a system-assigned identity the two would depend on each other.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
