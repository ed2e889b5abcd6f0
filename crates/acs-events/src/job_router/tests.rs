//! Tests of the [`super`] module: every sample of the family and the shapes the docs disagree on.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::*;
use crate::{parse_delivery, AcsEvent};

/// Every router sample, by file name.
const SAMPLES: &[(&str, &[u8])] = &[
    (
        "RouterJobCancelled",
        include_bytes!("../../samples/docs-router__RouterJobCancelled.json"),
    ),
    (
        "RouterJobClassificationFailed",
        include_bytes!("../../samples/docs-router__RouterJobClassificationFailed.json"),
    ),
    (
        "RouterJobClassified",
        include_bytes!("../../samples/docs-router__RouterJobClassified.json"),
    ),
    (
        "RouterJobClosed",
        include_bytes!("../../samples/docs-router__RouterJobClosed.json"),
    ),
    (
        "RouterJobCompleted",
        include_bytes!("../../samples/docs-router__RouterJobCompleted.json"),
    ),
    (
        "RouterJobDeleted",
        include_bytes!("../../samples/docs-router__RouterJobDeleted.json"),
    ),
    (
        "RouterJobExceptionTriggered",
        include_bytes!("../../samples/docs-router__RouterJobExceptionTriggered.json"),
    ),
    (
        "RouterJobQueued",
        include_bytes!("../../samples/docs-router__RouterJobQueued.json"),
    ),
    (
        "RouterJobReceived",
        include_bytes!("../../samples/docs-router__RouterJobReceived.json"),
    ),
    (
        "RouterJobSchedulingFailed",
        include_bytes!("../../samples/docs-router__RouterJobSchedulingFailed.json"),
    ),
    (
        "RouterJobUnassigned",
        include_bytes!("../../samples/docs-router__RouterJobUnassigned.json"),
    ),
    (
        "RouterJobWaitingForActivation",
        include_bytes!("../../samples/docs-router__RouterJobWaitingForActivation.json"),
    ),
    (
        "RouterJobWorkerSelectorsExpired",
        include_bytes!("../../samples/docs-router__RouterJobWorkerSelectorsExpired.json"),
    ),
    (
        "RouterWorkerDeleted",
        include_bytes!("../../samples/docs-router__RouterWorkerDeleted.json"),
    ),
    (
        "RouterWorkerDeregistered",
        include_bytes!("../../samples/docs-router__RouterWorkerDeregistered.json"),
    ),
    (
        "RouterWorkerOfferAccepted",
        include_bytes!("../../samples/docs-router__RouterWorkerOfferAccepted.json"),
    ),
    (
        "RouterWorkerOfferDeclined",
        include_bytes!("../../samples/docs-router__RouterWorkerOfferDeclined.json"),
    ),
    (
        "RouterWorkerOfferExpired",
        include_bytes!("../../samples/docs-router__RouterWorkerOfferExpired.json"),
    ),
    (
        "RouterWorkerOfferIssued",
        include_bytes!("../../samples/docs-router__RouterWorkerOfferIssued.json"),
    ),
    (
        "RouterWorkerOfferRevoked",
        include_bytes!("../../samples/docs-router__RouterWorkerOfferRevoked.json"),
    ),
    (
        "RouterWorkerRegistered",
        include_bytes!("../../samples/docs-router__RouterWorkerRegistered.json"),
    ),
];

const JOB_ID: &str = "7f1df17b-570b-4ae5-9cf5-fe6ff64cc712";
const QUEUE_ID: &str = "625fec06-ab81-4e60-b780-f364ed96ade1";

/// Parses a one-event delivery through the real entry point and returns its typed data.
fn typed(body: &[u8]) -> AcsEvent {
    let mut delivery = parse_delivery(body).expect("a delivery");
    assert_eq!(delivery.len(), 1);
    let event = delivery.remove(0).expect("a valid event");
    match event.data {
        Ok(data) => data,
        Err(e) => panic!("typed data failed: {e}"),
    }
}

/// The `data` member of a sample, as plain JSON.
fn raw_data(body: &[u8]) -> Value {
    let event: Value = serde_json::from_slice(body).expect("valid JSON");
    event["data"].clone()
}

