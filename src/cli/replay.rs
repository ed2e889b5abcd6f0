//! `handler replay`: the main job without Azure. Every event of the inputs is wrapped in the
//! host's invocation body and handed to [`App::invoke`], exactly like a live invocation, and the
//! outputs and logs it would have written are printed as one JSON line per event.
//!
//! With `--to-storage [CONNECTION_STRING]` each reply is also written into Azure Storage (Azurite
//! by default) by the same [`StorageWriter`] the tests use, so the tables, queues and blobs a
//! live invocation would leave can be looked at in Azure Storage Explorer without Core Tools.
//!
//! On the wire each row and message is a JSON *string* holding its JSON text, and a blob is one
//! string (see [`crate::host::outputs`]). `replay` prints them as the JSON they hold, so a line reads
//! like the rows, messages and blobs Azure will store: `{"smsMessages":[{"PartitionKey":…}]}`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;

use super::input::{documents, Input};
use super::output::{write_json, Summary};
use crate::app::App;
use crate::events::parse_delivery;
use crate::handlers::dispatch::Route;
use crate::host::protocol::{EVENT_GRID_BINDING, EVENT_GRID_FUNCTION};
use crate::storage::{
    BindingData, StorageConnection, StorageWriter, WriteFailure, WriteReport, DEVELOPMENT_STORAGE,
};

/// The Azurite command line `--to-storage` suggests when nothing answers.
pub const AZURITE_COMMAND: &str =
    "npx azurite@3.35.0 --silent --inMemoryPersistence --disableTelemetry";

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
    /// Only with `--to-storage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    storage: Option<StorageLine>,
}

/// How the write of one reply into storage went.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StorageLine {
    written: bool,
    queue_messages: usize,
    table_entities: usize,
    table_transactions: usize,
    blobs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl StorageLine {
    fn new(outcome: &Result<WriteReport, WriteFailure>) -> Self {
        let (report, error) = match outcome {
            Ok(report) => (report.clone(), None),
            Err(failure) => (
                WriteReport {
                    writes: failure.completed.clone(),
                },
                Some(failure.to_string()),
            ),
        };
        StorageLine {
            written: error.is_none(),
            queue_messages: report.queue_messages(),
            table_entities: report.table_entities(),
            table_transactions: report.table_transactions(),
            blobs: report.blobs(),
            error,
        }
    }
}

