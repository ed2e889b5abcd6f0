//! `handler send` against a local server that answers as the Functions host's Event Grid
//! extension does (`functions-custom-handler.md` §3): case-sensitive function names (404 text),
//! `aeg-event-type` required (400), 202 with an empty body for notifications, 500 when the
//! function failed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// What the fake host received: (aeg-event-type, content-type, body).
type Received = Arc<Mutex<Vec<(Option<String>, Option<String>, Value)>>>;

/// Serves until the test process ends; `fail_ids` make the "function" fail with 500.
fn fake_event_grid_extension(fail_ids: &'static [&'static str]) -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let target = request_line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    let mut headers = Vec::new();
                    loop {
                        let mut line = String::new();
                        reader.read_line(&mut line).unwrap();
                        if line.trim().is_empty() {
                            break;
                        }
                        if let Some((n, v)) = line.trim_end().split_once(':') {
                            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
                        }
                    }
                    let header = |name: &str| {
                        headers
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v.clone())
                    };
                    let length: usize = header("content-length")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(0);
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let function = target
                        .split(['?', '&'])
                        .find_map(|p| p.strip_prefix("functionName="))
                        .unwrap_or_default()
                        .to_owned();
                    let (status, text) = if !target.starts_with("/runtime/webhooks/eventgrid")
                        || function != "EventGridTrigger"
                    {
                        (404, format!("cannot find function: '{function}'"))
                    } else {
                        match header("aeg-event-type").map(|v| v.to_ascii_lowercase()) {
                            Some(kind) if kind == "notification" => {
                                let value: Value =
                                    serde_json::from_slice(&body).unwrap_or(Value::Null);
                                let events = match &value {
                                    Value::Array(items) => items.clone(),
                                    other => vec![other.clone()],
                                };
                                let failed = events.iter().any(|e| {
                                    fail_ids.contains(&e["id"].as_str().unwrap_or_default())
                                });
                                log.lock().unwrap().push((
                                    header("aeg-event-type"),
                                    header("content-type"),
                                    value,
                                ));
                                if failed {
                                    (500, "Exception while executing function: Functions.EventGridTrigger".to_owned())
                                } else {
                                    (202, String::new())
                                }
                            }
                            _ => (400, String::new()),
                        }
                    };
                    let reason = match status {
                        202 => "Accepted",
                        400 => "Bad Request",
                        404 => "Not Found",
                        _ => "Internal Server Error",
                    };
                    let reply = format!(
                        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    );
                    if reader.get_mut().write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn url(port: u16, function: &str) -> String {
    format!("http://127.0.0.1:{port}/runtime/webhooks/eventgrid?functionName={function}")
}

