//! Every sample through the public entry points: `inspect` types every known event, `replay` and
//! the live server produce the same outputs, and no log line leaks personal data.

use acs_event_handler::app::App;
use acs_event_handler::cli::{input, inspect, replay};
use acs_event_handler::events::canonical_event_type;
use acs_event_handler::settings::Settings;
use serde_json::Value;

use crate::harness::{event_grid_invocation, personal_values, sample_events, Handler};

fn samples_dir() -> String {
    format!("{}/samples", env!("CARGO_MANIFEST_DIR"))
}

fn inspect_lines(paths: &[String]) -> (Vec<Value>, usize) {
    let inputs = input::read_inputs(paths);
    let mut out = Vec::new();
    let errors = inspect::run(&inputs, false, &mut out).unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, errors)
}

#[test]
fn inspect_types_every_sample_event() {
    let (lines, errors) = inspect_lines(&[samples_dir()]);
    assert_eq!(errors, 0, "{lines:#?}");
    assert_eq!(lines.len(), sample_events().len());
    for line in &lines {
        let event_type = line["eventType"].as_str().unwrap();
        assert!(
            canonical_event_type(event_type).is_some(),
            "sample of an unknown type: {line}"
        );
        assert_ne!(line["kind"], "Unknown", "{line}");
        assert!(line.get("error").is_none(), "{line}");
        assert!(line["data"].is_object(), "{line}");
        assert!(["eventgrid", "cloudevents"].contains(&line["schema"].as_str().unwrap()));
        assert_eq!(
            event_type.rsplit('.').next().unwrap().to_ascii_lowercase(),
            line["kind"].as_str().unwrap().to_ascii_lowercase(),
            "kind matches the type"
        );
    }
}

/// `inspect` shows `Event::data_json` for every sample, the typed data with nothing lost (the
/// crate's `lossless` tests check that it keeps every leaf of every sample), and a member no
/// struct models reaches the user as sent.
#[test]
fn inspect_keeps_every_field_that_arrived() {
    let (lines, _) = inspect_lines(&[samples_dir()]);
    let events = sample_events();
    assert_eq!(lines.len(), events.len());
    for (line, (file, event)) in lines.iter().zip(&events) {
        let parsed = acs_event_handler::events::parse_delivery(event.to_string().as_bytes())
            .unwrap()
            .remove(0)
            .unwrap();
        assert_eq!(line["data"], parsed.data_json().unwrap(), "{file}");
    }

    let dir = tempfile_dir();
    let mut event = events
        .iter()
        .find(|(file, _)| file == "docs-sms__SMSReceived.json")
        .unwrap()
        .1
        .clone();
    event["data"]["addedIn2027"] = serde_json::json!({"carrier": "Contoso", "hops": [1, 2]});
    let path = dir.join("future.json");
    std::fs::write(&path, event.to_string()).unwrap();
    let (lines, errors) = inspect_lines(&[path.to_string_lossy().into_owned()]);
    assert_eq!(errors, 0);
    assert_eq!(
        lines[0]["data"]["addedIn2027"],
        serde_json::json!({"carrier": "Contoso", "hops": [1, 2]})
    );
    assert!(lines[0]["data"]["messageId"].is_string(), "canonical names");
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("acs-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn inspect_reports_each_invalid_file_and_goes_on() {
    let invalid = format!("{}/tests/fixtures/invalid", env!("CARGO_MANIFEST_DIR"));
    let sms = format!("{}/docs-sms__SMSReceived.json", samples_dir());
    let (lines, errors) = inspect_lines(&[invalid, sms]);
    assert_eq!(errors, 3);
    assert_eq!(lines.len(), 4);
    for line in &lines[..3] {
        assert!(line["source"].as_str().unwrap().ends_with(".json"));
        assert!(
            line["error"]
                .as_str()
                .unwrap()
                .starts_with("not valid JSON"),
            "{line}"
        );
    }
    assert_eq!(lines[3]["kind"], "SmsReceived");
}

#[tokio::test]
async fn replay_and_the_live_server_give_identical_outputs() {
    let app = App::new(&Settings::default()).unwrap();
    let inputs = input::read_inputs(&[samples_dir()]);
    let mut out = Vec::new();
    let failures = replay::run(&app, &inputs, &mut out).await.unwrap();
    assert_eq!(failures, 0);
    let replayed: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let handler = Handler::start(&[]);
    let events = sample_events();
    assert_eq!(replayed.len(), events.len());
    let mut conn = handler.connect();
    for ((file, event), line) in events.iter().zip(&replayed) {
        let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(event));
        assert_eq!(reply.status, 200, "{file}");
        let body = reply.json();
        assert_eq!(
            crate::harness::host_outputs("EventGridTrigger", &body),
            line["outputs"],
            "{file}: replay prints the items as the JSON they hold"
        );
        assert_eq!(body["Logs"], line["logs"], "{file}");
        assert_eq!(line["id"], event["id"], "{file}");
    }
}

