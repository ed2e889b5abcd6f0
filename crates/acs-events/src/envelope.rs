//! Delivery bodies and event envelopes: Event Grid schema or CloudEvents 1.0, one object or an
//! array, detected from the JSON shape (never from a header, which the Functions host does not
//! pass on).
//!
//! Each event keeps its raw JSON next to the typed view, so what we archive or dead-letter is
//! exactly what Azure sent, even when our model is behind the service.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::catalog::AcsEvent;
use super::timestamp::Timestamp;

/// Which envelope an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Schema {
    /// The Event Grid event schema: `eventType`, `eventTime`, `topic`, `dataVersion`.
    EventGrid,
    /// CloudEvents 1.0 (JSON format): `type`, `time`, `source`, `specversion`.
    CloudEvents,
}

impl Schema {
    /// The one rule for telling the schemas apart, used by the parser and by the subscription
    /// filter so they never disagree: an `eventType` member means Event Grid; otherwise a `type`
    /// with a `source` or a `specversion` means CloudEvents; anything else is neither (the
    /// parser reports it as an invalid event). Only the presence of the members counts.
    ///
    /// ```
    /// use acs_events::Schema;
    /// assert_eq!(Schema::detect(true, true, true), Some(Schema::EventGrid));
    /// assert_eq!(Schema::detect(false, true, true), Some(Schema::CloudEvents));
    /// assert_eq!(Schema::detect(false, true, false), None);
    /// ```
    pub fn detect(
        has_event_type: bool,
        has_type: bool,
        has_source_or_specversion: bool,
    ) -> Option<Schema> {
        if has_event_type {
            Some(Schema::EventGrid)
        } else if has_type && has_source_or_specversion {
            Some(Schema::CloudEvents)
        } else {
            None
        }
    }

    /// `"eventgrid"` or `"cloudevents"`, as `inspect` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Schema::EventGrid => "eventgrid",
            Schema::CloudEvents => "cloudevents",
        }
    }
}

/// The envelope fields both schemas share, under their Event Grid names. Its `Debug` leaves the
/// subject out: ACS subjects carry phone numbers and user ids (`/phonenumber/{number}`).
#[derive(Clone, PartialEq)]
pub struct Envelope {
    /// The schema the event was detected in.
    pub schema: Schema,
    /// The event id: unique per event, and the same on every redelivery, so it is the key to
    /// deduplicate on (Event Grid delivers at least once).
    pub id: String,
    /// The event type as sent (`eventType` / `type`).
    pub event_type: String,
    /// `topic` (Event Grid) or `source` (CloudEvents): the ACS resource id. Its casing varies.
    pub source: Option<String>,
    /// `subject`: for ACS the resource path inside the service (`/phonenumber/{number}`,
    /// `thread/{threadId}/sender/{senderId}/recipient/{recipientId}`, …), which Event Grid
    /// filters match. Often personal data, hence left out of `Debug`.
    pub subject: Option<String>,
    /// `eventTime` / `time`.
    pub time: Option<Timestamp>,
    /// `dataVersion` (Event Grid only).
    pub data_version: Option<String>,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("schema", &self.schema)
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("source", &self.source)
            .field("subject", &self.subject.as_ref().map(|_| "<redacted>"))
            .field("time", &self.time)
            .field("data_version", &self.data_version)
            .finish()
    }
}

/// The JSON text of one event exactly as received: what we dead-letter or archive, so nothing is
/// lost when our model is behind the service. Its `Debug` shows only the length.
#[derive(Clone, PartialEq, Eq)]
pub struct RawEvent(Box<str>);

impl std::fmt::Debug for RawEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawEvent(<{} bytes>)", self.0.len())
    }
}

impl RawEvent {
    /// The JSON text.
    pub fn get(&self) -> &str {
        &self.0
    }
}

impl From<&str> for RawEvent {
    fn from(text: &str) -> Self {
        RawEvent(text.into())
    }
}

/// One event of a delivery: the envelope, the typed data (or why it does not fit), and the raw
/// JSON.
#[derive(Debug, Clone)]
pub struct Event {
    /// The envelope fields, read even when the data does not fit.
    pub envelope: Envelope,
    /// The typed data. An error means a *known* type whose `data` does not fit its struct (a
    /// missing required field, a wrong JSON type); unknown types are never an error but
    /// [`AcsEvent::Unknown`]. Keeping the envelope beside the error lets a handler name, log and
    /// dead-letter the event instead of failing the whole delivery.
    pub data: Result<AcsEvent, DataError>,
    /// The event's JSON exactly as received.
    pub raw: RawEvent,
}