fn labels(value: Value) -> Option<RouterLabels> {
    match value {
        Value::Object(map) => Some(crate::UserMap(map)),
        other => panic!("not an object: {other}"),
    }
}

fn sample_labels() -> Option<RouterLabels> {
    labels(json!({"Locale": "en-us", "Segment": "Enterprise", "Token": "FooToken"}))
}

/// The selector every docs sample uses (`ttl` spelling).
fn docs_selector() -> RouterWorkerSelector {
    RouterWorkerSelector {
        key: Some("string".into()),
        label_operator: Some(RouterLabelOperator::Equal),
        value: Some(json!(5)),
        ttl_seconds: None,
        ttl: Some("P3Y6M4DT12H30M5S".into()),
        state: None,
        expiration_time: None,
    }
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &T) {
    let value = serde_json::to_value(data).expect("serializes");
    let again: T = serde_json::from_value(value.clone()).expect("re-parses");
    assert_eq!(&again, data, "{value}");
}

macro_rules! expect_variant {
    ($event:expr, $variant:ident) => {
        match $event {
            AcsEvent::$variant(data) => *data,
            other => panic!("expected {}, got {}", stringify!($variant), other.kind()),
        }
    };
}

#[test]
fn every_sample_parses_to_its_variant() {
    assert_eq!(SAMPLES.len(), 21);
    for (name, body) in SAMPLES {
        let data = typed(body);
        assert_eq!(data.kind(), *name);
        assert_eq!(data.event_type(), format!("Microsoft.Communication.{name}"));
    }
}

#[test]
fn every_sample_round_trips() {
    for (name, body) in SAMPLES {
        let data = typed(body);
        let json = data.data_json().expect("serializes");
        let raw = RawValue::from_string(json.to_string()).expect("raw");
        let again = AcsEvent::from_data(data.event_type(), Some(&raw))
            .unwrap_or_else(|f| panic!("{name}: {} {}", f.path, f.message));
        assert_eq!(again, data, "{name}");
        // Nothing the sample sent is dropped: every non-null member survives, under its
        // canonical name.
        let mut sent = Vec::new();
        member_paths(&raw_data(body), "", &mut sent);
        let mut kept = Vec::new();
        member_paths(&json, "", &mut kept);
        for path in sent {
            assert!(kept.contains(&path), "{name}: `{path}` lost in {json}");
        }
    }
}

