//! Job Router events (`RouterJob*`, `RouterWorker*`; a preview product).
//!
//! Field names follow the wire names of the Event Grid system-event models. Job Router is in
//! preview and the docs, the REST spec and the SDK models disagree in several places, so almost
//! every field is optional and the known alternative spellings are accepted:
//!
//! - worker selectors carry `ttlSeconds` (a number) or `ttl` (an ISO-8601 duration such as
//!   `P3Y6M4DT12H30M5S`), and `labelOperator` arrives in lowercase (`equal`);
//! - `expiredRequestedWorkerSelectors` / `expiredAttachedWorkerSelectors` are spelled
//!   `requestedWorkerSelectorsExpired` / `attachedWorkerSelectorsExpired` in the docs;
//! - error objects spell `innererror` or `innerError` and send explicit `null` members;
//! - `RouterWorkerUpdated` lists the changed properties in `updatedWorkerProperties` or
//!   `propertiesUpdated`;
//! - `scheduledOn` may use the .NET form `3/28/2007 7:13:50 PM +00:00`;
//! - label and tag values are arbitrary JSON, ids may be empty strings.
//!
//! Serialization always writes the canonical (first) spelling.
//!
//! # Example
//!
//! ```
//! use acs_events::job_router::RouterJobStatus;
//! use acs_events::{parse_delivery, AcsEvent};
//!
//! let body = br#"[{
//!     "id": "r0u7e1a2", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "job/7f1df17b/channel/voice/classificationpolicy/test-policy",
//!     "eventType": "Microsoft.Communication.RouterJobReceived",
//!     "eventTime": "2026-01-05T12:00:00Z", "dataVersion": "1.0",
//!     "data": {"jobId": "7f1df17b", "channelReference": "test-abc", "channelId": "voice",
//!              "jobStatus": "PendingClassification", "classificationPolicyId": "test-policy",
//!              "priority": 0, "labels": {"Locale": "en-us"},
//!              "scheduledOn": "3/28/2007 7:13:50 PM +00:00"}
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::RouterJobReceived(job) = event.data? else { panic!("not RouterJobReceived") };
//! assert_eq!(job.job_status, Some(RouterJobStatus::PendingClassification));
//! assert_eq!(job.labels.as_ref().and_then(|l| l.get("Locale")), Some(&"en-us".into()));
//! // The .NET date form is read as a UTC timestamp.
//! assert_eq!(job.scheduled_on.map(|t| t.to_rfc3339()).as_deref(), Some("2007-03-28T19:13:50Z"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Int64};

/// Labels or tags of a job, worker or queue: values are arbitrary JSON (strings, numbers,
/// booleans), as the docs type them `Dictionary<string, object>`.
pub type RouterLabels = super::wire::UserMap;

extensible_enum! {
    /// `jobStatus` of a job.
    pub enum RouterJobStatus {
        /// Waiting for its classification policy.
        PendingClassification => "PendingClassification",
        /// In a queue, waiting for a worker.
        Queued => "Queued",
        /// Assigned to a worker.
        Assigned => "Assigned",
        /// The worker completed it.
        Completed => "Completed",
        /// Closed after completion.
        Closed => "Closed",
        /// Cancelled.
        Cancelled => "Cancelled",
        /// Its classification policy failed.
        ClassificationFailed => "ClassificationFailed",
        /// Created, not yet processed.
        Created => "Created",
        /// Waiting for its scheduled time.
        PendingSchedule => "PendingSchedule",
        /// Scheduled for later.
        Scheduled => "Scheduled",
        /// Scheduling failed.
        ScheduleFailed => "ScheduleFailed",
        /// Waiting for activation (scheduled time reached).
        WaitingForActivation => "WaitingForActivation",
    }
}

extensible_enum! {
    /// `labelOperator` of a worker selector (the docs send it in lowercase).
    pub enum RouterLabelOperator {
        /// Label equals the value.
        Equal => "Equal",
        /// Label differs from the value.
        NotEqual => "NotEqual",
        /// Label is greater than the value.
        Greater => "Greater",
        /// Label is less than the value.
        Less => "Less",
        /// Label is greater than or equal to the value.
        GreaterThanOrEqual => "GreaterThanOrEqual",
        /// Label is less than or equal to the value.
        LessThanOrEqual => "LessThanOrEqual",
    }
}

extensible_enum! {
    /// `state` of a worker selector.
    pub enum RouterWorkerSelectorState {
        /// The selector still applies.
        Active => "active",
        /// The selector's time to live ran out.
        Expired => "expired",
    }
}

