//! No personal data in any log, `Logs` line, error body or `Debug` rendering, by construction:
//! every sample's typed event rendered with `{:?}`, hostile inputs (numbers as JSON numbers,
//! numbers as map keys) through the dead-letter path and every `SmsSender` error path.

use acs_event_handler::events::parse_delivery;
use serde_json::{json, Value};

use crate::harness::{event_grid_invocation, personal_values, sample_events, Handler};

#[test]
fn debug_renderings_of_every_sample_hide_personal_data() {
    let mut checked = 0;
    for (file, event) in sample_events() {
        let secrets = personal_values(&event);
        let bytes = serde_json::to_vec(&event).unwrap();
        for parsed in parse_delivery(&bytes).unwrap() {
            let rendered = format!("{parsed:?}");
            for secret in &secrets {
                assert!(
                    !rendered.contains(secret.as_str()),
                    "{file}: Debug shows {secret:?}: {rendered}"
                );
            }
            checked += secrets.len();
        }
    }
    assert!(
        checked > 40,
        "the check must look at real values: {checked}"
    );
}

/// A chat message whose metadata is keyed by a phone number and an address, and whose version
/// is not a number: dead-lettered, with a log line that names neither.
#[test]
fn dead_letter_log_lines_name_paths_without_values_or_user_keys() {
    let chat = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-chat__ChatMessageReceived.json")
        .unwrap()
        .1;
    let sms = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1;
    let mut hostile = Vec::new();
    let mut bad_metadata = chat.clone();
    bad_metadata["data"]["metadata"] = json!({"+14255550199": 5, "ann@contoso.com": null});
    bad_metadata["data"]["version"] = json!({"+14255550199": true});
    hostile.push(bad_metadata);
    let mut number = sms.clone();
    number["data"]["from"] = json!(14255550199_u64);
    hostile.push(number);
    let mut text = sms.clone();
    text["data"]["message"] = json!(14255550199_u64);
    hostile.push(text);
    let mut time = sms.clone();
    time["data"]["receivedTimestamp"] = json!("+14255550199");
    hostile.push(time);
    let mut national = sms;
    national["data"]["from"] = json!("(425) 555-0199");
    hostile.push(national);

    let handler = Handler::start(&[("RUST_LOG", "trace")]);
    let mut conn = handler.connect();
    for event in &hostile {
        let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(event));
        assert_eq!(reply.status, 200);
        let body = reply.json();
        let logs = body["Logs"].to_string();
        assert!(logs.contains("dead-lettered"), "{logs}");
        for secret in ["4255550199", "555-0199", "ann@contoso.com"] {
            assert!(!logs.contains(secret), "Logs leak {secret:?}: {logs}");
        }
    }
    // A null metadata value is data, not a reason to lose the message.
    let mut null_value = chat;
    null_value["data"]["metadata"] = json!({"key": null});
    let reply = conn.invoke("EventGridTrigger", &event_grid_invocation(&null_value));
    let logs = reply.json()["Logs"].to_string();
    assert!(!logs.contains("dead-lettered"), "{logs}");

    let (_, output) = handler.terminate();
    for secret in ["4255550199", "555-0199", "ann@contoso.com"] {
        assert!(!output.contains(secret), "process output leaks {secret:?}");
    }
}

/// Every way `SmsSender` can fail, with numbers where they do not belong.
#[test]
fn sms_sender_errors_never_quote_a_number_or_the_key() {
    let key = "c2VjcmV0LWtleS12YWx1ZQ==";
    let bodies: Vec<Value> = vec![
        json!({"Data": {"outboxItem": "{\"from\":14255550199}", "optOut": "[]"}}),
        json!({"Data": {"outboxItem": {"to": "+14255550199"}, "optOut": 14255550199_u64}}),
        json!({"Data": {"outboxItem": {"to": "+14255550199"}, "optOut": "[{\"RowKey\":\"+14255550199\",\"OptedOut\":\"+14255550199\"}]"}}),
        json!({"Data": {"outboxItem": "\"{\\\"to\\\":\\\"+14255550199\\\"\""}}),
        json!({"Data": {"outboxItem": {"from": "+18005550100", "to": "+14255550199", "message": "hi", "createdAt": "2026-11-27T05:59:58Z"}}}),
        json!({"Data": {"outboxItem": {"from": "+18005550100", "to": "+14255550199", "message": "hi", "createdAt": "2026-11-27T05:59:58Z"}, "optOut": "[]"}}),
        json!({"Data": {"+14255550199": 1}}),
        json!([14255550199_u64]),
    ];
    let bad = format!("endpoint=https://contoso.communication.azure.com/;accesskey={key}!");
    let handler = Handler::start(&[("RUST_LOG", "trace"), ("ACS_CONNECTION_STRING", &bad)]);
    let mut conn = handler.connect();
    for body in &bodies {
        for function in ["SmsSender", "SmsOptOutSync", "WhatsAppSender"] {
            let reply = conn.invoke(function, body.to_string().as_bytes());
            // Rows may hold numbers (that is what they are for); logs and errors may not.
            let reply = reply.json();
            let text = format!("{} {}", reply["Logs"], reply["Error"]);
            for secret in ["4255550199", key] {
                assert!(!text.contains(secret), "{function} {body}: {text}");
            }
        }
    }
    let (_, output) = handler.terminate();
    for secret in ["4255550199", key] {
        assert!(!output.contains(secret), "process output leaks {secret:?}");
    }
}
