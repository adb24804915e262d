// One log alert rule on the Application Insights component: it fires when its query returns a
// row in the window, one alert per value of `dimension` when one is named.

param name string
param title string
param location string
param tags object = {}
param applicationInsightsId string

@allowed([0, 1, 2, 3, 4])
param severity int
param query string
param windowSize string = 'PT15M'

@description('Column that splits the rule into one alert per value; empty for none.')
param dimension string = ''
param actionGroupIds array = []

resource rule 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    displayName: title
    description: 'What it means and what to do: docs/runbook.md, section "${name}".'
    severity: severity
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: windowSize
    criteria: {
      allOf: [
        {
          query: query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: empty(dimension)
            ? []
            : [
                {
                  name: dimension
                  operator: 'Include'
                  values: [
                    '*'
                  ]
                }
              ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

output id string = rule.id