extensible_enum! {
    /// One entry of `updatedWorkerProperties` in `RouterWorkerUpdated`.
    pub enum RouterUpdatedWorkerProperty {
        /// `availableForOffers` changed.
        AvailableForOffers => "AvailableForOffers",
        /// `totalCapacity` changed.
        TotalCapacity => "TotalCapacity",
        /// `queueAssignments` changed.
        QueueAssignments => "QueueAssignments",
        /// `labels` changed.
        Labels => "Labels",
        /// `tags` changed.
        Tags => "Tags",
        /// `channelConfigurations` changed.
        ChannelConfigurations => "ChannelConfigurations",
    }
}

/// A worker selector requested by or attached to a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerSelector {
    /// The label key to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// How the worker's label is compared with `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_operator: Option<RouterLabelOperator>,
    /// The value to compare with (any JSON; SDKs call it `labelValue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    /// Time to live in seconds (SDK models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<f64>,
    /// Time to live as an ISO-8601 duration, e.g. `P3Y6M4DT12H30M5S` (docs), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
    /// Whether the selector is still active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<RouterWorkerSelectorState>,
    /// When the selector expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<Timestamp>,
}

/// A queue as reported in `queueDetails` and `queueAssignments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterQueueDetails {
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Queue display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Queue labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
}

/// How much of a worker's capacity one job of a channel uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterChannelConfiguration {
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Capacity one job of this channel consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_cost_per_job: Option<Int64>,
    /// Maximum number of concurrent jobs of this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_jobs: Option<Int64>,
}

/// A Job Router error; every member may be `null`, and errors nest through `innererror` and
/// `details`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRouterError {
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the error is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The underlying error (`innererror` in the models, `innerError` in the docs).
    #[serde(
        default,
        rename = "innererror",
        alias = "innerError",
        skip_serializing_if = "Option::is_none"
    )]
    pub inner_error: Option<Box<JobRouterError>>,
    /// Further errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<JobRouterError>>,
}

/// `Microsoft.Communication.RouterJobReceived`: a job was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobReceivedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Job status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_status: Option<RouterJobStatus>,
    /// Classification policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification_policy_id: Option<String>,
    /// Job priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Int64>,
    /// Worker selectors requested by the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// When the job is scheduled to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_on: Option<Timestamp>,
    /// Whether the job is held back from matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_for_matching: Option<bool>,
}

/// `Microsoft.Communication.RouterJobClassified`: the classification policy placed the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobClassifiedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// The queue the job was classified into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_details: Option<RouterQueueDetails>,
    /// Classification policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification_policy_id: Option<String>,
    /// Job priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Int64>,
    /// Worker selectors attached by the classification policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
}

/// `Microsoft.Communication.RouterJobQueued`: the job entered a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobQueuedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Job priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Int64>,
    /// Worker selectors attached by the classification policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Worker selectors requested by the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
}

/// `Microsoft.Communication.RouterJobClassificationFailed`: the classification policy failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobClassificationFailedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Classification policy id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification_policy_id: Option<String>,
    /// Why classification failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<JobRouterError>>,
}

/// `Microsoft.Communication.RouterJobCompleted`: the assigned worker completed the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobCompletedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Assignment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Worker id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
}

/// `Microsoft.Communication.RouterJobClosed`: the job was closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobClosedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Assignment id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Worker id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    /// Disposition code given when closing (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition_code: Option<String>,
}

/// `Microsoft.Communication.RouterJobCancelled`: the job was cancelled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobCancelledEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Note given when cancelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Disposition code given when cancelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition_code: Option<String>,
}

/// `Microsoft.Communication.RouterJobExceptionTriggered`: an exception rule fired for the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobExceptionTriggeredEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Key of the rule that fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_key: Option<String>,
    /// Id of the exception policy rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception_rule_id: Option<String>,
}

/// `Microsoft.Communication.RouterJobWorkerSelectorsExpired`: some of the job's worker selectors
/// expired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobWorkerSelectorsExpiredEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Expired requested selectors (docs: `requestedWorkerSelectorsExpired`).
    #[serde(
        default,
        alias = "requestedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Expired attached selectors (docs: `attachedWorkerSelectorsExpired`).
    #[serde(
        default,
        alias = "attachedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
}

/// `Microsoft.Communication.RouterJobUnassigned`: the job's assignment was removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobUnassignedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Assignment id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Worker id (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
}

