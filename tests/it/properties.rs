//! Property tests: arbitrary bytes and JSON never panic the parsers, and typed data re-serializes
//! and re-parses to the same value.

use acs_event_handler::events::{event_types, parse_delivery, AcsEvent};
use acs_event_handler::host::protocol::{trigger_events, StringTrigger};
use acs_event_handler::host::triggers::{message_events, message_events_in_text};
use proptest::prelude::*;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::harness::sample_events;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
        prop::sample::select(vec![
            "Microsoft.Communication.SMSReceived",
            "Microsoft.Communication.ChatMessageReceivedInThread",
            "Microsoft.Communication.RouterJobReceived",
            "2020-09-18T00:27:45.32Z",
            "1613783230064",
            "eventType",
            "data",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "id",
                        "eventType",
                        "type",
                        "source",
                        "specversion",
                        "subject",
                        "eventTime",
                        "time",
                        "data",
                        "messageId",
                        "from",
                        "to",
                        "message",
                        "receivedTimestamp",
                        "version",
                        "threadId",
                        "x",
                    ]),
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// An event envelope around arbitrary data, for every known type.
fn arb_event() -> impl Strategy<Value = Value> {
    (prop::sample::select(event_types::ALL.to_vec()), arb_json(), any::<bool>()).prop_map(|(t, data, cloud)| {
        if cloud {
            json!({"id": "p", "source": "/s", "specversion": "1.0", "type": t, "data": data})
        } else {
            json!({"id": "p", "subject": "s", "eventType": t, "eventTime": "2020-01-01T00:00:00Z", "data": data})
        }
    })
}

