//! `handler sample <EventType>`: a fresh, valid event of any of the 56 types (new id, current
//! time), in either schema, for quick tests with `send` and `inspect -`.
//!
//! The templates are the repository's samples, compiled into the binary so the command works
//! wherever the binary goes.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::events::{canonical_event_type, event_types};

/// Output schema for generated and converted events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputSchema {
    /// Event Grid schema, as an array (what Event Grid posts to a webhook).
    Eventgrid,
    /// CloudEvents 1.0, a single object.
    Cloudevents,
}

/// One sample per event type: (type suffix, sample file contents).
const TEMPLATES: &[(&str, &str)] = &[
    (
        "AdvancedMessageAnalysisCompleted",
        include_str!("../../crates/acs-events/samples/docs-advmsg__AdvancedMessageAnalysisCompleted.json"),
    ),
    (
        "AdvancedMessageDeliveryStatusUpdated",
        include_str!(
            "../../crates/acs-events/samples/docs-advmsg__AdvancedMessageDeliveryStatusUpdated__failed.json"
        ),
    ),
    (
        "AdvancedMessageReceived",
        include_str!("../../crates/acs-events/samples/docs-advmsg__AdvancedMessageReceived__button.json"),
    ),
    (
        "CallEnded",
        include_str!("../../crates/acs-events/samples/docs-calling__CallEnded.json"),
    ),
    (
        "CallParticipantAdded",
        include_str!("../../crates/acs-events/samples/docs-calling__CallParticipantAdded.json"),
    ),
    (
        "CallParticipantRemoved",
        include_str!("../../crates/acs-events/samples/docs-calling__CallParticipantRemoved.json"),
    ),
    (
        "CallStarted",
        include_str!("../../crates/acs-events/samples/docs-calling__CallStarted.json"),
    ),
    (
        "ChatAzureBotCommandReceivedInThread",
        include_str!("../../crates/acs-events/samples/generated__ChatAzureBotCommandReceivedInThread.json"),
    ),
    (
        "ChatMemberAddedToThreadWithUser",
        include_str!("../../crates/acs-events/samples/docs2020__ChatMemberAddedToThreadWithUser.json"),
    ),
    (
        "ChatMemberRemovedFromThreadWithUser",
        include_str!("../../crates/acs-events/samples/docs2020__ChatMemberRemovedFromThreadWithUser.json"),
    ),
    (
        "ChatMessageDeleted",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageDeleted.json"),
    ),
    (
        "ChatMessageDeletedInThread",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageDeletedInThread.json"),
    ),
    (
        "ChatMessageEdited",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageEdited.json"),
    ),
    (
        "ChatMessageEditedInThread",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageEditedInThread.json"),
    ),
    (
        "ChatMessageReceived",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageReceived.json"),
    ),
    (
        "ChatMessageReceivedInThread",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatMessageReceivedInThread.json"),
    ),
    (
        "ChatParticipantAddedToThreadWithUser",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatParticipantAddedToThreadWithUser.json"),
    ),
    (
        "ChatParticipantRemovedFromThreadWithUser",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatParticipantRemovedFromThreadWithUser.json"),
    ),
    (
        "ChatThreadCreated",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadCreated.json"),
    ),
    (
        "ChatThreadCreatedWithUser",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadCreatedWithUser.json"),
    ),
    (
        "ChatThreadDeleted",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadDeleted.json"),
    ),
    (
        "ChatThreadParticipantAdded",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadParticipantAdded.json"),
    ),
    (
        "ChatThreadParticipantRemoved",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadParticipantRemoved.json"),
    ),
    (
        "ChatThreadPropertiesUpdated",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadPropertiesUpdated.json"),
    ),
    (
        "ChatThreadPropertiesUpdatedPerUser",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadPropertiesUpdatedPerUser.json"),
    ),
    (
        "ChatThreadWithUserDeleted",
        include_str!("../../crates/acs-events/samples/docs-chat__ChatThreadWithUserDeleted.json"),
    ),
    (
        "ChatTypingIndicatorReceivedInThread",
        include_str!("../../crates/acs-events/samples/generated__ChatTypingIndicatorReceivedInThread.json"),
    ),
    (
        "EmailDeliveryReportReceived",
        include_str!("../../crates/acs-events/samples/docs-email__EmailDeliveryReportReceived.json"),
    ),
    (
        "EmailEngagementTrackingReportReceived",
        include_str!("../../crates/acs-events/samples/docs-email__EmailEngagementTrackingReportReceived.json"),
    ),
    (
        "IncomingCall",
        include_str!("../../crates/acs-events/samples/generated__IncomingCall.json"),
    ),
    (
        "RecordingFileStatusUpdated",
        include_str!("../../crates/acs-events/samples/docs-calling__RecordingFileStatusUpdated.json"),
    ),
    (
        "RouterJobCancelled",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobCancelled.json"),
    ),
    (
        "RouterJobClassificationFailed",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobClassificationFailed.json"),
    ),
    (
        "RouterJobClassified",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobClassified.json"),
    ),
    (
        "RouterJobClosed",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobClosed.json"),
    ),
    (
        "RouterJobCompleted",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobCompleted.json"),
    ),
    (
        "RouterJobDeleted",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobDeleted.json"),
    ),
    (
        "RouterJobExceptionTriggered",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobExceptionTriggered.json"),
    ),
    (
        "RouterJobQueued",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobQueued.json"),
    ),
    (
        "RouterJobReceived",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobReceived.json"),
    ),
    (
        "RouterJobSchedulingFailed",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobSchedulingFailed.json"),
    ),
    (
        "RouterJobUnassigned",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobUnassigned.json"),
    ),
    (
        "RouterJobWaitingForActivation",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobWaitingForActivation.json"),
    ),
    (
        "RouterJobWorkerSelectorsExpired",
        include_str!("../../crates/acs-events/samples/docs-router__RouterJobWorkerSelectorsExpired.json"),
    ),
    (
        "RouterWorkerDeleted",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerDeleted.json"),
    ),
    (
        "RouterWorkerDeregistered",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerDeregistered.json"),
    ),
    (
        "RouterWorkerOfferAccepted",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerOfferAccepted.json"),
    ),
    (
        "RouterWorkerOfferDeclined",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerOfferDeclined.json"),
    ),
    (
        "RouterWorkerOfferExpired",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerOfferExpired.json"),
    ),
    (
        "RouterWorkerOfferIssued",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerOfferIssued.json"),
    ),
    (
        "RouterWorkerOfferRevoked",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerOfferRevoked.json"),
    ),
    (
        "RouterWorkerRegistered",
        include_str!("../../crates/acs-events/samples/docs-router__RouterWorkerRegistered.json"),
    ),
    (
        "RouterWorkerUpdated",
        include_str!("../../crates/acs-events/samples/generated__RouterWorkerUpdated.json"),
    ),
    (
        "SMSDeliveryReportReceived",
        include_str!("../../crates/acs-events/samples/docs-sms__SMSDeliveryReportReceived.json"),
    ),
    (
        "SMSReceived",
        include_str!("../../crates/acs-events/samples/docs-sms__SMSReceived.json"),
    ),
    (
        "UserDisconnected",
        include_str!("../../crates/acs-events/samples/docs-presence__UserDisconnected.json"),
    ),
];

/// Why no sample could be made.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("unknown event type {name:?}{}", match suggestion.as_str() {
        "" => "; `handler sample --list` prints every type (give the full type, Microsoft.Communication.SMSReceived, or the part after `Microsoft.Communication.`, SMSReceived)".to_owned(),
        s => format!("{s} (`handler sample --list` prints every type)"),
    })]
    UnknownType { name: String, suggestion: String },
    #[error("the built-in sample for {0} is not a valid event (this is a bug)")]
    BadTemplate(&'static str),
}

/// Resolves `Microsoft.Communication.SMSReceived`, `SMSReceived` or `smsreceived`.
pub fn resolve_type(name: &str) -> Option<&'static str> {
    let name = name.trim();
    canonical_event_type(name).or_else(|| {
        event_types::ALL.iter().copied().find(|t| {
            t.strip_prefix("Microsoft.Communication.")
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        })
    })
}

/// The built-in template event (Event Grid schema) of a known type.
pub fn template(event_type: &'static str) -> Result<Value, SampleError> {
    let suffix = event_type
        .strip_prefix("Microsoft.Communication.")
        .unwrap_or(event_type);
    let text = TEMPLATES
        .iter()
        .find(|(s, _)| *s == suffix)
        .map(|(_, text)| *text)
        .ok_or(SampleError::BadTemplate(event_type))?;
    let value: Value =
        serde_json::from_str(text).map_err(|_| SampleError::BadTemplate(event_type))?;
    let event = match value {
        Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
        Value::Object(_) => value,
        _ => return Err(SampleError::BadTemplate(event_type)),
    };
    Ok(to_event_grid(&event))
}

/// A fresh sample: a new id and the current time.
pub fn fresh_sample(name: &str, schema: OutputSchema) -> Result<Value, SampleError> {
    sample(name, schema, false)
}

