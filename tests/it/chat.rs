//! Chat events through the real `handler` binary: the rows and notifications a live invocation
//! returns for every chat sample, per-user and per-thread copies collapsing into one row inside a
//! `cardinality: many` batch, redeliveries, dead-lettering, and logs without message text.

use serde_json::{json, Value};

use crate::harness::{
    as_stored, event_grid_invocation, invocation_with_trigger, sample_events, Handler,
};

/// Table and queue outputs each chat sample must produce: (file, [(binding, count)]).
const EXPECTED: &[(&str, &[(&str, usize)])] = &[
    ("docs-chat__ChatMessageDeleted.json", &[("chatMessages", 1)]),
    (
        "docs-chat__ChatMessageDeletedInThread.json",
        &[("chatMessages", 1)],
    ),
    ("docs-chat__ChatMessageEdited.json", &[("chatMessages", 1)]),
    (
        "docs-chat__ChatMessageEditedInThread.json",
        &[("chatMessages", 1)],
    ),
    (
        "docs-chat__ChatMessageReceived.json",
        &[("chatMessages", 1), ("chatNotifications", 1)],
    ),
    (
        "docs-chat__ChatMessageReceivedInThread.json",
        &[("chatMessages", 1)],
    ),
    (
        "docs-chat__ChatParticipantAddedToThreadWithUser.json",
        &[("chatMembers", 1)],
    ),
    (
        "docs-chat__ChatParticipantRemovedFromThreadWithUser.json",
        &[("chatMembers", 1)],
    ),
    (
        "docs-chat__ChatThreadCreated.json",
        &[("chatThreads", 1), ("chatMembers", 4)],
    ),
    (
        "docs-chat__ChatThreadCreatedWithUser.json",
        &[("chatThreads", 1), ("chatMembers", 2)],
    ),
    ("docs-chat__ChatThreadDeleted.json", &[("chatThreads", 1)]),
    (
        "docs-chat__ChatThreadParticipantAdded.json",
        &[("chatMembers", 1)],
    ),
    (
        "docs-chat__ChatThreadParticipantRemoved.json",
        &[("chatMembers", 1)],
    ),
    (
        "docs-chat__ChatThreadPropertiesUpdated.json",
        &[("chatThreads", 1)],
    ),
    (
        "docs-chat__ChatThreadPropertiesUpdatedPerUser.json",
        &[("chatThreads", 1)],
    ),
    (
        "docs-chat__ChatThreadWithUserDeleted.json",
        &[("chatThreads", 1)],
    ),
    (
        "docs2020__ChatMemberAddedToThreadWithUser.json",
        &[("chatMembers", 1)],
    ),
    (
        "docs2020__ChatMemberRemovedFromThreadWithUser.json",
        &[("chatMembers", 1)],
    ),
    ("docs2020__ChatMessageDeleted.json", &[("chatMessages", 1)]),
    ("docs2020__ChatMessageEdited.json", &[("chatMessages", 1)]),
    (
        "docs2020__ChatMessageReceived.json",
        &[("chatMessages", 1), ("chatNotifications", 1)],
    ),
    (
        "docs2020__ChatThreadCreatedWithUser.json",
        &[("chatThreads", 1), ("chatMembers", 2)],
    ),
    (
        "docs2020__ChatThreadPropertiesUpdatedPerUser.json",
        &[("chatThreads", 1)],
    ),
    (
        "docs2020__ChatThreadWithUserDeleted.json",
        &[("chatThreads", 1)],
    ),
    (
        "spec-ce__ChatMessageReceived.json",
        &[("chatMessages", 1), ("chatNotifications", 1)],
    ),
];

fn chat_samples() -> Vec<(String, Value)> {
    sample_events()
        .into_iter()
        .filter(|(file, _)| file.contains("__Chat"))
        .collect()
}

fn invoke(conn: &mut crate::harness::Connection, body: &[u8]) -> Value {
    let reply = conn.invoke("EventGridTrigger", body);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    as_stored("EventGridTrigger", reply.json())
}

