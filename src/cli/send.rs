//! `handler send`: posts events to a running Functions host's local Event Grid webhook, the way
//! Event Grid does (one request per event, `aeg-event-type: Notification`), and says in words
//! what went wrong when the host refuses.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::input::{documents, Input};
use super::output::{write_json, Summary};
use super::sample::{renew, to_cloud_event, to_event_grid, OutputSchema};

/// The local webhook of `func start` for our function.
pub const DEFAULT_URL: &str =
    "http://localhost:7071/runtime/webhooks/eventgrid?functionName=EventGridTrigger";

/// How to send.
#[derive(Debug, Clone)]
pub struct SendOptions {
    pub url: String,
    /// Convert every event to this schema first (None: send as read).
    pub schema: Option<OutputSchema>,
    /// New id and time for every event, and new message ids, versions and data times (see
    /// [`renew`]).
    pub fresh: bool,
    /// Indent each line.
    pub pretty: bool,
    /// No progress on stderr.
    pub quiet: bool,
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

/// A `--url` that cannot be sent to: exit status 2, before anything is read or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("--url {url}: the URL needs a scheme: did you mean {suggestion}?")]
    NoScheme { url: String, suggestion: String },
    #[error("--url {url}: the scheme is `{scheme}`, but send posts over HTTP: use http:// (func start) or https:// (Azure)")]
    Scheme { url: String, scheme: String },
    #[error("--url {url}: the URL names no host (e.g. http://localhost:7071/…)")]
    NoHost { url: String },
    #[error("--url {url}: not a valid URL: {reason}")]
    Invalid { url: String, reason: String },
}

/// The path and query of [`DEFAULT_URL`], suggested for a URL that has none.
const DEFAULT_PATH: &str = "/runtime/webhooks/eventgrid?functionName=EventGridTrigger";

/// Checks `--url` and says what is wrong with it: a missing scheme (`localhost:7071`), a scheme
/// other than http or https, a missing host.
pub fn check_url(url: &str) -> Result<reqwest::Url, UrlError> {
    let owned = || url.to_owned();
    if !url.contains("://") {
        let rest = url.trim_start_matches('/');
        let suggestion = if rest.contains('/') {
            format!("http://{rest}")
        } else {
            format!("http://{rest}{DEFAULT_PATH}")
        };
        return Err(UrlError::NoScheme {
            url: owned(),
            suggestion,
        });
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| match e {
        url_error if url_error.to_string().contains("empty host") => {
            UrlError::NoHost { url: owned() }
        }
        other => UrlError::Invalid {
            url: owned(),
            reason: other.to_string(),
        },
    })?;
    if !["http", "https"].contains(&parsed.scheme()) {
        return Err(UrlError::Scheme {
            url: owned(),
            scheme: parsed.scheme().to_owned(),
        });
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost { url: owned() });
    }
    Ok(parsed)
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

fn events_of(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(text).map_err(|e| format!("not valid JSON: {e}"))? {
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
    run_summarized(inputs, options, out)
        .await
        .map(|summary| summary.failures())
}

/// [`run`], returning the tally: events by HTTP status (or `no answer`).
pub async fn run_summarized(
    inputs: &[Input],
    options: &SendOptions,
    out: &mut impl Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::new("send");
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
            summary.errors += 1;
            return Ok(summary);
        }
    };
    let mut batches = Vec::new();
    for input in inputs {
        let documents = documents(input);
        let mut errors: Vec<String> = Vec::new();
        for doc in &documents.values {
            match events_of(doc.text) {
                Ok(events) => batches.push((input.source.as_str(), events)),
                Err(error) => errors.push(documents.locate(doc, error)),
            }
        }
        errors.extend(documents.error.as_ref().map(ToString::to_string));
        for error in errors {
            summary.errors += 1;
            let line = Line {
                source: &input.source,
                id: None,
                event_type: None,
                status: None,
                ok: false,
                error: Some(error),
            };
            write_line(out, &line, options.pretty)?;
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
                renew(&mut event);
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
            summary.count(
                &line
                    .status
                    .map_or("no answer".to_owned(), |s| s.to_string()),
            );
            summary.errors += usize::from(!line.ok);
            write_line(out, &line, options.pretty)?;
            sent += 1;
            if !options.quiet && total > 10 && (sent % 10 == 0 || sent == total) {
                eprintln!("sent {sent}/{total}");
            }
        }
    }
    Ok(summary)
}

fn write_line(out: &mut impl Write, line: &Line<'_>, pretty: bool) -> std::io::Result<()> {
    write_json(out, line, pretty)?;
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
    fn urls_are_checked_before_anything_is_sent() {
        assert!(check_url(DEFAULT_URL).is_ok());
        assert!(check_url("https://app.azurewebsites.net/runtime/webhooks/eventgrid").is_ok());
        assert_eq!(
            check_url("localhost:7071").unwrap_err().to_string(),
            format!("--url localhost:7071: the URL needs a scheme: did you mean http://localhost:7071{DEFAULT_PATH}?")
        );
        let kept = check_url("localhost:7071/runtime/webhooks/eventgrid").unwrap_err();
        assert!(kept
            .to_string()
            .ends_with("did you mean http://localhost:7071/runtime/webhooks/eventgrid?"));
        assert!(matches!(
            check_url("ftp://localhost:7071/x"),
            Err(UrlError::Scheme { scheme, .. }) if scheme == "ftp"
        ));
        assert!(
            matches!(check_url("http://"), Err(UrlError::NoHost { .. })),
            "{:?}",
            check_url("http://")
        );
        assert!(matches!(
            check_url("http://:7071/x"),
            Err(UrlError::NoHost { .. } | UrlError::Invalid { .. })
        ));
    }

    #[test]
    fn inputs_must_hold_events() {
        assert_eq!(events_of("[{\"id\":1},{}]").unwrap().len(), 2);
        assert!(events_of("[]").is_err());
        assert!(events_of("5").is_err());
        assert!(events_of("{").unwrap_err().starts_with("not valid JSON"));
    }
}