/// Where `--to-storage` writes, and why it cannot.
#[derive(Debug, thiserror::Error)]
pub enum StorageSetupError {
    #[error(
        "--to-storage: {0} (the connection string itself is not repeated here: it holds a key)"
    )]
    Connection(#[from] crate::storage::ConnectionError),
    #[error("--to-storage: no {EVENT_GRID_FUNCTION}/function.json in the current directory or in {}; run from the function app's root", .0.display())]
    NoFunctionApp(PathBuf),
    #[error("--to-storage: {0}")]
    Setup(#[from] crate::storage::SetupError),
}

/// The `--to-storage` value: a value without `=` is not a connection string but the first path
/// (`replay --to-storage samples/`), which clap hands us as the option's value.
pub fn storage_argument(value: Option<String>, paths: &mut Vec<String>) -> Option<String> {
    let value = value?;
    if value.contains('=') {
        Some(value)
    } else {
        paths.insert(0, value);
        Some(DEVELOPMENT_STORAGE.to_owned())
    }
}

/// The writer for `--to-storage`: the connection string, and the EventGridTrigger function.json
/// and host.json of the function app in the current directory (or, for `cargo run` elsewhere in
/// a checkout, of this repository).
pub fn open_storage(connection: &str) -> Result<StorageWriter, StorageSetupError> {
    let connection = StorageConnection::parse(connection)?;
    let candidates = [
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    ];
    let root = candidates
        .iter()
        .find(|dir| is_function_app(dir))
        .ok_or_else(|| StorageSetupError::NoFunctionApp(candidates[1].clone()))?;
    Ok(StorageWriter::for_function(
        root,
        EVENT_GRID_FUNCTION,
        connection,
    )?)
}

fn is_function_app(dir: &Path) -> bool {
    dir.join(EVENT_GRID_FUNCTION)
        .join("function.json")
        .is_file()
        && dir.join("host.json").is_file()
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

impl Outputs<'_> {
    /// Whether the event went to the `deadLetter` queue.
    fn has_dead_letter(&self) -> bool {
        matches!(self.0.get("deadLetter"), Some(Binding::Items(items)) if !items.is_empty())
    }
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

/// Replays every event of every input; returns how many inputs or invocations failed or were
/// dead-lettered.
pub async fn run(app: &App, inputs: &[Input], out: &mut impl Write) -> std::io::Result<usize> {
    let summary = run_with(app, inputs, None, false, out, &mut std::io::sink()).await?;
    Ok(summary.failures())
}

/// The route of a replayed event, read from its `Logs` line (`<type> <id>: <route>, N outputs`).
fn route_of(logs: Option<&RawValue>) -> &'static str {
    let lines: Vec<String> = logs
        .and_then(|l| serde_json::from_str(l.get()).ok())
        .unwrap_or_default();
    lines
        .iter()
        .find_map(|line| {
            Route::ALL.into_iter().map(Route::as_str).find(|route| {
                line.match_indices(&format!(": {route}")).any(|(at, m)| {
                    let rest = &line[at + m.len()..];
                    rest.is_empty() || rest.starts_with(',') || rest.starts_with(" (")
                })
            })
        })
        .unwrap_or("no route")
}

/// [`run`], writing each reply into storage with `storage`, printing each line indented with
/// `pretty`. The summary counts events by route; its failures are the inputs, invocations and
/// writes that failed and the events that were dead-lettered. An unreachable endpoint is
/// reported once on `err` and ends the run (every later event would fail the same way).
pub async fn run_with(
    app: &App,
    inputs: &[Input],
    storage: Option<&StorageWriter>,
    pretty: bool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::with_dead_letters("replay");
    let mut not_written = 0;
    for input in inputs {
        let documents = documents(input);
        let mut deliveries = Vec::new();
        for doc in &documents.values {
            match parse_delivery(doc.text.as_bytes()) {
                Ok(delivery) => deliveries.push(Ok(delivery)),
                Err(e) => deliveries.push(Err(documents.locate(doc, e))),
            }
        }
        if let Some(e) = &documents.error {
            deliveries.push(Err(e.to_string()));
        }
        for delivery in deliveries {
            let delivery = match delivery {
                Ok(delivery) => delivery,
                Err(error) => {
                    summary.errors += 1;
                    let line = Line {
                        source: &input.source,
                        id: None,
                        event_type: None,
                        status: None,
                        outputs: None,
                        logs: None,
                        error: Some(error),
                        storage: None,
                    };
                    write_json(out, &line, pretty)?;
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
                let ok = reply.status == 200 && outputs.is_some();
                if ok {
                    summary.count(route_of(logs));
                } else {
                    summary.count("failed");
                    summary.errors += 1;
                }
                if outputs.as_ref().is_some_and(Outputs::has_dead_letter) {
                    summary.dead_letters += 1;
                }
                let mut stored = None;
                if let (Some(writer), true) = (storage, ok) {
                    let event: serde_json::Value =
                        serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null);
                    let outcome = writer
                        .write(&reply.body, &BindingData::from_event(&event))
                        .await;
                    if let Err(failure) = &outcome {
                        if failure.is_unreachable() {
                            let reason = failure
                                .first()
                                .and_then(|e| e.client_error())
                                .map(ToString::to_string)
                                .unwrap_or_default();
                            writeln!(
                                err,
                                "error: {reason}\nIs Azurite running? Start it with: {AZURITE_COMMAND}"
                            )?;
                            summary.errors += 1;
                            return Ok(summary);
                        }
                        not_written += 1;
                    }
                    stored = Some(StorageLine::new(&outcome));
                }
                let line = Line {
                    source: &input.source,
                    id,
                    event_type,
                    status: (!ok).then_some(reply.status),
                    outputs,
                    logs,
                    error: (!ok).then(|| String::from_utf8_lossy(&reply.body).into_owned()),
                    storage: stored,
                };
                write_json(out, &line, pretty)?;
            }
        }
    }
    if not_written > 0 {
        writeln!(
            err,
            "error: {not_written} event(s) were not written to storage completely; their `storage.error` says which binding failed and why"
        )?;
    }
    summary.errors += not_written;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_storage_without_a_connection_string_leaves_paths_alone() {
        let mut paths = vec!["b.json".to_owned()];
        assert_eq!(storage_argument(None, &mut paths), None);
        assert_eq!(
            storage_argument(Some("samples/".into()), &mut paths).as_deref(),
            Some(DEVELOPMENT_STORAGE)
        );
        assert_eq!(paths, ["samples/", "b.json"]);
        let text = "AccountName=a;AccountKey=a2V5".to_owned();
        assert_eq!(storage_argument(Some(text.clone()), &mut paths), Some(text));
        assert_eq!(paths.len(), 2);
    }
}
