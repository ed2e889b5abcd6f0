//! The trigger values of the two message-broker functions, `EventHubTrigger` and
//! `ServiceBusTrigger`: every form the Functions host may hand over, flattened into the events
//! they hold, in order.
//!
//! Event Grid writes one event per Event Hubs event (as a one-element array `[{…}]`) and per
//! Service Bus message (as a bare object `{…}`), in the Event Grid or the CloudEvents schema. The
//! host then hands a custom handler, depending on `cardinality` and `dataType` in function.json
//! (`docs/eventhubs-servicebus.md` §2 has the sources for each form):
//!
//! | form | `Data.<binding>` |
//! |---|---|
//! | Event Hubs batch, no `dataType` | a JSON string of the array of the bodies, each parsed as JSON |
//! | Event Hubs batch, `dataType: string` (ours) | a JSON string of the array of the bodies as strings |
//! | Event Hubs batch, `dataType: binary` | a JSON string of the array of the bodies in base64 |
//! | Event Hubs single, Service Bus message | the body as a JSON string, JSON-encoded once more |
//! | (not seen, accepted) | an event object, or an array of events |
//!
//! So the decoder accepts, recursively: an object (one event), an array (each element), a
//! JSON string (its text, decoded again), and a string that is not JSON text (base64 of a body).
//! Anything else inside a batch (a body that is neither, a number, invalid JSON) is a poison
//! event: it becomes an [`InvalidEvent`] that the dispatcher dead-letters, and the rest of the batch
//! goes on. Only a trigger value that cannot hold events at all fails the invocation.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::value::RawValue;

use crate::events::{parse_event, Delivery, InvalidEvent, RawEvent};
use crate::host::protocol::ProtocolError;

/// The function folder (and URL path) of the Event Hubs function.
pub const EVENT_HUB_FUNCTION: &str = "EventHubTrigger";
/// Its trigger binding (`cardinality: many`, `dataType: string`).
pub const EVENT_HUB_BINDING: &str = "events";
/// The function folder (and URL path) of the Service Bus function.
pub const SERVICE_BUS_FUNCTION: &str = "ServiceBusTrigger";
/// Its trigger binding (one message per invocation).
pub const SERVICE_BUS_BINDING: &str = "message";

/// How deep strings-in-arrays-in-strings may nest. The deepest form the host produces is three
/// layers (a string of an array of strings, each holding `[{…}]`); one more is slack.
const MAX_LAYERS: usize = 6;

/// The events of a message trigger value, flattened in order; see the module docs for the forms.
/// `binding` names the trigger in errors.
pub fn message_events(raw: &RawValue, binding: &'static str) -> Result<Delivery, ProtocolError> {
    let bad = |reason: &str| ProtocolError::BadTrigger {
        binding,
        reason: reason.to_owned(),
    };
    let mut events = Delivery::new();
    match raw.get().as_bytes().first() {
        Some(b'{' | b'[') => collect_json(raw.get(), 0, &mut events),
        Some(b'"') => match serde_json::from_str::<Cow<'_, str>>(raw.get()) {
            Ok(text) => collect_body(&text, 1, &mut events),
            Err(_) => return Err(bad("a string that is not valid JSON")),
        },
        _ => {
            return Err(bad(
                "expected a string holding the message bodies, an event object or an array",
            ))
        }
    }
    Ok(events)
}

/// The events of a trigger value that was a JSON string, given as its decoded text (see
/// [`crate::host::protocol::StringTrigger`]): the same events [`message_events`] finds.
pub fn message_events_in_text(text: &str) -> Delivery {
    let mut events = Delivery::new();
    collect_body(text, 1, &mut events);
    events
}

