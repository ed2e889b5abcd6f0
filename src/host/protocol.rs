//! The Azure Functions custom-handler protocol, without HTTP: the host's invocation body
//! (`{"Data": {...}, "Metadata": {...}}`) in, the invocation result
//! (`{"Outputs": {...}, "Logs": [...], "ReturnValue": true}`) out.
//!
//! The host JSON-encodes string values a second time, and may hand an Event Grid trigger value
//! over as an object, a string holding the event, or (with `cardinality: many`) a string holding an
//! array. This module undoes all of that and knows nothing about SMS or chat.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::events::{parse_delivery, parse_event, Delivery, DeliveryError};
use crate::host::outputs::{GroupedOutputs, Output, RawArchive};

/// The function folder (and URL path) of the Event Grid function.
pub const EVENT_GRID_FUNCTION: &str = "EventGridTrigger";
/// The trigger binding name in `EventGridTrigger/function.json`.
pub const EVENT_GRID_BINDING: &str = "eventGridEvent";

/// Largest invocation body we read (the host puts each event in `Data` and its `data` again in
/// `Metadata`; Event Grid caps an event at 1 MB and a batch at 1 MB).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// What is wrong with an invocation, mapped to an HTTP status in one place ([`ProtocolError::status`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is not the host's invocation envelope: {0}")]
    NotAnInvocation(String),
    #[error("the invocation has no `Data` object")]
    MissingData,
    #[error("`Data` has no `{0}` trigger value")]
    MissingTrigger(&'static str),
    #[error("the `{binding}` trigger value is not an event: {reason}")]
    BadTrigger {
        binding: &'static str,
        reason: String,
    },
    #[error("no function named `{0}` (function names are case-sensitive)")]
    UnknownFunction(String),
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("temporary failure, retry: {0}")]
    Transient(String),
    #[error("the `{binding}` value cannot be used: {reason}")]
    BadInput {
        binding: &'static str,
        reason: String,
    },
    #[error("the function cannot run until its configuration is fixed: {0}")]
    Unavailable(String),
    #[error("{method} is not allowed here; use {allowed}")]
    MethodNotAllowed {
        method: String,
        allowed: &'static str,
    },
    #[error("the body did not arrive within {millis} ms")]
    BodyTimeout { millis: u64 },
    /// A bug (a panic outside the per-event guard): 500, so the host retries the invocation.
    #[error("internal error in the handler; the invocation may be retried")]
    Internal,
}

impl ProtocolError {
    /// The status the host sees: 4xx for requests that can never succeed, 500 (retry) only for
    /// transient faults.
    pub fn status(&self) -> u16 {
        match self {
            ProtocolError::UnknownFunction(_) => 404,
            ProtocolError::MethodNotAllowed { .. } => 405,
            ProtocolError::BodyTimeout { .. } => 408,
            ProtocolError::TooLarge { .. } => 413,
            ProtocolError::Transient(_) | ProtocolError::Internal => 500,
            ProtocolError::Unavailable(_) => 503,
            _ => 400,
        }
    }
}

#[derive(Deserialize)]
struct InvokeRequest<'a> {
    #[serde(rename = "Data", alias = "data", borrow, default)]
    data: Option<Bindings<'a>>,
    #[serde(rename = "Metadata", alias = "metadata", borrow, default)]
    metadata: Option<MetadataFields<'a>>,
}

/// The few members of `Metadata` the handler reads, and nothing else of it: `id`, and the
/// batch's position in its Event Hubs partition or the Service Bus message's delivery count (see
/// [`METADATA_FIELDS`]). The host fills `Metadata` from the binding data, and for a trigger value
/// that is JSON text it adds the event's top-level members to the binding data
/// (`Utility.ApplyBindingData`, see `docs/outputs-and-limits.md` §4): so `Metadata.id` is there
/// exactly when the `{id}` expression of a blob path can be resolved. Any shape is accepted (a
/// `Metadata` that is not an object has none of them), so reading it can never fail an
/// invocation that ignoring it would have passed.
struct MetadataFields<'a>(Vec<(&'static str, &'a RawValue)>);

/// The `Metadata` members [`InvocationData::metadata`] keeps: `id` (blob names), and for the
/// broker triggers what a log line about a batch needs (`docs/eventhubs-servicebus.md` §2.3,
/// §2.4). Matched case-sensitively, as the host spells them.
pub const METADATA_FIELDS: [&str; 6] = [
    "id",
    "PartitionContext",
    "SequenceNumberArray",
    "SequenceNumber",
    "DeliveryCount",
    "MessageId",
];

