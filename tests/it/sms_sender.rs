//! `SmsSender` through the host protocol: the real `handler` binary, invoked with the host's
//! double-encoded queue body, sending to a fake ACS on 127.0.0.1 that checks every request the
//! way ACS does (HMAC signature, `x-ms-date`, `x-ms-content-sha256`, `Host`, content type, body).

use std::time::Duration;

use serde_json::{json, Value};

use crate::fake_acs::{Answer, FakeAcs, KEY};
use crate::harness::{event_grid_invocation, output_items, sample_events, Handler, HttpResponse};

const OURS: &str = "+18005550100";
const THEIRS: &str = "+14255550123";
const TEXT: &str = "You are unsubscribed. Reply START to resubscribe.";
const REPEATABILITY_ID: &str = "5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b";

/// An outbox message as the SMS module writes it.
fn outbox(kind: &str) -> Value {
    json!({
        "from": OURS, "to": THEIRS, "message": TEXT, "kind": kind,
        "inReplyTo": "Incoming_1", "repeatabilityRequestId": REPEATABILITY_ID,
        "createdAt": "2026-11-27T05:59:58Z"
    })
}

/// The host's body for an `SmsSender` invocation with the person's history rows.
fn queue_invocation(message: &Value, history: &[&Value]) -> Vec<u8> {
    crate::harness::queue_invocation("SmsSender", "outboxItem", message, history)
}

/// A history row as the SMS module writes it (see `opt_out::row_key`).
fn history_row(row_key: &str, opted_out: bool) -> Value {
    json!({
        "PartitionKey": format!("{OURS}|{THEIRS}"), "RowKey": row_key, "OptedOut": opted_out,
        "Keyword": if opted_out { "STOP" } else { "START" }, "Timestamp": "2026-11-27T06:00:01+00:00"
    })
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

fn assert_json_reply(reply: &HttpResponse) -> Value {
    assert!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        reply.header("content-type")
    );
    let body = reply.json();
    if reply.status == 200 {
        assert_eq!(body["ReturnValue"], Value::Bool(true), "{body}");
        crate::harness::host_outputs("SmsSender", &body);
    }
    body
}

fn only_row(body: &Value) -> Value {
    let rows = output_items(body, "smsMessages");
    assert_eq!(rows.len(), 1, "{body}");
    rows[0].clone()
}

#[test]
fn a_queued_reply_is_sent_signed_and_recorded_with_the_acs_message_id() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[("RUST_LOG", "debug")]);
    let reply = handler.invoke(
        "SmsSender",
        &queue_invocation(&outbox("optOutConfirmation"), &[]),
    );
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = assert_json_reply(&reply);
    fake.assert_all_verified();
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].body,
        json!({
            "from": OURS,
            "smsRecipients": [{"to": THEIRS, "repeatabilityRequestId": REPEATABILITY_ID,
                               "repeatabilityFirstSent": "Fri, 27 Nov 2026 05:59:58 GMT"}],
            "message": TEXT,
            "smsSendOptions": {"enableDeliveryReport": true, "tag": "optOutConfirmation"}
        })
    );
    let row = only_row(&body);
    assert_eq!(row["PartitionKey"], OURS);
    assert_eq!(row["RowKey"], "Outgoing_fake_0");
    assert_eq!(row["MessageId"], "Outgoing_fake_0");
    assert_eq!(row["Direction"], "outbound");
    assert_eq!(row["Status"], "sent");
    assert_eq!(row["To"], THEIRS);
    assert_eq!(row["Message"], TEXT);
    assert_eq!(row["Kind"], "optOutConfirmation");
    assert_eq!(row["InReplyTo"], "Incoming_1");
    assert_eq!(row["RepeatabilityRequestId"], REPEATABILITY_ID);
    assert_eq!(row["Attempts"], 1);

    // A `null` table input (the legacy extension's empty answer) and the docs' single-encoded
    // form work as well.
    let message = outbox("help");
    let mut single: Value = serde_json::from_slice(&queue_invocation(&message, &[])).unwrap();
    single["Data"]["outboxItem"] = Value::String(message.to_string());
    single["Data"]["optOut"] = Value::Null;
    let reply = handler.invoke("SmsSender", single.to_string().as_bytes());
    assert_eq!(reply.status, 200);
    assert_eq!(only_row(&reply.json())["MessageId"], "Outgoing_fake_1");
    fake.assert_all_verified();

    // No log line, reply or process output names the numbers or the text.
    let logs = body["Logs"].to_string();
    assert!(logs.contains("+1***23"), "{logs}");
    let (_, output) = handler.terminate();
    assert!(
        output.contains("==> Request"),
        "debug logs are on: {output}"
    );
    for secret in ["4255550123", "8005550100", TEXT, KEY] {
        assert!(!logs.contains(secret), "Logs leak {secret:?}: {logs}");
        assert!(!output.contains(secret), "process output leaks {secret:?}");
    }
}