/// Paths of every non-null member, with alternative spellings mapped to the canonical one.
fn member_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                if member.is_null() {
                    continue;
                }
                let key = match key.as_str() {
                    "requestedWorkerSelectorsExpired" => "expiredRequestedWorkerSelectors",
                    "attachedWorkerSelectorsExpired" => "expiredAttachedWorkerSelectors",
                    "innerError" => "innererror",
                    "propertiesUpdated" => "updatedWorkerProperties",
                    other => other,
                };
                let path = format!("{prefix}.{key}");
                out.push(path.clone());
                member_paths(member, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                member_paths(item, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn job_received() {
    let body = include_bytes!("../../samples/docs-router__RouterJobReceived.json");
    let d = expect_variant!(typed(body), RouterJobReceived);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.channel_reference.as_deref(), Some("test-abc"));
    assert_eq!(d.channel_id.as_deref(), Some("FooVoiceChannelId"));
    assert_eq!(d.queue_id.as_deref(), Some("queue-id"));
    assert_eq!(d.job_status, Some(RouterJobStatus::PendingClassification));
    assert_eq!(d.classification_policy_id.as_deref(), Some("test-policy"));
    assert_eq!(d.priority, Some(Int64(0)));
    assert_eq!(d.labels, sample_labels());
    assert_eq!(d.tags, sample_labels());
    assert_eq!(d.unavailable_for_matching, Some(false));
    // The docs' .NET-style "3/28/2007 7:13:50 PM +00:00".
    let scheduled = d.scheduled_on.expect("scheduledOn");
    assert_eq!(scheduled.to_rfc3339(), "2007-03-28T19:13:50Z");
    let selectors = d.requested_worker_selectors.expect("selectors");
    assert_eq!(selectors.len(), 1);
    let s = &selectors[0];
    assert_eq!(s.key.as_deref(), Some("string"));
    assert_eq!(s.label_operator, Some(RouterLabelOperator::Equal));
    assert_eq!(s.value, Some(json!(5)));
    assert_eq!(s.ttl_seconds, Some(50.0));
    assert_eq!(s.ttl, None);
    let expires = s.expiration_time.expect("expirationTime");
    assert_eq!(expires.to_rfc3339(), "2022-02-17T00:58:25.1736293Z");
}

#[test]
fn job_classified() {
    let body = include_bytes!("../../samples/docs-router__RouterJobClassified.json");
    let d = expect_variant!(typed(body), RouterJobClassified);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
    assert_eq!(d.priority, Some(Int64(5)));
    assert_eq!(d.classification_policy_id.as_deref(), Some("test-policy"));
    let queue = d.queue_details.expect("queueDetails");
    assert_eq!(queue.id.as_deref(), Some(QUEUE_ID));
    assert_eq!(queue.name.as_deref(), Some("Queue 1"));
    assert_eq!(
        queue.labels,
        labels(json!({"Language": "en", "Product": "Office", "Geo": "NA"}))
    );
    assert_eq!(d.attached_worker_selectors, Some(vec![docs_selector()]));
}

#[test]
fn job_queued() {
    let body = include_bytes!("../../samples/docs-router__RouterJobQueued.json");
    let d = expect_variant!(typed(body), RouterJobQueued);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
    assert_eq!(d.priority, Some(Int64(1)));
    assert_eq!(d.labels, sample_labels());
    assert_eq!(d.requested_worker_selectors, Some(vec![docs_selector()]));
    assert_eq!(d.attached_worker_selectors, Some(vec![docs_selector()]));
}

#[test]
fn job_classification_failed_with_null_error_members() {
    let body = include_bytes!("../../samples/docs-router__RouterJobClassificationFailed.json");
    let d = expect_variant!(typed(body), RouterJobClassificationFailed);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.classification_policy_id.as_deref(), Some("test-policy"));
    assert_eq!(d.queue_id, None);
    let errors = d.errors.expect("errors");
    assert_eq!(
        errors,
        vec![JobRouterError {
            code: None,
            message: Some("Classification failed due to <reason>".into()),
            target: None,
            inner_error: None,
            details: None,
        }]
    );
}

#[test]
fn errors_nest_and_accept_both_inner_error_spellings() {
    let camel: JobRouterError = serde_json::from_value(json!({
        "code": "BadRequest", "message": "outer", "target": "labels",
        "innerError": {"code": "Inner", "innerError": null, "details": null},
        "details": [{"code": "D1", "details": [{"code": "D2"}]}]
    }))
    .expect("parses");
    let lower: JobRouterError = serde_json::from_value(json!({
        "code": "BadRequest", "message": "outer", "target": "labels",
        "innererror": {"code": "Inner"},
        "details": [{"code": "D1", "details": [{"code": "D2"}]}]
    }))
    .expect("parses");
    assert_eq!(camel, lower);
    assert_eq!(camel.code.as_deref(), Some("BadRequest"));
    assert_eq!(
        camel.inner_error.as_ref().and_then(|e| e.code.as_deref()),
        Some("Inner")
    );
    let details = camel.details.as_deref().unwrap_or_default();
    assert_eq!(details[0].code.as_deref(), Some("D1"));
    let nested = details[0].details.as_deref().unwrap_or_default();
    assert_eq!(nested[0].code.as_deref(), Some("D2"));
    let out = serde_json::to_value(&camel).expect("serializes");
    assert_eq!(out["innererror"]["code"], "Inner");
    assert!(out.get("innerError").is_none());
    round_trip(&camel);
}

