//! Replies written into Azurite the way the Functions host writes them (src/storage): every sample
//! through the real `handler` binary, delivered twice, and the writer's semantics one by one —
//! Add vs UpsertReplace, batching, typing, queue encoding, ordering, failures, and each Azure
//! limit refused where Azure refuses it.

use acs_event_handler::storage::bindings::OutputTarget;
use acs_event_handler::storage::client::TableAction;
use acs_event_handler::storage::limits::Limit;
use acs_event_handler::storage::newtonsoft::HostDate;
use acs_event_handler::storage::writer::WriteError;
use acs_event_handler::storage::{BindingData, ClientError, Write, WriteFailure};
use serde_json::{json, Map, Value};

use crate::azurite::{decode_base64_text, Azurite};
use crate::harness::{event_grid_invocation, output_items, sample_events, Handler};

/// A function for the semantics tests: one table, two queues, a blob, and a trigger.
const FUNCTION_JSON: &str = r#"{"bindings":[
    {"type":"eventGridTrigger","name":"trigger","direction":"in"},
    {"type":"table","name":"rows","direction":"out","tableName":"Rows","connection":"AzureWebJobsStorage"},
    {"type":"queue","name":"q","direction":"out","queueName":"q-out","connection":"AzureWebJobsStorage"},
    {"type":"queue","name":"q2","direction":"out","queueName":"q-two","connection":"AzureWebJobsStorage"},
    {"type":"blob","name":"raw","direction":"out","path":"raw-events/{id}.json","connection":"AzureWebJobsStorage"}
]}"#;
const HOST_JSON: &str = r#"{"version":"2.0"}"#;
const HOST_JSON_PLAIN: &str =
    r#"{"version":"2.0","extensions":{"queues":{"messageEncoding":"none"}}}"#;

fn reply(outputs: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"Outputs": outputs, "Logs": [], "ReturnValue": null})).unwrap()
}

fn data() -> BindingData {
    BindingData::new().with("id", "e1")
}

fn row(pk: &str, rk: &str, extra: Value) -> Value {
    let mut row = json!({"PartitionKey": pk, "RowKey": rk});
    if let (Value::Object(row), Value::Object(extra)) = (&mut row, extra) {
        row.extend(extra);
    }
    row
}

fn upsert(pk: &str, rk: &str, extra: Value) -> Value {
    let mut row = row(pk, rk, extra);
    row["odata.etag"] = json!("*");
    row
}

fn failure(result: Result<acs_event_handler::storage::WriteReport, WriteFailure>) -> WriteFailure {
    match result {
        Ok(report) => panic!("the write succeeded: {report:?}"),
        Err(failure) => failure,
    }
}

/// A reply item as the service returns the stored entity (minimal metadata): integers as strings
/// typed Edm.Int64, nested values as the host's indented JSON, date-looking strings as the host
/// rewrote them, no ETag.
fn expected_row(item: &Value) -> Map<String, Value> {
    let mut expected = Map::new();
    for (name, value) in item.as_object().expect("an entity is an object") {
        if name.eq_ignore_ascii_case("odata.etag") || name.eq_ignore_ascii_case("etag") {
            continue;
        }
        match value {
            Value::String(s) => {
                let text = HostDate::parse(s)
                    .map(|d| d.iso())
                    .unwrap_or_else(|| s.clone());
                expected.insert(name.clone(), Value::String(text));
            }
            Value::Number(n) if n.is_i64() => {
                expected.insert(name.clone(), Value::String(n.to_string()));
                expected.insert(format!("{name}@odata.type"), json!("Edm.Int64"));
            }
            Value::Null => {}
            Value::Object(_) | Value::Array(_) => {
                let text = acs_event_handler::storage::newtonsoft::JToken::parse(
                    &value.to_string(),
                    acs_event_handler::storage::newtonsoft::DateParseHandling::DateTime,
                )
                .unwrap()
                .to_host_string();
                expected.insert(name.clone(), Value::String(text));
            }
            other => {
                expected.insert(name.clone(), other.clone());
            }
        }
    }
    expected
}

