// acs-event-handler: everything needed to run the handler on Azure.
//
//   storage account (AzureWebJobsStorage + the bindings' tables and queues)
//   Log Analytics + Application Insights
//   Function App running the Rust custom handler: Flex Consumption by default, Linux
//   Consumption with hostingPlan=consumption (until it retires on 30 September 2028)
//   Azure Communication Services resource
//   Event Grid system topic on it, and an event subscription that delivers, by `delivery`:
//     webhook     to EventGridTrigger (one event per invocation; the default)
//     eventHubs   to an Event Hubs hub that EventHubTrigger reads in batches
//     serviceBus  to a Service Bus queue (dead-lettering on) that ServiceBusTrigger reads
//   README "Delivery: webhook, Event Hubs or Service Bus" says when to pick which.
//
// With webhook delivery, deploy in two passes: the event subscription needs the EventGridTrigger
// function to exist, so first deploy with deployEventSubscription=false, publish the code
// (scripts/build-function-app.sh, then dist/functionapp.zip with `az functionapp deployment
// source config-zip`), then deploy again with deployEventSubscription=true. With eventHubs or
// serviceBus delivery the subscription targets the hub or queue, which exist at once, so one
// pass creates it. See README "Deployment".

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

@description('How Event Grid delivers ACS events: webhook (to EventGridTrigger, one event per invocation), eventHubs (to an event hub that EventHubTrigger reads in batches) or serviceBus (to a queue with dead-lettering that ServiceBusTrigger reads).')
@allowed([
  'webhook'
  'eventHubs'
  'serviceBus'
])
param delivery string = 'webhook'

@description('eventHubs delivery: partitions of the hub (fixed once created on Standard). One Functions instance at most reads each partition, so this caps the scale-out.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 8

@description('eventHubs delivery: throughput units of the Standard namespace (each: 1 MB/s or 1000 events/s in, 2 MB/s or 4096 events/s out). Auto-inflate raises them up to eventHubMaxThroughputUnits.')
@minValue(1)
@maxValue(40)
param eventHubThroughputUnits int = 1

@description('eventHubs delivery: the most throughput units auto-inflate may reach.')
@minValue(1)
@maxValue(40)
param eventHubMaxThroughputUnits int = 4

@description('Keyword handling for inbound SMS (STOP/START/HELP).')
param smsKeywordsEnabled bool = true

@description('Keyword handling for inbound WhatsApp messages (STOP/START/HELP).')
param whatsappKeywordsEnabled bool = true

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
  'whatsapp-outbox'
  'whatsapp-inbox'
  'whatsapp-delivery-failures'
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
  'WhatsAppMessages'
  'WhatsAppOptOuts'
  'WhatsAppDeliveryReports'
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

// ---- Event Hubs and Service Bus delivery -----------------------------------------------------
// Only the one `delivery` names is created. Both namespaces refuse keys (disableLocalAuth): Event
// Grid sends with the system topic's identity and the Function App reads with its own, each with
// a data role on the one hub or queue, so no connection string exists anywhere.

var useEventHubs = delivery == 'eventHubs'
var useServiceBus = delivery == 'serviceBus'
var eventHubName = 'acs-events'
var eventHubConsumerGroup = 'acs-event-handler'
var serviceBusQueueName = 'acs-events'

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' = if (useEventHubs) {
  name: '${namePrefix}-ehns-${take(suffix, 6)}'
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
    capacity: eventHubThroughputUnits
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    isAutoInflateEnabled: eventHubMaxThroughputUnits > eventHubThroughputUnits
    maximumThroughputUnits: eventHubMaxThroughputUnits > eventHubThroughputUnits ? eventHubMaxThroughputUnits : 0
  }
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = if (useEventHubs) {
  parent: eventHubNamespace
  name: eventHubName
  properties: {
    partitionCount: eventHubPartitionCount
    // The most Standard keeps: a week of events to replay after an outage of the handler.
    messageRetentionInDays: 7
  }
}

