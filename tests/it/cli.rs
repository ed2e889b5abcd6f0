//! The command line as a user meets it: the real binary, what it prints on stdout (JSON only)
//! and stderr (notes, summary, errors), and its exit statuses (0 fine, 1 an input or event
//! failed or none was found, 2 usage or configuration).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::harness::sample_events;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `handler <args>` in the crate root with a clean environment, `stdin` piped in.
fn handler(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handler"));
    command
        .args(args)
        .env_clear()
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    // A command that does not read stdin may have exited already.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Every stdout line parsed as JSON (fails the test on a line that is not).
fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every JSON value on stdout, however it is laid out.
fn json_values(output: &Output) -> Vec<Value> {
    serde_json::Deserializer::from_slice(&output.stdout)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// A fresh temporary folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("acs-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sample(event_type: &str) -> Vec<u8> {
    let output = handler(&["sample", event_type], &[], b"");
    assert!(output.status.success(), "{}", stderr(&output));
    output.stdout
}

/// `sample SMSReceived` with `data.receivedTimestamp` that no parser accepts: dead-lettered.
fn dead_letter_event() -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&sample("SMSReceived")).unwrap();
    event[0]["data"]["receivedTimestamp"] = Value::from("yesterday");
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn cli_every_reading_command_keeps_logs_off_stdout() {
    let debug = [("RUST_LOG", "debug")];
    let filter = "tests/fixtures/filters/docs-sms.json";
    for args in [
        &["replay", "samples/"][..],
        &["inspect", "samples/"],
        &["filter", "--filter", filter, "samples/"],
    ] {
        let output = handler(args, &debug, b"");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(json_lines(&output).len(), sample_events().len(), "{args:?}");
    }
    let replay = handler(&["replay", "samples/"], &debug, b"");
    assert!(stderr(&replay).contains("DEBUG"), "debug logs go to stderr");
    // A directive this handler does not support is reported, not silently ignored.
    let directive = [("RUST_LOG", "acs_event_handler=debug")];
    let inspect = handler(
        &["inspect", "samples/docs-sms__SMSReceived.json"],
        &directive,
        b"",
    );
    assert!(inspect.status.success());
    assert_eq!(json_lines(&inspect).len(), 1);
    assert!(
        stderr(&inspect).contains("RUST_LOG=acs_event_handler=debug is not a level"),
        "{}",
        stderr(&inspect)
    );
}

#[test]
fn cli_summary_line_after_each_command_and_quiet_drops_it() {
    let events = sample_events().len();
    let replay = handler(&["replay", "samples/"], &[], b"");
    let last = stderr(&replay)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(
        last.starts_with(&format!("replay: {events} events (")),
        "{last}"
    );
    assert!(
        last.contains("sms 5") && last.ends_with("; 0 dead-lettered; 0 errors"),
        "{last}"
    );

    let inspect = handler(&["inspect", "-"], &[], &dead_letter_event());
    assert_eq!(inspect.status.code(), Some(1));
    assert_eq!(
        stderr(&inspect).trim_end(),
        "inspect: 1 event (invalid 1); 1 error"
    );

    let filter = handler(
        &[
            "filter",
            "--filter",
            "tests/fixtures/filters/sms-fixed.json",
            "samples/docs-sms__SMSReceived.json",
            "samples/docs-chat__ChatMessageReceived.json",
        ],
        &[],
        b"",
    );
    assert_eq!(
        stderr(&filter).trim_end(),
        "filter: 2 events (delivered 1, not delivered 1); 0 errors"
    );

    for args in [
        &["replay", "samples/", "--quiet"][..],
        &["inspect", "-q", "samples/"],
    ] {
        let quiet = handler(args, &[], b"");
        assert!(quiet.status.success());
        assert_eq!(stderr(&quiet), "", "{args:?}: no summary, no notes");
        assert_eq!(json_lines(&quiet).len(), events);
    }
}

