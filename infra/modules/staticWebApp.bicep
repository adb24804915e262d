// The sample SPA's host: an Azure Static Web App on the Free plan, deployed by azd (`swa deploy`
// with the site's deployment token) as the `web` service of azure.yaml. The SPA calls the function
// app cross-origin (its CORS allows this site's origin), so no linked backend, which would need
// the Standard plan, is required. Static Web Apps run in a few regions only (the content itself
// is served from a global edge): the site goes to the one nearest the deployment's region.

param name string

@description('Region of the deployment; the site goes to the nearest region that offers Static Web Apps.')
param location string

@description('Region of the site, overriding the one derived from location. Empty: derived.')
@allowed([
  ''
  'centralus'
  'eastasia'
  'eastus2'
  'westeurope'
  'westus2'
])
param siteLocation string = ''

param tags object = {}

// Each Flex Consumption region of main.bicep and the Static Web Apps region nearest to it.
var nearestRegion = {
  australiaeast: 'eastasia'
  australiasoutheast: 'eastasia'
  brazilsouth: 'eastus2'
  canadacentral: 'eastus2'
  centralindia: 'eastasia'
  centralus: 'centralus'
  eastasia: 'eastasia'
  eastus: 'eastus2'
  eastus2: 'eastus2'
  francecentral: 'westeurope'
  germanywestcentral: 'westeurope'
  italynorth: 'westeurope'
  japaneast: 'eastasia'
  koreacentral: 'eastasia'
  northcentralus: 'centralus'
  northeurope: 'westeurope'
  norwayeast: 'westeurope'
  southafricanorth: 'westeurope'
  southcentralus: 'centralus'
  southeastasia: 'eastasia'
  southindia: 'eastasia'
  spaincentral: 'westeurope'
  swedencentral: 'westeurope'
  uaenorth: 'westeurope'
  uksouth: 'westeurope'
  ukwest: 'westeurope'
  westcentralus: 'westus2'
  westeurope: 'westeurope'
  westus: 'westus2'
  westus2: 'westus2'
  westus3: 'westus2'
}

resource site 'Microsoft.Web/staticSites@2024-04-01' = {
  name: name
  location: !empty(siteLocation) ? siteLocation : (nearestRegion[?location] ?? 'eastus2')
  // azd deploys the `web` service of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'web' })
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {
    // Deployed from this repository by azd, not by a GitHub or Azure DevOps workflow.
    provider: 'Custom'
    stagingEnvironmentPolicy: 'Disabled'
    allowConfigFileUpdates: true
  }
}

output name string = site.name
output defaultHostname string = site.properties.defaultHostname
@description('The site\'s origin, e.g. https://<name>.<n>.azurestaticapps.net (no trailing slash).')
output origin string = 'https://${site.properties.defaultHostname}'
