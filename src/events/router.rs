//! Job Router events.

use serde::{Deserialize, Serialize};

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobReceivedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobClassifiedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobQueuedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobClassificationFailedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobCompletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobClosedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobCancelledEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobExceptionTriggeredEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobWorkerSelectorsExpiredEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobUnassignedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobWaitingForActivationEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobSchedulingFailedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterJobDeletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerOfferIssuedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerOfferAcceptedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerOfferDeclinedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerOfferRevokedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerOfferExpiredEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerRegisteredEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerDeregisteredEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerDeletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouterWorkerUpdatedEventData {}

