//! `handler filter`: the real binary evaluating subscription filters over the samples, with its
//! warnings on stderr and its exit statuses (0 decided, 1 an input was unusable, 2 a bad filter).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures/filters")
        .join(name)
        .display()
        .to_string()
}

/// Runs `handler filter --quiet --filter <filter> <args>` in the crate root, `stdin` piped in:
/// `--quiet` leaves only the filter's warnings and errors on stderr (no summary line, no notes
/// about skipped files), which is what these tests look at.
fn handler_filter(filter: &str, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_handler"))
        .arg("filter")
        .arg("--quiet")
        .arg("--filter")
        .arg(filter)
        .args(args)
        .env_clear()
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The sample files whose name contains `SMS`, and how many events the samples hold in all.
fn sms_samples() -> (Vec<String>, usize) {
    let mut sms = Vec::new();
    let mut events = 0;
    for entry in std::fs::read_dir(root().join("samples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        events += value.as_array().map_or(1, Vec::len);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("SMS") {
            sms.push(format!("samples/{name}"));
        }
    }
    sms.sort();
    assert!(sms.len() >= 5, "{sms:?}");
    (sms, events)
}

fn is_sms(line: &Value) -> bool {
    line["eventType"]
        .as_str()
        .is_some_and(|t| t.starts_with("Microsoft.Communication.SMS"))
}

#[test]
fn the_docs_sms_filter_delivers_nothing_and_says_why() {
    let (_, events) = sms_samples();
    let output = handler_filter(&fixture("docs-sms.json"), &["samples"], b"");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines = lines(&output);
    assert_eq!(lines.len(), events);
    let mut sms = 0;
    for line in &lines {
        assert_eq!(line["delivered"], false, "{line}");
        let reason = line["reason"].as_str().unwrap();
        if is_sms(line) {
            sms += 1;
            assert_eq!(
                reason,
                "subject `/phonenumber/15555555555` does not begin with `phonenumber/1555` (subjectBeginsWith, case-insensitive)",
                "{line}"
            );
        } else {
            assert!(reason.contains("is not in includedEventTypes"), "{line}");
        }
        for field in ["source", "id", "eventType", "subject"] {
            assert!(line[field].is_string(), "{field} in {line}");
        }
    }
    assert!(sms >= 5);
    let warnings = stderr(&output);
    let warning_lines: Vec<&str> = warnings.lines().collect();
    assert_eq!(warning_lines.len(), 2, "{warnings}");
    assert!(
        warning_lines.iter().all(|l| l.starts_with("warning: ")),
        "{warnings}"
    );
    assert!(
        warning_lines[0].contains("did you mean `/phonenumber/1555`?"),
        "{warnings}"
    );
    assert!(warning_lines[1].contains("no event at all"), "{warnings}");
}

#[test]
fn the_corrected_filter_in_its_wrapper_delivers_every_sms_sample() {
    let (sms, _) = sms_samples();
    let args: Vec<&str> = sms.iter().map(String::as_str).collect();
    let output = handler_filter(&fixture("sms-fixed.json"), &args, b"");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr(&output), "", "no warnings");
    let lines = lines(&output);
    assert!(lines.len() >= sms.len());
    for line in &lines {
        assert!(is_sms(line), "{line}");
        assert_eq!(line["delivered"], true, "{line}");
        assert_eq!(
            line["reason"],
            "every clause passed: includedEventTypes, subjectBeginsWith"
        );
    }
    let sources: Vec<&str> = lines
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert!(
        sources.contains(&"samples/spec-ce__SMSReceived.json"),
        "CloudEvents too"
    );
}

#[test]
fn advanced_filters_over_both_schemas_and_stdin() {
    let output = handler_filter(
        &fixture("chat-text-from-acs-users.json"),
        &[
            "samples/docs-chat__ChatMessageReceived.json",
            "samples/spec-ce__ChatMessageReceived.json",
            "samples/docs2020__ChatMessageReceived.json",
            "-",
        ],
        br#"{"id":"x","eventType":"Microsoft.Communication.ChatMessageReceived","subject":"thread/t/sender/s/recipient/r","data":{"type":"Html","version":1,"senderCommunicationIdentifier":{"rawId":"8:acs:1"}}}"#,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    let lines = lines(&output);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["delivered"], true, "{}", lines[0]);
    assert_eq!(lines[1]["delivered"], true, "CloudEvents: {}", lines[1]);
    // The 2020 payload has no senderCommunicationIdentifier.
    assert_eq!(lines[2]["delivered"], false);
    assert!(lines[2]["reason"]
        .as_str()
        .unwrap()
        .starts_with("advancedFilters[1] (StringBeginsWith [\"8:acs:\"] on `data.senderCommunicationIdentifier.rawId`) rejected the event: the key is missing"));
    assert_eq!(lines[3]["source"], "-");
    assert_eq!(lines[3]["delivered"], false);
    assert!(lines[3]["reason"]
        .as_str()
        .unwrap()
        .contains("the value \"Html\" does not match"));
}

#[test]
fn unusable_inputs_exit_1_after_deciding_the_rest() {
    let invalid = root().join("tests/fixtures/invalid").display().to_string();
    let output = handler_filter(
        &fixture("sms-fixed.json"),
        &[
            &invalid,
            "samples/no-such-file.json",
            "samples/docs-sms__SMSReceived.json",
            "-",
        ],
        b"42",
    );
    assert_eq!(output.status.code(), Some(1));
    let lines = lines(&output);
    let (errors, decisions): (Vec<&Value>, Vec<&Value>) =
        lines.iter().partition(|l| l.get("error").is_some());
    assert!(errors.len() >= 3, "{lines:#?}");
    assert!(errors.iter().any(|l| l["error"]
        .as_str()
        .unwrap()
        .starts_with("cannot read the file")));
    assert!(errors
        .iter()
        .any(|l| l["error"].as_str().unwrap().starts_with("not valid JSON")));
    assert!(errors.iter().any(|l| l["source"] == "-"));
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0]["delivered"], true);
}

fn temp_filter(name: &str, json: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acs-filter-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, json).unwrap();
    path
}

#[test]
fn malformed_filters_exit_2_with_the_reason() {
    let too_many: Vec<String> = (0..26)
        .map(|i| format!(r#"{{"operatorType":"IsNotNull","key":"data.k{i}"}}"#))
        .collect();
    let too_many = temp_filter(
        "too-many.json",
        &format!(r#"{{"advancedFilters":[{}]}}"#, too_many.join(",")),
    );
    let missing = root().join("tests/fixtures/filters/no-such-filter.json");
    let cases: [(String, &str); 4] = [
        (
            fixture("docs-sms-verbatim.json"),
            "the filter is not valid JSON: trailing comma",
        ),
        (
            fixture("unknown-operator.json"),
            "`advancedFilters[0].operatorType`: unknown operatorType `StringStartsWith`",
        ),
        (
            too_many.display().to_string(),
            "holds 26 filters; Event Grid allows at most 25",
        ),
        (missing.display().to_string(), "cannot read the filter file"),
    ];
    for (filter, expected) in &cases {
        let output = handler_filter(filter, &["samples/docs-sms__SMSReceived.json"], b"");
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{filter}: {err}");
        assert!(output.stdout.is_empty(), "{filter}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(expected), "{filter}: {err}");
    }
    let _ = std::fs::remove_file(too_many);
}
