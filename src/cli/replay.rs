//! `handler replay`: the main job without Azure. Every event of the inputs is wrapped in the
//! host's invocation body and handed to [`App::invoke`], exactly like a live invocation, and the
//! outputs and logs it would have written are printed as one JSON line per event.

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
    outputs: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logs: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(serde::Deserialize)]
struct HostReply<'a> {
    #[serde(rename = "Outputs", borrow)]
    outputs: &'a RawValue,
    #[serde(rename = "Logs", borrow)]
    logs: &'a RawValue,
}

/// The body the Functions host would POST for this event: the event object under the trigger
/// binding name, and `sys` in Metadata. `event_json` is valid JSON (it came out of the parser).
pub fn host_request_body(event_json: &str) -> String {
    format!(
        r#"{{"Data":{{"{EVENT_GRID_BINDING}":{event_json}}},"Metadata":{{"sys":{{"MethodName":"{EVENT_GRID_FUNCTION}"}}}}}}"#
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
                .invoke(EVENT_GRID_FUNCTION, host_request_body(raw.get()).as_bytes())
                .await;
            let parsed: Option<HostReply<'_>> = serde_json::from_slice(&reply.body).ok();
            let ok = reply.status == 200 && parsed.is_some();
            failures += usize::from(!ok);
            write_line(
                out,
                &Line {
                    source: &input.source,
                    id,
                    event_type,
                    status: (!ok).then_some(reply.status),
                    outputs: parsed.as_ref().map(|r| r.outputs),
                    logs: parsed.as_ref().map(|r| r.logs),
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