/// One Event Hubs batch in one of the host's forms (`Data.events` text), for `bodies`.
fn batch_form(bodies: &[String], form: u8) -> String {
    use base64::Engine as _;
    let strings = |items: Vec<String>| serde_json::to_string(&items).unwrap();
    let array = match form {
        0 => format!("[{}]", bodies.join(",")),
        1 => strings(bodies.to_vec()),
        _ => strings(
            bodies
                .iter()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b))
                .collect(),
        ),
    };
    serde_json::to_string(&array).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_broker_trigger_values_never_panic(value in arb_json(), text in ".{0,64}") {
        for candidate in [value.to_string(), serde_json::to_string(&value.to_string()).unwrap(), serde_json::to_string(&text).unwrap()] {
            if let Ok(raw) = RawValue::from_string(candidate.clone()) {
                let _ = message_events(&raw, "events");
            }
            let _ = message_events_in_text(&candidate);
            let body = format!(r#"{{"Data":{{"events":{candidate}}},"Metadata":{{}}}}"#);
            let _ = StringTrigger::parse(body.as_bytes(), "events");
        }
    }

    /// Every event of a batch comes out, in order, whatever the host's form, and the two read
    /// paths (the string trigger read in one pass, the general one) agree.
    #[test]
    fn batches_in_every_form_give_their_events_in_order(
        ids in prop::collection::vec("[A-Za-z0-9_-]{1,24}", 0..12),
        cloud in prop::collection::vec(any::<bool>(), 12),
        form in 0u8..3,
    ) {
        let bodies: Vec<String> = ids
            .iter()
            .zip(&cloud)
            .map(|(id, ce)| {
                let event = if *ce {
                    json!({"specversion": "1.0", "id": id, "type": "Microsoft.Communication.Unheard", "source": "/s", "data": {}})
                } else {
                    json!({"id": id, "eventType": "Microsoft.Communication.Unheard", "subject": "s", "eventTime": "2020-01-01T00:00:00Z", "data": {}, "dataVersion": "1.0"})
                };
                json!([event]).to_string()
            })
            .collect();
        let events_text = batch_form(&bodies, form);
        let raw = RawValue::from_string(events_text.clone()).unwrap();
        let general: Vec<String> = message_events(&raw, "events")
            .unwrap()
            .into_iter()
            .map(|e| e.unwrap().envelope.id)
            .collect();
        prop_assert_eq!(&general, &ids);
        let body = format!(r#"{{"Data":{{"events":{events_text}}},"Metadata":{{}}}}"#);
        let trigger = StringTrigger::parse(body.as_bytes(), "events").unwrap();
        let fast: Vec<String> = message_events_in_text(&trigger.text)
            .into_iter()
            .map(|e| e.unwrap().envelope.id)
            .collect();
        prop_assert_eq!(&fast, &ids);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_delivery(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        let text = value.to_string();
        let _ = parse_delivery(text.as_bytes());
        if let Ok(raw) = RawValue::from_string(text) {
            let _ = trigger_events(&raw);
        }
    }

    #[test]
    fn arbitrary_data_for_every_known_type_never_panics(event in arb_event()) {
        let text = serde_json::to_vec(&event).unwrap();
        let delivery = parse_delivery(&text).unwrap();
        for event in delivery.into_iter().flatten() {
            if let Ok(typed) = &event.data {
                // Whatever parsed must round-trip.
                let reserialized = serde_json::to_string(typed).unwrap();
                let raw = RawValue::from_string(reserialized).unwrap();
                let again = AcsEvent::from_data(typed.event_type(), Some(&raw)).unwrap();
                prop_assert_eq!(&again, typed);
            }
        }
    }

    #[test]
    fn sms_fields_round_trip_in_either_casing(
        message_id in "[A-Za-z0-9_-]{1,40}",
        from in "\\+?[0-9]{6,15}",
        to in "\\+?[0-9]{6,15}",
        text in ".{0,200}",
        secs in 0i64..4_000_000_000,
        fraction in "(\\.[0-9]{1,7})?",
        offset in prop::sample::select(vec!["Z", "+00:00", "-08:00", "+05:30"]),
        segments in prop::option::of(0i32..20),
        pascal in any::<bool>(),
    ) {
        let time = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let stamp = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{offset}",
            time.year(), u8::from(time.month()), time.day(), time.hour(), time.minute(), time.second()
        );
        let key = |camel: &str| if pascal { let mut c = camel.chars(); c.next().unwrap().to_uppercase().chain(c).collect() } else { camel.to_owned() };
        let mut data = serde_json::Map::new();
        data.insert(key("messageId"), json!(message_id));
        data.insert(key("from"), json!(from));
        data.insert(key("to"), json!(to));
        data.insert(key("message"), json!(text));
        data.insert(key("receivedTimestamp"), json!(stamp));
        if let Some(n) = segments { data.insert(key("segmentCount"), json!(n)); }
        let raw = RawValue::from_string(Value::Object(data).to_string()).unwrap();
        let typed = AcsEvent::from_data(event_types::SMS_RECEIVED, Some(&raw)).unwrap();
        let AcsEvent::SmsReceived(sms) = &typed else { panic!("wrong variant") };
        prop_assert_eq!(&sms.message_id, &message_id);
        prop_assert_eq!(sms.message.as_str(), text.as_str());
        prop_assert_eq!(sms.segment_count, segments);
        let again_raw = RawValue::from_string(serde_json::to_string(&typed).unwrap()).unwrap();
        prop_assert_eq!(AcsEvent::from_data(event_types::SMS_RECEIVED, Some(&again_raw)).unwrap(), typed);
    }
}

#[test]
fn every_sample_round_trips_through_its_typed_data() {
    for (file, event) in sample_events() {
        let text = serde_json::to_vec(&event).unwrap();
        let delivery = parse_delivery(&text).unwrap();
        let parsed = delivery.into_iter().next().unwrap().unwrap();
        let typed = parsed.data.unwrap_or_else(|e| panic!("{file}: {e}"));
        let raw = RawValue::from_string(serde_json::to_string(&typed).unwrap()).unwrap();
        let again = AcsEvent::from_data(typed.event_type(), Some(&raw))
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(again, typed, "{file}");
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    // 10 000 levels: the element is not an event (reported, with its raw JSON kept).
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    if let Ok(delivery) = parse_delivery(deep.as_bytes()) {
        assert!(delivery.iter().all(|e| e.is_err()));
    }
    // Deep `data` of a known type: a data error for that event, nothing else.
    let deep_data = format!(
        r#"{{"id":"1","eventType":"Microsoft.Communication.SMSReceived","data":{}1{}}}"#,
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    let delivery = parse_delivery(deep_data.as_bytes()).unwrap();
    let event = delivery[0].as_ref().unwrap();
    assert!(event.data.is_err());
}