#[test]
fn job_completed_closed_unassigned() {
    let body = include_bytes!("../../samples/docs-router__RouterJobCompleted.json");
    let d = expect_variant!(typed(body), RouterJobCompleted);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some("queue-id"));
    assert_eq!(
        d.assignment_id.as_deref(),
        Some("6f1df17b-570b-4ae5-9cf5-fe6ff64cc712")
    );
    assert_eq!(
        d.worker_id.as_deref(),
        Some("e3a3f2f9-3582-4bfe-9c5a-aa57831a0f88")
    );

    let body = include_bytes!("../../samples/docs-router__RouterJobClosed.json");
    let d = expect_variant!(typed(body), RouterJobClosed);
    assert_eq!(d.job_id, JOB_ID);
    // Empty strings are kept as sent.
    assert_eq!(d.queue_id.as_deref(), Some(""));
    assert_eq!(d.worker_id.as_deref(), Some(""));
    assert_eq!(d.assignment_id.as_deref(), Some(""));
    assert_eq!(d.disposition_code.as_deref(), Some(""));

    let body = include_bytes!("../../samples/docs-router__RouterJobUnassigned.json");
    let d = expect_variant!(typed(body), RouterJobUnassigned);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some("queue-id"));
    assert_eq!(d.worker_id.as_deref(), Some(""));
    assert_eq!(d.assignment_id.as_deref(), Some(""));
}

#[test]
fn job_cancelled_exception_deleted() {
    let body = include_bytes!("../../samples/docs-router__RouterJobCancelled.json");
    let d = expect_variant!(typed(body), RouterJobCancelled);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.note.as_deref(), Some("Cancelled due to <reason>"));
    assert_eq!(d.disposition_code.as_deref(), Some("100"));
    assert_eq!(d.queue_id.as_deref(), Some(""));
    assert_eq!(d.tags, sample_labels());

    let body = include_bytes!("../../samples/docs-router__RouterJobExceptionTriggered.json");
    let d = expect_variant!(typed(body), RouterJobExceptionTriggered);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.rule_key.as_deref(), Some("r100"));
    assert_eq!(d.exception_rule_id.as_deref(), Some(JOB_ID));

    let body = include_bytes!("../../samples/docs-router__RouterJobDeleted.json");
    let d = expect_variant!(typed(body), RouterJobDeleted);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.channel_id.as_deref(), Some("FooVoiceChannelId"));
    assert_eq!(d.labels, sample_labels());
}

#[test]
fn job_worker_selectors_expired_docs_spelling() {
    let body = include_bytes!("../../samples/docs-router__RouterJobWorkerSelectorsExpired.json");
    let d = expect_variant!(typed(body), RouterJobWorkerSelectorsExpired);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
    assert_eq!(
        d.expired_requested_worker_selectors,
        Some(vec![docs_selector()])
    );
    assert_eq!(
        d.expired_attached_worker_selectors,
        Some(vec![docs_selector()])
    );
    let out = serde_json::to_value(&d).expect("serializes");
    assert!(out.get("expiredRequestedWorkerSelectors").is_some());
    assert!(out.get("requestedWorkerSelectorsExpired").is_none());

    // The model spelling parses to the same value.
    let mut data = raw_data(body);
    let map = data.as_object_mut().expect("object");
    let requested = map
        .remove("requestedWorkerSelectorsExpired")
        .expect("present");
    let attached = map
        .remove("attachedWorkerSelectorsExpired")
        .expect("present");
    map.insert("expiredRequestedWorkerSelectors".into(), requested);
    map.insert("expiredAttachedWorkerSelectors".into(), attached);
    let model: RouterJobWorkerSelectorsExpiredEventData =
        serde_json::from_value(data).expect("parses");
    assert_eq!(model, d);
}

