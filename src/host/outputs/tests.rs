use serde::Serialize;
use serde_json::Value;

use super::*;

#[test]
fn keys_escape_forbidden_characters_reversibly() {
    let source = "19:abc/def\\g#h?i%j\u{1}k\u{85}l@thread.v2";
    let key = TableKey::new("RowKey", source).unwrap();
    for forbidden in ['/', '\\', '#', '?', '\u{1}', '\u{85}'] {
        assert!(!key.as_str().contains(forbidden), "{}", key.as_str());
    }
    assert_eq!(unescape_key(key.as_str()), source);
    // Ordinary ids are unchanged.
    assert_eq!(escape_key("8:acs:abc_123"), "8:acs:abc_123");
}

#[test]
fn keys_are_checked_for_size_and_emptiness() {
    assert_eq!(
        TableKey::new("RowKey", ""),
        Err(OutputError::EmptyKey { which: "RowKey" })
    );
    assert!(TableKey::new("RowKey", &"a".repeat(512)).is_ok());
    assert!(matches!(
        TableKey::new("RowKey", &"a".repeat(513)),
        Err(OutputError::KeyTooLong { .. })
    ));
    // Escaping counts: 200 slashes become 600 characters.
    assert!(matches!(
        TableKey::new("PartitionKey", &"/".repeat(200)),
        Err(OutputError::KeyTooLong { .. })
    ));
}

