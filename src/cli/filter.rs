//! `handler filter --filter FILE`: would an event subscription with this filter receive these
//! events? One JSON line per event with the decision and the clause that made it, after the
//! filter's warnings (on stderr), so a filter can be checked before it silently drops events.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::input::{documents, Input};
use super::output::{write_json, Summary};
use crate::events::filter::{Filter, FilterError};

/// A filter file that cannot be used: exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the filter file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Filter { path: PathBuf, source: FilterError },
}

/// Reads and parses the filter file (the bare filter object or `{"filter": {...}}`).
pub fn load(path: &Path) -> Result<Filter, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    Filter::parse(&text).map_err(|source| LoadError::Filter {
        path: path.to_owned(),
        source,
    })
}

/// Writes each of the filter's warnings as a `warning: …` line; a misspelt ACS event type gets
/// the closest known types ([`crate::suggest::did_you_mean`]).
pub fn write_warnings(filter: &Filter, err: &mut impl Write) -> std::io::Result<()> {
    for warning in filter.warnings() {
        let suggestion = warning
            .misspelt_event_type()
            .map(crate::suggest::did_you_mean)
            .unwrap_or_default();
        writeln!(err, "warning: {warning}{suggestion}")?;
    }
    Ok(())
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
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<'a> Line<'a> {
    fn error(source: &'a str, error: String) -> Self {
        Line {
            source,
            id: None,
            event_type: None,
            subject: None,
            delivered: None,
            reason: None,
            error: Some(error),
        }
    }
}

/// Prints the decision for every event of every input; returns how many inputs could not be
/// read or were not events (an input line with `error` instead of a decision).
pub fn run(filter: &Filter, inputs: &[Input], out: &mut impl Write) -> std::io::Result<usize> {
    run_summarized(filter, inputs, false, out).map(|summary| summary.failures())
}

/// [`run`], each line indented with `pretty`, returning the tally: `delivered` and `not
/// delivered`.
pub fn run_summarized(
    filter: &Filter,
    inputs: &[Input],
    pretty: bool,
    out: &mut impl Write,
) -> std::io::Result<Summary> {
    let mut summary = Summary::new("filter");
    for input in inputs {
        let documents = documents(input);
        let mut batches = Vec::new();
        for doc in &documents.values {
            batches.push(events_of(doc.text).map_err(|e| documents.locate(doc, e)));
        }
        if let Some(e) = &documents.error {
            batches.push(Err(e.to_string()));
        }
        for events in batches {
            let events = match events {
                Ok(events) => events,
                Err(e) => {
                    summary.errors += 1;
                    write_json(out, &Line::error(&input.source, e), pretty)?;
                    continue;
                }
            };
            for (index, event) in events.iter().enumerate() {
                let Value::Object(object) = event else {
                    summary.errors += 1;
                    let error = format!("event #{index}: an event must be a JSON object");
                    write_json(out, &Line::error(&input.source, error), pretty)?;
                    continue;
                };
                let field = |name: &str| object.get(name).and_then(Value::as_str);
                let decision = filter.evaluate(event);
                summary.count(if decision.delivered {
                    "delivered"
                } else {
                    "not delivered"
                });
                let line = Line {
                    source: &input.source,
                    id: field("id"),
                    event_type: field("eventType").or_else(|| field("type")),
                    subject: field("subject"),
                    delivered: Some(decision.delivered),
                    reason: Some(decision.reason),
                    error: None,
                };
                write_json(out, &line, pretty)?;
            }
        }
    }
    Ok(summary)
}

/// The events of one JSON value: an event object or an array of them, as raw JSON (the filter
/// reads envelope fields and `data` paths, not our typed view).
fn events_of(text: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Array(events)) if events.is_empty() => Err("the array holds no event".to_owned()),
        Ok(Value::Array(events)) => Ok(events),
        Ok(event @ Value::Object(_)) => Ok(vec![event]),
        Ok(_) => Err("expected a JSON object (one event) or an array of events".to_owned()),
        Err(e) => Err(format!("not valid JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(source: &str, bytes: Result<&str, &str>) -> Input {
        Input {
            source: source.to_owned(),
            bytes: bytes.map(|b| b.as_bytes().to_vec()).map_err(str::to_owned),
        }
    }

    #[test]
    fn one_line_per_event_and_errors_counted() {
        let filter = Filter::parse(r#"{"subjectBeginsWith": "/phonenumber/"}"#).unwrap();
        let inputs = [
            input(
                "a.json",
                Ok(
                    r#"[{"id":"1","eventType":"T","subject":"/phonenumber/1"},{"id":"2","eventType":"T","subject":"thread/x"}]"#,
                ),
            ),
            input("ce.json", Ok(r#"{"id":"3","type":"T","source":"/s"}"#)),
            input("bad.json", Ok("[1,")),
            input("gone.json", Err("cannot read the file: gone")),
            input("scalar.json", Ok("5")),
            input("empty.json", Ok("[]")),
            input(
                "mixed.json",
                Ok(r#"[7, {"id":"4","eventType":"T","subject":"/phonenumber/2"}]"#),
            ),
        ];
        let mut out = Vec::new();
        let errors = run(&filter, &inputs, &mut out).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(errors, 5);
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[0]["delivered"], true);
        assert_eq!(lines[0]["subject"], "/phonenumber/1");
        assert_eq!(lines[1]["delivered"], false);
        assert_eq!(lines[1]["id"], "2");
        assert_eq!(lines[2]["eventType"], "T");
        assert!(lines[2]["reason"].as_str().unwrap().contains("no subject"));
        assert!(lines[2].get("subject").is_none());
        assert!(lines[3]["error"]
            .as_str()
            .unwrap()
            .starts_with("not valid JSON"));
        assert_eq!(lines[4]["error"], "cannot read the file: gone");
        assert!(lines[5]["error"]
            .as_str()
            .unwrap()
            .contains("expected a JSON object"));
        assert!(lines[6]["error"].as_str().unwrap().contains("no event"));
        assert_eq!(
            lines[7]["error"],
            "event #0: an event must be a JSON object"
        );
        assert_eq!(lines[8]["delivered"], true);
    }

    #[test]
    fn load_names_the_file_and_the_bad_part() {
        let dir = std::env::temp_dir().join(format!("acs-filter-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"advancedFilters": [{"operatorType": "NumberBetween", "key": "data.a", "values": [1]}]}"#).unwrap();
        let err = load(&bad).unwrap_err().to_string();
        assert!(
            err.contains("bad.json") && err.contains("NumberBetween"),
            "{err}"
        );
        let missing = load(&dir.join("missing.json")).unwrap_err().to_string();
        assert!(
            missing.starts_with("cannot read the filter file"),
            "{missing}"
        );
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"filter": {"subjectBeginsWith": "phonenumber/1555"}}"#,
        )
        .unwrap();
        let filter = load(&good).unwrap();
        let mut err = Vec::new();
        write_warnings(&filter, &mut err).unwrap();
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.starts_with("warning: subjectBeginsWith `phonenumber/1555`"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_misspelt_event_type_gets_the_closest_known_ones() {
        let filter = Filter::parse(
            r#"{"includedEventTypes": ["Microsoft.Communication.SMSRecieved", "Microsoft.Storage.BlobCreated"]}"#,
        )
        .unwrap();
        let mut err = Vec::new();
        write_warnings(&filter, &mut err).unwrap();
        let err = String::from_utf8(err).unwrap();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines, [
            "warning: includedEventTypes: `Microsoft.Communication.SMSRecieved` is not an ACS event type (misspelt?); no event has it; did you mean `Microsoft.Communication.SMSReceived`?",
            "warning: includedEventTypes: `Microsoft.Storage.BlobCreated` is not an ACS event type; an ACS system topic never sends it",
        ], "{err}");
    }
}