/// Date-looking strings in a queue message as the host rewrote them.
fn host_dates(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(
            HostDate::parse(s)
                .map(|d| d.iso())
                .unwrap_or_else(|| s.clone()),
        ),
        Value::Array(items) => Value::Array(items.iter().map(host_dates).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), host_dates(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn storage_every_sample_delivered_twice_is_accepted_and_converges() {
    let azurite = Azurite::start();
    let writer = azurite.writer("EventGridTrigger");
    let queues: Vec<(String, String)> = writer
        .bindings()
        .outputs()
        .iter()
        .filter_map(|b| match &b.target {
            OutputTarget::Queue { queue } => Some((b.name.clone(), queue.clone())),
            _ => None,
        })
        .collect();
    let tables: Vec<(String, String)> = writer
        .bindings()
        .outputs()
        .iter()
        .filter_map(|b| match &b.target {
            OutputTarget::Table { table, .. } => Some((b.name.clone(), table.clone())),
            _ => None,
        })
        .collect();
    let handler = Handler::start(&[]);
    let mut entities_written = 0;
    let mut messages_sent = 0;
    for (file, event) in sample_events() {
        let id = event["id"].as_str().unwrap_or("?").to_owned();
        let data = BindingData::from_event(&event);
        let body = event_grid_invocation(&event);

        let first = handler.invoke("EventGridTrigger", &body);
        assert_eq!(first.status, 200, "{file} {id}");
        let reply = first.json();
        let report = azurite
            .write(&writer, &first.body, &data)
            .unwrap_or_else(|e| panic!("{file} {id}: first delivery not written: {e}"));
        entities_written += report.table_entities();
        messages_sent += report.queue_messages();
        let after_first = azurite.snapshot();
        let sent_first: Vec<(String, Vec<Value>)> = queues
            .iter()
            .map(|(binding, queue)| (binding.clone(), azurite.drain_json(queue)))
            .collect();

        // What the reply asked for is what storage holds.
        for (binding, messages) in &sent_first {
            let expected: Vec<Value> = output_items(&reply, binding)
                .iter()
                .map(host_dates)
                .collect();
            assert_eq!(messages, &expected, "{file} {id}: queue of {binding}");
        }
        for (binding, table) in &tables {
            for item in output_items(&reply, binding) {
                let pk = item["PartitionKey"].as_str().unwrap();
                let rk = item["RowKey"].as_str().unwrap();
                let stored = azurite.row(table, pk, rk).unwrap_or_else(|| {
                    panic!("{file} {id}: no row in {table} for an item of {binding}")
                });
                assert_eq!(stored, expected_row(&item), "{file} {id}: row in {table}");
            }
        }

        // The redelivery: the same reply, every write accepted again, the same state.
        let second = handler.invoke("EventGridTrigger", &body);
        assert_eq!(second.status, 200, "{file} {id}");
        assert_eq!(
            second.json()["Outputs"],
            reply["Outputs"],
            "{file} {id}: same reply"
        );
        azurite
            .write(&writer, &second.body, &data)
            .unwrap_or_else(|e| panic!("{file} {id}: redelivery not written: {e}"));
        assert_eq!(
            azurite.snapshot(),
            after_first,
            "{file} {id}: tables and blobs changed on redelivery"
        );
        let sent_again: Vec<(String, Vec<Value>)> = queues
            .iter()
            .map(|(binding, queue)| (binding.clone(), azurite.drain_json(queue)))
            .collect();
        assert_eq!(
            sent_again, sent_first,
            "{file} {id}: a redelivery re-sends the same messages"
        );
    }
    // Nothing but the declared tables and queues was created.
    let declared_queues: Vec<&str> = queues.iter().map(|(_, q)| q.as_str()).collect();
    let declared_tables: Vec<&str> = tables.iter().map(|(_, t)| t.as_str()).collect();
    for queue in azurite.queues() {
        assert!(declared_queues.contains(&queue.as_str()), "queue {queue}");
    }
    for table in azurite.tables() {
        assert!(declared_tables.contains(&table.as_str()), "table {table}");
    }
    assert!(
        entities_written > 20,
        "the samples wrote {entities_written} entities"
    );
    assert!(
        messages_sent > 5,
        "the samples sent {messages_sent} messages"
    );
}

#[test]
fn storage_add_without_etag_conflicts_on_the_second_write() {
    let azurite = Azurite::start();
    let writer = azurite.writer_with(FUNCTION_JSON, HOST_JSON);
    let body = reply(json!({"rows": [row("p", "r", json!({"V": 1}))]}));
    let report = azurite.write(&writer, &body, &data()).unwrap();
    assert_eq!(report.table_entities(), 1);
    let failure = failure(azurite.write(&writer, &body, &data()));
    match failure.first() {
        Some(WriteError::Table {
            binding,
            failed_item,
            error,
            ..
        }) => {
            assert_eq!(binding, "rows");
            assert_eq!(*failed_item, Some(0));
            assert_eq!(error.status(), Some(409), "{error}");
            assert_eq!(error.code(), Some("EntityAlreadyExists"), "{error}");
        }
        other => panic!("expected a table conflict, got {other:?}"),
    }
    assert!(failure.completed.is_empty());
}

#[test]
fn storage_star_etag_replaces_the_whole_row_and_is_not_stored() {
    let azurite = Azurite::start();
    let writer = azurite.writer_with(FUNCTION_JSON, HOST_JSON);
    let first = reply(json!({"rows": [upsert("p", "r", json!({"A": "one", "B": true}))]}));
    azurite.write(&writer, &first, &data()).unwrap();
    let second = reply(json!({"rows": [row("p", "r", json!({"A": "two", "ETag": "*"}))]}));
    azurite.write(&writer, &second, &data()).unwrap();
    let stored = azurite.row("Rows", "p", "r").unwrap();
    assert_eq!(
        Value::Object(stored),
        json!({"PartitionKey": "p", "RowKey": "r", "A": "two"})
    );
}

#[test]
fn storage_other_etags_update_only_with_a_matching_if_match() {
    let azurite = Azurite::start();
    let writer = azurite.writer_with(FUNCTION_JSON, HOST_JSON);
    azurite
        .write(
            &writer,
            &reply(json!({"rows": [upsert("p", "r", json!({"A": 1}))]})),
            &data(),
        )
        .unwrap();
    let stale = reply(
        json!({"rows": [row("p", "r", json!({"A": 2, "odata.etag": "W/\"datetime'2000-01-01T00%3A00%3A00.0000000Z'\""}))]}),
    );
    let failure = failure(azurite.write(&writer, &stale, &data()));
    let status = failure
        .first()
        .and_then(WriteError::client_error)
        .and_then(ClientError::status);
    assert_eq!(status, Some(412), "{failure}");
    // The row's real ETag is accepted.
    let etag = azurite.entities("Rows")[0]["odata.etag"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = reply(json!({"rows": [row("p", "r", json!({"A": 3, "odata.etag": etag}))]}));
    azurite.write(&writer, &fresh, &data()).unwrap();
    assert_eq!(azurite.row("Rows", "p", "r").unwrap()["A"], "3");
}

#[test]
fn storage_a_partition_of_250_entities_goes_in_three_transactions() {
    let azurite = Azurite::start();
    let writer = azurite.writer_with(FUNCTION_JSON, HOST_JSON);
    let items: Vec<Value> = (0..250)
        .map(|i| upsert("one", &format!("r{i:03}"), json!({"N": i})))
        .collect();
    let other = upsert("two", "r", json!({}));
    let mut all = items.clone();
    all.insert(120, other);
    let report = azurite
        .write(&writer, &reply(json!({"rows": all})), &data())
        .unwrap();
    let sizes: Vec<usize> = report
        .writes
        .iter()
        .map(|w| match w {
            Write::TableTransaction { items, .. } => items.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    // 100 and 100 as the partition fills, then at the flush the rest of "one" and "two".
    assert_eq!(sizes, [100, 100, 50, 1]);
    assert_eq!(azurite.rows("Rows").len(), 251);
}

#[test]
fn storage_a_repeated_row_key_flushes_the_partition_first() {
    let azurite = Azurite::start();
    let writer = azurite.writer_with(FUNCTION_JSON, HOST_JSON);
    let body = reply(json!({"rows": [
        upsert("p", "a", json!({"V": "first"})),
        upsert("p", "b", json!({})),
        upsert("p", "a", json!({"V": "last"})),
    ]}));
    let report = azurite.write(&writer, &body, &data()).unwrap();
    let batches: Vec<Vec<usize>> = report
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::TableTransaction { items, .. } => Some(items.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(batches, [vec![0, 1], vec![2]]);
    assert_eq!(azurite.row("Rows", "p", "a").unwrap()["V"], "last");

    // Without an ETag the second Add of the row fails, after the first batch was committed.
    let azurite = Azurite::start();
    let body = reply(json!({"rows": [row("p", "a", json!({})), row("p", "a", json!({}))]}));
    let failure = failure(azurite.write(&writer_for(&azurite), &body, &data()));
    assert_eq!(failure.completed.len(), 1, "{failure}");
    assert!(
        matches!(
            failure.first(),
            Some(WriteError::Table {
                failed_item: Some(1),
                ..
            })
        ),
        "{failure}"
    );
    assert_eq!(azurite.rows("Rows").len(), 1);
}

fn writer_for(azurite: &Azurite) -> acs_event_handler::storage::StorageWriter {
    azurite.writer_with(FUNCTION_JSON, HOST_JSON)
}

#[test]
fn storage_values_are_typed_like_the_tables_extension_types_them() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let item = upsert(
        "p",
        "r",
        json!({
            "Count": 3, "Big": 9007199254740993i64, "Ratio": 0.5, "Flag": true, "Text": "x",
            "Nested": {"a": [1, "b"]}, "List": ["x"], "At": "2026-11-27T07:00:00.1000000Z",
            "Missing": null
        }),
    );
    azurite
        .write(&writer, &reply(json!({"rows": [item]})), &data())
        .unwrap();
    let stored = azurite.row("Rows", "p", "r").unwrap();
    assert_eq!(stored["Count"], "3");
    assert_eq!(
        stored["Count@odata.type"], "Edm.Int64",
        "integers are Int64, never Int32"
    );
    assert_eq!(stored["Big"], "9007199254740993");
    assert_eq!(stored["Ratio"], 0.5);
    assert_eq!(stored["Flag"], true);
    assert_eq!(stored["Nested"], "{\n  \"a\": [\n    1,\n    \"b\"\n  ]\n}");
    assert_eq!(stored["List"], "[\n  \"x\"\n]");
    // The host parsed the date and wrote it back shorter; the extension keeps it a string.
    assert_eq!(stored["At"], "2026-11-27T07:00:00.1Z");
    assert!(stored.get("At@odata.type").is_none());
    assert!(stored.get("Missing").is_none_or(Value::is_null));
}

#[test]
fn storage_queue_messages_are_base64_of_what_the_host_made_of_each_item() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    // Written by hand: `json!` would sort the keys.
    let body = br#"{"Outputs":{"q":[
        {"b": 1, "a": "2026-11-27T09:00:00+02:00"},
        "{\"pre\":\"serialized\",\"at\":\"2026-11-27T07:00:00.1000000Z\"}"
    ]},"Logs":[],"ReturnValue":null}"#;
    let report = azurite.write(&writer, body, &data()).unwrap();
    assert_eq!(report.queue_messages(), 2);
    let raw = azurite.drain_raw("q-out");
    // An object item: indented, keys in order, the offset date moved to UTC.
    assert_eq!(
        decode_base64_text(&raw[0]),
        "{\n  \"b\": 1,\n  \"a\": \"2026-11-27T07:00:00+00:00\"\n}"
    );
    // A string item: its text exactly, no indentation and no date rewriting.
    assert_eq!(
        decode_base64_text(&raw[1]),
        "{\"pre\":\"serialized\",\"at\":\"2026-11-27T07:00:00.1000000Z\"}"
    );

    // host.json `messageEncoding: none`: the text itself.
    let azurite = Azurite::start();
    let plain = azurite.writer_with(FUNCTION_JSON, HOST_JSON_PLAIN);
    azurite
        .write(&plain, &reply(json!({"q": [{"a": "<&>"}]})), &data())
        .unwrap();
    assert_eq!(azurite.drain_raw("q-out"), ["{\n  \"a\": \"<&>\"\n}"]);
}

#[test]
fn storage_a_top_level_base64_string_is_decoded_by_the_host() {
    // functions-outputs.md §0.2: "test" is valid base64, so the host turns it into 3 bytes.
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    azurite
        .write(&writer, &reply(json!({"q": "test"})), &data())
        .unwrap();
    assert_eq!(
        azurite.drain_raw("q-out"),
        ["test"],
        "base64 of the 3 decoded bytes"
    );
    azurite
        .write(&writer, &reply(json!({"q": "not base64!"})), &data())
        .unwrap();
    assert_eq!(azurite.drain("q-out"), ["not base64!"]);
}

#[test]
fn storage_outputs_function_json_does_not_declare_are_errors() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let body = reply(json!({"rows": [upsert("p", "r", json!({}))], "rowz": [{}], "trigger": [{}]}));
    let failure = failure(azurite.write(&writer, &body, &data()));
    assert_eq!(
        failure.errors,
        [
            WriteError::Undeclared {
                binding: "rowz".into()
            },
            WriteError::NotAnOutput {
                binding: "trigger".into()
            },
        ]
    );
    assert!(failure.errors[0]
        .to_string()
        .contains("drop it without a word"));
    assert!(azurite.tables().is_empty(), "nothing is written");
}

