//! `handler replay`: the main job without Azure. Every event of the inputs is wrapped in the
//! host's invocation body and handed to [`App::invoke`], exactly like a live invocation, and the
//! outputs and logs it would have written are printed as one JSON line per event.
//!
//! On the wire each row and message is a JSON *string* holding its JSON text, and a blob is one
//! string (see [`crate::outputs`]). `replay` prints them as the JSON they hold, so a line reads
//! like the rows, messages and blobs Azure will store: `{"smsMessages":[{"PartitionKey":…}]}`.

use std::io::Write;

use serde::Serialize;
use serde_json::value::RawValue;

use super::input::Input;
use crate::app::App;
use crate::events::parse_delivery;
use crate::functions::{EVENT_GRID_BINDING, EVENT_GRID_FUNCTION};

#[derive(Serialize)]
struct Line<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "eventType", skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<Outputs<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logs: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct HostReply<'a> {
    #[serde(rename = "Outputs", borrow)]
    outputs: Outputs<'a>,
    #[serde(rename = "Logs", borrow)]
    logs: &'a RawValue,
}

/// The reply's `Outputs`, read back: binding name to its items (or its one blob).
#[derive(serde::Deserialize)]
struct Outputs<'a>(#[serde(borrow)] std::collections::BTreeMap<String, Binding<'a>>);

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Binding<'a> {
    Items(Vec<std::borrow::Cow<'a, str>>),
    Blob(std::borrow::Cow<'a, str>),
}

impl Serialize for Outputs<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // Each item is JSON text we wrote; print it as JSON (as text should it not be).
        let json = |text: &str| -> Box<RawValue> {
            RawValue::from_string(text.to_owned())
                .unwrap_or_else(|_| serde_json::value::to_raw_value(text).unwrap_or_default())
        };
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, binding) in &self.0 {
            match binding {
                Binding::Items(items) => {
                    let items: Vec<Box<RawValue>> = items.iter().map(|i| json(i)).collect();
                    map.serialize_entry(name, &items)?;
                }
                Binding::Blob(blob) => map.serialize_entry(name, &json(blob))?,
            }
        }
        map.end()
    }
}

/// The body the Functions host would POST for this event: the event object under the trigger
/// binding name, and in Metadata `sys` and (as the host adds an event's top-level members to the
/// binding data) its `id`, JSON-encoded once more. `event_json` is valid JSON (it came out of
/// the parser).
pub fn host_request_body(event_json: &str, id: Option<&str>) -> String {
    let id = id
        .and_then(|id| serde_json::to_string(id).ok())
        .and_then(|quoted| serde_json::to_string(&quoted).ok())
        .map(|twice| format!(r#","id":{twice}"#))
        .unwrap_or_default();
    format!(
        r#"{{"Data":{{"{EVENT_GRID_BINDING}":{event_json}}},"Metadata":{{"sys":{{"MethodName":"{EVENT_GRID_FUNCTION}"}}{id}}}}}"#
    )
}

/// Replays every event of every input; returns how many inputs or invocations failed.
pub async fn run(app: &App, inputs: &[Input], out: &mut impl Write) -> std::io::Result<usize> {
    let mut failures = 0;
    for input in inputs {
        let delivery = match input
            .bytes
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|b| parse_delivery(b).map_err(|e| e.to_string()))
        {
            Ok(delivery) => delivery,
            Err(error) => {
                failures += 1;
                write_line(
                    out,
                    &Line {
                        source: &input.source,
                        id: None,
                        event_type: None,
                        status: None,
                        outputs: None,
                        logs: None,
                        error: Some(error),
                    },
                )?;
                continue;
            }
        };
        for event in &delivery {
            let (raw, id, event_type) = match event {
                Ok(e) => (
                    &e.raw,
                    Some(e.envelope.id.as_str()),
                    Some(e.envelope.event_type.as_str()),
                ),
                Err(e) => (&e.raw, e.id.as_deref(), e.event_type.as_deref()),
            };
            let reply = app
                .invoke(
                    EVENT_GRID_FUNCTION,
                    host_request_body(raw.get(), id).as_bytes(),
                )
                .await;
            let parsed: Option<HostReply<'_>> = serde_json::from_slice(&reply.body).ok();
            let (outputs, logs) = match parsed {
                Some(reply) => (Some(reply.outputs), Some(reply.logs)),
                None => (None, None),
            };
            let parsed = outputs.is_some();
            let ok = reply.status == 200 && parsed;
            failures += usize::from(!ok);
            write_line(
                out,
                &Line {
                    source: &input.source,
                    id,
                    event_type,
                    status: (!ok).then_some(reply.status),
                    outputs,
                    logs,
                    error: (!ok).then(|| String::from_utf8_lossy(&reply.body).into_owned()),
                },
            )?;
        }
    }
    Ok(failures)
}

fn write_line(out: &mut impl Write, line: &Line<'_>) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}
