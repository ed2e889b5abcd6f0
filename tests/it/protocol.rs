//! The custom-handler protocol against the real binary on a random port.

use std::process::Stdio;

use serde_json::{json, Value};

use crate::harness::{
    as_stored, event_grid_invocation, free_port, invocation_with_trigger, sample_events,
    wait_timeout, Handler,
};

fn sms_event() -> Value {
    sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1
}

fn assert_host_reply(reply: &crate::harness::HttpResponse) -> Value {
    assert!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "content type: {:?}",
        reply.header("content-type")
    );
    let body = reply.json();
    assert!(body["Outputs"].is_object(), "{body}");
    assert!(body["Logs"].is_array(), "{body}");
    // Never null: the host logs "ReturnValue not set" for a null one (a warning up to 4.16).
    assert_eq!(body["ReturnValue"], Value::Bool(true), "{body}");
    as_stored("EventGridTrigger", body)
}

#[test]
fn readiness_probe_answers_at_once() {
    let handler = Handler::start(&[]);
    let reply = handler
        .connect()
        .send("GET", "/", &[], None, false)
        .unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.json().is_object());
}

#[test]
fn event_object_string_and_double_string_forms_give_the_same_reply() {
    let handler = Handler::start(&[]);
    let event = sms_event();
    let object = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
    assert_eq!(object.status, 200);
    let object_body = assert_host_reply(&object);
    assert_eq!(object_body["Logs"].as_array().unwrap().len(), 1);

    let once = Value::String(event.to_string());
    let twice = Value::String(once.to_string());
    for trigger in [once, twice] {
        let reply = handler.invoke(
            "EventGridTrigger",
            &invocation_with_trigger(trigger, event.get("data").cloned()),
        );
        assert_eq!(reply.status, 200);
        assert_eq!(assert_host_reply(&reply), object_body);
    }
}

#[test]
fn cloud_events_and_cardinality_many_batches() {
    let handler = Handler::start(&[]);
    let events = sample_events();
    let cloud = events
        .iter()
        .find(|(f, _)| f.starts_with("spec-ce__"))
        .unwrap()
        .1
        .clone();
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&cloud));
    assert_eq!(reply.status, 200);
    let logs = assert_host_reply(&reply)["Logs"].clone();
    assert!(
        logs[0]
            .as_str()
            .unwrap()
            .contains(cloud["id"].as_str().unwrap()),
        "{logs}"
    );

    // cardinality "many": the host sends a JSON string holding the compact array.
    let batch: Vec<Value> = events.iter().take(5).map(|(_, e)| e.clone()).collect();
    let data: Vec<Value> = batch.iter().map(|e| e["data"].clone()).collect();
    let trigger = Value::String(Value::Array(batch.clone()).to_string());
    let reply = handler.invoke(
        "EventGridTrigger",
        &invocation_with_trigger(trigger, Some(Value::String(Value::Array(data).to_string()))),
    );
    assert_eq!(reply.status, 200);
    let body = assert_host_reply(&reply);
    assert_eq!(body["Logs"].as_array().unwrap().len(), 5, "{body}");
    // And as a plain array.
    let reply = handler.invoke(
        "EventGridTrigger",
        &invocation_with_trigger(Value::Array(batch), None),
    );
    assert_eq!(
        assert_host_reply(&reply)["Logs"].as_array().unwrap().len(),
        5
    );
}

#[test]
fn two_hundred_concurrent_invocations_all_succeed() {
    let handler = Handler::start(&[]);
    let events = sample_events();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let (_, event) = &events[i % events.len()];
                let handler = &handler;
                scope.spawn(move || {
                    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(event));
                    (reply.status, assert_host_reply(&reply))
                })
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let (status, body) = handle.join().unwrap();
            assert_eq!(status, 200, "invocation {i}: {body}");
            assert_eq!(body["Logs"].as_array().unwrap().len(), 1);
        }
    });
}

#[test]
fn keep_alive_connection_serves_many_invocations() {
    let handler = Handler::start(&[]);
    let mut conn = handler.connect();
    let body = event_grid_invocation(&sms_event());
    for _ in 0..20 {
        assert_eq!(conn.invoke("EventGridTrigger", &body).status, 200);
    }
}

#[test]
fn status_semantics_for_bad_requests() {
    let handler = Handler::start(&[]);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "EventGridTrigger",
            b"{\"Metadata\":{}}".to_vec(),
            400,
            "Data",
        ),
        (
            "EventGridTrigger",
            b"{\"Data\":{\"other\":{}}}".to_vec(),
            400,
            "eventGridEvent",
        ),
        ("EventGridTrigger", b"[1,2]".to_vec(), 400, "envelope"),
        ("EventGridTrigger", b"{\"Data\":".to_vec(), 400, "not JSON"),
        (
            "EventGridTrigger",
            b"{\"Data\":{\"eventGridEvent\":42}}".to_vec(),
            400,
            "eventGridEvent",
        ),
        (
            "eventgridtrigger",
            event_grid_invocation(&sms_event()),
            404,
            "case-sensitive",
        ),
        (
            "NoSuchFunction",
            event_grid_invocation(&sms_event()),
            404,
            "NoSuchFunction",
        ),
    ];
    for (function, body, status, needle) in cases {
        let reply = handler.invoke(function, &body);
        assert_eq!(
            reply.status,
            status,
            "{function} {:?}",
            String::from_utf8_lossy(&body)
        );
        let json = assert_host_reply(&reply);
        let message = json["Error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "{message:?} should mention {needle:?}"
        );
        assert_eq!(json["Error"]["status"], status);
    }
    // Over the body limit, sent chunked (no Content-Length to check up front).
    let huge = vec![b' '; 9 * 1024 * 1024];
    let reply = handler.invoke("EventGridTrigger", &huge);
    assert_eq!(reply.status, 413);
    assert_host_reply(&reply);
    // The process is still serving.
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
}

