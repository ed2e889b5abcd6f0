//! `WhatsAppSender` through the host protocol: the real `handler` binary, invoked with the host's
//! double-encoded queue body, sending to the fake ACS (`fake_acs.rs`), which checks every
//! Advanced Messaging request the way ACS does (HMAC signature, `x-ms-date`,
//! `x-ms-content-sha256`, `Host`, content type, the repeatability headers and the body).

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_acs::{Answer, Api, FakeAcs, KEY};
use crate::harness::{event_grid_invocation, output_items, sample_events, Handler, HttpResponse};
use crate::sms_sender::history_key;

const CHANNEL: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";
const THEIRS: &str = "+14255550123";
const BSUID: &str = "US.13491208655302741918";
const TEXT: &str = "Your order is ready for pickup.";
const REPEATABILITY_ID: &str = "7a1d3c5e-9b2f-4d6a-8c0e-1f3b5d7e9a2c";

fn rfc3339(time: time::OffsetDateTime) -> String {
    time.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// An outbox message as the WhatsApp module writes it, replying to a message received
/// `age` ago.
fn outbox(kind: &str, to: &str, age: time::Duration) -> Value {
    let received = rfc3339(time::OffsetDateTime::now_utc() - age);
    json!({
        "from": CHANNEL, "to": to, "message": TEXT, "kind": kind,
        "inReplyTo": "wamid.in1", "repeatabilityRequestId": REPEATABILITY_ID,
        "createdAt": received, "inReplyToReceivedAt": received
    })
}

fn fresh(kind: &str) -> Value {
    outbox(kind, THEIRS, time::Duration::minutes(5))
}

fn queue_invocation(message: &Value, history: &[&Value]) -> Vec<u8> {
    crate::harness::queue_invocation("WhatsAppSender", "outboxItem", message, history)
}

fn start(fake: &FakeAcs, extra: &[(&str, &str)]) -> Handler {
    let connection = fake.connection_string();
    let mut settings = vec![
        ("ACS_CONNECTION_STRING", connection.as_str()),
        ("SMS_SEND_RETRY_DELAY_MS", "10"),
        ("SMS_SEND_RETRY_BUDGET_MS", "5000"),
    ];
    settings.extend_from_slice(extra);
    Handler::start(&settings)
}

fn checked(reply: &HttpResponse) -> Value {
    let body = reply.json();
    if reply.status == 200 {
        assert_eq!(body["ReturnValue"], Value::Bool(true), "{body}");
        crate::harness::host_outputs("WhatsAppSender", &body);
    }
    body
}

fn only_row(body: &Value) -> Value {
    let rows = output_items(body, "waMessages");
    assert_eq!(rows.len(), 1, "{body}");
    rows[0].clone()
}

#[test]
fn a_reply_is_sent_signed_with_repeatability_headers_and_recorded_with_the_message_id() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[("RUST_LOG", "debug")]);
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = checked(&reply);
    fake.assert_all_verified();
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].api, Some(Api::Messages));
    assert_eq!(
        seen[0].body,
        json!({"channelRegistrationId": CHANNEL, "to": [THEIRS], "kind": "text", "content": TEXT})
    );
    assert_eq!(seen[0].repeatability_id.as_deref(), Some(REPEATABILITY_ID));
    let row = only_row(&body);
    assert_eq!(row["PartitionKey"], CHANNEL);
    assert_eq!(row["RowKey"], "wa_fake_0");
    assert_eq!(row["MessageId"], "wa_fake_0");
    assert_eq!(row["Direction"], "outbound");
    assert_eq!(row["Status"], "sent");
    assert_eq!(row["RepeatabilityResult"], "accepted");
    assert_eq!(row["To"], THEIRS);
    assert_eq!(row["Content"], TEXT);
    assert_eq!(row["Kind"], "help");
    assert_eq!(row["InReplyTo"], "wamid.in1");

    // A user known only by their BSUID is addressed by it.
    let reply = handler.invoke(
        "WhatsAppSender",
        &queue_invocation(&outbox("help", BSUID, time::Duration::hours(1)), &[]),
    );
    assert_eq!(reply.status, 200);
    let row = only_row(&checked(&reply));
    assert_eq!(row["To"], BSUID);
    assert_eq!(row["Bsuid"], BSUID);
    assert_eq!(fake.seen()[1].body["to"], json!([BSUID]));
    fake.assert_all_verified();

    let logs = body["Logs"].to_string();
    assert!(logs.contains("+1***23"), "{logs}");
    let (_, output) = handler.terminate();
    for secret in ["4255550123", BSUID, TEXT, KEY] {
        assert!(!logs.contains(secret), "Logs leak {secret:?}: {logs}");
        assert!(!output.contains(secret), "process output leaks {secret:?}");
    }
}

#[test]
fn an_opted_out_user_gets_only_the_opt_out_confirmation_and_help() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let stop_at = rfc3339(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let stop = json!({
        "PartitionKey": format!("{CHANNEL}|{THEIRS}"), "RowKey": history_key(&stop_at, "wamid.stop"),
        "OptedOut": true, "Keyword": "STOP"
    });
    for kind in ["optInConfirmation", "marketing"] {
        let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh(kind), &[&stop]));
        assert_eq!(reply.status, 200);
        let body = checked(&reply);
        assert!(body["Outputs"].as_object().unwrap().is_empty(), "{body}");
        assert!(body["Logs"].to_string().contains("opted out"));
    }
    assert!(fake.seen().is_empty(), "no request may reach ACS");
    for kind in ["optOutConfirmation", "help"] {
        let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh(kind), &[&stop]));
        assert_eq!(only_row(&checked(&reply))["Status"], "sent");
    }
    assert_eq!(fake.seen().len(), 2);
    fake.assert_all_verified();
}

#[test]
fn a_reply_outside_the_24_hour_window_is_not_sent_and_recorded_as_failed() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let late = outbox("help", THEIRS, time::Duration::hours(25));
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&late, &[]));
    assert_eq!(reply.status, 200, "a closed window cannot reopen: no retry");
    let row = only_row(&checked(&reply));
    assert_eq!(row["Status"], "failed");
    assert_eq!(row["PartitionKey"], CHANNEL);
    assert_eq!(row["RowKey"], REPEATABILITY_ID);
    let error = row["Error"].as_str().unwrap();
    assert!(
        error.contains("24-hour customer-service window") && error.contains("25 hours"),
        "{error}"
    );
    // Without the inbound receive time nobody can say the window is open.
    let mut unknown = fresh("help");
    unknown
        .as_object_mut()
        .unwrap()
        .remove("inReplyToReceivedAt");
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&unknown, &[]));
    let row = only_row(&checked(&reply));
    assert_eq!(row["Status"], "failed");
    assert!(row["Error"]
        .as_str()
        .unwrap()
        .contains("inReplyToReceivedAt"));
    // 23 hours is inside.
    let inside = outbox("help", THEIRS, time::Duration::hours(23));
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&inside, &[]));
    assert_eq!(only_row(&checked(&reply))["Status"], "sent");
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn throttling_is_retried_with_the_same_repeatability_id_then_succeeds() {
    let fake = FakeAcs::start(vec![Answer::Status(
        429,
        vec![("Retry-After", "1")],
        r#"{"error":{"code":"TooManyRequests","message":"Slow down."}}"#,
    )]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let row = only_row(&checked(&reply));
    assert_eq!(row["Status"], "sent");
    assert_eq!(row["Attempts"], 2);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    fake.assert_all_verified();
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(950));
    assert_eq!(seen[0].body, seen[1].body);
    for s in &seen {
        assert_eq!(s.repeatability_id.as_deref(), Some(REPEATABILITY_ID));
    }
}

#[test]
fn a_bad_request_is_recorded_as_failed_and_bad_credentials_fail_without_retrying() {
    let fake = FakeAcs::start(vec![
        Answer::Status(
            400,
            vec![],
            r#"{"error":{"code":"InvalidRequest","message":"The channel is not registered."}}"#,
        ),
        Answer::Status(401, vec![], r#"{"error":{"code":"Unauthorized"}}"#),
    ]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(reply.status, 200, "a permanent refusal must not be retried");
    let row = only_row(&checked(&reply));
    assert_eq!(row["Status"], "failed");
    assert_eq!(row["HttpStatus"], 400);
    assert_eq!(
        row["Error"],
        "InvalidRequest: The channel is not registered."
    );
    assert_eq!(row["RowKey"], REPEATABILITY_ID);
    assert!(row.get("MessageId").is_none());

    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(reply.status, 503, "a configuration fault");
    let body = checked(&reply);
    assert!(
        body["Error"]["message"]
            .as_str()
            .unwrap()
            .contains("ACS_CONNECTION_STRING"),
        "{body}"
    );
    assert_eq!(fake.seen().len(), 2, "401 is not retried");

    // A wrong key is caught by the fake ACS's own signature check.
    let wrong = format!(
        "endpoint=http://127.0.0.1:{}/;accesskey=d3Jvbmcta2V5",
        fake.port
    );
    let handler = Handler::start(&[("ACS_CONNECTION_STRING", wrong.as_str())]);
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(reply.status, 503);
    let seen = fake.seen();
    assert!(seen[2]
        .verified
        .as_ref()
        .unwrap_err()
        .starts_with("Authorization"));
}

#[test]
fn without_a_connection_string_whatsapp_sender_fails_and_event_grid_still_works() {
    let handler = Handler::start(&[]);
    let reply = handler.invoke("WhatsAppSender", &queue_invocation(&fresh("help"), &[]));
    assert_eq!(reply.status, 503);
    let body = checked(&reply);
    let message = body["Error"]["message"].as_str().unwrap();
    assert!(
        message.contains("ACS_CONNECTION_STRING") && message.contains("is not set"),
        "{message}"
    );
    let event = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-advmsg__AdvancedMessageReceived__text.json")
        .unwrap()
        .1;
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
    assert_eq!(reply.status, 200);
    assert!(reply.json()["Outputs"]["waMessages"].is_array());
}

#[test]
fn malformed_messages_and_non_canonical_recipients_are_refused_never_guessed() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let mut national = fresh("help");
    national["to"] = json!("14255550123");
    let mut placeholder = fresh("help");
    placeholder["from"] = json!("{channel-id}");
    for (message, field) in [(national, "`to`"), (placeholder, "`from`")] {
        let reply = handler.invoke("WhatsAppSender", &queue_invocation(&message, &[]));
        assert_eq!(reply.status, 200);
        let body = checked(&reply);
        let row = only_row(&body);
        assert_eq!(row["Status"], "failed");
        assert!(row["Error"].as_str().unwrap().contains(field), "{row}");
        assert!(!body["Logs"].to_string().contains("4255550123"));
    }
    let reply = handler.invoke(
        "WhatsAppSender",
        &queue_invocation(&json!({"to": THEIRS, "message": 5}), &[]),
    );
    assert_eq!(reply.status, 200);
    let row = only_row(&checked(&reply));
    assert_eq!(row["Status"], "failed");
    assert!(row["Error"]
        .as_str()
        .unwrap()
        .contains("not an outbox message"));
    assert!(fake.seen().is_empty());
}