impl<'de: 'a, 'a> Deserialize<'de> for MetadataFields<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = MetadataFields<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<MetadataFields<'a>, M::Error> {
                let mut fields = Vec::new();
                while let Some(name) = map.next_key::<Cow<'de, str>>()? {
                    match METADATA_FIELDS.iter().find(|f| **f == name) {
                        Some(field) => fields.push((*field, map.next_value::<&'de RawValue>()?)),
                        None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(MetadataFields(fields))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MetadataFields<'a>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_str<E>(self, _: &str) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<MetadataFields<'a>, E> {
                Ok(MetadataFields(Vec::new()))
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// Binding name to raw value, in a small vector: an invocation has a handful of bindings, and a
/// hash map would cost more to build than a linear search costs to read.
struct Bindings<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Bindings<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Bindings<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of binding values")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Bindings<'a>, M::Error> {
                let mut bindings = Vec::with_capacity(map.size_hint().unwrap_or(2));
                while let Some((name, value)) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    bindings.push((name, value));
                }
                Ok(Bindings(bindings))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The `Data` of an invocation (binding name to raw value), and the members of `Metadata` in
/// [`METADATA_FIELDS`].
pub struct InvocationData<'a> {
    bindings: Vec<(Cow<'a, str>, &'a RawValue)>,
    metadata: Vec<(&'static str, &'a RawValue)>,
}

impl<'a> InvocationData<'a> {
    /// Reads the host's envelope. Of `Metadata` only [`METADATA_FIELDS`] are kept (see
    /// [`MetadataFields`]): the trigger value has everything else.
    pub fn parse(body: &'a [u8]) -> Result<Self, ProtocolError> {
        let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
        if first != Some(b'{') {
            return match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Err(e) => Err(ProtocolError::NotJson(e.to_string())),
                Ok(_) => Err(ProtocolError::NotAnInvocation(
                    "expected a JSON object".to_owned(),
                )),
            };
        }
        let request: InvokeRequest<'a> = serde_json::from_slice(body).map_err(|e| {
            if e.is_data() {
                ProtocolError::NotAnInvocation(e.to_string())
            } else {
                ProtocolError::NotJson(e.to_string())
            }
        })?;
        let metadata = request.metadata.map(|m| m.0).unwrap_or_default();
        request
            .data
            .map(|bindings| InvocationData {
                bindings: bindings.0,
                metadata,
            })
            .ok_or(ProtocolError::MissingData)
    }

    /// `Metadata.id` as text: the host JSON-encodes string values once more, so a JSON string
    /// holding a JSON string is decoded (up to twice). `None` when absent or not a string.
    pub fn metadata_id(&self) -> Option<String> {
        let raw = self.metadata("id")?;
        let mut text: String = serde_json::from_str(raw.get()).ok()?;
        if text.starts_with('"') {
            if let Ok(inner) = serde_json::from_str::<String>(&text) {
                text = inner;
            }
        }
        Some(text)
    }

    /// The raw value of a `Metadata` member named in [`METADATA_FIELDS`] (the last, if the host
    /// sent it twice).
    pub fn metadata(&self, name: &str) -> Option<&'a RawValue> {
        self.metadata
            .iter()
            .rev()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| *value)
    }

    /// The raw value of an input binding.
    pub fn get(&self, binding: &'static str) -> Result<&'a RawValue, ProtocolError> {
        self.bindings
            .iter()
            .find(|(name, _)| name == binding)
            .map(|(_, value)| *value)
            .ok_or(ProtocolError::MissingTrigger(binding))
    }
}

/// An invocation whose trigger value is a JSON string (what the host sends for the Event Hubs
/// and Service Bus triggers), read in one pass that decodes the string as it goes.
///
/// The string is the whole batch, escaped: [`InvocationData::parse`] would scan it once to find
/// its end and the trigger decoder again to unescape it, and on text where every third byte is
/// an escape that scan is a third of the batch's cost (measured with `cargo bench --bench
/// batch`). `None` when the body has another shape; the caller then takes the general path,
/// which also gives every error its usual reply.
pub struct StringTrigger<'a> {
    /// The trigger value's text, decoded once (the host's first string layer removed).
    pub text: String,
    /// `Metadata` as [`InvocationData::parse`] keeps it; no bindings.
    pub data: InvocationData<'a>,
}