#[test]
fn storage_queue_sends_come_before_table_flushes_and_stay_after_a_failure() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let body = reply(json!({
        "rows": [upsert("p", "ok", json!({})), upsert("q", "bad", json!({"a-b": 1}))],
        "q": [{"n": 1}],
    }));
    let failure = failure(azurite.write(&writer, &body, &data()));
    assert!(
        matches!(failure.first(), Some(WriteError::Limit { binding, item: 1, limit: Limit::PropertyName { .. } }) if binding == "rows"),
        "{failure}"
    );
    // The queue message went out first; partition "p" was flushed before "q" failed.
    assert!(matches!(&failure.completed[0], Write::QueueMessage { binding, .. } if binding == "q"));
    assert!(
        matches!(&failure.completed[1], Write::TableTransaction { items, .. } if items == &[0])
    );
    assert_eq!(azurite.drain("q-out").len(), 1);
    assert_eq!(azurite.rows("Rows").len(), 1);
}

#[test]
fn storage_a_failing_queue_binding_stops_the_flush_but_not_the_other_bindings() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let too_big = "x".repeat(49_153);
    let body = reply(json!({
        "rows": [upsert("p", "r", json!({}))],
        "q": ["small", too_big, "never sent"],
        "q2": ["other"],
    }));
    let failure = failure(azurite.write(&writer, &body, &data()));
    assert_eq!(failure.errors.len(), 1, "{failure}");
    assert!(
        matches!(&failure.errors[0], WriteError::Limit { binding, item: 1, limit: Limit::QueueMessage { bytes: 65_540 } } if binding == "q"),
        "{failure}"
    );
    assert_eq!(azurite.drain("q-out"), ["small"]);
    assert_eq!(
        azurite.drain("q-two"),
        ["other"],
        "bindings are bound concurrently"
    );
    assert!(
        azurite.rows("Rows").is_empty(),
        "a failed invocation never flushes its tables"
    );
}