/// The RowKey of a keyword in the opt-out history, computed here from its definition (.NET
/// ticks of `DateTime.MaxValue` minus the receive time's ticks, 19 digits, `_`, message id).
pub fn history_key(received: &str, message_id: &str) -> String {
    let time =
        time::OffsetDateTime::parse(received, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let ticks = time.unix_timestamp_nanos() / 100 + 621_355_968_000_000_000;
    format!(
        "{:019}_{message_id}",
        3_155_378_975_999_999_999_i128 - ticks
    )
}

#[test]
fn an_opted_out_person_gets_only_the_opt_out_confirmation_and_help() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    // STOP at 06:00, after the START that `outbox()` confirms (05:59:58), and an older START.
    let stop = history_row(&history_key("2026-11-27T06:00:00Z", "Incoming_2"), true);
    let older = history_row(&history_key("2026-11-27T05:00:00Z", "Incoming_0"), false);
    let history = [&older, &stop];
    for kind in ["optInConfirmation", "marketing"] {
        let reply = handler.invoke("SmsSender", &queue_invocation(&outbox(kind), &history));
        assert_eq!(reply.status, 200);
        let body = assert_json_reply(&reply);
        assert!(body["Outputs"].as_object().unwrap().is_empty(), "{body}");
        let logs = body["Logs"].to_string();
        assert!(
            logs.contains("opted out") && logs.contains("+1***23"),
            "{logs}"
        );
    }
    let mut application = outbox("marketing");
    application.as_object_mut().unwrap().remove("kind");
    let reply = handler.invoke("SmsSender", &queue_invocation(&application, &history));
    assert!(output_items(&reply.json(), "smsMessages").is_empty());
    assert!(fake.seen().is_empty(), "no request may reach ACS");

    // Carriers require HELP to be answered in every state, and the STOP is confirmed.
    for kind in ["optOutConfirmation", "help"] {
        let reply = handler.invoke("SmsSender", &queue_invocation(&outbox(kind), &history));
        assert_eq!(reply.status, 200);
        assert_eq!(only_row(&reply.json())["Status"], "sent");
    }
    assert_eq!(fake.seen().len(), 2);

    // A START newer than the STOP whose row the host has not written yet (it sends queue
    // messages first): not sent now, retried by the queue.
    let mut confirmation = outbox("optInConfirmation");
    confirmation["inReplyTo"] = json!("Incoming_3");
    confirmation["createdAt"] = json!("2026-11-27T06:05:00Z");
    let reply = handler.invoke("SmsSender", &queue_invocation(&confirmation, &history));
    assert_eq!(reply.status, 500, "the queue retries it");
    assert_eq!(fake.seen().len(), 2);
    // Once the row is there, it goes out.
    let start_row = history_row(&history_key("2026-11-27T06:05:00Z", "Incoming_3"), false);
    let reply = handler.invoke(
        "SmsSender",
        &queue_invocation(&confirmation, &[&older, &stop, &start_row]),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(only_row(&reply.json())["Status"], "sent");
    fake.assert_all_verified();
}

#[test]
fn an_invocation_without_the_opt_out_input_texts_nobody() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let mut body: Value =
        serde_json::from_slice(&queue_invocation(&outbox("marketing"), &[])).unwrap();
    body["Data"].as_object_mut().unwrap().remove("optOut");
    let reply = handler.invoke("SmsSender", body.to_string().as_bytes());
    assert_eq!(reply.status, 503);
    let error = assert_json_reply(&reply)["Error"]["message"].to_string();
    assert!(
        error.contains("optOut") && error.contains("function.json"),
        "{error}"
    );
    assert!(fake.seen().is_empty());
}

