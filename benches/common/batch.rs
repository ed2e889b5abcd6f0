//! Event Hubs batch bodies for the batch benchmark (`benches/batch.rs`) and the batch load test
//! (`examples/batch_body.rs`, used by `scripts/loadtest-batch.sh`): the events of the load-test
//! mix (`benches/bodies/`) in rotation, each made unique (its id and message id carry the
//! event's index, so no two rows or messages collapse), delivered as the host hands
//! `EventHubTrigger` a batch with `dataType: string`: `Data.events` a JSON string of the array of
//! the bodies, each body the one-element array Event Grid writes into an Event Hubs event.

use std::path::Path;

use serde_json::Value;

/// The load-test mix, in rotation order.
pub const MIX: [&str; 5] = [
    "sms-received",
    "sms-stop",
    "sms-delivery-report",
    "chat-message-received",
    "unknown-type",
];

/// The events of the mix (the trigger values of its host bodies).
pub fn mix_events(root: &Path) -> Vec<Value> {
    MIX.iter()
        .map(|name| {
            let path = root.join(format!("benches/bodies/{name}.json"));
            let body: Value =
                serde_json::from_slice(&std::fs::read(&path).expect("load-test body"))
                    .expect("JSON body");
            body["Data"]["eventGridEvent"].clone()
        })
        .collect()
}

/// `n` distinct events of the mix.
pub fn distinct_events(root: &Path, n: usize) -> Vec<Value> {
    let mix = mix_events(root);
    (0..n)
        .map(|i| {
            let mut event = mix[i % mix.len()].clone();
            let id = format!("{}-{i:05}", event["id"].as_str().unwrap_or("event"));
            event["id"] = Value::String(id);
            if let Some(message_id) = event["data"]["messageId"].as_str() {
                event["data"]["messageId"] = Value::String(format!("{message_id}-{i:05}"));
            }
            event
        })
        .collect()
}

/// The body the host POSTs to `/EventHubTrigger` for these events, one per Event Hubs event.
pub fn event_hub_body(events: &[Value]) -> Vec<u8> {
    let bodies: Vec<String> = events
        .iter()
        .map(|e| Value::Array(vec![e.clone()]).to_string())
        .collect();
    let n = bodies.len();
    let sequence: Vec<i64> = (0..n as i64).map(|i| 4200 + i).collect();
    let body = serde_json::json!({
        "Data": {"events": serde_json::to_string(&bodies).expect("strings")},
        "Metadata": {
            "PartitionContext": {"IsCheckpointingAfterInvocation": true, "FullyQualifiedNamespace": "ns.servicebus.windows.net", "EventHubName": "acs-events", "ConsumerGroup": "acs-event-handler", "PartitionId": "3"},
            "SequenceNumberArray": serde_json::to_string(&sequence).expect("numbers"),
            "sys": {"MethodName": "EventHubTrigger", "UtcNow": "2026-11-27T07:00:00.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}
        }
    });
    serde_json::to_vec(&body).expect("body")
}

/// The body the host POSTs to `/EventGridTrigger` for one of these events (the webhook path).
pub fn event_grid_body(event: &Value) -> Vec<u8> {
    let body = serde_json::json!({
        "Data": {"eventGridEvent": event},
        "Metadata": {"data": event["data"], "sys": {"MethodName": "EventGridTrigger", "UtcNow": "2026-11-27T07:00:00.1234567Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}}
    });
    serde_json::to_vec(&body).expect("body")
}