/// One JSON value: an object is an event, an array holds bodies, a string is a body; anything
/// else, and text that is not valid JSON, is poison. Each text is scanned once on the way down
/// (an invalid one fails where it is split or parsed), never validated first.
fn collect_json(text: &str, layer: usize, events: &mut Delivery) {
    if layer > MAX_LAYERS {
        return events.push(Err(poison(events.len(), text, "nested too deeply")));
    }
    match text.as_bytes().first() {
        Some(b'{') => {
            let index = events.len();
            match parse_event(index, text) {
                Ok(event) => events.push(Ok(event)),
                // An object with a wrong envelope keeps its own error; broken JSON gets a raw
                // form that is JSON.
                Err(invalid) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => {
                    events.push(Err(invalid))
                }
                Err(_) => events.push(Err(poison(index, text, "not valid JSON"))),
            }
        }
        // The host's own forms are arrays of strings (`dataType: string` or `binary`): read
        // and unescape each in one pass. Anything else (or a mix) is split into raw values.
        Some(b'[') if starts_with_string(text) => match serde_json::from_str::<Vec<String>>(text) {
            Ok(bodies) => {
                for body in bodies {
                    collect_body(&body, layer + 1, events);
                }
            }
            Err(_) => collect_items(text, layer, events),
        },
        Some(b'[') => collect_items(text, layer, events),
        Some(b'"') => match serde_json::from_str::<Cow<'_, str>>(text) {
            Ok(body) => collect_body(&body, layer + 1, events),
            Err(_) => events.push(Err(poison(events.len(), text, "not valid JSON"))),
        },
        _ => events.push(Err(poison(
            events.len(),
            text,
            "a message body must hold an event object or an array of events",
        ))),
    }
}

/// Whether the array `text` starts with a string element.
fn starts_with_string(text: &str) -> bool {
    text.get(1..).and_then(|rest| {
        rest.trim_start_matches(|c: char| c.is_ascii_whitespace())
            .bytes()
            .next()
    }) == Some(b'"')
}

/// An array: each element in turn.
fn collect_items(text: &str, layer: usize, events: &mut Delivery) {
    match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(items) => {
            for item in items {
                collect_json(item.get(), layer + 1, events);
            }
        }
        Err(_) => events.push(Err(poison(events.len(), text, "not valid JSON"))),
    }
}

/// One message body as text: JSON text (an event, an array, or a string encoded once more), or
/// base64 of such text (`dataType: binary`). Base64 never starts with `{`, `[` or `"`, so the two
/// cannot be confused.
fn collect_body(body: &str, layer: usize, events: &mut Delivery) {
    let text = body
        .trim_start_matches('\u{feff}')
        .trim_matches(|c: char| c.is_ascii_whitespace());
    match text.as_bytes().first() {
        Some(b'{' | b'[' | b'"') => collect_json(text, layer, events),
        _ => match base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        {
            Some(decoded) if layer < MAX_LAYERS && !decoded.is_empty() => {
                collect_body(&decoded, layer + 1, events)
            }
            _ => events.push(Err(poison(
                events.len(),
                text,
                "a message body that is neither JSON nor base64 of JSON",
            ))),
        },
    }
}