#[test]
fn storage_blob_output_resolves_its_path_and_creates_the_container() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let raw = r#"{"id":"e1","data":{"message":"hello"}}"#;
    let report = azurite
        .write(&writer, &reply(json!({"raw": raw})), &data())
        .unwrap();
    assert_eq!(report.blobs(), 1);
    assert_eq!(
        azurite.blob("raw-events", "e1.json").as_deref(),
        Some(raw.as_bytes())
    );
    // The same path again replaces the blob.
    azurite
        .write(&writer, &reply(json!({"raw": "{}"})), &data())
        .unwrap();
    assert_eq!(azurite.blobs().len(), 1);
    assert_eq!(
        azurite.blob("raw-events", "e1.json").as_deref(),
        Some(&b"{}"[..])
    );

    let failure =
        failure(azurite.write(&writer, &reply(json!({"raw": "{}"})), &BindingData::new()));
    assert!(
        matches!(failure.first(), Some(WriteError::Expression { .. })),
        "{failure}"
    );
    let failure = failure_of(&azurite, json!({"raw": ["a", "b"]}));
    assert!(
        matches!(failure.first(), Some(WriteError::UnsupportedValue { .. })),
        "{failure}"
    );
}

fn failure_of(azurite: &Azurite, outputs: Value) -> WriteFailure {
    failure(azurite.write(&writer_for(azurite), &reply(outputs), &data()))
}

