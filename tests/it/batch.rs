//! `EventHubTrigger` and `ServiceBusTrigger` against the real binary, with the host emulator
//! playing every wire form of `docs/eventhubs-servicebus.md` §2: a batch's reply must hold the
//! union of what the same events give one by one through `EventGridTrigger`, each output once,
//! and the host must be able to write it (checked here, and into Azurite).

use std::collections::BTreeMap;

use acs_event_handler::storage::BindingData;
use serde_json::{json, Value};

use crate::azurite::Azurite;
use crate::harness::{
    event_grid_invocation, event_hub_invocation, event_hubs_body, host_outputs,
    newtonsoft_round_trip, output_bindings, sample_events, service_bus_body,
    service_bus_invocation, EventHubForm, Handler,
};

const EVENT_HUB: &str = "EventHubTrigger";
const SERVICE_BUS: &str = "ServiceBusTrigger";

/// A dead letter's `error` names the event's position in its delivery (`event #3: …`), which
/// differs between a batch and a single delivery; everything else must be equal.
fn normalize(binding: &str, mut item: Value) -> Value {
    if binding == "deadLetter" {
        if let Some(Value::String(error)) = item.get_mut("error") {
            if let Some(rest) = error.strip_prefix("event #") {
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                *error = format!("event #N{}", &rest[digits..]);
            }
        }
    }
    item
}

/// Rows and messages of replies, as the extensions receive them, merged the way the host would
/// write them one after the other: a row by binding and keys, the last write winning; a message
/// by binding and content, once. Blob outputs are left out (a batch keeps raw events in one
/// unkeyed blob, a single event in a keyed one); [`raw_events`] compares those.
#[derive(Debug, Default, PartialEq)]
struct Union {
    rows: BTreeMap<(String, String, String), Value>,
    messages: BTreeMap<String, Vec<String>>,
}

impl Union {
    fn add(&mut self, function: &str, reply: &Value) {
        let kinds: BTreeMap<String, String> = output_bindings(function)
            .into_iter()
            .map(|(name, kind, _)| (name, kind))
            .collect();
        let outputs = host_outputs(function, reply);
        for (binding, items) in outputs.as_object().unwrap() {
            match kinds[binding].as_str() {
                "table" => {
                    for item in items.as_array().unwrap() {
                        let key = (
                            binding.clone(),
                            item["PartitionKey"].as_str().unwrap().to_owned(),
                            item["RowKey"].as_str().unwrap().to_owned(),
                        );
                        self.rows.insert(key, item.clone());
                    }
                }
                "queue" => {
                    let list = self.messages.entry(binding.clone()).or_default();
                    for item in items.as_array().unwrap() {
                        let text = normalize(binding, item.clone()).to_string();
                        if !list.contains(&text) {
                            list.push(text);
                        }
                    }
                    list.sort();
                }
                _ => {}
            }
        }
    }

    fn of(function: &str, reply: &Value) -> Union {
        let mut union = Union::default();
        union.add(function, reply);
        union
    }
}

/// Every row and message in a reply appears once (the batch's own promise).
fn assert_each_output_once(function: &str, reply: &Value) {
    let outputs = host_outputs(function, reply);
    for (binding, items) in outputs.as_object().unwrap() {
        let Some(items) = items.as_array() else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        for item in items {
            let identity = match (item.get("PartitionKey"), item.get("RowKey")) {
                (Some(pk), Some(rk)) => format!("{pk}|{rk}"),
                _ => item.to_string(),
            };
            assert!(
                seen.insert(identity.clone()),
                "{binding}: {identity} twice in one reply"
            );
        }
    }
}

/// The raw events a reply keeps in blobs, as JSON values.
fn raw_events(function: &str, reply: &Value) -> Vec<Value> {
    let outputs = host_outputs(function, reply);
    let mut events = Vec::new();
    for (binding, value) in outputs.as_object().unwrap() {
        match binding.as_str() {
            "rawEvents" => events.push(value.clone()),
            "rawEventsUnkeyed" => events.extend(value.as_array().unwrap().iter().cloned()),
            _ => {}
        }
    }
    events.sort_by_key(|e| e.to_string());
    events.dedup();
    events
}