/// Known event type whose `data` does not fit its declared type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {id} ({event_type}): `{path}` does not fit: {message}")]
pub struct DataError {
    /// The event's `id`.
    pub id: String,
    /// The event type as sent.
    pub event_type: String,
    /// JSON path from the event root, e.g. `data.receivedTimestamp`.
    pub path: String,
    /// What was wrong, without the offending value (safe to log; see [`crate::safe_message`]).
    pub message: String,
}

/// An array element that is not an event in either schema. Keeps the raw JSON for dead-lettering.
#[derive(Debug, Clone, thiserror::Error)]
#[error("event #{index}{}: {reason}", id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default())]
pub struct InvalidEvent {
    /// Position in the delivery (0 for a single object).
    pub index: usize,
    /// The `id`, when it could be read.
    pub id: Option<String>,
    /// The event type, when it could be read.
    pub event_type: Option<String>,
    /// Why the element is not an event (not an object, no `id`, neither schema, …).
    pub reason: String,
    /// The element's JSON exactly as received, for a dead letter.
    pub raw: RawEvent,
}

/// A body that is not a delivery at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The body is not UTF-8 or not JSON; serde_json's message (with its line and column).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The body is JSON but neither an object nor an array (`"a number"`, `"null"`, …).
    #[error("expected a JSON object (one event) or an array of events, found {0}")]
    NotAnEventOrArray(&'static str),
    /// `[]`: Event Grid never sends an empty batch, so this is a caller's mistake.
    #[error("the array holds no event")]
    Empty,
}

/// What a delivery parses into: per event, the event or why it is not one.
pub type Delivery = Vec<Result<Event, InvalidEvent>>;

/// The union of both schemas' top-level fields; everything optional so that detection and
/// errors are ours, not serde's.
#[derive(Deserialize)]
struct WireEnvelope<'a> {
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, rename = "eventType", borrow)]
    event_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, rename = "type", borrow)]
    ce_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default, rename = "eventTime", borrow)]
    event_time: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    time: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, rename = "dataVersion")]
    data_version: Option<String>,
    #[serde(default, alias = "specVersion", borrow)]
    specversion: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
}

/// Parses a delivery body: one event object or an array of them, in either schema.
///
/// A single object is read in one pass (its raw text is the body itself); an array is split into
/// its elements first.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, DeliveryError> {
    let text =
        std::str::from_utf8(body).map_err(|e| DeliveryError::Json(format!("not UTF-8: {e}")))?;
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    match trimmed.as_bytes().first() {
        Some(b'[') => {
            let items: Vec<&RawValue> =
                serde_json::from_str(trimmed).map_err(|e| DeliveryError::Json(e.to_string()))?;
            if items.is_empty() {
                return Err(DeliveryError::Empty);
            }
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(index, raw)| parse_event(index, raw.get()))
                .collect())
        }
        Some(b'{') => match serde_json::from_str::<WireEnvelope<'_>>(trimmed) {
            Ok(wire) => Ok(vec![build_event(0, wire, trimmed)]),
            Err(e) if e.is_data() => {
                // The envelope has wrong types, but is the rest of the body JSON at all?
                serde_json::from_str::<serde::de::IgnoredAny>(trimmed)
                    .map_err(|e| DeliveryError::Json(e.to_string()))?;
                Ok(vec![Err(wrong_types(0, &e, trimmed))])
            }
            Err(e) => Err(DeliveryError::Json(e.to_string())),
        },
        _ => {
            let value: serde_json::Value =
                serde_json::from_str(trimmed).map_err(|e| DeliveryError::Json(e.to_string()))?;
            Err(DeliveryError::NotAnEventOrArray(json_kind(&value)))
        }
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Parses one event from the JSON text of one value, which must be valid JSON (e.g. taken from a
/// [`RawValue`]); `index` is its position in the delivery, for errors.
pub fn parse_event(index: usize, text: &str) -> Result<Event, InvalidEvent> {
    if !text.starts_with('{') {
        return Err(InvalidEvent {
            index,
            id: None,
            event_type: None,
            reason: "an event must be a JSON object".to_owned(),
            raw: RawEvent::from(text),
        });
    }
    match serde_json::from_str::<WireEnvelope<'_>>(text) {
        Ok(wire) => build_event(index, wire, text),
        Err(e) => Err(wrong_types(index, &e, text)),
    }
}

fn wrong_types(index: usize, error: &serde_json::Error, text: &str) -> InvalidEvent {
    let (id, event_type) = salvage_names(text);
    InvalidEvent {
        index,
        id,
        event_type,
        reason: format!("envelope fields have the wrong type: {error}"),
        raw: RawEvent::from(text),
    }
}