fn limit_of(failure: &WriteFailure) -> &Limit {
    match failure.first() {
        Some(WriteError::Limit { limit, .. } | WriteError::TransactionLimit { limit, .. }) => limit,
        Some(WriteError::Entity {
            error: acs_event_handler::storage::entity::EntityError::InvalidKey { limit, .. },
            ..
        }) => limit,
        other => panic!("expected a limit, got {other:?}"),
    }
}

#[test]
fn storage_string_properties_are_limited_to_64_kib_as_utf16() {
    let azurite = Azurite::start();
    let at_limit = "é".repeat(32_768);
    let writer = writer_for(&azurite);
    azurite
        .write(
            &writer,
            &reply(json!({"rows": [upsert("p", "ok", json!({"Body": at_limit}))]})),
            &data(),
        )
        .unwrap();
    // 16 385 emoji are 32 770 UTF-16 code units (but only 16 385 characters).
    let over = "😀".repeat(16_385);
    let failure = failure_of(
        &azurite,
        json!({"rows": [upsert("p", "big", json!({"Body": over}))]}),
    );
    assert_eq!(
        limit_of(&failure),
        &Limit::StringProperty {
            property: "Body".into(),
            units: 32_770
        }
    );
    let message = failure.to_string();
    assert!(
        message.contains("output `rows` item 0") && message.contains("64 KiB"),
        "{message}"
    );
}

#[test]
fn storage_entities_are_limited_to_1_mib_by_azures_size_formula() {
    let azurite = Azurite::start();
    // 17 properties of 32 000 characters: 1 088 000 bytes of UTF-16 alone.
    let mut props = Map::new();
    for i in 0..17 {
        props.insert(format!("P{i}"), json!("x".repeat(32_000)));
    }
    let failure = failure_of(
        &azurite,
        json!({"rows": [upsert("p", "r", Value::Object(props))]}),
    );
    assert!(
        matches!(limit_of(&failure), Limit::EntitySize { bytes } if *bytes > 1024 * 1024),
        "{failure}"
    );
    assert!(azurite.rows("Rows").is_empty());
}