#[test]
fn throttling_is_retried_after_retry_after_with_the_same_repeatability_id() {
    let fake = FakeAcs::start(vec![Answer::Status(
        429,
        vec![("Retry-After", "1")],
        r#"{"error":{"code":"TooManyRequests","message":"Slow down."}}"#,
    )]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert_eq!(
        reply.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    let row = only_row(&reply.json());
    assert_eq!(row["Status"], "sent");
    assert_eq!(row["Attempts"], 2);
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    fake.assert_all_verified();
    assert!(
        seen[1].at - seen[0].at >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured: {:?}",
        seen[1].at - seen[0].at
    );
    // The same body, so the same repeatability id and first-sent time.
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(
        seen[0].body["smsRecipients"][0]["repeatabilityRequestId"],
        REPEATABILITY_ID
    );
}

#[test]
fn server_errors_past_the_budget_fail_the_invocation_and_the_redelivery_sends_once() {
    let unavailable = Answer::Status(503, vec![], r#"{"error":{"code":"ServiceUnavailable"}}"#);
    let fake = FakeAcs::start(vec![unavailable.clone(), unavailable.clone(), unavailable]);
    let handler = start(&fake, &[("SMS_SEND_MAX_ATTEMPTS", "3")]);
    let body = queue_invocation(&outbox("help"), &[]);
    let reply = handler.invoke("SmsSender", &body);
    assert_eq!(reply.status, 500, "the queue must redeliver");
    let error = assert_json_reply(&reply)["Error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("3 attempt(s)") && error.contains("HTTP 503"),
        "{error}"
    );
    assert_eq!(fake.seen().len(), 3);

    // The queue redelivers the same message: same repeatability id, now accepted.
    let reply = handler.invoke("SmsSender", &body);
    assert_eq!(reply.status, 200);
    let seen = fake.seen();
    assert_eq!(seen.len(), 4);
    let ids: Vec<&Value> = seen
        .iter()
        .map(|s| &s.body["smsRecipients"][0]["repeatabilityRequestId"])
        .collect();
    assert!(ids.iter().all(|id| *id == REPEATABILITY_ID), "{ids:?}");
    fake.assert_all_verified();
}

#[test]
fn a_bad_request_is_recorded_as_failed_and_the_invocation_succeeds() {
    let fake = FakeAcs::start(vec![Answer::Status(
        400,
        vec![],
        r#"{"error":{"code":"InvalidRequest","message":"Invalid To phone number."}}"#,
    )]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert_eq!(reply.status, 200, "a permanent refusal must not be retried");
    let row = only_row(&reply.json());
    assert_eq!(row["Status"], "failed");
    assert_eq!(row["HttpStatus"], 400);
    assert_eq!(row["Error"], "InvalidRequest: Invalid To phone number.");
    assert_eq!(row["RowKey"], REPEATABILITY_ID);
    assert!(row.get("MessageId").is_none());
    assert_eq!(fake.seen().len(), 1);
}

#[test]
fn refused_credentials_fail_the_invocation_without_retrying() {
    let fake = FakeAcs::start(vec![Answer::Status(
        401,
        vec![],
        r#"{"error":{"code":"Unauthorized"}}"#,
    )]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert!(!(200..300).contains(&reply.status), "{}", reply.status);
    let body = assert_json_reply(&reply);
    assert!(
        body["Error"]["message"]
            .as_str()
            .unwrap()
            .contains("ACS_CONNECTION_STRING"),
        "{body}"
    );
    assert_eq!(fake.seen().len(), 1);

    // A wrong key is caught by the fake ACS's own signature check the same way.
    let wrong = format!(
        "endpoint=http://127.0.0.1:{}/;accesskey=d3Jvbmcta2V5",
        fake.port
    );
    let handler = Handler::start(&[("ACS_CONNECTION_STRING", wrong.as_str())]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert!(!(200..300).contains(&reply.status));
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1]
        .verified
        .as_ref()
        .unwrap_err()
        .starts_with("Authorization"));
}

#[test]
fn without_a_connection_string_sms_sender_fails_and_event_grid_still_works() {
    let handler = Handler::start(&[]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert!(!(200..300).contains(&reply.status), "{}", reply.status);
    let body = assert_json_reply(&reply);
    let message = body["Error"]["message"].as_str().unwrap();
    assert!(
        message.contains("ACS_CONNECTION_STRING") && message.contains("is not set"),
        "{message}"
    );

    let event = sample_events()
        .into_iter()
        .find(|(f, _)| f == "docs-sms__SMSReceived.json")
        .unwrap()
        .1;
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
    assert_eq!(reply.status, 200);
    assert!(reply.json()["Outputs"]["smsMessages"].is_array());

    // A malformed one says what is wrong, never the key.
    let secret = "c2VjcmV0LWtleS12YWx1ZQ==";
    let bad = format!("endpoint=https://contoso.communication.azure.com/;accesskey={secret}!");
    let handler = Handler::start(&[("ACS_CONNECTION_STRING", bad.as_str())]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), &[]));
    assert!(!(200..300).contains(&reply.status));
    let message = assert_json_reply(&reply)["Error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("ACS_CONNECTION_STRING") && message.contains("not base64"),
        "{message}"
    );
    assert!(!message.contains(secret));
    let reply = handler.invoke("EventGridTrigger", &event_grid_invocation(&event));
    assert_eq!(reply.status, 200);
}

#[test]
fn an_unreadable_outbox_message_is_refused_recorded_and_never_quoted() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[("RUST_LOG", "debug")]);
    let bad_values = [
        ("createdAt", json!("+14255550123")),
        ("createdAt", json!("9999-12-31T23:59:59-01:00")),
        ("to", json!(14255550123_u64)),
        ("from", json!(18005550100_u64)),
        ("message", json!(14255550123_u64)),
        ("kind", json!(14255550123_u64)),
        ("repeatabilityRequestId", json!("+14255550123")),
    ];
    for (field, value) in bad_values {
        let mut message = outbox("help");
        message[field] = value.clone();
        let reply = handler.invoke("SmsSender", &queue_invocation(&message, &[]));
        assert_eq!(reply.status, 200, "{field}: a retry cannot fix it");
        let body = assert_json_reply(&reply);
        let row = only_row(&body);
        assert_eq!(row["Status"], "failed", "{field}");
        assert_eq!(row["Direction"], "outbound");
        let error = row["Error"].as_str().unwrap();
        assert!(error.contains(field), "{field}: {error}");
        for leak in ["4255550123", "8005550100", "9999"] {
            assert!(!error.contains(leak), "{field}: {error}");
            assert!(!body["Logs"].to_string().contains(leak), "{field}: {body}");
        }
        // Redelivered, it lands on the same row.
        let again = handler.invoke("SmsSender", &queue_invocation(&message, &[]));
        assert_eq!(only_row(&again.json())["RowKey"], row["RowKey"]);
    }
    let missing = json!({"Data": {}, "Metadata": {}});
    let reply = handler.invoke("SmsSender", missing.to_string().as_bytes());
    assert_eq!(reply.status, 400);
    assert!(fake.seen().is_empty(), "nothing was sent");
    let (_, output) = handler.terminate();
    for leak in ["4255550123", "8005550100"] {
        assert!(!output.contains(leak), "process output leaks {leak}");
    }
}

#[test]
fn numbers_an_application_did_not_write_canonically_are_refused_never_guessed() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    for (field, value) in [
        ("to", "14255550123"),
        ("to", "1 (425) 555-0123"),
        ("to", "(604) 555-0123"),
        ("to", "+1 425 555 0123"),
        ("to", "+1-425-555-0123"),
        ("to", " +14255550123"),
        ("to", "tel:+14255550123"),
        ("to", "CONTOSO"),
        ("to", ""),
        ("from", "18005550100"),
        ("from", "+1 (800) 555-0100"),
        ("from", ""),
    ] {
        let mut message = outbox("marketing");
        message[field] = json!(value);
        let reply = handler.invoke("SmsSender", &queue_invocation(&message, &[]));
        assert_eq!(reply.status, 200, "{field} {value:?}");
        let body = assert_json_reply(&reply);
        let row = only_row(&body);
        assert_eq!(row["Status"], "failed", "{field} {value:?}");
        assert_eq!(row[if field == "to" { "To" } else { "From" }], value);
        let error = row["Error"].as_str().unwrap();
        assert!(error.contains(&format!("`{field}`")), "{error}");
        let logs = body["Logs"].to_string();
        assert!(logs.contains("refused"), "{logs}");
        assert!(
            !logs.contains("4255550123") && !logs.contains("555-0123"),
            "{logs}"
        );
    }
    assert!(fake.seen().is_empty(), "nothing was sent");
    // Short codes and sender ids are canonical senders.
    for from in ["12345", "CONTOSO"] {
        let mut message = outbox("help");
        message["from"] = json!(from);
        let reply = handler.invoke("SmsSender", &queue_invocation(&message, &[]));
        assert_eq!(only_row(&reply.json())["Status"], "sent", "{from}");
    }
    fake.assert_all_verified();
}
