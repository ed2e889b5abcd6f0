//! Robustness: bad input of every kind through the real server, arbitrary bodies through
//! `routes()`, a soak with flat memory, and graceful shutdown with invocations in flight.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use acs_event_handler::app::App;
use acs_event_handler::host::server::routes;
use acs_event_handler::settings::Settings;
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::harness::{event_grid_invocation, sample_events, Connection, Handler};

fn sms_event() -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Each bad input gets its documented status and a JSON reply (or a dead letter), and the
/// process keeps serving valid invocations.
#[test]
fn bad_inputs_get_documented_answers_and_the_process_stays_up() {
    let handler = Handler::start(&[]);
    let valid = event_grid_invocation(&sms_event());
    let with_event = |event: Value| event_grid_invocation(&event);
    let mut no_id = sms_event();
    no_id.as_object_mut().unwrap().remove("id");
    let mut garbage = sms_event();
    garbage["data"] = json!({"messageId": ["not", "a", "string"], "from": {}, "to": 5});
    let absurd_times: Vec<Value> = [
        "9999-99-99T99:99:99Z",
        "+275760-09-13T00:00:00Z",
        "0000-00-00T00:00:00Z",
    ]
    .iter()
    .map(|t| {
        let mut e = sms_event();
        e["data"]["receivedTimestamp"] = json!(t);
        e
    })
    .collect();
    let mut long_fraction = sms_event();
    long_fraction["data"]["receivedTimestamp"] = json!("2020-09-18T00:27:45.1234567890123456789Z");
    let mut huge = sms_event();
    huge["data"]["message"] = json!("x".repeat(3 * 1024 * 1024));
    let deep_trigger = format!(
        "{{\"Data\":{{\"eventGridEvent\":{}{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    )
    .into_bytes();
    let deep_body = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();

    // (name, body, expected status, expects a dead letter)
    let mut cases: Vec<(&str, Vec<u8>, u16, bool)> = vec![
        ("empty body", Vec::new(), 400, false),
        ("null", b"null".to_vec(), 400, false),
        (
            "truncated JSON",
            valid[..valid.len() / 2].to_vec(),
            400,
            false,
        ),
        (
            "invalid UTF-8",
            b"{\"Data\":{\"eventGridEvent\":\"\xff\xfe\"}}".to_vec(),
            400,
            false,
        ),
        ("10 000 levels deep body", deep_body, 400, false),
        ("10 000 levels deep trigger", deep_trigger, 200, true),
        ("10 MiB body", vec![b'{'; 10 * 1024 * 1024], 413, false),
        ("Data is an array", b"{\"Data\":[]}".to_vec(), 400, false),
        ("Data is a string", b"{\"Data\":\"x\"}".to_vec(), 400, false),
        (
            "trigger is a number",
            b"{\"Data\":{\"eventGridEvent\":42}}".to_vec(),
            400,
            false,
        ),
        (
            "trigger is null",
            b"{\"Data\":{\"eventGridEvent\":null}}".to_vec(),
            400,
            false,
        ),
        ("known type, garbage data", with_event(garbage), 200, true),
        ("missing id", with_event(no_id), 200, true),
        ("not an event", with_event(json!({"a": 1})), 200, true),
        ("huge message", with_event(huge), 200, false),
        (
            "19 fraction digits (valid RFC 3339, truncated to ns)",
            with_event(long_fraction),
            200,
            false,
        ),
    ];
    for event in absurd_times {
        cases.push(("absurd timestamp", with_event(event), 200, true));
    }
    for (name, body, status, dead_letter) in cases {
        let reply = handler.invoke("EventGridTrigger", &body);
        assert_eq!(
            reply.status,
            status,
            "{name}: {}",
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
        );
        assert!(
            reply
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{name}"
        );
        let json = reply.json();
        assert!(
            json["Outputs"].is_object() && json["Logs"].is_array(),
            "{name}: {json}"
        );
        if status == 200 {
            // Within every limit the host and Storage apply.
            crate::harness::host_outputs("EventGridTrigger", &json);
        }
        if status != 200 {
            assert!(
                json["Error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{name}: {json}"
            );
        }
        assert_eq!(
            json["Outputs"].get("deadLetter").is_some(),
            dead_letter,
            "{name}: {json}"
        );
        let after = handler.invoke("EventGridTrigger", &valid);
        assert_eq!(after.status, 200, "valid invocation after {name}");
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Arbitrary bodies, paths and methods through `routes()` (no socket): never a panic, always
    /// a JSON reply with a documented status.
    #[test]
    fn routes_always_answer_json(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            ".{0,200}".prop_map(String::into_bytes),
            (".{0,40}", ".{0,40}").prop_map(|(a, b)| format!("{{\"Data\":{{\"eventGridEvent\":{a}}}{b}").into_bytes()),
        ],
        path in prop::sample::select(vec!["/EventGridTrigger", "/", "/SmsSender", "/x", "/EventGridTrigger/x"]),
        method in prop::sample::select(vec!["POST", "GET", "PUT", "DELETE"]),
    ) {
        let app = Arc::new(App::new(&Settings::default()).unwrap());
        let filter = routes(app);
        let reply = runtime().block_on(warp::test::request().method(method).path(path).body(body).reply(&filter));
        let status = reply.status().as_u16();
        prop_assert!([200, 400, 404, 405, 413, 500].contains(&status), "status {}", status);
        prop_assert_eq!(reply.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        let json: Value = serde_json::from_slice(reply.body()).expect("JSON reply");
        prop_assert!(json.is_object());
    }
}

/// 20 000 invocations, 10% bad, over concurrent keep-alive connections: every valid one is
/// answered correctly, and memory after the soak is within 20% of memory after warm-up.
#[test]
fn soak_keeps_answers_right_and_memory_flat() {
    let handler = Handler::start(&[]);
    let events: Vec<Vec<u8>> = sample_events()
        .iter()
        .map(|(_, e)| event_grid_invocation(e))
        .collect();
    let bad: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"{\"Data\":{}}".to_vec(),
        event_grid_invocation(&json!({"id": "x"})),
    ];
    const CONNECTIONS: usize = 8;
    let run = |total: usize| {
        std::thread::scope(|scope| {
            for worker in 0..CONNECTIONS {
                let (events, bad, handler) = (&events, &bad, &handler);
                scope.spawn(move || {
                    let mut conn = handler.connect();
                    for i in (worker..total).step_by(CONNECTIONS) {
                        if i % 10 == 0 {
                            let reply = conn.invoke("EventGridTrigger", &bad[i % bad.len()]);
                            assert!(
                                reply.status == 400 || reply.status == 200,
                                "bad input {i}: {}",
                                reply.status
                            );
                            assert!(reply.json().is_object());
                        } else {
                            let reply = conn.invoke("EventGridTrigger", &events[i % events.len()]);
                            assert_eq!(reply.status, 200, "valid invocation {i}");
                            let json = reply.json();
                            assert_eq!(json["Logs"].as_array().map(Vec::len), Some(1), "{json}");
                            assert!(
                                json["Outputs"].get("deadLetter").is_none(),
                                "valid sample dead-lettered: {json}"
                            );
                        }
                    }
                });
            }
        });
    };
    run(2_000);
    let warm = rss_kib(handler.child.id());
    run(20_000);
    let after = rss_kib(handler.child.id());
    assert!(warm > 0);
    assert!(
        (after as f64) <= (warm as f64) * 1.2,
        "RSS grew from {warm} KiB after warm-up to {after} KiB after the soak"
    );
}

/// SIGTERM while invocations are in flight: each of them completes, then the process exits 0.
#[test]
fn graceful_shutdown_completes_in_flight_invocations() {
    let handler = Handler::start(&[]);
    let body = event_grid_invocation(&sms_event());
    let split = body.len() / 2;
    // Start 16 invocations and leave each halfway through its (chunked) body.
    let mut connections: Vec<Connection> = (0..16).map(|_| handler.connect()).collect();
    for conn in &mut connections {
        let head = format!(
            "POST /EventGridTrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n{:X}\r\n",
            split
        );
        let stream = conn.stream();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..split]).unwrap();
        stream.write_all(b"\r\n").unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    let pid = handler.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    for conn in &mut connections {
        let rest = &body[split..];
        let stream = conn.stream();
        write!(stream, "{:X}\r\n", rest.len()).unwrap();
        stream.write_all(rest).unwrap();
        stream.write_all(b"\r\n0\r\n\r\n").unwrap();
        let reply = conn.read_reply().expect("in-flight invocation answered");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["Logs"].as_array().map(Vec::len), Some(1));
    }
    drop(connections);
    let (status, output) = handler.terminate();
    assert!(status.success(), "{status:?}: {output}");
}