/// The texts people wrote (message bodies, thread topics) anywhere in an event's data.
fn texts(event: &Value) -> Vec<String> {
    let data = &event["data"];
    [&data["messageBody"], &data["properties"]["topic"]]
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_chat_sample_gives_its_rows_through_the_binary() {
    let handler = Handler::start(&[]);
    let mut conn = handler.connect();
    let samples = chat_samples();
    for (file, _) in EXPECTED {
        assert!(
            samples.iter().any(|(f, _)| f == file),
            "{file} is missing from samples/"
        );
    }
    let mut checked_texts = 0;
    for (file, event) in &samples {
        let body = invoke(&mut conn, &event_grid_invocation(event));
        let outputs = body["Outputs"].as_object().unwrap();
        assert!(outputs.get("deadLetter").is_none(), "{file}: {body}");
        let log = body["Logs"][0].as_str().unwrap().to_owned();
        // Samples not listed (typing indicators, bot commands, …) are acknowledged, not stored.
        if let Some((_, bindings)) = EXPECTED.iter().find(|(f, _)| f == file) {
            assert!(log.contains(": chat, "), "{file}: {log}");
            let mut names: Vec<&str> = outputs.keys().map(String::as_str).collect();
            let mut expected: Vec<&str> = bindings.iter().map(|(b, _)| *b).collect();
            names.sort_unstable();
            expected.sort_unstable();
            assert_eq!(names, expected, "{file}: {body}");
            for (binding, count) in *bindings {
                assert_eq!(
                    outputs[*binding].as_array().unwrap().len(),
                    *count,
                    "{file}: {binding}"
                );
            }
        }
        for (binding, rows) in outputs {
            if binding.starts_with("chat") && binding != "chatNotifications" {
                for row in rows.as_array().unwrap() {
                    assert!(
                        row["PartitionKey"].is_string() && row["RowKey"].is_string(),
                        "{file}: {row}"
                    );
                    assert_eq!(row["odata.etag"], "*", "{file}: rows are upserts");
                    if let Some(version) = row.get("Version") {
                        assert!(
                            version.is_string(),
                            "{file}: Version is written as a string"
                        );
                    }
                }
            }
        }
        assert_eq!(body["Logs"].as_array().unwrap().len(), 1, "{file}");
        checked_texts += texts(event).len();
        for text in texts(event) {
            assert!(!log.contains(&text), "{file}: log leaks {text:?}");
        }

        // Redelivery: the very same outputs.
        let again = invoke(&mut conn, &event_grid_invocation(event));
        assert_eq!(again["Outputs"], body["Outputs"], "{file}");
    }
    assert!(checked_texts >= 10, "the log check must look at real texts");
}

#[test]
fn the_received_sample_writes_its_transcript_row_and_notification() {
    let handler = Handler::start(&[]);
    let (_, event) = chat_samples()
        .into_iter()
        .find(|(f, _)| f == "docs-chat__ChatMessageReceived.json")
        .unwrap();
    let body = invoke(&mut handler.connect(), &event_grid_invocation(&event));
    let row = &body["Outputs"]["chatMessages"][0];
    assert_eq!(
        row["PartitionKey"],
        "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2"
    );
    assert_eq!(row["RowKey"], "1613694358927_00000001613694358927");
    assert_eq!(row["State"], "received");
    assert_eq!(row["Version"], "1613694358927");
    assert_eq!(row["Body"], "Welcome to Azure Communication Services");
    assert_eq!(
        row["SenderId"],
        event["data"]["senderCommunicationIdentifier"]["rawId"]
    );
    let note = &body["Outputs"]["chatNotifications"][0];
    assert_eq!(
        note["recipientId"],
        event["data"]["recipientCommunicationIdentifier"]["rawId"]
    );
    assert_eq!(note["preview"], "Welcome to Azure Communication Services");
    assert_eq!(note["messageId"], "1613694358927");
}

/// The same message as `n` per-user copies (one of them the sender's own), one per-thread copy
/// and one redelivered copy, in a single `cardinality: many` invocation.
fn message_copies(body: &str) -> Vec<Value> {
    let (_, base) = chat_samples()
        .into_iter()
        .find(|(f, _)| f == "docs-chat__ChatMessageReceived.json")
        .unwrap();
    let sender = base["data"]["senderCommunicationIdentifier"].clone();
    let mut events = Vec::new();
    for n in 0..5 {
        let mut copy = base.clone();
        let recipient = format!(
            "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-0000-0000-0000-00000000000{n}"
        );
        copy["id"] = json!(format!("copy-{n}"));
        copy["eventTime"] = json!(format!("2021-02-19T00:26:0{n}.5Z"));
        copy["data"]["messageBody"] = json!(body);
        copy["data"]["recipientId"] = json!(recipient);
        copy["data"]["recipientCommunicationIdentifier"] =
            json!({"rawId": recipient, "communicationUser": {"id": recipient}});
        copy["data"]["transactionId"] = json!(format!("tx-{n}"));
        events.push(copy);
    }
    // The sender's own copy.
    let mut own = base.clone();
    own["id"] = json!("copy-sender");
    own["data"]["messageBody"] = json!(body);
    own["data"]["recipientId"] = sender["rawId"].clone();
    own["data"]["recipientCommunicationIdentifier"] = sender.clone();
    events.push(own);
    // The per-thread copy: no recipient, version as a string, `+00:00` timestamps.
    let mut thread = base.clone();
    thread["id"] = json!("copy-thread");
    thread["eventType"] = json!("Microsoft.Communication.ChatMessageReceivedInThread");
    let data = thread["data"].as_object_mut().unwrap();
    data.remove("recipientId");
    data.remove("recipientCommunicationIdentifier");
    data.insert("messageBody".into(), json!(body));
    data.insert("version".into(), json!("1613694358927"));
    data.insert("composeTime".into(), json!("2021-02-19T00:25:58.927+00:00"));
    events.push(thread);
    // A redelivery of the first copy.
    events.push(events[0].clone());
    events
}

#[test]
fn a_batch_of_copies_collapses_into_one_row_and_notifies_each_recipient_once() {
    let body = "Grüße 👋🏽 aus Köln — this text must never reach a log";
    let handler = Handler::start(&[
        ("CHAT_NOTIFICATION_PREVIEW_LENGTH", "7"),
        ("RUST_LOG", "debug"),
    ]);
    let events = message_copies(body);
    let reply = invoke(
        &mut handler.connect(),
        &invocation_with_trigger(Value::Array(events.clone()), None),
    );

    let rows = reply["Outputs"]["chatMessages"].as_array().unwrap();
    assert_eq!(rows.len(), events.len(), "one row write per copy");
    assert!(
        rows.iter().all(|r| r == &rows[0]),
        "identical rows: {rows:#?}"
    );
    assert_eq!(rows[0]["Body"], body);

    let notes = reply["Outputs"]["chatNotifications"].as_array().unwrap();
    // 5 recipients + 1 redelivery; the sender's copy and the per-thread copy notify nobody.
    assert_eq!(notes.len(), 6);
    let sender = &events[0]["data"]["senderCommunicationIdentifier"]["rawId"];
    assert!(notes.iter().all(|n| &n["recipientId"] != sender));
    let mut ids: Vec<&str> = notes
        .iter()
        .map(|n| n["notificationId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "the redelivery repeats its notification id");
    assert!(
        notes.iter().all(|n| n["preview"] == "Grüße 👋"),
        "7 characters (11 bytes), cut inside an emoji cluster: {notes:#?}"
    );

    let logs = reply["Logs"].as_array().unwrap();
    assert_eq!(logs.len(), events.len());
    let logs = reply["Logs"].to_string();
    assert!(
        !logs.contains("Grüße") && !logs.contains("never reach"),
        "{logs}"
    );
    let (_, output) = handler.terminate();
    assert!(
        !output.contains("Grüße") && !output.contains("never reach"),
        "process output leaks text"
    );
}

#[test]
fn previews_can_be_turned_off() {
    let handler = Handler::start(&[("CHAT_NOTIFICATION_PREVIEW_LENGTH", "0")]);
    let events = message_copies("no preview please");
    let body = invoke(&mut handler.connect(), &event_grid_invocation(&events[0]));
    let note = &body["Outputs"]["chatNotifications"][0];
    assert!(note.get("preview").is_none(), "{note}");
    assert_eq!(
        body["Outputs"]["chatMessages"][0]["Body"],
        "no preview please"
    );
}

#[test]
fn a_malformed_preview_setting_stops_the_handler_with_its_name() {
    let mut child = Handler::command(
        &crate::harness::free_port().to_string(),
        &[("CHAT_NOTIFICATION_PREVIEW_LENGTH", "lots")],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let status = crate::harness::wait_timeout(&mut child, std::time::Duration::from_secs(20));
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the handler kept running with a malformed setting");
    };
    assert!(!status.success());
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("CHAT_NOTIFICATION_PREVIEW_LENGTH"), "{text}");
}

#[test]
fn a_chat_event_without_a_key_id_is_dead_lettered_not_retried() {
    let handler = Handler::start(&[]);
    let (_, mut event) = chat_samples()
        .into_iter()
        .find(|(f, _)| f == "docs-chat__ChatThreadParticipantAdded.json")
        .unwrap();
    event["data"]["participantAdded"] = json!({"displayName": "Someone Private"});
    let reply = invoke(&mut handler.connect(), &event_grid_invocation(&event));
    let letters = reply["Outputs"]["deadLetter"]
        .as_array()
        .expect("deadLetter output");
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["reason"], "processingFailed");
    // The raw event is kept for replay, as its JSON text.
    let text = letters[0]["event"]
        .as_str()
        .expect("raw event as JSON text");
    let kept: Value = serde_json::from_str(text).unwrap();
    assert_eq!(kept, event, "the raw event is kept for replay");
    assert!(
        letters[0]["error"]
            .as_str()
            .unwrap()
            .contains("participant"),
        "{}",
        letters[0]
    );
    assert!(reply["Outputs"].get("chatMembers").is_none());
    let logs = reply["Logs"].to_string();
    assert!(
        logs.contains("dead-lettered") && !logs.contains("Someone Private"),
        "{logs}"
    );
}