fn send(args: &[&str]) -> (i32, Vec<Value>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_handler"))
        .arg("send")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        output.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn sends_one_notification_per_event_and_succeeds() {
    let (port, received) = fake_event_grid_extension(&[]);
    let (code, lines, stderr) = send(&["samples/", "--url", &url(port, "EventGridTrigger")]);
    assert_eq!(code, 0, "{lines:?}");
    let events = crate::harness::sample_events();
    assert_eq!(lines.len(), events.len());
    assert!(
        lines.iter().all(|l| l["ok"] == true && l["status"] == 202),
        "{lines:?}"
    );
    assert!(
        stderr.contains(&format!("sent {0}/{0}", events.len())),
        "progress: {stderr}"
    );
    let received = received.lock().unwrap();
    assert_eq!(received.len(), events.len(), "one request per event");
    for (kind, _, body) in received.iter() {
        assert_eq!(kind.as_deref(), Some("Notification"));
        if body.is_array() {
            assert_eq!(body.as_array().unwrap().len(), 1);
        }
    }
}

#[test]
fn converts_to_cloud_events_and_freshens_ids() {
    let (port, received) = fake_event_grid_extension(&[]);
    let (code, lines, _) = send(&[
        "samples/docs-sms__SMSReceived.json",
        "--url",
        &url(port, "EventGridTrigger"),
        "--schema",
        "cloudevents",
        "--fresh",
    ]);
    assert_eq!(code, 0, "{lines:?}");
    let received = received.lock().unwrap();
    let (_, content_type, body) = &received[0];
    assert!(content_type
        .as_deref()
        .unwrap()
        .starts_with("application/cloudevents+json"));
    assert_eq!(body["specversion"], "1.0");
    assert_eq!(body["type"], "Microsoft.Communication.SMSReceived");
    assert_ne!(
        body["id"], "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
        "--fresh gives a new id"
    );
    assert_ne!(body["time"], "2020-09-18T00:27:47Z");
    assert_eq!(lines[0]["id"], body["id"]);
}

/// Two `--fresh` sends of the same files reach the host as different messages: replaying what it
/// received gives new rows, not updates of the same ones.
#[test]
fn fresh_sends_make_different_rows() {
    let (port, received) = fake_event_grid_extension(&[]);
    let files = [
        "samples/docs-sms__SMSReceived.json",
        "samples/docs-chat__ChatMessageReceived.json",
        "samples/docs-email__EmailDeliveryReportReceived.json",
    ];
    let mut args: Vec<&str> = files.to_vec();
    let url = url(port, "EventGridTrigger");
    args.extend(["--url", &url, "--fresh"]);
    for _ in 0..2 {
        let (code, _, stderr) = send(&args);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.ends_with("send: 3 events (202 3); 0 errors\n"),
            "summary: {stderr}"
        );
    }
    let bodies: Vec<Value> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, b)| b.clone())
        .collect();
    assert_eq!(bodies.len(), 6);
    let ndjson: String = bodies.iter().map(|b| format!("{b}\n")).collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_handler"))
        .args(["replay", "-", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ndjson.as_bytes())
        .unwrap();
    let replayed = child.wait_with_output().unwrap();
    assert!(replayed.status.success());
    let lines: Vec<Value> = String::from_utf8(replayed.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows = |binding: &str| -> Vec<Value> {
        lines
            .iter()
            .map(|l| &l["outputs"][binding][0])
            .filter(|row| row.is_object())
            .map(|row| serde_json::json!([row["PartitionKey"], row["RowKey"]]))
            .collect()
    };
    for binding in ["smsMessages", "chatMessages", "emailDeliveryReports"] {
        let keys = rows(binding);
        assert_eq!(keys.len(), 2, "{binding}: {lines:?}");
        assert_ne!(keys[0], keys[1], "{binding}: a fresh send is a new row");
    }
    let sms: Vec<&Value> = bodies
        .iter()
        .filter(|b| b[0]["eventType"] == "Microsoft.Communication.SMSReceived")
        .collect();
    assert_ne!(
        sms[0][0]["data"]["messageId"],
        sms[1][0]["data"]["messageId"]
    );
    assert_eq!(
        sms[0][0]["data"]["message"], sms[1][0]["data"]["message"],
        "the text is kept"
    );
}

#[test]
fn a_bad_url_is_explained_before_anything_is_sent() {
    for (bad, says) in [
        ("localhost:7071", "the URL needs a scheme: did you mean http://localhost:7071/runtime/webhooks/eventgrid?functionName=EventGridTrigger?"),
        ("ftp://localhost:7071/runtime/webhooks/eventgrid", "the scheme is `ftp`"),
        ("http://", "names no host"),
    ] {
        let (code, lines, stderr) = send(&["samples/", "--url", bad]);
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(lines.is_empty(), "{bad}");
        assert!(stderr.contains(says), "{bad}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "once, not per event: {stderr}");
    }
}

#[test]
fn explains_every_common_failure() {
    let (port, _) =
        fake_event_grid_extension(&["Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e"]);
    // Wrong case in the function name: 404.
    let (code, lines, _) = send(&[
        "samples/docs-sms__SMSDeliveryReportReceived.json",
        "--url",
        &url(port, "eventgridtrigger"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["status"], 404);
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .contains("case-sensitive"));
    // The function failed: 500.
    let (code, lines, _) = send(&[
        "samples/docs-sms__SMSReceived.json",
        "--url",
        &url(port, "EventGridTrigger"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(lines[0]["status"], 500);
    // Nothing listening: connection refused.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, lines, _) = send(&[
        "samples/docs-sms__SMSReceived.json",
        "--url",
        &url(closed, "EventGridTrigger"),
    ]);
    assert_eq!(code, 1);
    assert!(
        lines[0]["error"].as_str().unwrap().contains("func start"),
        "{lines:?}"
    );
    // A file that is not JSON is reported and the rest is still sent.
    let (code, lines, _) = send(&[
        "tests/fixtures/invalid/docs-router__RouterWorkerOfferDeclined.json",
        "samples/docs-sms__SMSDeliveryReportReceived.json",
        "--url",
        &url(port, "EventGridTrigger"),
    ]);
    assert_eq!(code, 1);
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .starts_with("not valid JSON"));
    assert_eq!(lines[1]["status"], 202);
}

#[test]
fn a_request_without_the_header_is_refused_by_the_fake_host() {
    // Guards the fake host itself: without `aeg-event-type` it must answer 400 as the real one does.
    let (port, _) = fake_event_grid_extension(&[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let body = "[]";
    write!(stream, "POST /runtime/webhooks/eventgrid?functionName=EventGridTrigger HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    let mut reply = [0u8; 12];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HTTP/1.1 400");
}