// Our own consumer group, so that another reader (Stream Analytics, a replay) never competes
// with the trigger for $Default.
resource eventHubConsumerGroupResource 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = if (useEventHubs) {
  parent: eventHub
  name: eventHubConsumerGroup
}

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = if (useServiceBus) {
  name: '${namePrefix}-sbns-${take(suffix, 6)}'
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource serviceBusQueue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = if (useServiceBus) {
  parent: serviceBusNamespace
  name: serviceBusQueueName
  properties: {
    // A message the handler fails 10 times (only a transient fault fails it: poison is
    // dead-lettered by the handler itself) goes to the queue's dead-letter subqueue, as does one
    // that expires unread.
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    lockDuration: 'PT1M'
    // Event Grid keeps a message's MessageId across its own retries: duplicates within a day
    // (its retry window) are dropped by the queue.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'P1D'
    requiresSession: false
  }
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

// ---- Hosting plan, Function App and its storage ---------------------------------------------
// Flex Consumption (FC1) is the default: Linux Consumption (Y1) gets no new features since
// 30 September 2025 and retires on 30 September 2028. Flex runs custom handlers (runtime
// `custom` 1.0 in the platform's runtime-stack data). docs/hosting.md gives the sources and what
// changes for a user.

@description('Hosting plan: flexConsumption (FC1, the default) or consumption (Linux Consumption, Y1, which retires on 30 September 2028).')
@allowed([
  'flexConsumption'
  'consumption'
])
param hostingPlan string = 'flexConsumption'

@description('Flex Consumption: memory of each instance in MB (512 = 0.25 core, 2048 = 1 core, 4096 = 2 cores). The handler needs a few MiB; the Functions host shares the instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption: the most instances the app scales out to (40 to 1000; Linux Consumption stops at 200).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: instances of EventGridTrigger kept running (0 = scale to zero; always-ready instances are billed while idle and count against the regional quota).')
@minValue(0)
param alwaysReadyInstances int = 0

var isFlex = hostingPlan == 'flexConsumption'

// The function Event Grid's events reach first, by `delivery`: the one kept ready and scaled.
var deliveryFunction = useEventHubs ? 'EventHubTrigger' : (useServiceBus ? 'ServiceBusTrigger' : 'EventGridTrigger')

// The broker triggers: the hub, consumer group and queue by name (function.json reads them as
// %EVENT_HUB_NAME% and so on), identity-based connections to the namespace that `delivery`
// creates, and the trigger of any other delivery disabled, so the host starts no listener for a
// namespace that does not exist.
var deliverySettings = concat([
  { name: 'EVENT_HUB_NAME', value: eventHubName }
  { name: 'EVENT_HUB_CONSUMER_GROUP', value: eventHubConsumerGroup }
  { name: 'SERVICE_BUS_QUEUE_NAME', value: serviceBusQueueName }
  { name: 'AzureWebJobs.EventHubTrigger.Disabled', value: string(!useEventHubs) }
  { name: 'AzureWebJobs.ServiceBusTrigger.Disabled', value: string(!useServiceBus) }
], useEventHubs ? [
  { name: 'EventHubConnection__fullyQualifiedNamespace', value: '${eventHubNamespace.name}.servicebus.windows.net' }
  { name: 'EventHubConnection__credential', value: 'managedidentity' }
] : [], useServiceBus ? [
  { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBusNamespace.name}.servicebus.windows.net' }
  { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
] : [])

// Flex Consumption runs the app from a zip in this blob container: `az functionapp deployment
// source config-zip` and `func azure functionapp publish` upload it there, and each instance
// reads it at start-up with the app's managed identity.
var deploymentContainerName = 'app-package-${toLower(functionAppName)}'

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = if (isFlex) {
  parent: blobService
  name: deploymentContainerName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${take(suffix, 6)}'
  location: location
  kind: 'functionapp'
  sku: isFlex
    ? {
        name: 'FC1'
        tier: 'FlexConsumption'
      }
    : {
        name: 'Y1'
        tier: 'Dynamic'
      }
  properties: {
    reserved: true // Linux
  }
}

// Linux Consumption only: the host reaches storage with the account key. Flex Consumption uses
// the app's managed identity instead (flexHostSettings and the role assignments below), so no
// storage key is in its app settings.
var storageConnection = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};EndpointSuffix=${environment().suffixes.storage};AccountKey=${storage.listKeys().keys[0].value}'

var consumptionHostSettings = [
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'custom' }
  { name: 'AzureWebJobsStorage', value: storageConnection }
  { name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', value: storageConnection }
  { name: 'WEBSITE_CONTENTSHARE', value: toLower(functionAppName) }
]

// On Flex Consumption the runtime and version live in functionAppConfig, and FUNCTIONS_*,
// WEBSITE_CONTENT* and WEBSITE_RUN_FROM_PACKAGE must not be set. Every binding's connection is
// AzureWebJobsStorage (see the function.json files), so these identity-based settings serve
// the host and the table, queue and blob bindings alike.
var flexHostSettings = [
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: 'https://${storage.name}.blob.${environment().suffixes.storage}' }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: 'https://${storage.name}.queue.${environment().suffixes.storage}' }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: 'https://${storage.name}.table.${environment().suffixes.storage}' }
  // Telemetry is sent with the identity too (Monitoring Metrics Publisher below).
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
]

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
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
    functionAppConfig: isFlex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
              authentication: {
                type: 'SystemAssignedIdentity'
              }
            }
          }
          runtime: {
            name: 'custom'
            version: '1.0'
          }
          scaleAndConcurrency: {
            instanceMemoryMB: instanceMemoryMB
            maximumInstanceCount: maximumInstanceCount
            // The delivery's trigger is in no scale group (those are HTTP, blob and Durable), so
            // it scales, and is kept ready, as `function:<name>`.
            alwaysReady: alwaysReadyInstances > 0
              ? [
                  {
                    name: 'function:${deliveryFunction}'
                    instanceCount: alwaysReadyInstances
                  }
                ]
              : []
          }
        }
      : null
    siteConfig: {
      // Flex Consumption takes its runtime from functionAppConfig.runtime, not linuxFxVersion.
      linuxFxVersion: isFlex ? null : ''
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(isFlex ? flexHostSettings : consumptionHostSettings, deliverySettings, [
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        // The handler's settings (see local.settings.json.example). The ACS connection string
        // comes from the resource at deployment time; it is never stored in the repository.
        { name: 'ACS_CONNECTION_STRING', value: acs.listKeys().primaryConnectionString }
        { name: 'SMS_KEYWORDS_ENABLED', value: string(smsKeywordsEnabled) }
        { name: 'WHATSAPP_KEYWORDS_ENABLED', value: string(whatsappKeywordsEnabled) }
        { name: 'CHAT_NOTIFICATION_PREVIEW_LENGTH', value: string(chatNotificationPreviewLength) }
        { name: 'RUST_LOG', value: 'info' }
      ])
    }
  }
  // The package container must exist before the first publish (Flex only; ignored otherwise).
  dependsOn: [
    deploymentContainer
  ]
}

