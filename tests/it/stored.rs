//! The promises that need real storage, checked against Azurite: the oversized and hostile
//! events of the storage-fidelity issue and the SMS opt-out history, each delivered twice through
//! the real binary and written the way the host writes replies. Azurite must accept every write,
//! the raw event of every cut or poison event must read back whole from its blob, a redelivery
//! must leave tables and blobs as they were, and the README's "reading the latest state" queries
//! must return the rows it documents.

use acs_event_handler::storage::BindingData;
use serde_json::{json, Value};

use crate::azurite::Azurite;
use crate::harness::{host_invocation, sample_events, Handler};
use crate::sms_sender::history_key;

fn sample(file: &str) -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == file)
        .unwrap_or_else(|| panic!("{file}"))
        .1
}

fn with_id(mut event: Value, id: &str) -> Value {
    event["id"] = json!(id);
    event
}

/// Delivers `event` as the host does, twice, writing each reply into `azurite`; returns the
/// raw event text the handler saw.
fn deliver_twice(handler: &Handler, azurite: &Azurite, event: &Value, name: &str) -> String {
    let writer = azurite.writer("EventGridTrigger");
    let (request, text) = host_invocation(event);
    let mut snapshots = Vec::new();
    for delivery in 0..2 {
        let reply = handler.invoke("EventGridTrigger", &request);
        assert_eq!(reply.status, 200, "{name}");
        let report = azurite.write(
            &writer,
            &reply.body,
            &BindingData::from_invocation(&request),
        );
        if let Err(failure) = report {
            panic!("{name}, delivery {delivery}: Azure Storage refuses a write: {failure:?}");
        }
        snapshots.push(azurite.snapshot());
    }
    assert!(
        snapshots[0] == snapshots[1],
        "{name}: a redelivery changed tables or blobs"
    );
    text
}

#[test]
fn hostile_events_are_stored_and_their_raw_events_read_back_whole() {
    let handler = Handler::start(&[]);
    let chat = sample("docs-chat__ChatMessageReceived.json");
    let sms = sample("docs-sms__SMSReceived.json");
    let with_text = |event: &Value, field: &str, text: String, id: &str| {
        let mut event = with_id(event.clone(), id);
        event["data"][field] = json!(text);
        event
    };
    let mut poison = with_text(&chat, "messageBody", "P".repeat(200 * 1024), "poison-200kb");
    poison["data"]["version"] = json!({});
    let cases = [
        (
            "60 KB chat",
            with_text(&chat, "messageBody", "A".repeat(61_440), "chat-60kb"),
            true,
        ),
        (
            "900 KB chat",
            with_text(&chat, "messageBody", "A".repeat(921_600), "chat-900kb"),
            true,
        ),
        (
            "17 000 emoji",
            with_text(&chat, "messageBody", "😀".repeat(17_000), "chat-emoji"),
            true,
        ),
        (
            "60 KB SMS",
            with_text(&sms, "message", "B".repeat(61_440), "sms-60kb"),
            true,
        ),
        (
            "900 KB SMS",
            with_text(&sms, "message", "B".repeat(921_600), "sms-900kb"),
            true,
        ),
        ("200 KB poison event", poison, true),
    ];
    for (name, event, archived) in cases {
        let azurite = Azurite::start();
        let id = event["id"].as_str().unwrap().to_owned();
        let text = deliver_twice(&handler, &azurite, &event, name);
        let blob = azurite.blob("acs-events-raw", &format!("{id}.json"));
        if archived {
            let blob = blob.unwrap_or_else(|| {
                panic!(
                    "{name}: no raw-event blob in {:?}",
                    azurite.blobs().keys().collect::<Vec<_>>()
                )
            });
            assert_eq!(
                String::from_utf8(blob).unwrap(),
                text,
                "{name}: the raw event, whole"
            );
        }
    }

    // Past year 9999, and nested deeper than serde_json's Value allows under ACS_EVENT_FILTER:
    // dead-lettered or processed, and stored.
    let mut late = with_id(sample("docs-calling__CallStarted.json"), "late-9999");
    late["eventTime"] = json!("9999-12-31T23:59:59-00:01");
    let azurite = Azurite::start();
    deliver_twice(&handler, &azurite, &late, "year 9999");
    let letters = azurite.drain_json("acs-events-deadletter");
    assert_eq!(letters.len(), 2, "one dead letter per delivery");
    assert_eq!(letters[0]["reason"], "invalidData");

    let filtered = Handler::start(&[(
        "ACS_EVENT_FILTER",
        r#"{"includedEventTypes":["Microsoft.Communication.SMSReceived"]}"#,
    )]);
    let mut deep = with_id(sms, "deep-sms");
    // Built in memory: serde_json's parser stops at 128 levels, its Value does not.
    let mut nested = json!([]);
    for _ in 0..200 {
        nested = json!([nested]);
    }
    deep["extra"] = nested;
    let azurite = Azurite::start();
    deliver_twice(&filtered, &azurite, &deep, "deeply nested");
    assert!(
        !azurite.rows("SmsMessages").is_empty()
            || !azurite.drain_raw("acs-events-deadletter").is_empty(),
        "the nested event is processed or dead-lettered, never dropped"
    );
}

