//! The server's edges through the real binary: header, idle and body timeouts, the shutdown
//! deadline, 405, replies to requests hyper cannot parse, control characters in logs, an
//! environment that is not Unicode, and `ACS_EVENT_FILTER` on events nested past any depth
//! limit. Timeouts are lowered through their app settings so the tests run quickly; no test
//! asserts how long anything took, only what happened.

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{event_grid_invocation, host_outputs, sample_events, wait_timeout, Handler};

fn sms_event() -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1
}

/// Reads until the server closes the connection; what it sent before closing.
fn read_until_closed(stream: &mut std::net::TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return received,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

#[test]
fn a_request_head_that_never_completes_is_closed_by_the_header_timeout() {
    let handler = Handler::start(&[("HANDLER_HEADER_TIMEOUT_MS", "300")]);
    let mut conn = handler.connect();
    let stream = conn.stream();
    stream
        .write_all(b"POST /EventGridTrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        .unwrap();
    read_until_closed(stream);
    // And a connection that never sends a byte.
    let mut silent = handler.connect();
    read_until_closed(silent.stream());
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_timeout() {
    let handler = Handler::start(&[("HANDLER_HEADER_TIMEOUT_MS", "300")]);
    let mut conn = handler.connect();
    let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(&sms_event()));
    assert_eq!(reply.status, 200);
    assert_ne!(reply.header("connection"), Some("close"));
    // Nothing more is sent: the server closes the idle connection without a reply.
    assert!(read_until_closed(conn.stream()).is_empty());
}

#[test]
fn a_body_that_stops_arriving_gets_a_json_408() {
    let handler = Handler::start(&[("HANDLER_BODY_TIMEOUT_MS", "300")]);
    let mut conn = handler.connect();
    conn.stream()
        .write_all(b"POST /EventGridTrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let reply = conn.read_reply().expect("a reply");
    assert_eq!(reply.status, 408);
    assert_eq!(reply.json()["Error"]["status"], 408);
}

#[test]
fn after_sigterm_unfinished_invocations_are_named_and_the_exit_is_non_zero() {
    let handler = Handler::start(&[("HANDLER_SHUTDOWN_DEADLINE_MS", "500")]);
    let mut stuck = handler.connect();
    stuck
        .stream()
        .write_all(b"POST /EventGridTrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Azure-Functions-InvocationId: 7d1c0c2e-0000-4000-8000-00000000abcd\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n")
        .unwrap();
    // hyper answers 100 Continue once the invocation reads its body: it is in flight now.
    let mut line = [0u8; 25];
    stuck.stream().read_exact(&mut line).unwrap();
    assert!(
        line.starts_with(b"HTTP/1.1 100 Continue"),
        "{:?}",
        String::from_utf8_lossy(&line)
    );
    stuck.stream().write_all(b"{").unwrap();
    let (status, output) = handler.terminate();
    assert!(!status.success(), "{status:?}: {output}");
    assert!(
        output.contains("shutdown deadline")
            && output
                .contains("EventGridTrigger (invocation 7d1c0c2e-0000-4000-8000-00000000abcd)"),
        "{output}"
    );
}

#[test]
fn wrong_methods_get_405_with_allow_and_json() {
    let handler = Handler::start(&[]);
    for (method, path, allow) in [
        ("PUT", "/EventGridTrigger", "POST"),
        ("GET", "/SmsSender", "POST"),
        ("PATCH", "/EventGridTrigger", "POST"),
        ("POST", "/", "GET, HEAD"),
    ] {
        let reply = handler
            .connect()
            .send(method, path, &[], Some(b"{}"), false)
            .unwrap();
        assert_eq!(reply.status, 405, "{method} {path}");
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let message = reply.json()["Error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(method), "{message}");
    }
    let reply = handler
        .connect()
        .send("GET", "/NoSuchFunction", &[], None, false)
        .unwrap();
    assert_eq!(reply.status, 404);
}

/// Requests hyper cannot parse are answered by hyper before our code runs: an empty 400 and a
/// closed connection (documented in docs/host-protocol.md §3; the host never sends them). The
/// process goes on serving.
#[test]
fn requests_hyper_cannot_parse_get_its_400_and_the_server_goes_on() {
    let handler = Handler::start(&[]);
    for raw in [
        &b"POST /EventGridTrigger HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\nx"[..],
        b"POST /EventGridTrigger HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    ] {
        let mut conn = handler.connect();
        conn.stream().write_all(raw).unwrap();
        let answer = read_until_closed(conn.stream());
        let head = String::from_utf8_lossy(&answer);
        assert!(head.starts_with("HTTP/1.1 400"), "{head:?}");
    }
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
}

#[test]
fn control_characters_from_events_never_break_a_log_line() {
    let handler = Handler::start(&[("RUST_LOG", "debug")]);
    let mut event = sms_event();
    event["id"] = json!("x\nFAKE: injected\u{1b}[31m\r\u{2028}end");
    event["eventType"] = json!("Microsoft.Communication.Sms\nFAKE: type");
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
    assert_eq!(reply.status, 200);
    let body = reply.json();
    host_outputs("EventGridTrigger", &body);
    let line = body["Logs"][0].as_str().unwrap();
    assert!(
        !line.contains(['\n', '\r', '\u{1b}', '\u{2028}']),
        "{line:?}"
    );
    assert!(
        line.contains("x\\nFAKE: injected\\u{1b}[31m\\r\\u{2028}end"),
        "{line}"
    );
    // A function name with a newline in an error reply.
    let reply = handler
        .connect()
        .send("POST", "/Event%0AFAKE", &[], Some(b"{}"), false)
        .unwrap();
    assert_eq!(reply.status, 404);
    let (status, output) = handler.terminate();
    assert!(status.success(), "{output}");
    for line in output.lines() {
        assert!(!line.starts_with("FAKE"), "a forged line: {output}");
        assert!(
            !line.contains('\u{1b}') && !line.contains('\u{2028}'),
            "{line:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn an_environment_that_is_not_unicode_never_panics_the_handler() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bad = OsStr::from_bytes(b"caf\xe9");
    // An unrelated variable: the handler starts and serves.
    let port = crate::harness::free_port();
    let child = Handler::command(&port.to_string(), &[])
        .env("SOME_OTHER_VARIABLE", bad)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut handler = Handler { child, port };
    crate::harness::wait_until_ready(&mut handler);
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
    drop(handler);
    // One of our settings: refused at start-up, by name.
    let mut child = Handler::command(&crate::harness::free_port().to_string(), &[])
        .env("ACS_EVENT_FILTER", bad)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_timeout(&mut child, Duration::from_secs(20)).expect("exits");
    assert_eq!(status.code(), Some(2));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("ACS_EVENT_FILTER") && stderr.contains("UTF-8"),
        "{stderr}"
    );
}

#[test]
fn the_event_filter_evaluates_events_nested_past_any_depth_limit() {
    let filter = r#"{"includedEventTypes":["Microsoft.Communication.SMSReceived"]}"#;
    let handler = Handler::start(&[("ACS_EVENT_FILTER", filter)]);
    let nested = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let text = sms_event().to_string();
    let deep = text.replacen('{', &format!("{{\"extra\":{nested},"), 1);
    let body = format!(r#"{{"Data":{{"eventGridEvent":{deep}}},"Metadata":{{}}}}"#);
    let reply = handler.invoke("EventGridTrigger", body.as_bytes());
    assert_eq!(reply.status, 200);
    let json = reply.json();
    let stored = host_outputs("EventGridTrigger", &json);
    assert!(
        stored["smsMessages"].is_array(),
        "processed, not filtered out: {json}"
    );
    assert!(!json["Logs"][0].as_str().unwrap().contains("outside"));
    // An event the filter names a too-deep value of is processed too, and says so.
    let filter = r#"{"advancedFilters":[{"operatorType":"IsNotNull","key":"data.extra"}]}"#;
    let handler = Handler::start(&[("ACS_EVENT_FILTER", filter)]);
    let deep_data = text.replacen("\"data\":{", &format!("\"data\":{{\"extra\":{nested},"), 1);
    let body = format!(r#"{{"Data":{{"eventGridEvent":{deep_data}}},"Metadata":{{}}}}"#);
    let json = handler.invoke("EventGridTrigger", body.as_bytes()).json();
    let log = json["Logs"][0].as_str().unwrap();
    assert!(
        log.contains("could not be evaluated") && log.contains(": sms"),
        "{log}"
    );
}
