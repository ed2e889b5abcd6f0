//! The chat handler's tests: shared helpers here, then one file per concept.

mod failures;
mod membership;
mod samples;
mod transcript;

use std::collections::BTreeMap;

use super::messages::preview;
use super::*;
use crate::events::parse_delivery;
use crate::handlers::dispatch::Owner;
use serde_json::json;

// -- helpers ------------------------------------------------------------------------------

/// Parses one Event Grid event (as JSON) and runs it through `module` if the dispatcher gives
/// it to the chat handler (nothing otherwise).
fn run_with(module: &ChatModule, event: &Value) -> Result<Vec<Output>, ChatError> {
    let body = serde_json::to_vec(event).unwrap();
    let mut delivery = parse_delivery(&body).unwrap();
    let parsed = delivery.remove(0).unwrap();
    let data = parsed.data.as_ref().unwrap_or_else(|e| panic!("{e}"));
    // Through the dispatcher's routing decision, as in production.
    match Owner::of(data) {
        Owner::Chat(event) => module.handle(event),
        _ => Ok(Vec::new()),
    }
}

fn run(event: &Value) -> Vec<Output> {
    run_with(&ChatModule::default(), event).unwrap_or_else(|e| panic!("{e}"))
}

/// An Event Grid event around `data`.
fn eg(kind: &str, id: &str, data: Value) -> Value {
    json!({
        "id": id,
        "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
        "subject": format!("thread/x/{id}"),
        "eventType": format!("Microsoft.Communication.{kind}"),
        "eventTime": format!("2021-02-19T00:25:{:02}.1234567Z", id.len() % 60),
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": data
    })
}

/// The one event of `samples/<file>`.
fn sample(file: &str) -> Value {
    let path = format!("{}/samples/{file}", env!("CARGO_MANIFEST_DIR"));
    let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    match value {
        Value::Array(mut items) => items.remove(0),
        other => other,
    }
}

fn values(outputs: &[Output], binding: &str) -> Vec<Value> {
    outputs
        .iter()
        .filter(|o| o.binding() == binding)
        .map(|o| serde_json::from_str(o.value().get()).unwrap())
        .collect()
}

fn raw(outputs: &[Output], binding: &str) -> Vec<String> {
    outputs
        .iter()
        .filter(|o| o.binding() == binding)
        .map(|o| o.value().get().to_owned())
        .collect()
}

fn ident(raw_id: &str) -> Value {
    json!({"rawId": raw_id, "communicationUser": {"id": raw_id}})
}

/// A table under upsert semantics that also checks the module's promise: a key written
/// twice is written with the same bytes.
#[derive(Default)]
struct Tables(BTreeMap<(String, String, String), String>);

impl Tables {
    fn apply(&mut self, outputs: &[Output]) {
        for output in outputs
            .iter()
            .filter(|o| !o.binding().ends_with("Notifications"))
        {
            let value: Value = serde_json::from_str(output.value().get()).unwrap();
            let key = (
                output.binding().to_owned(),
                value["PartitionKey"].as_str().unwrap().to_owned(),
                value["RowKey"].as_str().unwrap().to_owned(),
            );
            let bytes = output.value().get().to_owned();
            if let Some(previous) = self.0.insert(key.clone(), bytes.clone()) {
                assert_eq!(previous, bytes, "{key:?} rewritten with different content");
            }
        }
    }

    fn rows(&self, binding: &str) -> Vec<Value> {
        self.0
            .iter()
            .filter(|((b, _, _), _)| b == binding)
            .map(|(_, v)| serde_json::from_str(v).unwrap())
            .collect()
    }
}

const THREAD: &str = "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2";
const ACS: &str = "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-";
const BODY: &str = "Welcome to Azure Communication Services";

fn user(n: u32) -> String {
    format!("{ACS}{n:04}-0000-0000-000000000000")
}

/// Per-user `ChatMessageReceived` copy for `recipient` (sender: user 1).
fn received_for(recipient: &str, body: &str) -> Value {
    json!({
        "messageBody": body,
        "messageId": "1613694358927",
        "metadata": {"key": "value", "description": "A map"},
        "senderId": user(1),
        "senderCommunicationIdentifier": ident(&user(1)),
        "senderDisplayName": "Bob(Admin)",
        "composeTime": "2021-02-19T00:25:58.927Z",
        "type": "Text",
        "version": 1613694358927_i64,
        "recipientId": recipient,
        "recipientCommunicationIdentifier": ident(recipient),
        "transactionId": format!("tx-{recipient}"),
        "threadId": THREAD
    })
}

/// The per-thread copy of the same message: string version, `+00:00` spelling, metadata in
/// another order, no recipient, no legacy sender id.
fn received_in_thread() -> Value {
    json!({
        "messageBody": BODY,
        "messageId": "1613694358927",
        "metadata": {"description": "A map", "key": "value"},
        "type": "text",
        "version": "1613694358927",
        "senderDisplayName": "Bob(Admin)",
        "senderCommunicationIdentifier": ident(&user(1)),
        "composeTime": "2021-02-19T00:25:58.927+00:00",
        "threadId": THREAD,
        "transactionId": "another"
    })
}

/// A participant added/removed event of any level (`per_user`: the recipient of a per-user
/// copy).
fn participant_event(
    kind: &str,
    id: &str,
    member: &str,
    removed: bool,
    per_user: Option<&str>,
) -> Value {
    let (who, by) = if removed {
        ("participantRemoved", "removedByCommunicationIdentifier")
    } else {
        ("participantAdded", "addedByCommunicationIdentifier")
    };
    let mut data = json!({
        "time": if removed { "2021-02-25T06:40:20.3564556Z" } else { "2021-02-25T06:37:29.9232485Z" },
        by: ident(&user(1)),
        who: {"displayName": "John Smith", "participantCommunicationIdentifier": ident(member)},
        "createTime": "2021-02-25T06:37:17.371Z",
        "version": if removed { 1614235220325_i64 } else { 1614235049907_i64 },
        "transactionId": id,
        "threadId": THREAD
    });
    if let Some(recipient) = per_user {
        data["recipientCommunicationIdentifier"] = ident(recipient);
    }
    eg(kind, id, data)
}