#[test]
fn logs_carry_no_phone_number_email_or_message_text() {
    let handler = Handler::start(&[("RUST_LOG", "debug")]);
    let events = sample_events();
    let mut secrets = Vec::new();
    let mut conn = handler.connect();
    for (file, event) in &events {
        secrets.extend(personal_values(event));
        let body = conn
            .invoke("EventGridTrigger", &event_grid_invocation(event))
            .json();
        let logs = body["Logs"].to_string();
        for secret in personal_values(event) {
            assert!(
                !logs.contains(&secret),
                "{file}: Logs leak {secret:?}: {logs}"
            );
        }
    }
    assert!(
        secrets.len() > 20,
        "the privacy check must look at real values: {secrets:?}"
    );
    let (_, output) = handler.terminate();
    for secret in &secrets {
        assert!(
            !output.contains(secret.as_str()),
            "process output leaks {secret:?}"
        );
    }
}

#[test]
fn every_event_type_has_a_sample() {
    let covered: std::collections::HashSet<&str> = sample_events()
        .iter()
        .filter_map(|(_, e)| {
            e.get("eventType")
                .or_else(|| e.get("type"))
                .and_then(Value::as_str)
        })
        .filter_map(canonical_event_type)
        .collect();
    let missing: Vec<_> = acs_event_handler::events::event_types::ALL
        .iter()
        .filter(|t| !covered.contains(*t))
        .collect();
    assert!(missing.is_empty(), "no sample for {missing:?}");
}

#[test]
fn sample_command_prints_fresh_events_of_every_type() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_handler"))
            .args(args)
            .output()
            .unwrap()
    };
    let first = run(&["sample", "SMSReceived"]);
    let second = run(&["sample", "Microsoft.Communication.SMSReceived"]);
    assert!(first.status.success() && second.status.success());
    let a: Value = serde_json::from_slice(&first.stdout).unwrap();
    let b: Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_ne!(a[0]["id"], b[0]["id"], "fresh ids");
    assert_eq!(a[0]["data"], b[0]["data"]);
    let ce: Value = serde_json::from_slice(
        &run(&["sample", "chatmessagereceived", "--schema", "cloudevents"]).stdout,
    )
    .unwrap();
    assert_eq!(ce["type"], "Microsoft.Communication.ChatMessageReceived");
    let unknown = run(&["sample", "CallConnected"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown event type"));
}

/// Commands other than `serve` print only their JSON on stdout, whatever `RUST_LOG` says, and
/// commands that run no function ignore a malformed app setting.
#[test]
fn cli_stdout_is_json_only_and_settings_bind_only_the_functions() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_handler"));
        command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let replay = run(&["replay", "samples/"], &[("RUST_LOG", "debug")]);
    assert!(replay.status.success());
    let stdout = String::from_utf8(replay.stdout).unwrap();
    assert_eq!(stdout.lines().count(), sample_events().len());
    for line in stdout.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(
        String::from_utf8_lossy(&replay.stderr).contains("DEBUG"),
        "debug logs go to stderr"
    );

    let bad = [("ACS_EVENT_FILTER", "{oops")];
    let sample = run(&["sample", "smsreceived"], &bad);
    assert!(sample.status.success(), "{:?}", sample);
    let replay = run(&["replay", "samples/docs-sms__SMSReceived.json"], &bad);
    assert_eq!(replay.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&replay.stderr).contains("ACS_EVENT_FILTER"));
}