#[test]
fn entities_and_messages_serialize_for_the_host() {
    let entity = TableEntity::new("+15555555555", "m/1")
        .unwrap()
        .with("Direction", "inbound")
        .with_opt("SegmentCount", None::<i32>);
    let out = Output::entity(TableBinding::SmsMessages, &entity).unwrap();
    assert_eq!(out.binding(), "smsMessages");
    assert!(!out.truncated());
    assert_eq!(
        out.value().get(),
        r#"{"PartitionKey":"+15555555555","RowKey":"m%2F1","Direction":"inbound","odata.etag":"*"}"#
    );
    assert_eq!(
        Output::message(QueueBinding::SmsInbox, "text").unwrap_err(),
        OutputError::NotAnObject
    );

    let msg = Output::message(QueueBinding::DeadLetter, &serde_json::json!({"a": 1})).unwrap();
    let blob = Output::blob(BlobBinding::RawEvents, r#"{"id":"e"}"#.to_owned()).unwrap();
    let all = [out.clone(), msg, out];
    let grouped = serde_json::to_string(&GroupedOutputs::with_extra(&all, Some(&blob))).unwrap();
    // Rows and messages are JSON strings holding their JSON text; a blob is one string.
    let value: Value = serde_json::from_str(&grouped).unwrap();
    assert_eq!(value["smsMessages"].as_array().unwrap().len(), 2);
    assert_eq!(
        value["smsMessages"][0].as_str(),
        Some(all[0].value().get()),
        "{grouped}"
    );
    assert_eq!(value["deadLetter"][0], r#"{"a":1}"#, "{grouped}");
    assert_eq!(value["rawEvents"], r#"{"id":"e"}"#, "{grouped}");
    assert!(
        grouped.starts_with(r#"{"smsMessages":["{\"PartitionKey"#),
        "{grouped}"
    );
}

fn text_of(output: &Output, field: &str) -> String {
    let value: Value = serde_json::from_str(output.value().get()).unwrap();
    value[field].as_str().unwrap_or_default().to_owned()
}

fn flag(output: &Output, field: &str) -> bool {
    let value: Value = serde_json::from_str(output.value().get()).unwrap();
    value[field] == Value::Bool(true)
}

/// The entity size by the Table service's formula, from the JSON the extension receives.
fn entity_size(output: &Output) -> usize {
    let value: serde_json::Map<String, Value> = serde_json::from_str(output.value().get()).unwrap();
    let mut size = 4;
    for (name, v) in &value {
        let len = |s: &str| s.encode_utf16().count();
        match name.as_str() {
            "PartitionKey" | "RowKey" => size += 2 * len(v.as_str().unwrap()),
            "odata.etag" => {}
            _ => {
                size += 8 + 2 * len(name);
                size += match v {
                    Value::String(s) => 4 + 2 * len(s),
                    Value::Bool(_) => 1,
                    _ => 8,
                };
            }
        }
    }
    size
}

#[test]
fn the_fast_writer_writes_what_serde_json_writes() {
    let tricky = "q\"b\\n\n r\r t\t \u{0}\u{8}\u{c}\u{1f}\u{7f} é 😀 \u{2028} </script>";
    let message =
        Output::message(QueueBinding::SmsInbox, &serde_json::json!({"m": tricky})).unwrap();
    let entity = TableEntity::new("p\"k", "r").unwrap().with("Body", tricky);
    let row = Output::entity(TableBinding::SmsMessages, &entity).unwrap();
    let blob = Output::blob(
        BlobBinding::RawEvents,
        format!(
            "{{\n\t\"x\": {}\n}}",
            serde_json::to_string(tricky).unwrap()
        ),
    )
    .unwrap();
    for (outputs, extra) in [
        (vec![], None),
        (vec![row.clone()], None),
        (vec![row.clone(), message.clone(), row], Some(&blob)),
        (vec![message], Some(&blob)),
    ] {
        for output in outputs.iter().chain(extra) {
            assert_eq!(output.len(), output.value().get().len(), "the plain length");
        }
        let grouped = GroupedOutputs::with_extra(&outputs, extra);
        let mut fast = Vec::new();
        grouped.write_json(&mut fast);
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            serde_json::to_string(&grouped).unwrap()
        );
    }
}

#[test]
fn long_table_strings_are_cut_on_a_character_boundary_and_flagged() {
    let ascii = "A".repeat(61_440);
    let emoji = "😀".repeat(17_000); // 34 000 UTF-16 units
    let huge = "é".repeat(900_000);
    for (name, text) in [("ascii", &ascii), ("emoji", &emoji), ("huge", &huge)] {
        let entity = TableEntity::new("p", "r")
            .unwrap()
            .with("Body", text.as_str());
        let out = Output::entity(TableBinding::ChatMessages, &entity).unwrap();
        assert!(out.truncated(), "{name}");
        let body = text_of(&out, "Body");
        assert!(
            body.encode_utf16().count() <= limits::TABLE_STRING_UTF16_UNITS,
            "{name}"
        );
        assert!(text.starts_with(&body), "{name}: a prefix of the original");
        assert!(flag(&out, "BodyTruncated"), "{name}");
        assert!(entity_size(&out) <= limits::TABLE_ENTITY_BUDGET, "{name}");
    }
    // 16 384 emoji fill the 32 768 units exactly; no surrogate is split.
    let entity = TableEntity::new("p", "r")
        .unwrap()
        .with("Body", emoji.as_str());
    let out = Output::entity(TableBinding::ChatMessages, &entity).unwrap();
    assert_eq!(text_of(&out, "Body").chars().count(), 16_384);
    // A text at the limit is not cut.
    let exact = "x".repeat(limits::TABLE_STRING_UTF16_UNITS);
    let entity = TableEntity::new("p", "r")
        .unwrap()
        .with("Body", exact.as_str());
    assert!(!Output::entity(TableBinding::ChatMessages, &entity)
        .unwrap()
        .truncated());
}

#[test]
fn many_long_strings_keep_the_entity_under_one_mebibyte() {
    const NAMES: [&str; 40] = [
        "P00", "P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11", "P12",
        "P13", "P14", "P15", "P16", "P17", "P18", "P19", "P20", "P21", "P22", "P23", "P24", "P25",
        "P26", "P27", "P28", "P29", "P30", "P31", "P32", "P33", "P34", "P35", "P36", "P37", "P38",
        "P39",
    ];
    let text = "t".repeat(30_000);
    let mut entity = TableEntity::new("p", "r").unwrap().with("Count", 7i64);
    for name in NAMES {
        entity = entity.with(name, text.as_str());
    }
    let out = Output::entity(TableBinding::ChatThreads, &entity).unwrap();
    assert!(out.truncated());
    let size = entity_size(&out);
    assert!(
        size <= limits::TABLE_ENTITY_BUDGET - limits::POINTER_RESERVE_BYTES,
        "{size}"
    );
    // Room was kept for the pointer, and adding it keeps the entity within the budget.
    let mut out = out;
    out.point_to_raw_event(&RawEventPointer::keyed("e-1").unwrap())
        .unwrap();
    assert!(entity_size(&out) <= limits::TABLE_ENTITY_BUDGET);
    assert_eq!(text_of(&out, "RawEventBlob"), "acs-events-raw/e-1.json");
    let value: Value = serde_json::from_str(out.value().get()).unwrap();
    assert_eq!(value["Count"], 7);
    assert_eq!(value["odata.etag"], "*");
}

#[test]
fn property_names_and_counts_are_checked() {
    for bad in ["odata-type", "1st", "", "a b"] {
        let entity = TableEntity::new("p", "r").unwrap().with(bad, "x");
        assert!(
            matches!(
                Output::entity(TableBinding::SmsMessages, &entity),
                Err(OutputError::BadPropertyName(_))
            ),
            "{bad:?}"
        );
    }
    let names: Vec<&'static str> = (0..253)
        .map(|i| &*Box::leak(format!("P{i}").into_boxed_str()))
        .collect();
    let mut entity = TableEntity::new("p", "r").unwrap();
    for name in &names {
        entity = entity.with(name, 1i64);
    }
    assert_eq!(
        Output::entity(TableBinding::SmsMessages, &entity).unwrap_err(),
        OutputError::TooManyProperties { count: 253 }
    );
}

#[test]
fn long_queue_messages_fit_after_base64_and_say_what_was_cut() {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inbox<'a> {
        message_id: &'a str,
        message: &'a str,
        attempts: Vec<u32>,
    }
    let cases = [
        ("60 KB", "B".repeat(61_440), 1),
        ("900 KB", "B".repeat(921_600), 1),
        ("escapes", "\u{1}\"".repeat(20_000), 1),
        ("emoji", "😀".repeat(17_000), 1),
        ("big array", "short".to_owned(), 20_000),
    ];
    for (name, text, attempts) in cases {
        let message = Inbox {
            message_id: "m1",
            message: &text,
            attempts: vec![123_456; attempts],
        };
        let mut out = Output::message(QueueBinding::SmsInbox, &message).unwrap();
        assert!(out.truncated(), "{name}");
        let len = out.value().get().len();
        assert!(
            len <= limits::QUEUE_MESSAGE_BYTES - limits::POINTER_RESERVE_BYTES,
            "{name}: {len}"
        );
        assert!(
            limits::base64_len(len) <= limits::QUEUE_MESSAGE_TEXT_BYTES,
            "{name}"
        );
        assert_eq!(
            text_of(&out, "messageId"),
            "m1",
            "{name}: small fields kept"
        );
        if attempts > 1 {
            assert!(flag(&out, "attemptsTruncated"), "{name}");
        } else {
            assert!(flag(&out, "messageTruncated"), "{name}");
            assert!(text.starts_with(&text_of(&out, "message")), "{name}");
        }
        out.point_to_raw_event(&RawEventPointer::Prefix(UNKEYED_PREFIX))
            .unwrap();
        assert_eq!(text_of(&out, "rawEventBlobPrefix"), UNKEYED_PREFIX);
        assert!(limits::base64_len(out.value().get().len()) <= limits::QUEUE_MESSAGE_TEXT_BYTES);
    }
    // At the limit: untouched.
    let fits = serde_json::json!({"message": "x".repeat(limits::QUEUE_MESSAGE_BYTES - 14)});
    let out = Output::message(QueueBinding::SmsInbox, &fits).unwrap();
    assert_eq!(out.value().get().len(), limits::QUEUE_MESSAGE_BYTES);
    assert!(!out.truncated());
    assert_eq!(limits::base64_len(limits::QUEUE_MESSAGE_BYTES), 65_536);
    assert_eq!(limits::base64_len(limits::QUEUE_MESSAGE_BYTES + 1), 65_540);
}

#[test]
fn keyed_pointers_only_for_plain_blob_names() {
    assert_eq!(
        RawEventPointer::keyed("5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01"),
        Some(RawEventPointer::Blob(
            "acs-events-raw/5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01.json".into()
        ))
    );
    for bad in ["", "a/b", "a?b", "x.", "..", "é", &"a".repeat(201)] {
        assert_eq!(RawEventPointer::keyed(bad), None, "{bad:?}");
    }
}

#[test]
fn the_archive_is_one_event_verbatim_or_an_array() {
    let mut keyed = RawArchive::keyed(RawEventPointer::keyed("e1").unwrap());
    assert!(keyed.output().is_none());
    let raw = r#"{"id":"e1","data":{"t":"2026-01-01T10:00:00+02:00"}}"#;
    assert_eq!(keyed.keep(raw), RawEventPointer::keyed("e1").unwrap());
    let blob = keyed.output().unwrap().unwrap();
    assert_eq!((blob.binding(), blob.value().get()), ("rawEvents", raw));

    let mut unkeyed = RawArchive::default();
    assert_eq!(unkeyed.keep(raw), RawEventPointer::Prefix(UNKEYED_PREFIX));
    unkeyed.keep("5");
    let blob = unkeyed.output().unwrap().unwrap();
    assert_eq!(blob.binding(), "rawEventsUnkeyed");
    assert_eq!(blob.value().get(), format!("[{raw},5]"));
}
