// On-call monitoring on the Application Insights component: alert rules (docs/runbook.md has one
// section per rule: what it means, the KQL to run, what to do), a standard availability test of
// the readiness route, an optional e-mail action group and the on-call workbook.

param applicationInsightsName string
param location string
param tags object = {}

@description('Host name of the function app (the availability test calls https://<host>/api/health/ready).')
param functionAppHostName string

@description('E-mail address that receives the alerts; empty: the rules fire without notifying anyone.')
param alertEmail string = ''

@description('p95 request duration above which the latency alert fires, in milliseconds.')
param latencyP95ThresholdMs int = 3000

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource onCall 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-oncall-${applicationInsightsName}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'embedoncall'
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroupIds = empty(alertEmail) ? [] : [onCall.id]

// Rule names are the sections of docs/runbook.md. A rule fires when its query returns a row.

module http5xx 'logAlert.bicep' = {
  name: 'alert-http-5xx-rate'
  params: {
    name: 'http-5xx-rate'
    title: 'HTTP 5xx rate above 5%'
    location: location
    tags: tags
    applicationInsightsId: applicationInsights.id
    severity: 1
    actionGroupIds: actionGroupIds
    query: '''
requests
| summarize total = count(), failed = countif(toint(resultCode) >= 500)
| extend ratePercent = 100.0 * failed / total
| where total >= 20 and ratePercent > 5
'''
  }
}

module p95Latency 'logAlert.bicep' = {
  name: 'alert-p95-latency'
  params: {
    name: 'p95-latency'
    title: 'p95 latency of embed requests above ${latencyP95ThresholdMs} ms'
    location: location
    tags: tags
    applicationInsightsId: applicationInsights.id
    severity: 2
    actionGroupIds: actionGroupIds
    query: replace('''
requests
| where name !startswith "health"
| summarize total = count(), p95 = percentile(duration, 95)
| where total >= 20 and p95 > THRESHOLD_MS
''', 'THRESHOLD_MS', string(latencyP95ThresholdMs))
  }
}

module upstreamFailures 'logAlert.bicep' = {
  name: 'alert-upstream-failures'
  params: {
    name: 'upstream-failures'
    title: 'Upstream failures or 429s, by target'
    location: location
    tags: tags
    applicationInsightsId: applicationInsights.id
    severity: 2
    dimension: 'upstream'
    actionGroupIds: actionGroupIds
    query: '''
dependencies
| where success == false or resultCode == "429"
| extend upstream = tostring(customDimensions.upstream)
| summarize failures = count() by upstream
| where failures >= 5
'''
  }
}

module powerBi403 'logAlert.bicep' = {
  name: 'alert-powerbi-403'
  params: {
    name: 'powerbi-403'
    title: 'Power BI refuses the service principal (403): embed-token quota or workspace membership'
    location: location
    tags: tags
    applicationInsightsId: applicationInsights.id
    severity: 1
    dimension: 'operation'
    actionGroupIds: actionGroupIds
    query: '''
dependencies
| where tostring(customDimensions.upstream) == "powerbi" and resultCode == "403"
| extend operation = name
| summarize refusals = count() by operation
'''
  }
}

module credentialFailures 'logAlert.bicep' = {
  name: 'alert-credential-failures'
  params: {
    name: 'credential-failures'
    title: 'Credential failures: Entra refuses the service principal, Key Vault 403'
    location: location
    tags: tags
    applicationInsightsId: applicationInsights.id
    severity: 0
    dimension: 'failure'
    actionGroupIds: actionGroupIds
    query: '''
union
  (customEvents | where name == "CredentialReread" | extend failure = "entra-invalid-client"),
  (dependencies | where tostring(customDimensions.upstream) == "entra" and name endswith "/oauth2/v2.0/token" and resultCode in ("400", "401") | extend failure = "entra-token-refused"),
  (dependencies | where tostring(customDimensions.upstream) == "key-vault" and resultCode == "403" | extend failure = "key-vault-403")
| summarize occurrences = count() by failure
'''
  }
}

// A standard test of readiness from five regions: it needs a service-principal token, so it also
// catches an expired secret, lost consent or an Entra outage before users do.
resource readinessTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'webtest-ready-${applicationInsightsName}'
  location: location
  tags: union(tags, {
    'hidden-link:${applicationInsights.id}': 'Resource'
  })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: 'webtest-ready-${applicationInsightsName}'
    Name: 'Readiness (/api/health/ready)'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      { Id: 'us-va-ash-azr' }
      { Id: 'us-il-ch1-azr' }
      { Id: 'emea-nl-ams-azr' }
      { Id: 'emea-gb-db3-azr' }
      { Id: 'apac-sg-sin-azr' }
    ]
    Request: {
      RequestUrl: 'https://${functionAppHostName}/api/health/ready'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

resource readinessAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-availability-${applicationInsightsName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'docs/runbook.md, section "availability".'
    severity: 1
    enabled: true
    scopes: [
      readinessTest.id
      applicationInsights.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.WebtestLocationAvailabilityCriteria'
      webTestId: readinessTest.id
      componentId: applicationInsights.id
      failedLocationCount: 2
    }
    autoMitigate: true
    actions: empty(alertEmail) ? [] : [
      {
        actionGroupId: onCall.id
      }
    ]
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsights.id, 'on-call-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'powerbi-embed-broker on call'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: loadTextContent('onCallWorkbook.json')
  }
}

output alertRuleIds array = [
  http5xx.outputs.id
  p95Latency.outputs.id
  upstreamFailures.outputs.id
  powerBi403.outputs.id
  credentialFailures.outputs.id
]
output workbookId string = workbook.id