/// A fresh sample; with `renew_data` also new message ids, versions and data times ([`renew`]).
pub fn sample(name: &str, schema: OutputSchema, renew_data: bool) -> Result<Value, SampleError> {
    let event_type = resolve_type(name).ok_or_else(|| SampleError::UnknownType {
        name: name.to_owned(),
        suggestion: crate::suggest::did_you_mean(name),
    })?;
    let mut event = template(event_type)?;
    if renew_data {
        renew(&mut event);
    } else {
        refresh(&mut event);
    }
    Ok(match schema {
        OutputSchema::Eventgrid => Value::Array(vec![event]),
        OutputSchema::Cloudevents => to_cloud_event(&event),
    })
}

/// Gives an event (either schema) a new id and the current time, so that deduplication by id
/// does not hide a re-send.
pub fn refresh(event: &mut Value) {
    let now = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    if let Value::Object(map) = event {
        map.insert("id".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        let time_key = if map.contains_key("eventType") {
            "eventTime"
        } else {
            "time"
        };
        map.insert(time_key.into(), Value::String(now));
    }
}

/// [`refresh`], and a new identity for what the event is about, so that a re-send makes new
/// rows instead of updating the old ones: in `data`, a new `messageId` (SMS, chat, email and
/// advanced messages; the rows are keyed by it) in the form the service uses, a new `version`
/// (chat rows are keyed by it), and the current time in every top-level time field
/// (`receivedTimestamp`, `composeTime`, …; opt-out history is ordered by it).
pub fn renew(event: &mut Value) {
    refresh(event);
    let now = OffsetDateTime::now_utc();
    let millis = unique_millis(now);
    let now_text = now.format(&Rfc3339).unwrap_or_default();
    let Some(Value::Object(data)) = event.get_mut("data") else {
        return;
    };
    for (key, value) in data.iter_mut() {
        let lower = key.to_ascii_lowercase();
        if key == "messageId" {
            *value = match value {
                Value::Number(_) => Value::from(millis),
                Value::String(old)
                    if !old.is_empty() && old.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Value::String(millis.to_string())
                }
                Value::String(old) => match old.split_once('_') {
                    // `Incoming_…` / `Outgoing_…` (SMS): keep the direction.
                    Some((prefix, _))
                        if !prefix.is_empty()
                            && prefix.bytes().all(|b| b.is_ascii_alphabetic()) =>
                    {
                        Value::String(format!("{prefix}_{}", uuid::Uuid::new_v4()))
                    }
                    _ => Value::String(uuid::Uuid::new_v4().to_string()),
                },
                _ => continue,
            };
        } else if key == "version" {
            *value = match value {
                Value::Number(_) => Value::from(millis),
                Value::String(_) => Value::String(millis.to_string()),
                _ => continue,
            };
        } else if (lower.ends_with("time") || lower.ends_with("timestamp")) && value.is_string() {
            *value = Value::String(now_text.clone());
        }
    }
}

/// Milliseconds since the epoch, strictly increasing within the process: chat message ids and
/// versions are such numbers, and two events renewed in the same millisecond still differ.
fn unique_millis(now: OffsetDateTime) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = u64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    let previous = LAST
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(0);
    now.max(previous + 1)
}

/// Every event type `sample` knows, in catalog order.
pub fn list() -> &'static [&'static str] {
    event_types::ALL
}

/// Event Grid schema → CloudEvents 1.0, mapped as Event Grid does (`topic`→`source`,
/// `eventType`→`type`, `eventTime`→`time`); a CloudEvent is returned unchanged.
pub fn to_cloud_event(event: &Value) -> Value {
    let Value::Object(map) = event else {
        return event.clone();
    };
    if !map.contains_key("eventType") {
        return event.clone();
    }
    let mut out = serde_json::Map::new();
    out.insert("id".into(), map.get("id").cloned().unwrap_or(Value::Null));
    out.insert(
        "source".into(),
        map.get("topic")
            .cloned()
            .unwrap_or(Value::String(String::new())),
    );
    out.insert("specversion".into(), Value::String("1.0".into()));
    out.insert(
        "type".into(),
        map.get("eventType").cloned().unwrap_or(Value::Null),
    );
    if let Some(subject) = map.get("subject") {
        out.insert("subject".into(), subject.clone());
    }
    if let Some(time) = map.get("eventTime") {
        out.insert("time".into(), time.clone());
    }
    out.insert(
        "datacontenttype".into(),
        Value::String("application/json".into()),
    );
    if let Some(data) = map.get("data") {
        out.insert("data".into(), data.clone());
    }
    Value::Object(out)
}

