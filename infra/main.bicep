// ImageFrames in Azure: a Flex Consumption function app (.NET 10 isolated, Linux) running as a user-assigned
// managed identity, with no account keys, connection strings with keys or passwords anywhere in its settings.
//   azd up            (azure.yaml: provision this, deploy the code, then scripts/postdeploy.* subscribes the
//                      Event Grid-sourced blob trigger to the input container's BlobCreated events)
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('The azd environment name: names the resource group and seeds the resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (one that offers the Flex Consumption plan and PostgreSQL Flexible Server).')
param location string

@description('Object id of the person deploying (azd fills it in): may upload CSVs to the input container.')
param principalId string = ''

@description('Container the blob triggers watch.')
param inputContainerName string = 'frames-input'

@description('Largest number of instances the Flex plan may scale out to. Each instance opens at most postgresPoolSize connections: keep the product under the server\'s connection limit (50 on Burstable B1ms, some reserved).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 4

@description('Connections each instance may hold open to PostgreSQL (Npgsql\'s Maximum Pool Size).')
@minValue(2)
param postgresPoolSize int = 8

@description('Other origins whose pages may read the public routes (FRAMES_CORS_ORIGINS: comma-separated scheme://host[:port], or *). Empty: same-origin only.')
param corsOrigins string = ''

@description('Days of point-in-time restore the PostgreSQL server keeps (7..35): the store\'s backups in Azure.')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 7

@description('Keep the PostgreSQL backups in the paired region too (set when the server is created).')
param postgresGeoRedundantBackup bool = false

@description('Memory of each instance (MB): 2048 holds the largest picture budget with room to spare.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var tags = { 'azd-env-name': environmentName }
var suffix = toLower(uniqueString(subscription().id, environmentName, location))

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: group
  params: { name: 'id-frames-${suffix}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: group
  params: { workspaceName: 'log-frames-${suffix}', appInsightsName: 'appi-frames-${suffix}', location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: group
  params: {
    name: 'stframes${suffix}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    inputContainerName: inputContainerName
    systemTopicName: 'evgt-frames-${suffix}'
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  scope: group
  params: {
    name: 'psql-frames-${suffix}'
    location: location
    tags: tags
    databaseName: 'frames'
    administratorName: identity.outputs.name
    administratorObjectId: identity.outputs.principalId
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
  }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: group
  params: {
    planName: 'plan-frames-${suffix}'
    appName: 'func-frames-${suffix}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    inputContainerName: inputContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    postgresHost: postgres.outputs.host
    postgresDatabase: postgres.outputs.databaseName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    postgresPoolSize: postgresPoolSize
    corsOrigins: corsOrigins
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: group
  params: {
    storageAccountName: storage.outputs.name
    inputContainerName: inputContainerName
    appInsightsName: monitoring.outputs.appInsightsName
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output AZURE_FUNCTION_APP_URL string = app.outputs.url
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output FRAMES_INPUT_CONTAINER string = inputContainerName
output EVENT_GRID_SYSTEM_TOPIC_NAME string = storage.outputs.systemTopicName
output POSTGRES_HOST string = postgres.outputs.host