/// `Microsoft.Communication.RouterJobWaitingForActivation`: a scheduled job reached its time and
/// waits to be activated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobWaitingForActivationEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Job priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Int64>,
    /// Expired requested selectors (SDK models).
    #[serde(
        default,
        alias = "requestedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Expired attached selectors (SDK models).
    #[serde(
        default,
        alias = "attachedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Requested selectors (what the docs sample sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Attached selectors (what the docs sample sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// When the job was scheduled to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_on: Option<Timestamp>,
    /// Whether the job is held back from matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_for_matching: Option<bool>,
}

/// `Microsoft.Communication.RouterJobSchedulingFailed`: a scheduled job could not be scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobSchedulingFailedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Job priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Int64>,
    /// Expired requested selectors (SDK models).
    #[serde(
        default,
        alias = "requestedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Expired attached selectors (SDK models).
    #[serde(
        default,
        alias = "attachedWorkerSelectorsExpired",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Requested selectors (what the docs sample sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// Attached selectors (what the docs sample sends).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_worker_selectors: Option<Vec<RouterWorkerSelector>>,
    /// When the job was scheduled to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_on: Option<Timestamp>,
    /// Why scheduling failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// `Microsoft.Communication.RouterJobDeleted`: the job was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterJobDeletedEventData {
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
}

/// `Microsoft.Communication.RouterWorkerOfferIssued`: a worker was offered a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerOfferIssuedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Offer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// Priority of the offered job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_priority: Option<Int64>,
    /// Worker labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_labels: Option<RouterLabels>,
    /// Worker tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_tags: Option<RouterLabels>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_tags: Option<RouterLabels>,
    /// When the offer was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_on: Option<Timestamp>,
    /// When the offer expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<Timestamp>,
}

/// `Microsoft.Communication.RouterWorkerOfferAccepted`: a worker accepted an offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerOfferAcceptedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Offer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// Assignment id created by the acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_id: Option<String>,
    /// Priority of the accepted job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_priority: Option<Int64>,
    /// Worker labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_labels: Option<RouterLabels>,
    /// Worker tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_tags: Option<RouterLabels>,
    /// Job labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_labels: Option<RouterLabels>,
    /// Job tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_tags: Option<RouterLabels>,
}

/// `Microsoft.Communication.RouterWorkerOfferDeclined`: a worker declined an offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerOfferDeclinedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Offer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
}

/// `Microsoft.Communication.RouterWorkerOfferRevoked`: an offer was withdrawn from a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerOfferRevokedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Offer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
}

/// `Microsoft.Communication.RouterWorkerOfferExpired`: an offer timed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerOfferExpiredEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id.
    pub job_id: String,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queue id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    /// Offer id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
}

/// `Microsoft.Communication.RouterWorkerRegistered`: a worker became available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerRegisteredEventData {
    /// Worker id.
    pub worker_id: String,
    /// Queues the worker serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_assignments: Option<Vec<RouterQueueDetails>>,
    /// Per-channel capacity use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_configurations: Option<Vec<RouterChannelConfiguration>>,
    /// Total capacity of the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_capacity: Option<Int64>,
    /// Worker labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Worker tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
}

/// `Microsoft.Communication.RouterWorkerDeregistered`: a worker stopped being available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerDeregisteredEventData {
    /// Worker id.
    pub worker_id: String,
}

/// `Microsoft.Communication.RouterWorkerDeleted`: a worker was deleted.
///
/// The models give it only the router base (`jobId`, `channelReference`, `channelId`) and
/// `workerId`; the docs sample instead carries the worker's registration fields and no `jobId`.
/// Both shapes parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerDeletedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Job id (absent from the docs sample).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The caller's reference for the job in its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_reference: Option<String>,
    /// Channel id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// Queues the worker served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_assignments: Option<Vec<RouterQueueDetails>>,
    /// Per-channel capacity use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_configurations: Option<Vec<RouterChannelConfiguration>>,
    /// Total capacity of the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_capacity: Option<Int64>,
    /// Worker labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Worker tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
}

/// `Microsoft.Communication.RouterWorkerUpdated`: a worker's properties changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterWorkerUpdatedEventData {
    /// Worker id.
    pub worker_id: String,
    /// Queues the worker serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_assignments: Option<Vec<RouterQueueDetails>>,
    /// Per-channel capacity use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_configurations: Option<Vec<RouterChannelConfiguration>>,
    /// Total capacity of the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_capacity: Option<Int64>,
    /// Worker labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<RouterLabels>,
    /// Worker tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<RouterLabels>,
    /// Which properties changed (spec example: `propertiesUpdated`).
    #[serde(
        default,
        alias = "propertiesUpdated",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_worker_properties: Option<Vec<RouterUpdatedWorkerProperty>>,
}

#[cfg(test)]
mod tests;