#[test]
fn job_waiting_for_activation_and_scheduling_failed() {
    let body = include_bytes!("../../samples/docs-router__RouterJobWaitingForActivation.json");
    let d = expect_variant!(typed(body), RouterJobWaitingForActivation);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some("queue-id"));
    assert_eq!(d.priority, Some(Int64(1)));
    assert_eq!(d.requested_worker_selectors, Some(vec![docs_selector()]));
    assert_eq!(d.attached_worker_selectors, Some(vec![docs_selector()]));
    assert_eq!(d.expired_requested_worker_selectors, None);
    assert_eq!(d.unavailable_for_matching, Some(false));
    let scheduled = d.scheduled_on.expect("scheduledOn");
    assert_eq!(scheduled.to_rfc3339(), "2022-02-17T00:55:25.1736293Z");

    let body = include_bytes!("../../samples/docs-router__RouterJobSchedulingFailed.json");
    let d = expect_variant!(typed(body), RouterJobSchedulingFailed);
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.priority, Some(Int64(1)));
    assert_eq!(d.failure_reason.as_deref(), Some("Error"));
    assert_eq!(d.requested_worker_selectors, Some(vec![docs_selector()]));
    let scheduled = d.scheduled_on.expect("scheduledOn");
    assert_eq!(scheduled.to_rfc3339(), "2022-02-17T00:55:25.1736293Z");

    // The model spelling with expired selectors in both forms.
    let model: RouterJobSchedulingFailedEventData = serde_json::from_value(json!({
        "jobId": "j",
        "expiredRequestedWorkerSelectors": [{"key": "k", "labelOperator": "GREATER", "value": 1,
            "ttlSeconds": 1.5, "state": "Expired", "expirationTime": "2024-01-01T00:00:00Z"}],
        "attachedWorkerSelectorsExpired": []
    }))
    .expect("parses");
    let expired = model
        .expired_requested_worker_selectors
        .as_deref()
        .unwrap_or_default();
    assert_eq!(
        expired[0].label_operator,
        Some(RouterLabelOperator::Greater)
    );
    assert_eq!(expired[0].state, Some(RouterWorkerSelectorState::Expired));
    assert_eq!(expired[0].ttl_seconds, Some(1.5));
    assert_eq!(model.expired_attached_worker_selectors, Some(vec![]));
    round_trip(&model);
}

#[test]
fn worker_offers() {
    let body = include_bytes!("../../samples/docs-router__RouterWorkerOfferIssued.json");
    let d = expect_variant!(typed(body), RouterWorkerOfferIssued);
    assert_eq!(d.worker_id, "w100");
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
    assert_eq!(
        d.offer_id.as_deref(),
        Some("525fec06-ab81-4e60-b780-f364ed96ade1")
    );
    assert_eq!(d.job_priority, Some(Int64(5)));
    assert_eq!(d.job_labels, sample_labels());
    assert_eq!(d.job_tags, sample_labels());
    assert_eq!(d.worker_labels, None);
    let offered = d.offered_on.expect("offeredOn");
    assert_eq!(offered.to_rfc3339(), "2021-06-23T02:43:30.3847144Z");
    let expires = d.expires_on.expect("expiresOn");
    assert_eq!(expires.to_rfc3339(), "2021-06-23T02:44:30.3847674Z");

    let body = include_bytes!("../../samples/docs-router__RouterWorkerOfferAccepted.json");
    let d = expect_variant!(typed(body), RouterWorkerOfferAccepted);
    assert_eq!(d.worker_id, "w100");
    assert_eq!(d.job_id, JOB_ID);
    assert_eq!(d.job_priority, Some(Int64(5)));
    assert_eq!(
        d.offer_id.as_deref(),
        Some("565fec06-ab81-4e60-b780-f364ed96ade1")
    );
    assert_eq!(
        d.assignment_id.as_deref(),
        Some("765fec06-ab81-4e60-b780-f364ed96ade1")
    );
    assert_eq!(d.job_labels, sample_labels());

    let body = include_bytes!("../../samples/docs-router__RouterWorkerOfferDeclined.json");
    let d = expect_variant!(typed(body), RouterWorkerOfferDeclined);
    assert_eq!((d.worker_id.as_str(), d.job_id.as_str()), ("w100", JOB_ID));
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
    assert_eq!(
        d.offer_id.as_deref(),
        Some("565fec06-ab81-4e60-b780-f364ed96ade1")
    );

    let body = include_bytes!("../../samples/docs-router__RouterWorkerOfferRevoked.json");
    let d = expect_variant!(typed(body), RouterWorkerOfferRevoked);
    assert_eq!((d.worker_id.as_str(), d.job_id.as_str()), ("w100", JOB_ID));
    assert_eq!(d.channel_reference.as_deref(), Some("test-abc"));
    assert_eq!(
        d.offer_id.as_deref(),
        Some("565fec06-ab81-4e60-b780-f364ed96ade1")
    );

    let body = include_bytes!("../../samples/docs-router__RouterWorkerOfferExpired.json");
    let d = expect_variant!(typed(body), RouterWorkerOfferExpired);
    assert_eq!((d.worker_id.as_str(), d.job_id.as_str()), ("w100", JOB_ID));
    assert_eq!(d.channel_id.as_deref(), Some("FooVoiceChannelId"));
    assert_eq!(d.queue_id.as_deref(), Some(QUEUE_ID));
}