#[test]
fn storage_entities_have_at_most_252_custom_properties_with_identifier_names() {
    let azurite = Azurite::start();
    let props = |n: usize| -> Value {
        Value::Object((0..n).map(|i| (format!("P{i}"), json!(i))).collect())
    };
    let writer = writer_for(&azurite);
    azurite
        .write(
            &writer,
            &reply(json!({"rows": [upsert("p", "ok", props(252))]})),
            &data(),
        )
        .unwrap();
    let failure = failure_of(&azurite, json!({"rows": [upsert("p", "many", props(253))]}));
    assert_eq!(limit_of(&failure), &Limit::PropertyCount { count: 253 });
    for name in ["a-b", "1st", "with space"] {
        let failure = failure_of(
            &azurite,
            json!({"rows": [upsert("p", "n", json!({name: 1}))]}),
        );
        assert!(
            matches!(limit_of(&failure), Limit::PropertyName { property, .. } if property == name),
            "{name}"
        );
    }
    let long = "n".repeat(256);
    let failure = failure_of(
        &azurite,
        json!({"rows": [upsert("p", "n", json!({long: 1}))]}),
    );
    assert!(matches!(limit_of(&failure), Limit::PropertyName { .. }));
}

#[test]
fn storage_keys_are_limited_in_size_and_characters() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    let at_limit = "k".repeat(512);
    azurite
        .write(
            &writer,
            &reply(json!({"rows": [upsert(&at_limit, &at_limit, json!({}))]})),
            &data(),
        )
        .unwrap();
    let failure = failure_of(
        &azurite,
        json!({"rows": [upsert("p", &"k".repeat(513), json!({}))]}),
    );
    assert_eq!(
        limit_of(&failure),
        &Limit::KeySize {
            key: "RowKey",
            units: 513
        }
    );
    for (key, code) in [
        ("a/b", 0x2F),
        ("a\\b", 0x5C),
        ("a#b", 0x23),
        ("a?b", 0x3F),
        ("a\u{7}b", 7),
    ] {
        let failure = failure_of(&azurite, json!({"rows": [upsert(key, "r", json!({}))]}));
        assert_eq!(
            limit_of(&failure),
            &Limit::KeyCharacter {
                key: "PartitionKey",
                code
            },
            "{key:?}"
        );
        assert!(
            !failure.to_string().contains(key),
            "errors never repeat a key"
        );
    }
}

#[test]
fn storage_queue_messages_are_limited_to_64_kib_after_base64() {
    let azurite = Azurite::start();
    let writer = writer_for(&azurite);
    // 49 152 bytes of text are exactly 65 536 bytes of base64.
    azurite
        .write(&writer, &reply(json!({"q": ["y".repeat(49_152)]})), &data())
        .unwrap();
    assert_eq!(azurite.peek_raw("q-out")[0].len(), 65_536);
    let failure = failure_of(&azurite, json!({"q": ["y".repeat(49_153)]}));
    assert_eq!(limit_of(&failure), &Limit::QueueMessage { bytes: 65_540 });
    // An object item counts with the host's indentation: 10 properties add 41 bytes.
    let object: Map<String, Value> = (0..10).map(|i| (format!("k{i}"), json!("v"))).collect();
    let compact = serde_json::to_string(&object).unwrap().len();
    let indented = decode_len_of_single_message(&azurite, Value::Object(object));
    assert_eq!(
        indented - compact,
        10 * 3 + 10 + 1,
        "newline and indent, space after colon, last newline"
    );
}

fn decode_len_of_single_message(azurite: &Azurite, item: Value) -> usize {
    let writer = writer_for(azurite);
    azurite.drain_raw("q-two");
    azurite
        .write(&writer, &reply(json!({"q2": [item]})), &data())
        .unwrap();
    azurite.drain("q-two")[0].len()
}

#[test]
fn storage_transactions_are_limited_to_4_mib() {
    let azurite = Azurite::start();
    // 100 entities of 42 000 characters each: about 4.2 MB of payload in one partition.
    let items: Vec<Value> = (0..100)
        .map(|i| {
            upsert(
                "p",
                &format!("r{i}"),
                json!({"A": "z".repeat(21_000), "B": "z".repeat(21_000)}),
            )
        })
        .collect();
    let failure = failure_of(&azurite, json!({"rows": items}));
    assert!(
        matches!(limit_of(&failure), Limit::BatchSize { bytes } if *bytes > 4 * 1024 * 1024),
        "{failure}"
    );
    assert!(
        matches!(failure.first(), Some(WriteError::TransactionLimit { items, .. }) if items.len() == 100)
    );
}

