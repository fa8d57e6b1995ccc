// The Flex Consumption plan and the function app. Every connection is identity-based: the host's storage
// (AzureWebJobsStorage__accountName/__credential/__clientId), the deployment package, Application Insights
// (Authorization=AAD) and PostgreSQL (FRAMES_POSTGRES without a password: the app fetches Entra tokens).
param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param identityName string
param storageAccountName string
param blobEndpoint string
param deploymentContainerName string
param inputContainerName string
param appInsightsConnectionString string
param postgresHost string
param postgresDatabase string
param maximumInstanceCount int
param instanceMemoryMB int
param postgresPoolSize int
param corsOrigins string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // No platform CORS: it would answer every preflight itself, admin routes included, with headers the app does
      // not choose. The app's own policy (FRAMES_CORS_ORIGINS, below) answers, the same as locally and in compose.
      cors: { allowedOrigins: [], supportCredentials: false }
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'AZURE_CLIENT_ID', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        { name: 'FRAMES_POSTGRES', value: 'Host=${postgresHost};Database=${postgresDatabase};Username=${identityName};Ssl Mode=Require;Maximum Pool Size=${postgresPoolSize}' }
        { name: 'FRAMES_INPUT_CONTAINER', value: inputContainerName }
        { name: 'FRAMES_RECONCILE_SCHEDULE', value: '0 */5 * * * *' }
        { name: 'FRAMES_CORS_ORIGINS', value: corsOrigins }
        { name: 'FRAMES_RATE_LIMIT', value: '50' }
        { name: 'FRAMES_RATE_BURST', value: '200' }
        // The host resolves the backup timer's schedule even for a disabled function. In Azure the store is
        // PostgreSQL, which the Flexible Server backs up itself (postgresBackupRetentionDays): the SQLite
        // backup function stays off.
        { name: 'FRAMES_BACKUP_SCHEDULE', value: '0 30 2 * * *' }
        { name: 'AzureWebJobs.BackupDatabase.Disabled', value: 'true' }
        // Flex Consumption has no polling blob trigger: the Event Grid-sourced one ingests.
        { name: 'AzureWebJobs.IngestBlob.Disabled', value: 'true' }
        { name: 'AzureWebJobs.IngestBlobEventGrid.Disabled', value: 'false' }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: maximumInstanceCount, instanceMemoryMB: instanceMemoryMB }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