#[test]
fn unknown_types_are_acknowledged_and_poison_is_dead_lettered() {
    let handler = Handler::start(&[]);
    let unknown = json!({"id": "u-1", "topic": "/subscriptions/x", "subject": "call/abc", "eventType": "Microsoft.Communication.CallConnected", "eventTime": "2026-01-01T00:00:00Z", "data": {"callConnectionId": "c"}, "dataVersion": "1.0"});
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&unknown));
    assert_eq!(reply.status, 200);
    let body = assert_host_reply(&reply);
    assert_eq!(body["Outputs"], json!({}));
    let log = body["Logs"][0].as_str().unwrap();
    assert!(
        log.contains("Microsoft.Communication.CallConnected") && log.contains("unknown type"),
        "{log}"
    );

    let mut poison = sms_event();
    poison["data"]["receivedTimestamp"] = json!(12);
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&poison));
    assert_eq!(reply.status, 200, "poison must not be retried");
    let body = assert_host_reply(&reply);
    let letters = body["Outputs"]["deadLetter"]
        .as_array()
        .expect("deadLetter output");
    assert_eq!(letters.len(), 1);
    let kept: Value = serde_json::from_str(
        letters[0]["event"]
            .as_str()
            .expect("raw event as JSON text"),
    )
    .unwrap();
    assert_eq!(kept, poison, "the raw event is kept as sent");
    assert_eq!(letters[0]["eventId"], poison["id"]);
    assert_eq!(
        letters[0]["eventType"],
        "Microsoft.Communication.SMSReceived"
    );
    assert_eq!(letters[0]["path"], "data.receivedTimestamp");
    assert!(letters[0]["error"]
        .as_str()
        .unwrap()
        .contains("data.receivedTimestamp"));
    assert!(body["Logs"][0].as_str().unwrap().contains("dead-lettered"));

    let not_an_event = json!({"hello": "world"});
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&not_an_event));
    assert_eq!(reply.status, 200);
    let kept = assert_host_reply(&reply)["Outputs"]["deadLetter"][0]["event"].clone();
    assert_eq!(
        serde_json::from_str::<Value>(kept.as_str().unwrap()).unwrap(),
        not_an_event
    );
}

#[test]
fn invalid_or_taken_port_fails_with_a_clear_error() {
    for bad in ["abc", "70000", "0"] {
        let output = Handler::command(bad, &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(!output.status.success(), "port {bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("FUNCTIONS_CUSTOMHANDLER_PORT"), "{stderr}");
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut child = Handler::command(&port, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_timeout(&mut child, std::time::Duration::from_secs(10)).expect("exits");
    assert!(!status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot listen") && stderr.contains(&port),
        "{stderr}"
    );
}

#[test]
fn sigterm_stops_the_handler_cleanly() {
    let handler = Handler::start(&[]);
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
    let (status, output) = handler.terminate();
    assert!(status.success(), "exit status {status:?}: {output}");
    assert!(output.contains("shutdown signal received"), "{output}");
}

#[test]
fn acs_event_filter_setting_acknowledges_events_outside_it() {
    let filter = r#"{"includedEventTypes":["Microsoft.Communication.SMSReceived"],"subjectBeginsWith":"/phonenumber/"}"#;
    let handler = Handler::start(&[("ACS_EVENT_FILTER", filter)]);
    let events = sample_events();
    let chat = &events
        .iter()
        .find(|(f, _)| f == "docs-chat__ChatMessageReceived.json")
        .unwrap()
        .1;
    let body = assert_host_reply(&handler.invoke("EventGridTrigger", &event_grid_invocation(chat)));
    assert_eq!(body["Outputs"], json!({}));
    assert!(
        body["Logs"][0]
            .as_str()
            .unwrap()
            .contains("outside ACS_EVENT_FILTER"),
        "{body}"
    );
    let body = assert_host_reply(
        &handler.invoke("EventGridTrigger", &event_grid_invocation(&sms_event())),
    );
    assert!(body["Outputs"]["smsMessages"].is_array(), "{body}");

    // A malformed filter is a configuration fault: the handler refuses to start and says why.
    let output = Handler::command(
        &free_port().to_string(),
        &[("ACS_EVENT_FILTER", r#"{"subjectBeginsWith": 5}"#)],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ACS_EVENT_FILTER"));
}

#[test]
fn local_settings_example_lists_every_setting_the_handler_reads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/local.settings.json.example"
    ))
    .unwrap();
    let example: Value = serde_json::from_str(&text).unwrap();
    let values = example["Values"].as_object().unwrap();
    assert_eq!(values["FUNCTIONS_WORKER_RUNTIME"], "custom");
    assert_eq!(values["AzureWebJobsStorage"], "UseDevelopmentStorage=true");
    for name in acs_event_handler::settings::names::ALL {
        assert!(
            values.contains_key(*name),
            "{name} is documented in local.settings.json.example"
        );
    }
    // The example's values are accepted as they are (an empty filter means none).
    let mut settings: Vec<(&str, &str)> = values
        .iter()
        .filter(|(k, _)| k.as_str() != "ACS_CONNECTION_STRING")
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    settings.retain(|(k, _)| !k.starts_with("FUNCTIONS_"));
    let handler = Handler::start(&settings);
    assert_eq!(
        handler
            .invoke("EventGridTrigger", &event_grid_invocation(&sms_event()))
            .status,
        200
    );
}
