//! Oversized and hostile events through the real binary: each gets 200 with outputs within
//! every Azure limit (checked by `host_outputs`, sizes computed as the extensions compute them),
//! and the raw event of every cut or poison event is in the reply whole, in a blob output.

use serde_json::{json, Value};

use crate::harness::{
    event_grid_invocation, host_invocation, host_outputs, invocation_with_trigger, sample_events,
    Handler,
};

fn sample(file: &str) -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == file)
        .unwrap_or_else(|| panic!("{file}"))
        .1
}

fn chat(body: &str) -> Value {
    let mut event = sample("docs-chat__ChatMessageReceived.json");
    event["data"]["messageBody"] = json!(body);
    event
}

fn sms(text: &str) -> Value {
    let mut event = sample("docs-sms__SMSReceived.json");
    event["data"]["message"] = json!(text);
    event
}

/// Invokes with `body`, expects 200, and returns the reply and the outputs as stored.
fn invoke(handler: &Handler, body: &[u8]) -> (Value, Value) {
    let reply = handler.invoke("EventGridTrigger", body);
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body[..reply.body.len().min(400)])
    );
    let json = reply.json();
    assert_eq!(json["ReturnValue"], true);
    let stored = host_outputs("EventGridTrigger", &json);
    (json, stored)
}

#[test]
fn oversized_texts_are_cut_to_fit_and_the_raw_event_is_kept_whole() {
    let handler = Handler::start(&[]);
    let cases: Vec<(&str, Value, &str, &str, &[&str])> = vec![
        (
            "60 KB chat",
            chat(&"A".repeat(61_440)),
            "chatMessages",
            "Body",
            &[],
        ),
        (
            "900 KB chat",
            chat(&"A".repeat(921_600)),
            "chatMessages",
            "Body",
            &[],
        ),
        (
            "17 000 emoji",
            chat(&"😀".repeat(17_000)),
            "chatMessages",
            "Body",
            &[],
        ),
        (
            "60 KB SMS",
            sms(&"B".repeat(61_440)),
            "smsMessages",
            "Message",
            &["smsInbox"],
        ),
        (
            "900 KB SMS",
            sms(&"B".repeat(921_600)),
            "smsMessages",
            "Message",
            &["smsInbox"],
        ),
    ];
    for (name, event, table, property, queues) in cases {
        let id = event["id"].as_str().unwrap().to_owned();
        let original = event["data"]["messageBody"]
            .as_str()
            .or(event["data"]["message"].as_str())
            .unwrap()
            .to_owned();

        // As the host sends it: the blob is keyed by the event id and holds the event verbatim.
        let (request, text) = host_invocation(&event);
        let (reply, stored) = invoke(&handler, &request);
        let row = &stored[table][0];
        let cut = row[property].as_str().unwrap();
        assert!(
            original.starts_with(cut) && cut.len() < original.len(),
            "{name}"
        );
        assert_eq!(row[format!("{property}Truncated")], true, "{name}");
        assert_eq!(
            row["RawEventBlob"],
            format!("acs-events-raw/{id}.json"),
            "{name}"
        );
        for queue in queues {
            let message = &stored[*queue][0];
            assert_eq!(message["messageTruncated"], true, "{name}: {queue}");
            assert_eq!(message["rawEventBlob"], format!("acs-events-raw/{id}.json"));
        }
        assert_eq!(
            reply["Outputs"]["rawEvents"].as_str(),
            Some(text.as_str()),
            "{name}: the raw event, byte for byte"
        );
        assert!(reply["Outputs"].get("rawEventsUnkeyed").is_none(), "{name}");
        assert!(stored.get("deadLetter").is_none(), "{name}");

        // Without the host's `Metadata.id` the blob is named by the host: the row says where.
        let (reply, stored) = invoke(&handler, &event_grid_invocation(&event));
        assert_eq!(
            stored[table][0]["RawEventBlobPrefix"],
            "acs-events-raw/unkeyed/"
        );
        assert_eq!(stored["rawEventsUnkeyed"], json!([event]), "{name}");
        assert!(reply["Outputs"].get("rawEvents").is_none(), "{name}");
    }
}

