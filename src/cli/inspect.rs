//! `handler inspect`: what exactly did ACS send? One JSON line per event with its typed view.

use std::io::Write;

use serde::Serialize;

use super::input::Input;
use crate::events::{parse_delivery, AcsEvent, Event, Timestamp};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventLine<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<&'a Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a AcsEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> EventLine<'a> {
    fn error(source: &'a str, error: String) -> Self {
        EventLine {
            source,
            id: None,
            event_type: None,
            schema: None,
            subject: None,
            time: None,
            kind: None,
            data: None,
            error: Some(error),
        }
    }

    fn event(source: &'a str, event: &'a Event) -> Self {
        let envelope = &event.envelope;
        EventLine {
            source,
            id: Some(&envelope.id),
            event_type: Some(&envelope.event_type),
            schema: Some(envelope.schema.as_str()),
            subject: envelope.subject.as_deref(),
            time: envelope.time.as_ref(),
            kind: event.data.as_ref().ok().map(AcsEvent::kind),
            data: event.data.as_ref().ok(),
            error: event.data.as_ref().err().map(ToString::to_string),
        }
    }
}

/// Prints every event of every input; returns how many inputs or events had an error.
pub fn run(inputs: &[Input], pretty: bool, out: &mut impl Write) -> std::io::Result<usize> {
    let mut errors = 0;
    for input in inputs {
        let bytes = match &input.bytes {
            Ok(bytes) => bytes,
            Err(e) => {
                errors += 1;
                write_line(out, &EventLine::error(&input.source, e.clone()), pretty)?;
                continue;
            }
        };
        let delivery = match parse_delivery(bytes) {
            Ok(delivery) => delivery,
            Err(e) => {
                errors += 1;
                write_line(out, &EventLine::error(&input.source, e.to_string()), pretty)?;
                continue;
            }
        };
        for event in &delivery {
            match event {
                Ok(event) => {
                    errors += usize::from(event.data.is_err());
                    write_line(out, &EventLine::event(&input.source, event), pretty)?;
                }
                Err(invalid) => {
                    errors += 1;
                    let mut line = EventLine::error(&input.source, invalid.to_string());
                    line.id = invalid.id.as_deref();
                    line.event_type = invalid.event_type.as_deref();
                    write_line(out, &line, pretty)?;
                }
            }
        }
    }
    Ok(errors)
}

fn write_line(out: &mut impl Write, line: &impl Serialize, pretty: bool) -> std::io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, line)?;
    } else {
        serde_json::to_writer(&mut *out, line)?;
    }
    out.write_all(b"\n")
}