/// The README's query for a person's opt-out state, against what Azurite stored: the first row
/// of the partition `{ours}|{theirs}` is the newest keyword, whatever the delivery order.
#[test]
fn the_first_row_of_a_persons_history_is_their_latest_keyword() {
    let handler = Handler::start(&[]);
    let azurite = Azurite::start();
    let sms = sample("docs-sms__SMSReceived.json");
    let keyword = |id: &str, text: &str, at: &str| {
        let mut event = with_id(sms.clone(), &format!("evt-{id}"));
        event["data"]["messageId"] = json!(id);
        event["data"]["message"] = json!(text);
        event["data"]["from"] = json!("14255550123");
        event["data"]["to"] = json!("+18005550100");
        event["data"]["receivedTimestamp"] = json!(at);
        event
    };
    let start = keyword("in1", "START", "2026-11-27T10:00:00Z");
    let stop = keyword("in2", "STOP", "2026-11-27T10:05:00Z");
    // START, STOP, then the START again.
    for event in [&start, &stop, &start] {
        deliver_twice(&handler, &azurite, event, "keyword");
    }
    // The README's query, sent to the table service as an application would.
    let filter = "PartitionKey eq '+18005550100|+14255550123'";
    let newest = azurite
        .block_on(azurite.client().query("SmsOptOuts", Some(filter), Some(1)))
        .unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(
        newest[0]["RowKey"],
        history_key("2026-11-27T10:05:00Z", "in2")
    );
    assert_eq!(newest[0]["OptedOut"], true);
    let history = azurite
        .block_on(azurite.client().query("SmsOptOuts", Some(filter), None))
        .unwrap();
    assert_eq!(history.len(), 2, "one row per keyword: {history:?}");
    let newest = &history[0];
    assert_eq!(newest["RowKey"], history_key("2026-11-27T10:05:00Z", "in2"));
    assert_eq!(newest["OptedOut"], true);
    assert_eq!(newest["Keyword"], "STOP");
    assert_eq!(history[1]["OptedOut"], false);
}

/// The README's chat queries against what Azurite stored for the docs' samples: the last row of
/// a message's range is its latest version, the last row of a thread is its latest change.
#[test]
fn the_readme_chat_queries_return_the_latest_versions() {
    let handler = Handler::start(&[]);
    let azurite = Azurite::start();
    // One message's three versions, delivered out of order: deleted, received, edited.
    let (thread, message) = (
        "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2",
        "1613782685440",
    );
    for (file, version) in [
        (
            "docs-chat__ChatMessageDeletedInThread.json",
            "1613782900000",
        ),
        (
            "docs-chat__ChatMessageReceivedInThread.json",
            "1613782685440",
        ),
        ("docs-chat__ChatMessageEditedInThread.json", "1613782750464"),
    ] {
        let mut event = sample(file);
        event["data"]["threadId"] = json!(thread);
        event["data"]["messageId"] = json!(message);
        event["data"]["version"] = json!(version);
        deliver_twice(&handler, &azurite, &event, file);
    }
    let filter =
        format!("PartitionKey eq '{thread}' and RowKey ge '{message}_' and RowKey lt '{message}`'");
    let versions = azurite
        .block_on(azurite.client().query("ChatMessages", Some(&filter), None))
        .unwrap();
    assert_eq!(versions.len(), 3, "{versions:?}");
    let states: Vec<&str> = versions
        .iter()
        .map(|row| row["State"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["received", "edited", "deleted"]);
    assert!(versions.iter().all(|row| row["MessageId"] == message));
}

/// The README's thread query: all rows of the thread's partition, the last one is its state.
#[test]
fn the_readme_thread_query_ends_with_the_latest_change() {
    let handler = Handler::start(&[]);
    let azurite = Azurite::start();
    let thread = "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2";
    // Created, updated, deleted — delivered deleted first.
    for (file, version) in [
        ("docs-chat__ChatThreadDeleted.json", 1613781300000_i64),
        ("docs-chat__ChatThreadCreated.json", 1613781114365),
        ("docs-chat__ChatThreadPropertiesUpdated.json", 1613781200000),
    ] {
        let mut event = sample(file);
        event["data"]["threadId"] = json!(thread);
        event["data"]["version"] = json!(version);
        deliver_twice(&handler, &azurite, &event, file);
    }
    let filter = format!("PartitionKey eq '{thread}'");
    let rows = azurite
        .block_on(azurite.client().query("ChatThreads", Some(&filter), None))
        .unwrap();
    let states: Vec<&str> = rows.iter().map(|r| r["State"].as_str().unwrap()).collect();
    assert_eq!(states, ["created", "updated", "deleted"], "{rows:?}");
}
