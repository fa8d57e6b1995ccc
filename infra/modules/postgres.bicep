// The shared store: Azure Database for PostgreSQL Flexible Server with Microsoft Entra authentication only (no
// password exists). The app's managed identity is its Entra administrator, so the app creates its own tables.
// Network: public access restricted to Azure services (the 0.0.0.0 rule) — the Flex Consumption app has no fixed
// outbound addresses without a virtual network. For a private setup, integrate the app with a virtual network
// and give the server private access instead; nothing in the app changes.
param name string
param location string
param tags object
param databaseName string
param administratorName string
param administratorObjectId string

@description('Burstable B1ms: the smallest server, enough for a few instances; raise it for heavy use.')
param skuName string = 'Standard_B1ms'
param skuTier string = 'Burstable'
@description('Days of point-in-time restore the server keeps (7..35).')
@minValue(7)
@maxValue(35)
param backupRetentionDays int = 7
@description('Keep the backups in the paired region too (chosen at creation; not on every tier).')
param geoRedundantBackup bool = false

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuTier }
  properties: {
    version: '17'
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: backupRetentionDays, geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    network: { publicNetworkAccess: 'Enabled' }
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled'
      tenantId: tenant().tenantId
    }
  }
}

resource administrator 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: administratorObjectId
  properties: {
    principalName: administratorName
    principalType: 'ServicePrincipal'
    tenantId: tenant().tenantId
  }
}

// The server takes one change at a time: the children are created one after another.
resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  dependsOn: [administrator]
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

resource azureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  dependsOn: [database]
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

output host string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