fn expected_queue_assignments() -> Option<Vec<RouterQueueDetails>> {
    Some(vec![RouterQueueDetails {
        id: Some("MyQueueId2".into()),
        name: Some("Queue 3".into()),
        labels: labels(json!({"Language": "en", "Product": "Office", "Geo": "NA"})),
    }])
}

fn expected_channels() -> Option<Vec<RouterChannelConfiguration>> {
    Some(vec![RouterChannelConfiguration {
        channel_id: Some("FooVoiceChannelId".into()),
        capacity_cost_per_job: Some(Int64(10)),
        max_number_of_jobs: Some(Int64(5)),
    }])
}

#[test]
fn worker_registered_deregistered_deleted() {
    let body = include_bytes!("../../samples/docs-router__RouterWorkerRegistered.json");
    let d = expect_variant!(typed(body), RouterWorkerRegistered);
    assert_eq!(d.worker_id, "worker3");
    assert_eq!(d.total_capacity, Some(Int64(100)));
    assert_eq!(d.queue_assignments, expected_queue_assignments());
    assert_eq!(d.channel_configurations, expected_channels());
    assert_eq!(d.labels, labels(json!({"x": "111", "y": "111"})));
    assert_eq!(d.tags, sample_labels());

    let body = include_bytes!("../../samples/docs-router__RouterWorkerDeregistered.json");
    let d = expect_variant!(typed(body), RouterWorkerDeregistered);
    assert_eq!(d.worker_id, "worker3");

    // The docs sample of Deleted carries the registration fields and no jobId.
    let body = include_bytes!("../../samples/docs-router__RouterWorkerDeleted.json");
    let d = expect_variant!(typed(body), RouterWorkerDeleted);
    assert_eq!(d.worker_id, "worker3");
    assert_eq!(d.job_id, None);
    assert_eq!(d.total_capacity, Some(Int64(100)));
    assert_eq!(d.queue_assignments, expected_queue_assignments());
    assert_eq!(d.channel_configurations, expected_channels());
}

/// No docs sample exists for RouterWorkerUpdated; this one follows the spec (§3.9).
fn worker_updated_event(list_key: &str) -> String {
    json!({
        "id": "2f8d1f0c-7a3e-4a7e-9f43-0d4f5b1c2e11",
        "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
        "subject": "worker/worker3",
        "data": {
            "workerId": "worker3",
            "totalCapacity": 100,
            "queueAssignments": [
                {"id": "MyQueueId2", "name": "Queue 3", "labels": {"Language": "en", "Product": "Office", "Geo": "NA"}}
            ],
            "channelConfigurations": [
                {"channelId": "FooVoiceChannelId", "capacityCostPerJob": 10, "maxNumberOfJobs": 5}
            ],
            "labels": {"x": "111", "level": 3, "vip": true},
            "tags": {"Locale": "en-us"},
            list_key: ["availableForOffers", "TotalCapacity", "Labels", "Tags", "QueueAssignments", "ChannelConfigurations", "Skills"]
        },
        "eventType": "Microsoft.Communication.RouterWorkerUpdated",
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2024-05-01T10:00:00Z"
    })
    .to_string()
}

#[test]
fn worker_updated_both_spellings() {
    let canonical = expect_variant!(
        typed(worker_updated_event("updatedWorkerProperties").as_bytes()),
        RouterWorkerUpdated
    );
    let legacy = expect_variant!(
        typed(worker_updated_event("propertiesUpdated").as_bytes()),
        RouterWorkerUpdated
    );
    assert_eq!(canonical, legacy);
    assert_eq!(canonical.worker_id, "worker3");
    assert_eq!(canonical.total_capacity, Some(Int64(100)));
    assert_eq!(canonical.queue_assignments, expected_queue_assignments());
    assert_eq!(canonical.channel_configurations, expected_channels());
    assert_eq!(
        canonical.labels,
        labels(json!({"x": "111", "level": 3, "vip": true}))
    );
    assert_eq!(
        canonical.updated_worker_properties,
        Some(vec![
            RouterUpdatedWorkerProperty::AvailableForOffers,
            RouterUpdatedWorkerProperty::TotalCapacity,
            RouterUpdatedWorkerProperty::Labels,
            RouterUpdatedWorkerProperty::Tags,
            RouterUpdatedWorkerProperty::QueueAssignments,
            RouterUpdatedWorkerProperty::ChannelConfigurations,
            RouterUpdatedWorkerProperty::UnknownValue("Skills".into()),
        ])
    );
    let out = serde_json::to_value(&legacy).expect("serializes");
    assert_eq!(out["updatedWorkerProperties"][0], "AvailableForOffers");
    assert!(out.get("propertiesUpdated").is_none());
    round_trip(&canonical);
}