/// The table in src/storage/limits.rs: what Azurite itself refuses and accepts when the writer's
/// checks are bypassed. If an Azurite upgrade changes this, update that table.
#[test]
fn storage_azurite_enforces_only_some_of_azures_limits() {
    let azurite = Azurite::start();
    let client = azurite.client();
    azurite.block_on(client.create_table("Probe")).unwrap();
    let send = |entities: Vec<Value>| {
        let actions: Vec<TableAction> = entities
            .into_iter()
            .map(|e| TableAction::Insert {
                body: e.to_string(),
            })
            .collect();
        azurite.block_on(client.submit_transaction("Probe", &actions))
    };
    let mut rk = 0;
    let mut entity = |extra: Value| {
        rk += 1;
        row("p", &format!("r{rk}"), extra)
    };
    // Accepted by Azurite, refused by Azure:
    let many: Map<String, Value> = (0..300)
        .map(|i| (format!("P{i}"), json!(i.to_string())))
        .collect();
    assert_eq!(
        send(vec![entity(Value::Object(many))]),
        Ok(()),
        "300 properties"
    );
    assert_eq!(
        send(vec![entity(json!({"a-b": "1", "x y": "2"}))]),
        Ok(()),
        "names that are not identifiers"
    );
    let big: Map<String, Value> = (0..20)
        .map(|i| (format!("P{i}"), json!("x".repeat(30_000))))
        .collect();
    assert_eq!(
        send(vec![entity(Value::Object(big))]),
        Ok(()),
        "an entity of 1.2 MB by Azure's formula"
    );
    // Refused by both:
    assert!(
        send(vec![entity(json!({"S": "x".repeat(32_769)}))]).is_err(),
        "a 64 KiB + 1 string"
    );
    assert!(
        send(vec![row("p", &"k".repeat(513), json!({}))]).is_err(),
        "a 513-unit key"
    );
    assert!(
        send(vec![row("p", "a#b", json!({}))]).is_err(),
        "a key with #"
    );
    let hundred_one: Vec<Value> = (0..101).map(|_| entity(json!({}))).collect();
    assert!(send(hundred_one).is_err(), "101 entities");
    let heavy: Vec<Value> = (0..100)
        .map(|_| entity(json!({"A": "z".repeat(21_000), "B": "z".repeat(21_000)})))
        .collect();
    assert!(send(heavy).is_err(), "a 4.2 MB transaction");
    azurite.block_on(client.create_queue("probe")).unwrap();
    assert!(
        azurite
            .block_on(client.put_message("probe", &"m".repeat(65_537)))
            .is_err(),
        "64 KiB + 1 message"
    );
    assert_eq!(
        azurite.block_on(client.put_message("probe", &"m".repeat(65_536))),
        Ok(())
    );
}

fn replay_to_storage(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_handler"))
        .arg("replay")
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("run handler replay");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn account_key(connection_string: &str) -> String {
    connection_string
        .split(';')
        .find_map(|p| p.strip_prefix("AccountKey="))
        .unwrap()
        .to_owned()
}

#[test]
fn storage_replay_to_storage_writes_every_sample_and_prints_each_outcome() {
    let azurite = Azurite::start();
    let connection = azurite.connection_string();
    let root = crate::azurite::repo_root();
    let (code, stdout, stderr) =
        replay_to_storage(root, &["samples/", &format!("--to-storage={connection}")]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), sample_events().len());
    let mut entities = 0;
    for line in &lines {
        let storage = &line["storage"];
        assert_eq!(storage["written"], true, "{line}");
        entities += storage["tableEntities"].as_u64().unwrap();
    }
    assert!(entities > 20, "{entities}");
    assert!(!azurite.rows("SmsMessages").is_empty());
    assert!(!azurite.rows("ChatMessages").is_empty());
    assert!(!azurite.drain("sms-inbox").is_empty());
    let key = account_key(&connection);
    assert!(
        !stdout.contains(&key) && !stderr.contains(&key),
        "the key is never printed"
    );
}