/// The `id` and event type of an event whose envelope did not parse (a duplicate key, a field of
/// the wrong type), so that its dead letter and log line can still name it. Reads only top-level
/// string members and skips everything else without building it; a repeated key keeps its last
/// value, as Newtonsoft (the host's JSON reader) does.
fn salvage_names(text: &str) -> (Option<String>, Option<String>) {
    struct Names(Option<String>, Option<String>, Option<String>);
    impl<'de> serde::Deserialize<'de> for Names {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl<'de> serde::de::Visitor<'de> for Visitor {
                type Value = Names;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an event object")
                }
                fn visit_map<M: serde::de::MapAccess<'de>>(
                    self,
                    mut map: M,
                ) -> Result<Names, M::Error> {
                    let mut names = Names(None, None, None);
                    while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                        let slot = match key.as_ref() {
                            "id" => &mut names.0,
                            "eventType" => &mut names.1,
                            "type" => &mut names.2,
                            _ => {
                                map.next_value::<serde::de::IgnoredAny>()?;
                                continue;
                            }
                        };
                        if let Ok(Some(value)) = map.next_value::<Option<String>>() {
                            *slot = Some(value);
                        }
                    }
                    Ok(names)
                }
            }
            deserializer.deserialize_map(Visitor)
        }
    }
    // A value of another type under one of the names ends the salvage there; what was read
    // before stays.
    match serde_json::from_str::<Names>(text) {
        Ok(Names(id, event_type, ce_type)) => {
            (id.filter(|i| !i.is_empty()), event_type.or(ce_type))
        }
        Err(_) => (None, None),
    }
}