fn invoke_ok(handler: &Handler, function: &str, body: &[u8]) -> Value {
    let reply = handler.invoke(function, body);
    assert_eq!(
        reply.status,
        200,
        "{function}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    let json = reply.json();
    assert_eq!(json["ReturnValue"], true);
    json
}

/// What each event gives alone, through the webhook path.
fn webhook_union(handler: &Handler, events: &[Value]) -> (Union, Vec<Value>) {
    let mut union = Union::default();
    let mut raw = Vec::new();
    for event in events {
        let reply = invoke_ok(handler, "EventGridTrigger", &event_grid_invocation(event));
        union.add("EventGridTrigger", &reply);
        raw.extend(raw_events("EventGridTrigger", &reply));
    }
    raw.sort_by_key(|e| e.to_string());
    raw.dedup();
    (union, raw)
}

fn samples() -> Vec<Value> {
    sample_events().into_iter().map(|(_, e)| e).collect()
}

#[test]
fn batch_the_three_functions_declare_the_same_outputs() {
    let reference = output_bindings("EventGridTrigger");
    assert!(reference.len() > 10);
    for function in [EVENT_HUB, SERVICE_BUS] {
        assert_eq!(output_bindings(function), reference, "{function}");
    }
}

#[test]
fn batch_event_hubs_every_form_equals_the_union_of_single_events() {
    let handler = Handler::start(&[]);
    let events = samples();
    let schemas: Vec<bool> = events
        .iter()
        .map(|e| e.get("specversion").is_some())
        .collect();
    assert!(schemas.iter().any(|ce| *ce) && schemas.iter().any(|ce| !*ce));
    let (expected, expected_raw) = webhook_union(&handler, &events);
    assert!(expected.rows.len() > 20, "{}", expected.rows.len());
    let bodies: Vec<String> = events.iter().map(event_hubs_body).collect();

    for form in [EventHubForm::Strings, EventHubForm::Base64] {
        let reply = invoke_ok(&handler, EVENT_HUB, &event_hub_invocation(&bodies, form));
        assert_each_output_once(EVENT_HUB, &reply);
        assert_eq!(Union::of(EVENT_HUB, &reply), expected, "{form:?}");
        assert_eq!(raw_events(EVENT_HUB, &reply), expected_raw, "{form:?}");
        let logs = reply["Logs"].as_array().unwrap();
        let summary = logs.last().unwrap().as_str().unwrap();
        assert!(
            summary.starts_with(&format!(
                "EventHubTrigger: {} events (partition 3, sequence numbers 4200-{})",
                events.len(),
                4200 + events.len() - 1
            )),
            "{summary}"
        );
    }

    // cardinality one: one body per invocation, the same union.
    let mut singles = Union::default();
    for body in &bodies {
        let reply = invoke_ok(
            &handler,
            EVENT_HUB,
            &event_hub_invocation(std::slice::from_ref(body), EventHubForm::Single),
        );
        singles.add(EVENT_HUB, &reply);
    }
    assert_eq!(singles, expected, "cardinality one");

    // No dataType: the host re-serializes each body with Newtonsoft (dates may be rewritten), so
    // the reference is those same rewritten events one by one.
    let rewritten: Vec<Value> = bodies
        .iter()
        .map(|b| {
            serde_json::from_str::<Value>(&newtonsoft_round_trip(b).unwrap()).unwrap()[0].clone()
        })
        .collect();
    let (expected_rewritten, _) = webhook_union(&handler, &rewritten);
    let reply = invoke_ok(
        &handler,
        EVENT_HUB,
        &event_hub_invocation(&bodies, EventHubForm::Objects),
    );
    assert_each_output_once(EVENT_HUB, &reply);
    assert_eq!(Union::of(EVENT_HUB, &reply), expected_rewritten, "object[]");
}

#[test]
fn batch_service_bus_messages_give_what_the_webhook_gives() {
    let handler = Handler::start(&[]);
    for event in samples() {
        let id = event["id"].as_str().unwrap_or("?").to_owned();
        let webhook = invoke_ok(&handler, "EventGridTrigger", &event_grid_invocation(&event));
        let expected = Union::of("EventGridTrigger", &webhook);
        // The body as Event Grid writes it (an object), and as an array in case it ever does.
        for (body, delivery) in [(service_bus_body(&event), 1), (event_hubs_body(&event), 3)] {
            let reply = invoke_ok(
                &handler,
                SERVICE_BUS,
                &service_bus_invocation(&body, delivery),
            );
            assert_eq!(Union::of(SERVICE_BUS, &reply), expected, "{id}: {body}");
            let summary = reply["Logs"].as_array().unwrap().last().unwrap().clone();
            assert!(
                summary
                    .as_str()
                    .unwrap()
                    .contains(&format!("sequence number 17, delivery {delivery}")),
                "{summary}"
            );
        }
        // With an object body the host has the event's `id` in the binding data, so a raw
        // event is kept under its id, exactly as the webhook keeps it.
        let reply = invoke_ok(
            &handler,
            SERVICE_BUS,
            &service_bus_invocation(&service_bus_body(&event), 1),
        );
        assert_eq!(
            reply["Outputs"].get("rawEvents"),
            webhook["Outputs"].get("rawEvents"),
            "{id}"
        );
    }
}

/// A per-user `ChatMessageReceived` for another recipient: the same message, another event.
fn chat_copy(event: &Value, n: usize) -> Value {
    let mut copy = event.clone();
    copy["id"] = json!(format!("chat-copy-{n}"));
    copy["data"]["recipientCommunicationIdentifier"] = json!({"rawId": format!("8:acs:recipient-{n}"), "communicationUser": {"id": format!("8:acs:recipient-{n}")}});
    copy
}

#[test]
fn batch_mixing_schemas_poison_and_repeats_writes_each_output_once() {
    let handler = Handler::start(&[]);
    let all = sample_events();
    let find = |file: &str| {
        all.iter()
            .find(|(f, _)| f == file)
            .unwrap_or_else(|| panic!("{file}"))
            .1
            .clone()
    };
    let sms = find("docs-sms__SMSReceived.json");
    let chat = find("docs-chat__ChatMessageReceived.json");
    let cloud_event = all
        .iter()
        .find(|(_, e)| e.get("specversion").is_some())
        .unwrap()
        .1
        .clone();
    let mut bad_data = sms.clone();
    bad_data["id"] = json!("bad-data");
    bad_data["data"]["segmentCount"] = json!("many");
    let copies: Vec<Value> = (0..4).map(|n| chat_copy(&chat, n)).collect();

    let mut bodies = vec![
        event_hubs_body(&sms),
        event_hubs_body(&cloud_event),
        "this is not JSON".to_owned(),
        event_hubs_body(&sms), // a redelivery in the same batch
        "{\"id\":".to_owned(), // cut off
        "42".to_owned(),
        "{\"hello\":\"world\"}".to_owned(), // JSON, but not an event
        event_hubs_body(&bad_data),
        "this is not JSON".to_owned(), // the same poison twice
    ];
    bodies.extend(copies.iter().map(event_hubs_body));
    // One Event Hubs event may also hold several events.
    bodies.push(Value::Array(copies.clone()).to_string());

    // What each body gives alone, as one Service Bus message.
    let mut expected = Union::default();
    for body in &bodies {
        let reply = invoke_ok(&handler, SERVICE_BUS, &service_bus_invocation(body, 1));
        expected.add(SERVICE_BUS, &reply);
    }

    for form in [EventHubForm::Strings, EventHubForm::Base64] {
        let reply = invoke_ok(&handler, EVENT_HUB, &event_hub_invocation(&bodies, form));
        assert_each_output_once(EVENT_HUB, &reply);
        assert_eq!(Union::of(EVENT_HUB, &reply), expected, "{form:?}");
        let stored = host_outputs(EVENT_HUB, &reply);
        // Five distinct poison bodies, each dead-lettered once; the batch still succeeds.
        let letters = stored["deadLetter"].as_array().unwrap();
        let reasons: Vec<&str> = letters
            .iter()
            .map(|l| l["reason"].as_str().unwrap())
            .collect();
        assert_eq!(
            reasons.iter().filter(|r| **r == "invalidEvent").count(),
            4,
            "{reasons:?}"
        );
        assert_eq!(reasons.iter().filter(|r| **r == "invalidData").count(), 1);
        // The chat copies: one transcript row, one notification per recipient.
        assert_eq!(stored["chatMessages"].as_array().unwrap().len(), 1);
        assert_eq!(stored["chatNotifications"].as_array().unwrap().len(), 4);
        let logs: Vec<&str> = reply["Logs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let repeats = logs
            .iter()
            .filter(|l| l.contains("repeats an earlier event of this batch"))
            .count();
        // The SMS event, the poison text, and the four copies in the last body.
        assert_eq!(repeats, 6, "{logs:#?}");
        let summary = logs.last().unwrap();
        assert!(
            summary.contains(&format!("{} events", bodies.len() - 1 + copies.len())),
            "{summary}"
        );
        assert!(summary.contains("6 repeated events skipped"), "{summary}");
    }
}

#[test]
fn batch_a_fault_outside_the_per_event_guard_fails_the_whole_batch() {
    let events = samples();
    let bodies: Vec<String> = events.iter().take(10).map(event_hubs_body).collect();
    let body = event_hub_invocation(&bodies, EventHubForm::Strings);
    let handler = Handler::start(&[("HANDLER_DEBUG_PANIC", "invoke:EventHubTrigger")]);
    let reply = handler.invoke(EVENT_HUB, &body);
    assert_eq!(
        reply.status, 500,
        "the host fails the invocation and retries it"
    );
    // A bug in one module costs that one event: dead-lettered, the rest written.
    let handler = Handler::start(&[(
        "HANDLER_DEBUG_PANIC",
        "route:Microsoft.Communication.SMSReceived",
    )]);
    let sms = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1;
    let chat = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-chat__ChatMessageReceived.json")
        .unwrap()
        .1;
    let body = event_hub_invocation(
        &[event_hubs_body(&sms), event_hubs_body(&chat)],
        EventHubForm::Strings,
    );
    let reply = invoke_ok(&handler, EVENT_HUB, &body);
    let stored = host_outputs(EVENT_HUB, &reply);
    assert_eq!(stored["deadLetter"][0]["reason"], "internalError");
    assert_eq!(stored["chatMessages"].as_array().unwrap().len(), 1);
}

#[test]
fn batch_trigger_values_without_events_are_refused_and_empty_batches_accepted() {
    let handler = Handler::start(&[]);
    for (function, data) in [
        (EVENT_HUB, json!({"events": 5})),
        (EVENT_HUB, json!({"other": "[]"})),
        (SERVICE_BUS, json!({"message": null})),
    ] {
        let body = serde_json::to_vec(&json!({"Data": data, "Metadata": {}})).unwrap();
        let reply = handler.invoke(function, &body);
        assert_eq!(reply.status, 400, "{function} {data}");
    }
    let reply = invoke_ok(
        &handler,
        EVENT_HUB,
        &event_hub_invocation(&[], EventHubForm::Strings),
    );
    assert_eq!(reply["Outputs"], json!({}));
}

/// Writes replies into Azurite the way the host writes them; panics on any failed write.
fn write_all(azurite: &Azurite, function: &str, replies: &[(Vec<u8>, Vec<u8>)]) {
    let writer = azurite.writer(function);
    for (request, reply) in replies {
        let data = BindingData::from_invocation(request);
        azurite
            .write(&writer, reply, &data)
            .unwrap_or_else(|e| panic!("{function}: reply not written: {e}"));
    }
}

#[test]
fn storage_batch_outputs_are_written_and_equal_the_single_events_state() {
    let handler = Handler::start(&[]);
    let events = samples();
    let mut bodies: Vec<String> = events.iter().map(event_hubs_body).collect();
    // A redelivered event inside the batch, and a poison body.
    bodies.push(bodies[0].clone());
    bodies.push("not json".to_owned());

    let request = event_hub_invocation(&bodies, EventHubForm::Strings);
    let reply = handler.invoke(EVENT_HUB, &request);
    assert_eq!(reply.status, 200);
    let batch = Azurite::start();
    let both = [(request.clone(), reply.body.clone())];
    write_all(&batch, EVENT_HUB, &both);
    let first = batch.snapshot();
    // The batch delivered again (the trigger's redelivery): every write accepted, same tables.
    write_all(&batch, EVENT_HUB, &both);
    assert_eq!(
        batch.snapshot().tables,
        first.tables,
        "redelivery converges"
    );

    let singles = Azurite::start();
    let mut replies = Vec::new();
    for event in &events {
        let request = event_grid_invocation(event);
        let reply = handler.invoke("EventGridTrigger", &request);
        assert_eq!(reply.status, 200);
        replies.push((request, reply.body));
    }
    write_all(&singles, "EventGridTrigger", &replies);
    let expected = singles.snapshot();
    assert_eq!(first.tables, expected.tables, "the same rows as one by one");

    // The same messages, each once (the batch adds the poison body's dead letter).
    for (binding, _, queue) in output_bindings(EVENT_HUB)
        .into_iter()
        .filter(|(_, kind, _)| kind == "queue")
    {
        let mut from_batch: Vec<Value> = batch
            .drain_json(&queue)
            .into_iter()
            .map(|m| normalize(&binding, m))
            .collect();
        let mut one_by_one: Vec<Value> = singles
            .drain_json(&queue)
            .into_iter()
            .map(|m| normalize(&binding, m))
            .collect();
        if binding == "deadLetter" {
            from_batch.retain(|m| m["event"] != "\"not json\"");
        }
        for list in [&mut from_batch, &mut one_by_one] {
            list.sort_by_key(|m| m.to_string());
        }
        // Written twice (the redelivery), so each message is there twice.
        let mut once = from_batch.clone();
        once.dedup();
        assert_eq!(from_batch.len(), 2 * once.len(), "{queue}");
        one_by_one.dedup();
        assert_eq!(once, one_by_one, "{queue}");
    }
}

#[test]
fn batch_logs_of_a_batch_name_no_personal_data() {
    let handler = Handler::start(&[]);
    let events = samples();
    let bodies: Vec<String> = events.iter().map(event_hubs_body).collect();
    let reply = invoke_ok(
        &handler,
        EVENT_HUB,
        &event_hub_invocation(&bodies, EventHubForm::Strings),
    );
    let logs = reply["Logs"].to_string();
    for event in &events {
        for value in crate::harness::personal_values(event) {
            assert!(!logs.contains(&value), "a log line holds {value:?}");
        }
    }
}