#[derive(Deserialize)]
struct StringTriggerRequest<'a> {
    #[serde(rename = "Data", alias = "data", default)]
    data: Option<TextBindings>,
    #[serde(rename = "Metadata", alias = "metadata", borrow, default)]
    metadata: Option<MetadataFields<'a>>,
}

/// Binding name to the decoded text of a string value (`None` for any other value, which is
/// skipped unread).
struct TextBindings(Vec<(String, Option<String>)>);

struct TextValue(Option<String>);

impl<'de> Deserialize<'de> for TextValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TextValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, text: &str) -> Result<TextValue, E> {
                Ok(TextValue(Some(text.to_owned())))
            }
            fn visit_string<E>(self, text: String) -> Result<TextValue, E> {
                Ok(TextValue(Some(text)))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<TextValue, M::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(TextValue(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TextValue, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(TextValue(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<TextValue, E> {
                Ok(TextValue(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<TextValue, E> {
                Ok(TextValue(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<TextValue, E> {
                Ok(TextValue(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<TextValue, E> {
                Ok(TextValue(None))
            }
            fn visit_unit<E>(self) -> Result<TextValue, E> {
                Ok(TextValue(None))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl<'de> Deserialize<'de> for TextBindings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = TextBindings;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of binding values")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<TextBindings, M::Error> {
                let mut bindings = Vec::with_capacity(map.size_hint().unwrap_or(1));
                while let Some((name, value)) = map.next_entry::<String, TextValue>()? {
                    bindings.push((name, value.0));
                }
                Ok(TextBindings(bindings))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl<'a> StringTrigger<'a> {
    /// The invocation, when it is a JSON object whose `Data.<binding>` is a string.
    pub fn parse(body: &'a [u8], binding: &str) -> Option<Self> {
        let request: StringTriggerRequest<'a> = serde_json::from_slice(body).ok()?;
        let text = request
            .data?
            .0
            .into_iter()
            .rev()
            .find(|(name, _)| name == binding)?
            .1?;
        Some(StringTrigger {
            text,
            data: InvocationData {
                bindings: Vec::new(),
                metadata: request.metadata.map(|m| m.0).unwrap_or_default(),
            },
        })
    }
}

/// Undoes the host's string encoding of a value: a JSON string is parsed once more, at most
/// `max_decodes` times, and the JSON text inside is returned.
pub fn decode_string_value(raw: &RawValue, max_decodes: usize) -> Result<Cow<'_, str>, String> {
    let mut text: Cow<'_, str> = Cow::Borrowed(raw.get());
    for _ in 0..max_decodes {
        if !text.trim_start().starts_with('"') {
            break;
        }
        let inner: String = serde_json::from_str(&text)
            .map_err(|e| format!("a string that is not valid JSON text: {e}"))?;
        text = Cow::Owned(inner);
    }
    Ok(text)
}

/// A value bound as a string (a queue message, a table entity), read as `T`: the host
/// double-encodes strings, so a JSON string holding the JSON text is decoded first (an object is
/// also accepted, as the docs show it). The reason names the JSON path but never quotes the value,
/// which may be personal data.
pub fn string_bound_value<T: serde::de::DeserializeOwned>(
    raw: &RawValue,
    binding: &'static str,
) -> Result<T, ProtocolError> {
    let bad = |reason: String| ProtocolError::BadInput { binding, reason };
    let text =
        decode_string_value(raw, 2).map_err(|_| bad("a string that is not JSON".to_owned()))?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = crate::events::safe_path(e.path());
        bad(format!(
            "`{path}`: {}",
            crate::events::safe_message(&e.inner().to_string())
        ))
    })?;
    de.end()
        .map_err(|_| bad("text after the JSON value".to_owned()))?;
    Ok(value)
}

/// The events of an Event Grid trigger value: an event object, an array of them
/// (`cardinality: many`), or a JSON string holding either (parsed up to twice).
pub fn trigger_events(raw: &RawValue) -> Result<Delivery, ProtocolError> {
    let bad = |reason: String| ProtocolError::BadTrigger {
        binding: EVENT_GRID_BINDING,
        reason,
    };
    // The usual case, an event object: parse it in place (no second scan of the event).
    if raw.get().starts_with('{') {
        return Ok(vec![parse_event(0, raw.get())]);
    }
    let text = decode_string_value(raw, 2).map_err(bad)?;
    match text.trim_start().as_bytes().first() {
        Some(b'{') | Some(b'[') => {}
        _ => {
            return Err(bad(
                "expected an event object, an array of events, or a string holding them".to_owned(),
            ))
        }
    }
    match parse_delivery(text.as_bytes()) {
        Ok(delivery) => Ok(delivery),
        // An empty batch is a valid (if odd) invocation: nothing to do.
        Err(DeliveryError::Empty) => Ok(Vec::new()),
        Err(e) => Err(bad(e.to_string())),
    }
}

/// The invocation result the host expects.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct InvocationResult {
    pub outputs: Vec<Output>,
    pub logs: Vec<String>,
    /// Raw events kept whole in a blob (cut or dead-lettered events), written as one blob
    /// output when the reply is built.
    pub archive: RawArchive,
}

/// The `ReturnValue` of every reply: `true`, a value that writes nothing.
///
/// A null `ReturnValue` makes the host log "ReturnValue not set on http response" for every
/// invocation: at Warning up to host 4.16 (and in every 3.x), at Debug since 4.17.0
/// (Azure/azure-functions-host 52dd704e, DefaultHttpWorkerService.cs L204-207). A non-null value
/// with no `$return` binding (ours have none) is not bound to anything: before 4.17 it is
/// dropped (`HttpScriptInvocationResultExtensions.ToScriptInvocationResult` only reads it for a
/// `$return` binding); since 4.17 it becomes the invocation's `Return`, which
/// `WorkerFunctionInvoker.HandleOutputDictionary` copies into the outputs **only when it is a
/// JSON object**, and which the generated function method (returning `Task`, no `$return`
/// parameter) then discards. A boolean is therefore inert in every host version; an object
/// would write its members as outputs, and a string could be base64-decoded if a `$return`
/// binding were ever added. Evidence: `docs/host-protocol.md` §1.
pub const RETURN_VALUE: bool = true;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ResultBody<'a> {
    outputs: GroupedOutputs<'a>,
    logs: EscapedLogs<'a>,
    return_value: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
}

/// `Logs` lines, each escaped for the log it becomes (the host logs every line at Information):
/// see [`crate::logtext`]. The one place every line passes through.
struct EscapedLogs<'a>(&'a [String]);

impl Serialize for EscapedLogs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|line| crate::logtext::escape(line)))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: u16,
    message: &'a str,
}

impl InvocationResult {
    /// The JSON body of a successful reply.
    pub fn to_json(&self) -> Vec<u8> {
        let blob = match self.archive.output() {
            Some(Ok(blob)) => Some(blob),
            Some(Err(e)) => {
                // Cannot happen: raw events are JSON objects (or the array of them).
                tracing::error!(error = %e, "could not build the raw-event blob");
                None
            }
            None => None,
        };
        // Written by hand around the outputs (see `GroupedOutputs::write_json`); the same JSON
        // as serializing a `ResultBody`.
        let outputs = GroupedOutputs::with_extra(&self.outputs, blob.as_ref());
        let mut buffer =
            Vec::with_capacity(64 + self.logs.iter().map(|l| l.len() + 4).sum::<usize>());
        buffer.extend_from_slice(b"{\"Outputs\":");
        outputs.write_json(&mut buffer);
        buffer.extend_from_slice(b",\"Logs\":");
        // Serializing strings cannot fail.
        if serde_json::to_writer(&mut buffer, &EscapedLogs(&self.logs)).is_err() {
            return FALLBACK_BODY.to_vec();
        }
        buffer.extend_from_slice(b",\"ReturnValue\":");
        buffer.extend_from_slice(if RETURN_VALUE { b"true" } else { b"false" });
        buffer.push(b'}');
        buffer
    }
}

const FALLBACK_BODY: &[u8] = br#"{"Outputs":{},"Logs":[],"ReturnValue":true}"#;

/// The JSON body of a failed reply: the host envelope (never empty) plus an `Error` object that
/// says what went wrong. (The host reads no body of a non-2xx reply; this one is for people and
/// for `replay`.)
pub fn error_json(error: &ProtocolError) -> Vec<u8> {
    let message = error.to_string();
    let escaped = crate::logtext::escape(&message);
    let logs = [format!("error: {message}")];
    let body = ResultBody {
        outputs: GroupedOutputs::with_extra(&[], None),
        logs: EscapedLogs(&logs),
        return_value: RETURN_VALUE,
        error: Some(ErrorBody {
            status: error.status(),
            message: &escaped,
        }),
    };
    serde_json::to_vec(&body).unwrap_or_else(|_| FALLBACK_BODY.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    const EVENT: &str = r#"{"id":"1","eventType":"Microsoft.Communication.Unheard","subject":"s","eventTime":"2020-09-18T00:27:47Z","data":{}}"#;

    #[test]
    fn trigger_value_in_every_form_the_host_may_use() {
        let once = serde_json::to_string(EVENT).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        let array = format!("[{EVENT},{EVENT}]");
        let array_string = serde_json::to_string(&array).unwrap();
        for (form, expected) in [
            (EVENT.to_owned(), 1),
            (once, 1),
            (twice, 1),
            (array, 2),
            (array_string, 2),
        ] {
            let events = trigger_events(&raw(&form)).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(events.len(), expected, "{form}");
            assert!(events.iter().all(|e| e.is_ok()));
        }
        assert_eq!(trigger_events(&raw("[]")).unwrap().len(), 0);
    }

    #[test]
    fn string_bound_values_in_every_form_and_errors_without_the_value() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct Message {
            to: String,
            #[serde(default)]
            n: u32,
        }
        let object = r#"{"to":"+14255550123"}"#;
        let once = serde_json::to_string(object).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        for form in [object.to_owned(), once, twice] {
            let message: Message = string_bound_value(&raw(&form), "q").unwrap();
            assert_eq!(message.to, "+14255550123", "{form}");
        }
        let err = string_bound_value::<Message>(&raw(r#"{"to":"a","n":"+14255550123"}"#), "q")
            .unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.to_string().contains("`n`"), "{err}");
        assert!(!err.to_string().contains("4255550123"), "{err}");
        let err = string_bound_value::<Message>(&raw("{}"), "q").unwrap_err();
        assert!(err.to_string().contains("missing field `to`"), "{err}");
    }

    #[test]
    fn bad_trigger_values() {
        for bad in ["5", "null", r#""hello""#, r#""{not json""#, "true"] {
            let err = trigger_events(&raw(bad)).unwrap_err();
            assert_eq!(err.status(), 400, "{bad}");
        }
    }

    #[test]
    fn envelope_errors_say_what_is_missing() {
        assert!(matches!(
            InvocationData::parse(b""),
            Err(ProtocolError::NotJson(_))
        ));
        assert!(matches!(
            InvocationData::parse(b"null"),
            Err(ProtocolError::NotAnInvocation(_))
        ));
        assert!(matches!(
            InvocationData::parse(b"{\"Data\":5}"),
            Err(ProtocolError::NotAnInvocation(_))
        ));
        assert!(matches!(
            InvocationData::parse(b"{\"Metadata\":{}}"),
            Err(ProtocolError::MissingData)
        ));
        assert!(matches!(
            InvocationData::parse(b"{\"Data\":{}"),
            Err(ProtocolError::NotJson(_))
        ));
        let data = InvocationData::parse(b"{\"Data\":{}}").unwrap();
        assert_eq!(
            data.get(EVENT_GRID_BINDING).unwrap_err().to_string(),
            "`Data` has no `eventGridEvent` trigger value"
        );
    }

    #[test]
    fn a_string_trigger_is_read_in_one_pass_with_its_metadata() {
        let body = br#"{"Data":{"events":"[\"a\\\"b\"]"},"Metadata":{"id":"\"e1\"","DeliveryCount":"3","other":[1]}}"#;
        let trigger = StringTrigger::parse(body, "events").unwrap();
        assert_eq!(trigger.text, r#"["a\"b"]"#);
        assert_eq!(trigger.data.metadata_id().as_deref(), Some("e1"));
        assert_eq!(
            trigger.data.metadata("DeliveryCount").unwrap().get(),
            r#""3""#
        );
        for other in [
            &br#"{"Data":{"events":{"id":"x"}}}"#[..],
            br#"{"Data":{"events":5}}"#,
            br#"{"Data":{"message":"x"}}"#,
            br#"{"Metadata":{}}"#,
            b"[]",
            b"{",
        ] {
            assert!(StringTrigger::parse(other, "events").is_none());
        }
    }

    #[test]
    fn replies_are_never_empty() {
        assert_eq!(InvocationResult::default().to_json(), FALLBACK_BODY);
        let body: serde_json::Value =
            serde_json::from_slice(&error_json(&ProtocolError::MissingData)).unwrap();
        assert_eq!(body["Error"]["status"], 400);
        assert_eq!(body["ReturnValue"], serde_json::Value::Bool(true));
        assert!(body["Outputs"].as_object().unwrap().is_empty());
    }
}