#[test]
fn cli_inputs_concatenated_ndjson_bom_and_stdin() {
    // Two `sample` outputs one after the other (pretty and compact), read from stdin.
    let mut two = sample("SMSReceived");
    two.extend(handler(&["sample", "chatmessagereceived", "--pretty"], &[], b"").stdout);
    let inspect = handler(&["inspect"], &[], &two);
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let lines = json_lines(&inspect);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "SmsReceived");
    assert_eq!(lines[1]["kind"], "ChatMessageReceived");
    assert_eq!(lines[1]["source"], "-");

    // NDJSON with a byte-order mark, one event per line, in a file.
    let dir = scratch("ndjson");
    let mut ndjson = b"\xEF\xBB\xBF".to_vec();
    for t in ["SMSReceived", "EmailDeliveryReportReceived", "CallStarted"] {
        let event: Value = serde_json::from_slice(&sample(t)).unwrap();
        ndjson.extend(serde_json::to_vec(&event[0]).unwrap());
        ndjson.push(b'\n');
    }
    std::fs::write(dir.join("events.ndjson"), &ndjson).unwrap();
    let path = dir.join("events.ndjson").display().to_string();
    for command in ["inspect", "replay"] {
        let output = handler(&[command, &path], &[], b"");
        assert!(output.status.success(), "{command}: {}", stderr(&output));
        assert_eq!(json_lines(&output).len(), 3, "{command}");
    }
    let filter = handler(
        &[
            "filter",
            "--filter",
            "tests/fixtures/filters/sms-fixed.json",
            &path,
        ],
        &[],
        b"",
    );
    let decisions: Vec<Value> = json_lines(&filter)
        .iter()
        .map(|l| l["delivered"].clone())
        .collect();
    assert_eq!(decisions, [true, false, false]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_errors_name_the_file_and_the_position() {
    let dir = scratch("positions");
    let good: Value = serde_json::from_slice(&sample("SMSReceived")).unwrap();
    let text = format!("{}\n{{\"id\": \"x\",}}\n", good[0]);
    let file = dir.join("broken.ndjson");
    std::fs::write(&file, text).unwrap();
    let path = file.display().to_string();
    let output = handler(&["inspect", &path], &[], b"");
    assert_eq!(output.status.code(), Some(1));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 2, "the first event is still read");
    assert_eq!(lines[0]["kind"], "SmsReceived");
    assert_eq!(lines[1]["source"], path.as_str());
    let error = lines[1]["error"].as_str().unwrap();
    assert_eq!(
        error,
        "not valid JSON: trailing comma at line 2 column 11 (JSON allows no comma before `}`)"
    );

    // An event that does not fit, second in a stream: which value, and where it starts.
    let mut bad = good[0].clone();
    bad["data"]["receivedTimestamp"] = Value::from("yesterday");
    std::fs::write(&file, format!("{}\n  {bad}\n", good[0])).unwrap();
    let output = handler(&["inspect", &path], &[], b"");
    let lines = json_lines(&output);
    let error = lines[1]["error"].as_str().unwrap();
    assert!(
        error.starts_with("value #2 (line 2, column 3): ") && error.contains("receivedTimestamp"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cli_folders_say_what_they_skip_and_recursive_descends() {
    let dir = scratch("folders");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("notes.txt"), "not events").unwrap();
    std::fs::write(dir.join("a.json"), sample("SMSReceived")).unwrap();
    std::fs::write(dir.join("nested/b.json"), sample("CallStarted")).unwrap();
    let path = dir.display().to_string();

    let flat = handler(&["inspect", &path], &[], b"");
    assert!(flat.status.success());
    assert_eq!(json_lines(&flat).len(), 1);
    let notes = stderr(&flat);
    assert!(
        notes.contains(&format!(
            "note: skipped {}: not a .json, .ndjson or .jsonl file",
            dir.join("notes.txt").display()
        )),
        "{notes}"
    );
    assert!(
        notes.contains(&format!(
            "note: skipped {}: a folder (add --recursive to read it)",
            dir.join("nested").display()
        )),
        "{notes}"
    );

    let deep = handler(&["inspect", "--recursive", &path], &[], b"");
    let lines = json_lines(&deep);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["kind"], "CallStarted");

    // Nothing to read at all is an error, with a message.
    let empty = scratch("empty");
    std::fs::write(empty.join("readme.md"), "# nothing").unwrap();
    for command in ["inspect", "replay", "send"] {
        let output = handler(&[command, &empty.display().to_string()], &[], b"");
        assert_eq!(output.status.code(), Some(1), "{command}");
        assert_eq!(stdout(&output), "", "{command}");
        assert!(
            stderr(&output).contains("error: no event found"),
            "{command}: {}",
            stderr(&output)
        );
    }
    let no_stdin = handler(&["replay", "-"], &[], b"  \n");
    assert_eq!(no_stdin.status.code(), Some(1));
    assert!(stderr(&no_stdin).contains("error: no event found"));
    assert!(stdout(&no_stdin).contains("holds no JSON value"));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn cli_exit_statuses_agree_across_commands() {
    // 1: a dead-lettered event fails replay as it fails inspect.
    let bad = dead_letter_event();
    let replay = handler(&["replay", "-"], &[], &bad);
    assert_eq!(replay.status.code(), Some(1), "{}", stderr(&replay));
    let line = &json_lines(&replay)[0];
    assert!(line["outputs"]["deadLetter"].is_array(), "{line}");
    assert!(
        stderr(&replay).contains("1 dead-lettered"),
        "{}",
        stderr(&replay)
    );
    assert_eq!(handler(&["inspect", "-"], &[], &bad).status.code(), Some(1));
    // 2: usage errors, from clap and ours.
    for args in [
        &["inspect", "--no-such-flag"][..],
        &["sample"],
        &["sample", "SMSRecieved"],
        &["completions", "tcsh"],
        &["send", "--url", "localhost:7071", "samples/"],
    ] {
        let output = handler(args, &[], b"");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{args:?}");
    }
    // 2: a bad setting, for the command that uses it, naming the setting.
    let bad_length = [("CHAT_NOTIFICATION_PREVIEW_LENGTH", "lots")];
    let replay = handler(
        &["replay", "samples/docs-sms__SMSReceived.json"],
        &bad_length,
        b"",
    );
    assert_eq!(replay.status.code(), Some(2));
    assert!(
        stderr(&replay).contains("CHAT_NOTIFICATION_PREVIEW_LENGTH"),
        "{}",
        stderr(&replay)
    );
    // Commands that do not use the settings ignore them.
    let bad_settings = [
        ("CHAT_NOTIFICATION_PREVIEW_LENGTH", "lots"),
        ("ACS_EVENT_FILTER", "{oops"),
    ];
    for args in [
        &["sample", "smsreceived"][..],
        &["sample", "--list"],
        &["inspect", "samples/docs-sms__SMSReceived.json"],
        &[
            "filter",
            "--filter",
            "tests/fixtures/filters/sms-fixed.json",
            "samples/docs-sms__SMSReceived.json",
        ],
        &["completions", "bash"],
    ] {
        let output = handler(args, &bad_settings, b"");
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
}

#[test]
fn cli_sample_lists_every_type_and_suggests_a_close_one() {
    let list = handler(&["sample", "--list"], &[], b"");
    assert!(list.status.success());
    let types: Vec<String> = stdout(&list).lines().map(str::to_owned).collect();
    assert_eq!(types, acs_event_handler::events::event_types::ALL);
    let last = handler(&["sample", &types[types.len() - 1]], &[], b"");
    assert!(last.status.success());

    let typo = handler(&["sample", "SMSRecieved"], &[], b"");
    assert_eq!(typo.status.code(), Some(2));
    let message = stderr(&typo);
    assert!(
        message.contains("did you mean `Microsoft.Communication.SMSReceived`?")
            && message.contains("handler sample --list"),
        "{message}"
    );
    let nonsense = handler(&["sample", "qqqqqqqqqq"], &[], b"");
    assert!(
        stderr(&nonsense).contains("--list"),
        "{}",
        stderr(&nonsense)
    );
}

#[test]
fn cli_pretty_output_holds_the_same_values() {
    let file = "samples/docs-sms__SMSReceived.json";
    let filter = "tests/fixtures/filters/sms-fixed.json";
    for args in [
        &["inspect", file][..],
        &["replay", file],
        &["filter", "--filter", filter, file],
    ] {
        let compact = handler(args, &[], b"");
        let pretty = handler(&[args, &["--pretty"]].concat(), &[], b"");
        assert!(pretty.status.success(), "{args:?}");
        assert!(stdout(&pretty).lines().count() > 3, "{args:?} is indented");
        assert!(stdout(&pretty).ends_with("}\n"));
        assert_eq!(json_values(&pretty), json_lines(&compact), "{args:?}");
    }
    let pretty = handler(&["sample", "callstarted", "--pretty"], &[], b"");
    assert!(stdout(&pretty).starts_with("[\n  {\n"));
    let compact = handler(&["sample", "callstarted"], &[], b"");
    assert_eq!(stdout(&compact).lines().count(), 1);
}

#[test]
fn cli_completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = handler(&["completions", shell], &[], b"");
        assert!(output.status.success(), "{shell}");
        let script = stdout(&output);
        for word in ["handler", "replay", "inspect", "recursive"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        assert_eq!(stderr(&output), "", "{shell}");
    }
}

#[test]
fn cli_sample_fresh_makes_new_rows_each_time() {
    let row_keys = || {
        let sms = handler(&["sample", "smsreceived", "--fresh"], &[], b"").stdout;
        let chat = handler(&["sample", "chatmessagereceived", "--fresh"], &[], b"").stdout;
        let replay = handler(&["replay", "-"], &[], &[sms, chat].concat());
        assert!(replay.status.success(), "{}", stderr(&replay));
        let lines = json_lines(&replay);
        (
            lines[0]["outputs"]["smsMessages"][0]["RowKey"].clone(),
            lines[1]["outputs"]["chatMessages"][0]["RowKey"].clone(),
        )
    };
    let (sms_a, chat_a) = row_keys();
    let (sms_b, chat_b) = row_keys();
    assert!(sms_a.is_string() && chat_a.is_string());
    assert_ne!(sms_a, sms_b);
    assert_ne!(chat_a, chat_b);
}

/// Standard input on a terminal: the hint comes first, so a user does not face a silent wait.
/// Needs util-linux `script` for the pseudo-terminal; skipped (with a note) where it is missing.
#[test]
fn cli_stdin_on_a_terminal_gets_a_hint() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to make a pseudo-terminal");
        return;
    }
    let event = r#"{"id":"x","eventType":"T","subject":"s","data":{},"eventTime":"2026-01-01T00:00:00Z","dataVersion":"1"}"#;
    let mut child = Command::new("/usr/bin/script")
        .args([
            "-qec",
            &format!("{} inspect", env!("CARGO_BIN_EXE_handler")),
            "/dev/null",
        ])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The line, then Ctrl-D on an empty line: end of input on the terminal.
    stdin
        .write_all(format!("{event}\n\x04").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let hint = text
        .find("reading events from standard input")
        .expect(&text);
    let line = text.find(r#"{"source":"-","id":"x""#).expect(&text);
    assert!(hint < line, "{text}");
}