#[test]
fn a_200_kb_poison_event_is_dead_lettered_within_limits_and_kept_whole() {
    let handler = Handler::start(&[]);
    let mut poison = chat(&"P".repeat(200 * 1024));
    poison["data"]["version"] = json!({});
    let id = poison["id"].as_str().unwrap().to_owned();
    let (request, text) = host_invocation(&poison);
    let (reply, stored) = invoke(&handler, &request);
    let letter = &stored["deadLetter"][0];
    assert_eq!(letter["reason"], "invalidData");
    assert_eq!(letter["eventId"], id.as_str());
    assert_eq!(letter["path"], "data.version");
    assert_eq!(letter["eventTruncated"], true);
    assert!(text.starts_with(letter["event"].as_str().unwrap()));
    assert_eq!(letter["rawEventBlob"], format!("acs-events-raw/{id}.json"));
    assert_eq!(reply["Outputs"]["rawEvents"].as_str(), Some(text.as_str()));
    assert!(reply["Logs"][0].as_str().unwrap().contains("dead-lettered"));

    // A small poison event keeps its raw event in the dead letter itself: no blob.
    let mut small = chat("hi");
    small["data"]["version"] = json!({});
    let (reply, stored) = invoke(&handler, &host_invocation(&small).0);
    assert!(stored["deadLetter"][0].get("eventTruncated").is_none());
    assert!(reply["Outputs"].get("rawEvents").is_none());
}

#[test]
fn a_batch_keeps_each_cut_event_in_one_unkeyed_blob() {
    let handler = Handler::start(&[]);
    let mut poison = sms("x");
    poison["id"] = json!("poison-1");
    poison["data"]["receivedTimestamp"] = json!(5);
    poison["data"]["padding"] = json!("p".repeat(100_000));
    let batch = vec![
        chat(&"A".repeat(61_440)),
        sms("ordinary"),
        poison.clone(),
        sms(&"B".repeat(61_440)),
    ];
    let trigger = Value::String(Value::Array(batch.clone()).to_string());
    let (_, stored) = invoke(&handler, &invocation_with_trigger(trigger, None));
    // The chat row, the first SMS's row and message, the poison's dead letter, the last SMS.
    assert_eq!(
        stored["chatMessages"][0]["RawEventBlobPrefix"],
        "acs-events-raw/unkeyed/"
    );
    assert_eq!(stored["deadLetter"][0]["eventId"], "poison-1");
    assert_eq!(
        stored["deadLetter"][0]["rawEventBlobPrefix"],
        "acs-events-raw/unkeyed/"
    );
    assert_eq!(
        stored["rawEventsUnkeyed"],
        json!([batch[0], batch[2], batch[3]]),
        "the cut and poison events, in order; the ordinary one is not archived"
    );
}

#[test]
fn deeply_nested_events_are_processed_or_dead_lettered_never_refused() {
    let handler = Handler::start(&[]);
    // 2 000 levels: far past serde_json's limit of 128 for building values.
    let nested = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
    let event = sms("deep");
    let text = event.to_string();
    // Outside any field we read: processed like any SMS.
    let outside = text.replacen('{', &format!("{{\"extra\":{nested},"), 1);
    let body = format!(r#"{{"Data":{{"eventGridEvent":{outside}}},"Metadata":{{}}}}"#);
    let (_, stored) = invoke(&handler, body.as_bytes());
    assert_eq!(stored["smsMessages"][0]["Message"], "deep");
    // Inside a field we type (chat metadata): dead-lettered, with the raw event whole.
    let chat_text = chat("deep").to_string();
    let inside = chat_text.replacen(
        "\"metadata\":{",
        &format!("\"metadata\":{{\"deep\":{nested},"),
        1,
    );
    assert_ne!(inside, chat_text);
    let body = format!(r#"{{"Data":{{"eventGridEvent":{inside}}},"Metadata":{{}}}}"#);
    let (reply, stored) = invoke(&handler, body.as_bytes());
    let letter = &stored["deadLetter"][0];
    assert_eq!(letter["reason"], "invalidData");
    assert_eq!(letter["event"].as_str(), Some(inside.as_str()));
    assert!(reply["Outputs"].get("chatMessages").is_none());
}

#[test]
fn timestamps_past_year_9999_are_dead_letters_not_crashes() {
    let handler = Handler::start(&[]);
    let mut call = sample("docs-calling__CallStarted.json");
    call["eventTime"] = json!("9999-12-31T23:59:59-00:01");
    let mut received = sms("late");
    received["data"]["receivedTimestamp"] = json!("12/31/9999 11:59:59 PM -14:00");
    let mut unknown = sms("x");
    unknown["eventType"] = json!("Microsoft.Communication.SomethingNew");
    unknown["eventTime"] = json!("9999-12-31T23:59:59.9999999-23:59");
    for (event, path) in [
        (call, "eventTime"),
        (received, "data.receivedTimestamp"),
        (unknown, "eventTime"),
    ] {
        let (reply, stored) = invoke(&handler, &event_grid_invocation(&event));
        let letter = &stored["deadLetter"][0];
        assert_eq!(letter["reason"], "invalidData", "{path}: {reply}");
        assert_eq!(letter["path"], path);
        assert_eq!(letter["eventId"], event["id"]);
    }
    // The outbox's createdAt: refused with a failed row naming the field (a retry cannot fix
    // it), never a closed connection.
    let outbox = json!({"from": "+18005550100", "to": "+14255550123", "message": "hi", "createdAt": "9999-12-31T23:59:59-01:00"});
    let body = json!({"Data": {"outboxItem": outbox.to_string(), "optOut": "[]"}, "Metadata": {}});
    let reply = handler.invoke("SmsSender", body.to_string().as_bytes());
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let rows = crate::harness::output_items(&reply.json(), "smsMessages");
    assert_eq!(rows[0]["Status"], "failed");
    assert!(rows[0]["Error"].as_str().unwrap().contains("createdAt"));
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms("still up")))
            .status,
        200
    );
}