// Flex Consumption: what the app's identity may do, as in Microsoft's Flex Consumption samples.
// Blob Data Owner: the deployment container, the host's blobs and the rawEvents outputs;
// Queue Data Contributor: the queue triggers and outputs; Table Data Contributor: the table
// inputs and outputs; Monitoring Metrics Publisher: telemetry with Authorization=AAD.
var storageRoleIds = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoleIds: if (isFlex) {
  name: guid(storage.id, functionApp.id, roleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}]

resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (isFlex) {
  name: guid(appInsights.id, functionApp.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The broker roles (the built-in role ids are on learn.microsoft.com/azure/role-based-access-control/built-in-roles):
// the Function App reads the one hub or queue, the system topic writes to it.
var eventHubsDataReceiver = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde' // Azure Event Hubs Data Receiver
var eventHubsDataSender = '2b629674-e913-4c01-ae53-ef4638d8f975' // Azure Event Hubs Data Sender
var serviceBusDataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender

resource eventHubReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useEventHubs) {
  name: guid(eventHub.id, functionApp.id, eventHubsDataReceiver)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiver)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource eventHubWriterRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useEventHubs) {
  name: guid(eventHub.id, systemTopic.id, eventHubsDataSender)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSender)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource serviceBusReaderRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useServiceBus) {
  name: guid(serviceBusQueue.id, functionApp.id, serviceBusDataReceiver)
  scope: serviceBusQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiver)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource serviceBusWriterRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (useServiceBus) {
  name: guid(serviceBusQueue.id, systemTopic.id, serviceBusDataSender)
  scope: serviceBusQueue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${namePrefix}-acs-events-${take(suffix, 6)}'
  location: 'global'
  // Event Grid delivers to the hub or queue with this identity (deliveryWithResourceIdentity).
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

// One event per Event Hubs event or Service Bus message: output batching (maxEventsPerBatch)
// exists only for webhook and Azure Function destinations; the trigger batches on the reading
// side instead (host.json extensions.eventHubs.maxEventBatchSize). No PartitionKey mapping:
// nothing in the handler depends on order, so events spread evenly over the partitions.
var webhookDestination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: '${functionApp.id}/functions/EventGridTrigger'
    maxEventsPerBatch: 1
    preferredBatchSizeInKilobytes: 64
  }
}
var eventHubDestination = {
  endpointType: 'EventHub'
  properties: {
    resourceId: useEventHubs ? eventHub.id : ''
  }
}
var serviceBusDestination = {
  endpointType: 'ServiceBusQueue'
  properties: {
    resourceId: useServiceBus ? serviceBusQueue.id : ''
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (deployEventSubscription || delivery != 'webhook') {
  parent: systemTopic
  name: 'acs-event-handler'
  properties: {
    destination: delivery == 'webhook' ? webhookDestination : null
    deliveryWithResourceIdentity: delivery == 'webhook'
      ? null
      : {
          identity: {
            type: 'SystemAssigned'
          }
          destination: useEventHubs ? eventHubDestination : serviceBusDestination
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
  // Event Grid checks that it may send before it accepts the subscription.
  dependsOn: [
    eventHubWriterRole
    serviceBusWriterRole
  ]
}

output functionAppName string = functionApp.name
output acsResourceName string = acs.name
output storageAccountName string = storage.name
output systemTopicName string = systemTopic.name
output deliveryFunction string = deliveryFunction