#[test]
fn label_operator_is_case_insensitive() {
    let parsed: Vec<RouterLabelOperator> = serde_json::from_value(json!([
        "equal",
        "NOTEQUAL",
        "greater",
        "Less",
        "greaterThanOrEqual",
        "lessthanorequal",
        "Between"
    ]))
    .expect("parses");
    assert_eq!(
        parsed,
        vec![
            RouterLabelOperator::Equal,
            RouterLabelOperator::NotEqual,
            RouterLabelOperator::Greater,
            RouterLabelOperator::Less,
            RouterLabelOperator::GreaterThanOrEqual,
            RouterLabelOperator::LessThanOrEqual,
            RouterLabelOperator::UnknownValue("Between".into()),
        ]
    );
    assert_eq!(
        serde_json::to_value(RouterLabelOperator::Equal).expect("serializes"),
        json!("Equal")
    );
}

#[test]
fn unknown_job_status_lands_in_other() {
    let mut data = raw_data(include_bytes!(
        "../../samples/docs-router__RouterJobReceived.json"
    ));
    data["jobStatus"] = json!("Suspended");
    let d: RouterJobReceivedEventData = serde_json::from_value(data).expect("parses");
    assert_eq!(
        d.job_status,
        Some(RouterJobStatus::UnknownValue("Suspended".into()))
    );
    let out = serde_json::to_value(&d).expect("serializes");
    assert_eq!(out["jobStatus"], "Suspended");
    round_trip(&d);

    let known: RouterJobStatus =
        serde_json::from_value(json!("waitingforactivation")).expect("parses");
    assert_eq!(known, RouterJobStatus::WaitingForActivation);
}

#[test]
fn minimal_payloads_parse_and_ids_are_required_only_where_promised() {
    let job: RouterJobQueuedEventData =
        serde_json::from_value(json!({"jobId": "j"})).expect("parses");
    assert_eq!(job.priority, None);
    assert_eq!(
        serde_json::to_value(&job).expect("serializes"),
        json!({"jobId": "j"})
    );
    assert!(serde_json::from_value::<RouterJobQueuedEventData>(json!({})).is_err());
    let deleted: RouterWorkerDeletedEventData =
        serde_json::from_value(json!({"workerId": "w"})).expect("parses");
    assert_eq!(deleted.job_id, None);
    // Integers sent as strings, selectors with explicit nulls, unknown members.
    let issued: RouterWorkerOfferIssuedEventData = serde_json::from_value(json!({
        "workerId": "w", "jobId": "j", "jobPriority": "7", "workerLabels": {"n": 1.5},
        "somethingNew": {"a": 1}
    }))
    .expect("parses");
    assert_eq!(issued.job_priority, Some(Int64(7)));
    let selector: RouterWorkerSelector = serde_json::from_value(json!({
        "key": null, "labelOperator": null, "value": null, "ttlSeconds": null, "state": null, "expirationTime": null
    }))
    .expect("parses");
    assert_eq!(
        serde_json::to_value(&selector).expect("serializes"),
        json!({})
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let bad = [
        json!({"jobId": "j", "scheduledOn": "next tuesday"}),
        json!({"jobId": 5}),
        json!({"jobId": "j", "priority": "high"}),
        json!({"jobId": "j", "requestedWorkerSelectors": {"key": "k"}}),
        json!([]),
    ];
    for value in bad {
        assert!(serde_json::from_value::<RouterJobReceivedEventData>(value).is_err());
    }
}