/// A bounded fuzz run in CI (cargo-fuzz needs a nightly toolchain, which we do not have): real
/// host invocation bodies, mutated the way fuzzers do (byte flips, truncation, splices,
/// inserted JSON tokens), through `routes()`. Never a panic, always a JSON reply with a
/// documented status.
#[test]
fn mutated_host_bodies_never_break_the_handler() {
    let app = Arc::new(App::new(&Settings::default()).unwrap());
    let filter = routes(app);
    let rt = runtime();
    let seeds: Vec<Vec<u8>> = sample_events()
        .iter()
        .map(|(_, e)| event_grid_invocation(e))
        .collect();
    let tokens: [&[u8]; 8] = [b"{", b"}", b"[", b"]", b"\"", b",", b":", b"\\u0000"];
    let mut config = proptest::test_runner::Config::with_cases(1024);
    config.failure_persistence = None;
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let strategy = (
        0..seeds.len(),
        prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..4, any::<u8>(), 0usize..8),
            1..8,
        ),
    );
    runner
        .run(&strategy, |(seed, mutations)| {
            let mut body = seeds[seed].clone();
            for (at, kind, byte, token) in mutations {
                if body.is_empty() {
                    break;
                }
                let i = at.index(body.len());
                match kind {
                    0 => body[i] ^= byte | 1,
                    1 => body.truncate(i),
                    2 => {
                        let token = tokens[token];
                        body.splice(i..i, token.iter().copied());
                    }
                    _ => {
                        let j = (i + usize::from(byte)).min(body.len());
                        body.drain(i..j);
                    }
                }
            }
            let reply = rt.block_on(
                warp::test::request()
                    .method("POST")
                    .path("/EventGridTrigger")
                    .body(body)
                    .reply(&filter),
            );
            let status = reply.status().as_u16();
            prop_assert!([200, 400, 413].contains(&status), "status {}", status);
            let json: Value = serde_json::from_slice(reply.body()).expect("JSON reply");
            prop_assert!(json["Outputs"].is_object() && json["Logs"].is_array());
            Ok(())
        })
        .unwrap();
}