/// A poison event. Its raw form is the body as a JSON *string* when the body is not valid JSON,
/// so that every raw event stays JSON (the raw-event blob is a JSON array of them).
fn poison(index: usize, text: &str, reason: &str) -> InvalidEvent {
    let raw = if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        RawEvent::from(text)
    } else {
        RawEvent::from(serde_json::to_string(text).unwrap_or_default().as_str())
    };
    InvalidEvent {
        index,
        id: None,
        event_type: None,
        reason: reason.to_owned(),
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EG: &str = r#"{"id":"e1","eventType":"Microsoft.Communication.Unheard","subject":"s","eventTime":"2020-09-18T00:27:47Z","data":{},"dataVersion":"1.0"}"#;
    const CE: &str = r#"{"specversion":"1.0","id":"c1","type":"Microsoft.Communication.Unheard","source":"/x","time":"2020-09-18T00:27:47Z","data":{}}"#;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    fn string(text: &str) -> String {
        serde_json::to_string(text).unwrap()
    }

    fn ids(events: &Delivery) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Ok(event) => event.envelope.id.clone(),
                Err(invalid) => format!("poison#{}", invalid.index),
            })
            .collect()
    }

    #[test]
    fn every_form_the_host_may_use() {
        let eh_body = format!("[{EG}]");
        let sb_body = CE.to_owned();
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let forms = [
            // Event Hubs batch, default dataType: bodies parsed as JSON.
            string(&format!("[{eh_body},{sb_body}]")),
            // dataType string: bodies as strings.
            string(&format!("[{},{}]", string(&eh_body), string(&sb_body))),
            // dataType binary: base64 bodies.
            string(&format!(
                "[{},{}]",
                string(&b64(&eh_body)),
                string(&b64(&sb_body))
            )),
            // Not seen from the host, accepted: the array itself.
            format!("[{eh_body},{sb_body}]"),
        ];
        for form in forms {
            let events = message_events(&raw(&form), "events").unwrap();
            assert_eq!(ids(&events), ["e1", "c1"], "{form}");
        }
        // Single dispatch and Service Bus: the body, encoded twice.
        for body in [eh_body.as_str(), sb_body.as_str()] {
            let form = string(&string(body));
            let events = message_events(&raw(&form), "message").unwrap();
            assert_eq!(events.len(), 1, "{form}");
            assert!(events[0].is_ok(), "{form}");
        }
        assert!(message_events(&raw(&string("[]")), "events")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn poison_bodies_cost_only_themselves() {
        let form = string(&format!(
            "[{},{},{},{},{}]",
            string(&format!("[{EG}]")),
            string("hello, not json"),
            string("{\"id\":"),
            "42",
            string(CE)
        ));
        let events = message_events(&raw(&form), "events").unwrap();
        assert_eq!(
            ids(&events),
            ["e1", "poison#1", "poison#2", "poison#3", "c1"]
        );
        // Every raw event is JSON, even when the body was not.
        for event in &events {
            let text = match event {
                Ok(e) => e.raw.get(),
                Err(e) => e.raw.get(),
            };
            serde_json::from_str::<serde_json::Value>(text).unwrap();
        }
        // A Service Bus message that is not JSON is one poison event, not a failed invocation.
        let events = message_events(&raw(&string(&string("plain text"))), "message").unwrap();
        assert!(matches!(events.as_slice(), [Err(_)]));
    }

    #[test]
    fn values_that_hold_no_events_fail_the_invocation() {
        for bad in ["5", "null", "true"] {
            let err = message_events(&raw(bad), "events").unwrap_err();
            assert_eq!(err.status(), 400, "{bad}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut form = EG.to_owned();
        for _ in 0..20 {
            form = format!("[{form}]");
        }
        let events = message_events(&raw(&form), "events").unwrap();
        assert!(matches!(events.as_slice(), [Err(_)]));
    }
}

/// Where a batch sits in its broker, from `Metadata`, for the one log line an invocation adds
/// about itself: the Event Hubs partition and sequence numbers (a lag or a replay shows there), or
/// the Service Bus delivery count (above 1: a redelivery). Read leniently: a member that is
/// absent or of another shape is left out, never an error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchPosition {
    pub partition: Option<String>,
    /// First and last sequence number of the batch (or of the one message).
    pub sequence_numbers: Option<(i64, i64)>,
    pub delivery_count: Option<u32>,
}

#[derive(serde::Deserialize)]
struct PartitionContext {
    #[serde(rename = "PartitionId")]
    partition_id: Option<String>,
}

impl BatchPosition {
    /// Reads the position from an invocation's `Metadata`.
    pub fn from_metadata(data: &crate::host::protocol::InvocationData<'_>) -> Self {
        /// A metadata value as `T`: the host sends arrays and scalars as JSON strings of their
        /// JSON (parse once or twice more), objects as objects.
        fn read<T: serde::de::DeserializeOwned>(raw: Option<&RawValue>) -> Option<T> {
            let text = crate::host::protocol::decode_string_value(raw?, 2).ok()?;
            serde_json::from_str(&text).ok()
        }
        let data_field = |name| data.metadata(name);
        let sequence_numbers = read::<Vec<i64>>(data_field("SequenceNumberArray"))
            .and_then(|numbers| Some((*numbers.first()?, *numbers.last()?)))
            .or_else(|| read::<i64>(data_field("SequenceNumber")).map(|n| (n, n)));
        BatchPosition {
            partition: read::<PartitionContext>(data_field("PartitionContext"))
                .and_then(|c| c.partition_id)
                .map(|id| crate::logtext::clip(&id, 40).to_owned()),
            sequence_numbers,
            delivery_count: read::<u32>(data_field("DeliveryCount")),
        }
    }
}

impl std::fmt::Display for BatchPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(partition) = &self.partition {
            parts.push(format!("partition {partition}"));
        }
        match self.sequence_numbers {
            Some((first, last)) if first != last => {
                parts.push(format!("sequence numbers {first}-{last}"))
            }
            Some((first, _)) => parts.push(format!("sequence number {first}")),
            None => {}
        }
        if let Some(count) = self.delivery_count {
            parts.push(format!("delivery {count}"));
        }
        f.write_str(&parts.join(", "))
    }
}