/// The typed event from its parsed envelope fields; `text` is its raw JSON.
fn build_event(index: usize, wire: WireEnvelope<'_>, text: &str) -> Result<Event, InvalidEvent> {
    let invalid = |reason: String, id: Option<String>, event_type: Option<String>| InvalidEvent {
        index,
        id,
        event_type,
        reason,
        raw: RawEvent::from(text),
    };
    let id = wire.id.as_deref().map(str::to_owned);
    let detected = Schema::detect(
        wire.event_type.is_some(),
        wire.ce_type.is_some(),
        wire.source.is_some() || wire.specversion.is_some(),
    );
    let (schema, event_type, time) = match (detected, &wire.event_type, &wire.ce_type) {
        (Some(Schema::EventGrid), Some(event_type), _) => {
            (Schema::EventGrid, event_type, &wire.event_time)
        }
        (Some(Schema::CloudEvents), _, Some(ce_type)) => (Schema::CloudEvents, ce_type, &wire.time),
        _ => {
            let reason =
                "neither an Event Grid event (`eventType`) nor a CloudEvent (`type` with `source`)"
                    .to_owned();
            let event_type = wire.ce_type.as_deref().map(str::to_owned);
            return Err(invalid(reason, id, event_type));
        }
    };
    let event_type = event_type.to_string();
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Err(invalid(
            "the event has no `id`".to_owned(),
            None,
            Some(event_type),
        ));
    };
    // A malformed time does not make the rest unreadable: the event is named, and goes to the
    // dead letter as data that does not fit (`invalidData`, path `eventTime` / `time`).
    let (time, time_error) = match time.as_deref().map(Timestamp::parse).transpose() {
        Ok(time) => (time, None),
        Err(e) => {
            let field = if schema == Schema::EventGrid {
                "eventTime"
            } else {
                "time"
            };
            (None, Some((field, e.to_string())))
        }
    };
    let data = match time_error {
        Some((field, message)) => Err(DataError {
            id: id.clone(),
            event_type: event_type.clone(),
            path: field.to_owned(),
            message,
        }),
        None => AcsEvent::from_data(&event_type, wire.data).map_err(|fault| DataError {
            id: id.clone(),
            event_type: event_type.clone(),
            path: fault.path,
            message: fault.message,
        }),
    };
    let envelope = Envelope {
        schema,
        id,
        event_type,
        source: if schema == Schema::EventGrid {
            wire.topic
        } else {
            wire.source
        },
        subject: wire.subject,
        time,
        data_version: wire.data_version,
    };
    Ok(Event {
        envelope,
        data,
        raw: RawEvent::from(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "sms")]
    use crate::event_types;

    #[cfg(feature = "sms")]
    const EG: &str = r#"[{"id":"e1","topic":"/subscriptions/x","subject":"/phonenumber/15555555555","eventType":"Microsoft.Communication.SMSReceived","eventTime":"2020-09-18T00:27:47Z","dataVersion":"1.0","metadataVersion":"1","data":{"messageId":"m","from":"1","to":"2","message":"hi","receivedTimestamp":"2020-09-18T00:27:45.32Z"}}]"#;

    #[cfg(feature = "sms")]
    #[test]
    fn event_grid_array() {
        let delivery = parse_delivery(EG.as_bytes()).unwrap();
        assert_eq!(delivery.len(), 1);
        let event = delivery[0].as_ref().unwrap();
        assert_eq!(event.envelope.schema, Schema::EventGrid);
        assert_eq!(event.envelope.event_type, event_types::SMS_RECEIVED);
        assert_eq!(event.envelope.source.as_deref(), Some("/subscriptions/x"));
        assert_eq!(event.data.as_ref().unwrap().kind(), "SmsReceived");
        assert!(event.raw.get().contains("metadataVersion"));
    }

    #[test]
    fn cloud_event_object_with_camel_case_spec_version() {
        let body = r#"{"id":"c1","source":"/subscriptions/x","specVersion":"1.0","type":"Microsoft.Communication.SMSReceived","time":"2020-09-18T00:27:47.0000000Z","data":{"MessageId":"m","From":"1","To":"2","Message":"hi","ReceivedTimestamp":"2020-09-18T00:27:45.32Z"}}"#;
        let delivery = parse_delivery(body.as_bytes()).unwrap();
        let event = delivery[0].as_ref().unwrap();
        assert_eq!(event.envelope.schema, Schema::CloudEvents);
        assert_eq!(
            event.envelope.time.unwrap().to_rfc3339(),
            "2020-09-18T00:27:47Z"
        );
    }

    #[test]
    fn bodies_that_are_not_deliveries() {
        assert!(matches!(parse_delivery(b"  "), Err(DeliveryError::Json(_))));
        assert!(matches!(
            parse_delivery(b"[1,"),
            Err(DeliveryError::Json(_))
        ));
        assert_eq!(
            parse_delivery(b"null").unwrap_err(),
            DeliveryError::NotAnEventOrArray("null")
        );
        assert_eq!(parse_delivery(b"[]").unwrap_err(), DeliveryError::Empty);
    }

    #[test]
    fn invalid_elements_are_reported_with_their_raw_json() {
        let body = r#"[{"id":"a","subject":"s"}, 5, {"eventType":"X","id":""}, {"id":"d","id":"e","eventType":"X"}]"#;
        let delivery = parse_delivery(body.as_bytes()).unwrap();
        let errors: Vec<&InvalidEvent> = delivery.iter().map(|r| r.as_ref().unwrap_err()).collect();
        assert!(errors[0].to_string().contains("neither"), "{}", errors[0]);
        assert!(
            errors[1].to_string().contains("JSON object"),
            "{}",
            errors[1]
        );
        assert!(errors[2].to_string().contains("no `id`"), "{}", errors[2]);
        assert!(
            errors[3].to_string().contains("duplicate field"),
            "{}",
            errors[3]
        );
        // A duplicate key still lets the event be named (the last value, as Newtonsoft reads it).
        assert_eq!(errors[3].id.as_deref(), Some("e"));
        assert_eq!(errors[3].event_type.as_deref(), Some("X"));
        assert_eq!(delivery[1].as_ref().unwrap_err().raw.get(), "5");
    }

    #[test]
    fn a_malformed_event_time_is_data_that_does_not_fit() {
        for time in [
            "later",
            "9999-12-31T23:59:59-00:01",
            "12/31/9999 11:59:59 PM -14:00",
        ] {
            let body = format!(r#"{{"id":"t","eventType":"X","eventTime":"{time}","data":{{}}}}"#);
            let delivery = parse_delivery(body.as_bytes()).unwrap();
            let event = delivery[0].as_ref().expect("still an event");
            let err = event.data.as_ref().unwrap_err();
            assert_eq!(
                (err.id.as_str(), err.path.as_str()),
                ("t", "eventTime"),
                "{time}"
            );
            assert!(err.message.contains(time), "{time}: {err}");
        }
    }

    #[cfg(feature = "sms")]
    #[test]
    fn data_errors_name_id_type_and_path() {
        let body = EG.replace(
            r#""receivedTimestamp":"2020-09-18T00:27:45.32Z""#,
            r#""receivedTimestamp":42"#,
        );
        let delivery = parse_delivery(body.as_bytes()).unwrap();
        let err = delivery[0].as_ref().unwrap().data.as_ref().unwrap_err();
        assert_eq!(err.id, "e1");
        assert_eq!(err.path, "data.receivedTimestamp");
        let text = err.to_string();
        assert!(
            text.contains("e1")
                && text.contains("SMSReceived")
                && text.contains("data.receivedTimestamp"),
            "{text}"
        );
    }
}
