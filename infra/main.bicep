// acs-event-handler: everything needed to run the handler on Azure.
//
//   storage account (AzureWebJobsStorage + the bindings' tables and queues)
//   Log Analytics + Application Insights
//   Linux Function App (consumption) running the Rust custom handler
//   Azure Communication Services resource
//   Event Grid system topic on it, and an event subscription to EventGridTrigger
//
// Deploy in two passes: the event subscription needs the EventGridTrigger function to exist, so
// first deploy with deployEventSubscription=false, publish the code
// (`func azure functionapp publish <functionAppName> --custom`), then deploy again with
// deployEventSubscription=true. See README "Deployment".

targetScope = 'resourceGroup'

@description('Prefix for every resource name (lowercase letters and digits, 3-11 characters).')
@minLength(3)
@maxLength(11)
param namePrefix string

@description('Region of the storage account, Function App and monitoring resources.')
param location string = resourceGroup().location

@description('Where ACS stores data at rest.')
@allowed([
  'Africa'
  'Asia Pacific'
  'Australia'
  'Brazil'
  'Canada'
  'Europe'
  'France'
  'Germany'
  'India'
  'Japan'
  'Korea'
  'Norway'
  'Switzerland'
  'UAE'
  'UK'
  'United States'
])
param acsDataLocation string = 'United States'

@description('Create the Event Grid subscription to EventGridTrigger (the function code must be published first).')
param deployEventSubscription bool = false

@description('Keyword handling for inbound SMS (STOP/START/HELP).')
param smsKeywordsEnabled bool = true

@description('Length of the message preview in chat notifications (0 = no preview).')
@minValue(0)
param chatNotificationPreviewLength int = 100

var suffix = uniqueString(resourceGroup().id, namePrefix)
var storageName = toLower('${namePrefix}${take(suffix, 24 - length(namePrefix))}')
var functionAppName = '${namePrefix}-acs-handler-${take(suffix, 6)}'
var eventFilter = loadJsonContent('event-filter.json')

var queueNames = [
  'sms-outbox'
  'sms-inbox'
  'sms-delivery-failures'
  'sms-optout-sync'
  'chat-notifications'
  'acs-events-deadletter'
  'email-delivery-failures'
]
var tableNames = [
  'SmsMessages'
  'SmsOptOuts'
  'SmsDeliveryReports'
  'ChatMessages'
  'ChatThreads'
  'ChatMembers'
  'EmailDeliveryReports'
  'EmailRecipients'
  'EmailEngagement'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-01-01' = [for name in queueNames: {
  parent: queueService
  name: name
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-01-01' = [for name in tableNames: {
  parent: tableService
  name: name
}]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

// Where Event Grid puts events it could not deliver at all (the handler's own dead letters go
// to the acs-events-deadletter queue).
resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: 'eventgrid-deadletter'
}

// The handler's blob outputs rawEvents / rawEventsUnkeyed (EventGridTrigger/function.json): the
// whole raw event of every event whose row or message had to be cut to fit Azure's limits, and
// of every dead letter too large for a queue message. The queue message or row names the blob.
resource rawEventsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: 'acs-events-raw'
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${namePrefix}-logs-${take(suffix, 6)}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-ai-${take(suffix, 6)}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

resource acs 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: '${namePrefix}-acs-${take(suffix, 6)}'
  location: 'global'
  properties: {
    dataLocation: acsDataLocation
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-01-01' = {
  name: '${namePrefix}-plan-${take(suffix, 6)}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'Y1'
    tier: 'Dynamic'
  }
  properties: {
    reserved: true // Linux
  }
}

var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'

resource functionApp 'Microsoft.Web/sites@2023-01-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: ''
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'custom' }
        { name: 'AzureWebJobsStorage', value: storageConnection }
        { name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', value: storageConnection }
        { name: 'WEBSITE_CONTENTSHARE', value: toLower(functionAppName) }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        // The handler's settings (see local.settings.json.example). The ACS connection string
        // comes from the resource at deployment time; it is never stored in the repository.
        { name: 'ACS_CONNECTION_STRING', value: acs.listKeys().primaryConnectionString }
        { name: 'SMS_KEYWORDS_ENABLED', value: string(smsKeywordsEnabled) }
        { name: 'CHAT_NOTIFICATION_PREVIEW_LENGTH', value: string(chatNotificationPreviewLength) }
        { name: 'RUST_LOG', value: 'info' }
      ]
    }
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${namePrefix}-acs-events-${take(suffix, 6)}'
  location: 'global'
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (deployEventSubscription) {
  parent: systemTopic
  name: 'acs-event-handler'
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/EventGridTrigger'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: eventFilter
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterDestination: {
      endpointType: 'StorageBlob'
      properties: {
        resourceId: storage.id
        blobContainerName: deadLetterContainer.name
      }
    }
  }
}

output functionAppName string = functionApp.name
output acsResourceName string = acs.name
output storageAccountName string = storage.name
output systemTopicName string = systemTopic.name