#[test]
fn storage_replay_to_storage_reports_an_unreachable_endpoint_once() {
    let [blob, queue, table] = [
        crate::harness::free_port(),
        crate::harness::free_port(),
        crate::harness::free_port(),
    ];
    let key = "bm90LWEtcmVhbC1rZXk=";
    let connection = format!(
        "DefaultEndpointsProtocol=http;AccountName=nobody;AccountKey={key};BlobEndpoint=http://127.0.0.1:{blob}/nobody;QueueEndpoint=http://127.0.0.1:{queue}/nobody;TableEndpoint=http://127.0.0.1:{table}/nobody"
    );
    let root = crate::azurite::repo_root();
    let (code, stdout, stderr) =
        replay_to_storage(root, &["--to-storage", &connection, "samples/"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.matches("Is Azurite running?").count(), 1, "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(
        !stdout.contains(key) && !stderr.contains(key),
        "the key is never printed"
    );
}

#[test]
fn storage_replay_to_storage_fails_a_write_naming_the_binding() {
    let azurite = Azurite::start();
    // A function app whose function.json lacks `smsInbox`, which SMSReceived replies use.
    let app = std::env::temp_dir().join(format!("acs-replay-app-{}", std::process::id()));
    let function_dir = app.join("EventGridTrigger");
    std::fs::create_dir_all(&function_dir).unwrap();
    std::fs::write(app.join("host.json"), HOST_JSON).unwrap();
    let function_json =
        std::fs::read_to_string(crate::azurite::repo_root().join("EventGridTrigger/function.json"))
            .unwrap();
    let mut function: Value = serde_json::from_str(&function_json).unwrap();
    function["bindings"]
        .as_array_mut()
        .unwrap()
        .retain(|b| b["name"] != "smsInbox");
    std::fs::write(function_dir.join("function.json"), function.to_string()).unwrap();
    let sample = crate::azurite::repo_root().join("samples/docs-sms__SMSReceived.json");
    let connection = azurite.connection_string();
    let (code, stdout, stderr) = replay_to_storage(
        &app,
        &[sample.to_str().unwrap(), "--to-storage", &connection],
    );
    std::fs::remove_dir_all(&app).unwrap();
    assert_eq!(code, 1, "{stderr}");
    let line: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["storage"]["written"], false, "{line}");
    let error = line["storage"]["error"].as_str().unwrap();
    assert!(
        error.contains("`smsInbox`") && error.contains("not an output binding"),
        "{error}"
    );
    assert!(stderr.contains("not written to storage"), "{stderr}");
    assert!(
        !error.contains("+15555555555") && !stderr.contains("+15555555555"),
        "no phone numbers in errors"
    );
}

/// Every WhatsApp output, from both functions, written into Azurite as the host writes it: the
/// Event Grid side (messages, history, outbox, inbox, statuses, failures) and `WhatsAppSender`'s
/// sent and refused rows.
#[test]
fn storage_whatsapp_outputs_of_both_functions_are_accepted() {
    use crate::fake_acs::FakeAcs;
    let azurite = Azurite::start();
    let handler = Handler::start(&[]);
    let writer = azurite.writer("EventGridTrigger");
    for file in [
        "generated__AdvancedMessageReceived__stop.json",
        "generated__AdvancedMessageReceived__bsuid.json",
        "docs-advmsg__AdvancedMessageReceived__image.json",
        "docs-advmsg__AdvancedMessageDeliveryStatusUpdated__failed.json",
    ] {
        let event = sample_events()
            .into_iter()
            .find(|(f, _)| f == file)
            .unwrap()
            .1;
        let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
        assert_eq!(reply.status, 200, "{file}");
        azurite
            .write(&writer, &reply.body, &BindingData::from_event(&event))
            .unwrap_or_else(|e| panic!("{file}: not written: {e}"));
    }
    for table in [
        "WhatsAppMessages",
        "WhatsAppOptOuts",
        "WhatsAppDeliveryReports",
    ] {
        assert!(!azurite.rows(table).is_empty(), "{table}");
    }
    let outbox = azurite.drain_json("whatsapp-outbox");
    assert_eq!(outbox.len(), 1);
    assert_eq!(azurite.drain_json("whatsapp-inbox").len(), 2);
    assert_eq!(azurite.drain_json("whatsapp-delivery-failures").len(), 1);

    // The queued reply through WhatsAppSender (window: the sample is from 2026-04, so refused
    // and recorded as failed), and a fresh one sent to the fake ACS.
    let fake = FakeAcs::start(vec![]);
    let connection = fake.connection_string();
    let sender = Handler::start(&[("ACS_CONNECTION_STRING", connection.as_str())]);
    let writer = azurite.writer("WhatsAppSender");
    let mut fresh = outbox[0].clone();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    fresh["inReplyToReceivedAt"] = json!(now);
    fresh["createdAt"] = json!(now);
    fresh["repeatabilityRequestId"] = json!(uuid::Uuid::new_v4().to_string());
    for message in [&outbox[0], &fresh] {
        let body = crate::harness::queue_invocation("WhatsAppSender", "outboxItem", message, &[]);
        let reply = sender.invoke("WhatsAppSender", &body);
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        azurite
            .write(&writer, &reply.body, &BindingData::new())
            .unwrap_or_else(|e| panic!("WhatsAppSender reply not written: {e}"));
    }
    let statuses: Vec<String> = azurite
        .rows("WhatsAppMessages")
        .iter()
        .filter(|r| r["Direction"] == "outbound")
        .map(|r| r["Status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.contains(&"sent".to_owned()) && statuses.contains(&"failed".to_owned()));
    fake.assert_all_verified();
}
