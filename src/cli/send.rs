//! `handler send`: posts events to a running Functions host's local Event Grid webhook, the way
//! Event Grid does (one request per event, `aeg-event-type: Notification`), and says in words
//! what went wrong when the host refuses.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::input::Input;
use super::sample::{refresh, to_cloud_event, to_event_grid, OutputSchema};

/// The local webhook of `func start` for our function.
pub const DEFAULT_URL: &str =
    "http://localhost:7071/runtime/webhooks/eventgrid?functionName=EventGridTrigger";

/// How to send.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub url: String,
    /// Convert every event to this schema first (None: send as read).
    pub schema: Option<OutputSchema>,
    /// New id and time for every event.
    pub fresh: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Explains a host answer in words (None for success).
pub fn explain(status: u16, url: &str) -> Option<String> {
    let function = url
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("functionName="))
        .unwrap_or("(none)");
    match status {
        200..=299 => None,
        400 => Some("400 Bad Request: the host wants the `aeg-event-type: Notification` header and a body that is an Event Grid event array or a CloudEvent".to_owned()),
        404 => Some(format!("404 Not Found: no Event Grid function named {function:?} (function names are case-sensitive: EventGridTrigger), or the URL path is not /runtime/webhooks/eventgrid")),
        401 | 403 => Some(format!("{status}: the host requires a key; on Azure add &code=<eventgrid_extension system key> to the URL")),
        500 => Some("500: the function failed for this event (the host's console or Application Insights says why); Event Grid would retry it".to_owned()),
        other => Some(format!("{other}: unexpected answer from the host")),
    }
}

fn events_of(bytes: &[u8]) -> Result<Vec<Value>, String> {
    match serde_json::from_slice::<Value>(bytes).map_err(|e| format!("not valid JSON: {e}"))? {
        Value::Array(items) if items.is_empty() => Err("the array holds no event".to_owned()),
        Value::Array(items) => Ok(items),
        object @ Value::Object(_) => Ok(vec![object]),
        _ => Err("expected a JSON object (one event) or an array of events".to_owned()),
    }
}

/// Sends every event of every input; returns how many inputs or events failed.
pub async fn run(
    inputs: &[Input],
    options: &SendOptions,
    out: &mut impl Write,
) -> std::io::Result<usize> {
    crate::sms_sender::acs_client::install_tls_provider();
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            writeln!(
                out,
                "{}",
                serde_json::json!({"ok": false, "error": format!("cannot create an HTTP client: {e}")})
            )?;
            return Ok(1);
        }
    };
    let mut batches = Vec::new();
    let mut failures = 0;
    for input in inputs {
        match input
            .bytes
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|b| events_of(b))
        {
            Ok(events) => batches.push((input.source.as_str(), events)),
            Err(error) => {
                failures += 1;
                write_line(
                    out,
                    &Line {
                        source: &input.source,
                        id: None,
                        event_type: None,
                        status: None,
                        ok: false,
                        error: Some(error),
                    },
                )?;
            }
        }
    }
    let total: usize = batches.iter().map(|(_, events)| events.len()).sum();
    let mut sent = 0;
    for (source, events) in batches {
        for mut event in events {
            event = match options.schema {
                Some(OutputSchema::Cloudevents) => to_cloud_event(&event),
                Some(OutputSchema::Eventgrid) => to_event_grid(&event),
                None => event,
            };
            if options.fresh {
                refresh(&mut event);
            }
            let cloud = event
                .get("specversion")
                .or_else(|| event.get("specVersion"))
                .is_some()
                && event.get("eventType").is_none();
            // Event Grid posts an array for its own schema and a single object for CloudEvents.
            let (body, content_type) = if cloud {
                (
                    event.to_string(),
                    "application/cloudevents+json; charset=utf-8",
                )
            } else {
                (
                    Value::Array(vec![event.clone()]).to_string(),
                    "application/json",
                )
            };
            let id = event.get("id").and_then(Value::as_str);
            let event_type = event
                .get("eventType")
                .or_else(|| event.get("type"))
                .and_then(Value::as_str);
            let outcome = client
                .post(&options.url)
                .header("aeg-event-type", "Notification")
                .header("content-type", content_type)
                .body(body)
                .send()
                .await;
            let line = match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let error = explain(status, &options.url);
                    Line {
                        source,
                        id,
                        event_type,
                        status: Some(status),
                        ok: error.is_none(),
                        error,
                    }
                }
                Err(e) if e.is_connect() => Line {
                    source,
                    id,
                    event_type,
                    status: None,
                    ok: false,
                    error: Some(format!(
                        "connection refused at {}: is `func start` running (and on this port)?",
                        options.url
                    )),
                },
                Err(e) => Line {
                    source,
                    id,
                    event_type,
                    status: None,
                    ok: false,
                    error: Some(format!("request failed: {e}")),
                },
            };
            failures += usize::from(!line.ok);
            write_line(out, &line)?;
            sent += 1;
            if total > 10 && (sent % 10 == 0 || sent == total) {
                eprintln!("sent {sent}/{total}");
            }
        }
    }
    Ok(failures)
}

fn write_line(out: &mut impl Write, line: &Line<'_>) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_name_the_likely_cause() {
        assert_eq!(explain(202, DEFAULT_URL), None);
        assert!(explain(400, DEFAULT_URL)
            .unwrap()
            .contains("aeg-event-type"));
        let not_found = explain(
            404,
            "http://localhost:7071/runtime/webhooks/eventgrid?functionName=eventgridtrigger",
        )
        .unwrap();
        assert!(
            not_found.contains("case-sensitive") && not_found.contains("eventgridtrigger"),
            "{not_found}"
        );
    }

    #[test]
    fn inputs_must_hold_events() {
        assert_eq!(events_of(b"[{\"id\":1},{}]").unwrap().len(), 2);
        assert!(events_of(b"[]").is_err());
        assert!(events_of(b"5").is_err());
        assert!(events_of(b"{").unwrap_err().starts_with("not valid JSON"));
    }
}
