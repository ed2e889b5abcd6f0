//! `handler inspect`: what exactly did ACS send? One JSON line per event with its typed view.

use std::io::Write;

use serde::Serialize;

use super::input::{documents, Input};
use super::output::{write_json, Summary};
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
    /// [`Event::data_json`]: the typed data plus what it does not model, so nothing that
    /// arrived is missing from what `inspect` shows.
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<serde_json::Value>,
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
            data: event.data_json(),
            error: event.data.as_ref().err().map(ToString::to_string),
        }
    }
}

/// Prints every event of every input; returns how many inputs or events had an error.
pub fn run(inputs: &[Input], pretty: bool, out: &mut impl Write) -> std::io::Result<usize> {
    run_summarized(inputs, pretty, out).map(|summary| summary.failures())
}

/// [`run`], returning the tally: events by `typed`, `unknown type` and `invalid`.
pub fn run_summarized(
    inputs: &[Input],
    pretty: bool,
    out: &mut impl Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::new("inspect");
    for input in inputs {
        let documents = documents(input);
        for doc in &documents.values {
            let delivery = match parse_delivery(doc.text.as_bytes()) {
                Ok(delivery) => delivery,
                Err(e) => {
                    summary.errors += 1;
                    let error = documents.locate(doc, e);
                    write_json(out, &EventLine::error(&input.source, error), pretty)?;
                    continue;
                }
            };
            for event in &delivery {
                match event {
                    Ok(event) => {
                        let key = match &event.data {
                            Ok(data) if data.kind() == "Unknown" => "unknown type",
                            Ok(_) => "typed",
                            Err(_) => {
                                summary.errors += 1;
                                "invalid"
                            }
                        };
                        summary.count(key);
                        let mut line = EventLine::event(&input.source, event);
                        line.error = line.error.map(|e| documents.locate(doc, e));
                        write_json(out, &line, pretty)?;
                    }
                    Err(invalid) => {
                        summary.errors += 1;
                        summary.count("invalid");
                        let error = documents.locate(doc, invalid);
                        let mut line = EventLine::error(&input.source, error);
                        line.id = invalid.id.as_deref();
                        line.event_type = invalid.event_type.as_deref();
                        write_json(out, &line, pretty)?;
                    }
                }
            }
        }
        if let Some(e) = &documents.error {
            summary.errors += 1;
            write_json(out, &EventLine::error(&input.source, e.to_string()), pretty)?;
        }
    }
    Ok(summary)
}