#[test]
fn a_duplicate_key_dead_letters_the_event_under_its_id() {
    let handler = Handler::start(&[]);
    let event = sms("dup").to_string();
    let duplicated = event.replacen("\"id\":", "\"id\":\"first-id\",\"id\":", 1);
    let body = format!(r#"{{"Data":{{"eventGridEvent":{duplicated}}},"Metadata":{{}}}}"#);
    let (reply, stored) = invoke(&handler, body.as_bytes());
    let letter = &stored["deadLetter"][0];
    assert_eq!(letter["reason"], "invalidEvent");
    let id = sms("dup")["id"].clone();
    assert_eq!(
        letter["eventId"], id,
        "the last `id`, as the host's reader sees it"
    );
    let log = reply["Logs"][0].as_str().unwrap();
    assert!(
        log.contains(id.as_str().unwrap()) && !log.contains("? ?"),
        "{log}"
    );
}

#[test]
fn a_panicking_module_costs_one_event_and_the_batch_goes_on() {
    let handler = Handler::start(&[
        (
            "HANDLER_DEBUG_PANIC",
            "route:Microsoft.Communication.SMSReceived",
        ),
        ("RUST_LOG", "info"),
    ]);
    let secret = "a secret text 4255550199";
    let batch = vec![sms(secret), chat("hello")];
    let trigger = Value::String(Value::Array(batch.clone()).to_string());
    let (reply, stored) = invoke(&handler, &invocation_with_trigger(trigger, None));
    let letter = &stored["deadLetter"][0];
    assert_eq!(letter["reason"], "internalError");
    assert_eq!(letter["eventId"], batch[0]["id"]);
    assert_eq!(
        serde_json::from_str::<Value>(letter["event"].as_str().unwrap()).unwrap(),
        batch[0]
    );
    assert_eq!(
        stored["chatMessages"][0]["Body"], "hello",
        "the rest of the batch is processed"
    );
    let logs = reply["Logs"].to_string();
    assert!(logs.contains("internal error in the sms module"), "{logs}");
    let (status, output) = handler.terminate();
    assert!(status.success(), "{output}");
    assert!(
        output.contains("a module panicked") && output.contains("panic (message withheld"),
        "{output}"
    );
    assert!(
        !output.contains(secret) && !output.contains("deliberate panic"),
        "{output}"
    );
}

#[test]
fn a_panic_outside_the_router_is_a_json_500_on_a_live_connection() {
    let handler = Handler::start(&[("HANDLER_DEBUG_PANIC", "invoke:SmsSender")]);
    let mut conn = handler.connect();
    let reply = conn.invoke("SmsSender", b"{\"Data\":{}}");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["Error"]["status"], 500);
    // The same keep-alive connection still serves.
    let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(&sms("after")));
    assert_eq!(reply.status, 200);
}

/// A WhatsApp text or caption far over the Azure limits: cut on the row and in the inbox
/// message, flagged, and the raw event kept whole in the keyed blob.
#[test]
fn oversized_whatsapp_texts_are_cut_to_fit_and_the_raw_event_is_kept_whole() {
    let handler = Handler::start(&[]);
    let mut text = sample("generated__AdvancedMessageReceived__bsuid.json");
    text["data"]["content"] = json!("W".repeat(921_600));
    let mut image = sample("docs-advmsg__AdvancedMessageReceived__image.json");
    image["data"]["media"]["caption"] = json!("😀".repeat(40_000));
    for (event, property, path) in [
        (text, "Content", "content"),
        (image, "MediaCaption", "media"),
    ] {
        let id = event["id"].as_str().unwrap().to_owned();
        let (request, raw) = host_invocation(&event);
        let (reply, stored) = invoke(&handler, &request);
        let row = &stored["waMessages"][0];
        assert_eq!(row[format!("{property}Truncated")], true, "{property}");
        assert_eq!(row["RawEventBlob"], format!("acs-events-raw/{id}.json"));
        let inbox = &stored["waInbox"][0];
        assert_eq!(
            inbox["rawEventBlob"],
            format!("acs-events-raw/{id}.json"),
            "{path}"
        );
        assert_eq!(reply["Outputs"]["rawEvents"].as_str(), Some(raw.as_str()));
        assert!(stored.get("deadLetter").is_none());
    }
}