/// CloudEvents 1.0 → Event Grid schema (for templates written as CloudEvents); an Event Grid
/// event is returned unchanged.
pub fn to_event_grid(event: &Value) -> Value {
    let Value::Object(map) = event else {
        return event.clone();
    };
    if map.contains_key("eventType") || !map.contains_key("type") {
        return event.clone();
    }
    let mut out = serde_json::Map::new();
    out.insert("id".into(), map.get("id").cloned().unwrap_or(Value::Null));
    out.insert(
        "topic".into(),
        map.get("source").cloned().unwrap_or(Value::Null),
    );
    out.insert(
        "subject".into(),
        map.get("subject")
            .cloned()
            .unwrap_or(Value::String(String::new())),
    );
    out.insert(
        "data".into(),
        map.get("data").cloned().unwrap_or(Value::Null),
    );
    out.insert(
        "eventType".into(),
        map.get("type").cloned().unwrap_or(Value::Null),
    );
    out.insert("dataVersion".into(), Value::String("1.0".into()));
    out.insert("metadataVersion".into(), Value::String("1".into()));
    out.insert(
        "eventTime".into(),
        map.get("time").cloned().unwrap_or(Value::Null),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse_delivery;

    #[test]
    fn every_type_has_a_template_that_parses_in_both_schemas() {
        assert_eq!(TEMPLATES.len(), event_types::ALL.len());
        for event_type in event_types::ALL {
            for schema in [OutputSchema::Eventgrid, OutputSchema::Cloudevents] {
                let sample = fresh_sample(event_type, schema).unwrap();
                let bytes = serde_json::to_vec(&sample).unwrap();
                let delivery = parse_delivery(&bytes).unwrap();
                let event = delivery[0].as_ref().unwrap();
                assert_eq!(event.envelope.event_type, *event_type);
                let data = event
                    .data
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{event_type}: {e}"));
                assert_ne!(data.kind(), "Unknown");
            }
        }
    }

    #[test]
    fn samples_are_fresh_and_names_resolve() {
        let a = fresh_sample("SMSReceived", OutputSchema::Eventgrid).unwrap();
        let b = fresh_sample(
            "microsoft.communication.smsreceived",
            OutputSchema::Eventgrid,
        )
        .unwrap();
        assert_ne!(a[0]["id"], b[0]["id"]);
        assert_eq!(a[0]["eventType"], "Microsoft.Communication.SMSReceived");
        let ce = fresh_sample("smsreceived", OutputSchema::Cloudevents).unwrap();
        assert_eq!(ce["specversion"], "1.0");
        assert!(matches!(
            fresh_sample("CallConnected", OutputSchema::Eventgrid),
            Err(SampleError::UnknownType { .. })
        ));
    }

    #[test]
    fn renew_gives_new_message_ids_versions_and_times_in_the_same_form() {
        let renewed = |name: &str| {
            let old = template(resolve_type(name).unwrap()).unwrap();
            let mut new = old.clone();
            renew(&mut new);
            (old, new)
        };
        let (old, new) = renewed("SMSReceived");
        let id = new["data"]["messageId"].as_str().unwrap();
        assert!(
            id.starts_with("Incoming_") && id != old["data"]["messageId"],
            "{id}"
        );
        assert_ne!(
            new["data"]["receivedTimestamp"],
            old["data"]["receivedTimestamp"]
        );
        assert_eq!(new["data"]["message"], old["data"]["message"]);
        let (old, new) = renewed("ChatMessageReceived");
        let id = new["data"]["messageId"].as_str().unwrap();
        assert!(id.bytes().all(|b| b.is_ascii_digit()) && id != old["data"]["messageId"]);
        assert!(new["data"]["version"].is_u64());
        assert_ne!(new["data"]["version"], old["data"]["version"]);
        assert_ne!(new["data"]["composeTime"], old["data"]["composeTime"]);
        let (old, new) = renewed("EmailDeliveryReportReceived");
        assert_ne!(new["data"]["messageId"], old["data"]["messageId"]);
        let (_, again) = renewed("EmailDeliveryReportReceived");
        assert_ne!(new["data"]["messageId"], again["data"]["messageId"]);
        let (_, a) = renewed("ChatMessageReceived");
        let (_, b) = renewed("ChatMessageReceived");
        assert_ne!(
            a["data"]["messageId"], b["data"]["messageId"],
            "unique within a run"
        );
    }

    #[test]
    fn a_misspelt_type_gets_a_suggestion() {
        let err = fresh_sample("SMSRecieved", OutputSchema::Eventgrid)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("did you mean `Microsoft.Communication.SMSReceived`?")
                && err.contains("--list"),
            "{err}"
        );
    }

    #[test]
    fn conversions_round_trip() {
        let eg = template(event_types::SMS_RECEIVED).unwrap();
        let back = to_event_grid(&to_cloud_event(&eg));
        for key in ["id", "topic", "subject", "eventType", "eventTime", "data"] {
            assert_eq!(back[key], eg[key], "{key}");
        }
    }
}
