//! `SmsSender` through the host protocol: the real `handler` binary, invoked with the host's
//! double-encoded queue body, sending to a fake ACS on 127.0.0.1 that checks every request the
//! way ACS does (HMAC signature, `x-ms-date`, `x-ms-content-sha256`, `Host`, content type, body).

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::harness::{event_grid_invocation, output_items, sample_events, Handler, HttpResponse};

const KEY: &str = "YWNzLWV2ZW50LWhhbmRsZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZg==";
const OURS: &str = "+18005550100";
const THEIRS: &str = "+14255550123";
const TEXT: &str = "You are unsubscribed. Reply START to resubscribe.";
const REPEATABILITY_ID: &str = "5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b";

/// What the fake ACS answers to one request.
#[derive(Clone)]
enum Answer {
    /// 202 with an accepted recipient and a fresh message id.
    Accept,
    /// Any status, headers and body.
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
}

/// One request as the fake ACS saw it.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    /// `Err` says which check failed.
    verified: Result<(), String>,
    body: Value,
}

/// A fake ACS SMS endpoint on 127.0.0.1: answers from a script (then `Accept`), and stops when
/// dropped (or after two minutes, whichever is first).
struct FakeAcs {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeAcs {
    fn start(script: Vec<Answer>) -> FakeAcs {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (script, seen, stop) = (script.clone(), seen.clone(), stop.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                let ids = Arc::new(AtomicUsize::new(0));
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (script, seen, ids) = (script.clone(), seen.clone(), ids.clone());
                            std::thread::spawn(move || serve(stream, port, &script, &seen, &ids));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FakeAcs {
            port,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn connection_string(&self) -> String {
        format!("endpoint=http://127.0.0.1:{}/;accesskey={KEY}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Every request so far passed every check.
    fn assert_all_verified(&self) {
        for seen in self.seen() {
            assert_eq!(seen.verified, Ok(()), "{}", seen.body);
        }
    }
}

impl Drop for FakeAcs {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one keep-alive connection until the client closes it.
fn serve(
    stream: TcpStream,
    port: u16,
    script: &Mutex<VecDeque<Answer>>,
    seen: &Mutex<Vec<Seen>>,
    ids: &AtomicUsize,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let request_line = line.trim_end().to_owned();
        let mut headers: Vec<(String, String)> = Vec::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let length: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let verified = verify(&request_line, &header, &body, port);
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        seen.lock().unwrap().push(Seen {
            at: Instant::now(),
            verified: verified.clone(),
            body: json.clone(),
        });
        let answer = if verified.is_err() {
            // What ACS does with a request it cannot authenticate.
            Answer::Status(
                401,
                vec![],
                r#"{"error":{"code":"Unauthorized","message":"Denied."}}"#,
            )
        } else {
            script.lock().unwrap().pop_front().unwrap_or(Answer::Accept)
        };
        let (status, extra, text) = match answer {
            Answer::Accept => {
                let n = ids.fetch_add(1, Ordering::Relaxed);
                let to = json["smsRecipients"][0]["to"].clone();
                let body = json!({"value": [{
                    "to": to, "messageId": format!("Outgoing_fake_{n}"), "httpStatusCode": 202,
                    "repeatabilityResult": "accepted", "successful": true
                }]});
                (202, vec![], body.to_string())
            }
            Answer::Status(status, headers, body) => (status, headers, body.to_owned()),
        };
        let mut response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            text.len()
        );
        for (name, value) in extra {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&text);
        if reader.get_mut().write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The checks ACS makes, written from `acs-sms-api.md`, independently of `src/acs.rs`.
fn verify(
    request_line: &str,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    port: u16,
) -> Result<(), String> {
    let path_and_query = "/sms?api-version=2021-03-07";
    if request_line != format!("POST {path_and_query} HTTP/1.1") {
        return Err(format!("request line {request_line:?}"));
    }
    let host = header("host").ok_or("no Host")?;
    if host != format!("127.0.0.1:{port}") {
        return Err(format!("Host {host:?}"));
    }
    let content_type = header("content-type").ok_or("no Content-Type")?;
    if !content_type.starts_with("application/json") {
        return Err(format!("Content-Type {content_type:?}"));
    }
    let date = header("x-ms-date").ok_or("no x-ms-date")?;
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let sent = time::PrimitiveDateTime::parse(&date, format)
        .map_err(|e| format!("x-ms-date {date:?}: {e}"))?
        .assume_utc();
    let skew = (time::OffsetDateTime::now_utc() - sent).abs();
    if skew > time::Duration::minutes(15) {
        return Err(format!("x-ms-date {date:?} is {skew} away"));
    }
    let hash = STANDARD.encode(Sha256::digest(body));
    if header("x-ms-content-sha256").as_deref() != Some(hash.as_str()) {
        return Err("x-ms-content-sha256 does not match the body".into());
    }
    let to_sign = format!("POST\n{path_and_query}\n{date};{host};{hash}");
    let mut mac = Hmac::<Sha256>::new_from_slice(&STANDARD.decode(KEY).unwrap()).unwrap();
    mac.update(to_sign.as_bytes());
    let expected = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
        STANDARD.encode(mac.finalize().into_bytes())
    );
    if header("authorization").as_deref() != Some(expected.as_str()) {
        return Err(format!("Authorization {:?}", header("authorization")));
    }
    let body: Value = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
    let recipient = &body["smsRecipients"][0];
    let checks = [
        body["from"].is_string(),
        body["message"].is_string(),
        body["smsRecipients"]
            .as_array()
            .is_some_and(|r| r.len() == 1),
        recipient["to"].is_string(),
        recipient["repeatabilityRequestId"]
            .as_str()
            .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
        recipient["repeatabilityFirstSent"]
            .as_str()
            .is_some_and(|t| time::PrimitiveDateTime::parse(t, format).is_ok()),
        body["smsSendOptions"]["enableDeliveryReport"] == true,
    ];
    if checks.contains(&false) {
        return Err(format!("body fields: {checks:?}"));
    }
    Ok(())
}

/// An outbox message as the SMS module writes it.
fn outbox(kind: &str) -> Value {
    json!({
        "from": OURS, "to": THEIRS, "message": TEXT, "kind": kind,
        "inReplyTo": "Incoming_1", "repeatabilityRequestId": REPEATABILITY_ID,
        "createdAt": "2026-11-27T05:59:58Z"
    })
}

/// The body the host POSTs for a queue message: the message text JSON-encoded as a string and
/// that string encoded again (§1.3), top-level properties copied into Metadata, and `optOut`
/// when the table input found a row.
fn queue_invocation(message: &Value, opt_out: Option<Value>) -> Vec<u8> {
    let text = message.to_string();
    let mut data = serde_json::Map::new();
    data.insert(
        "outboxItem".into(),
        Value::String(serde_json::to_string(&text).unwrap()),
    );
    if let Some(row) = opt_out {
        data.insert("optOut".into(), row);
    }
    let mut metadata = json!({
        "DequeueCount": "1",
        "ExpirationTime": "2026-12-04T06:00:00+00:00",
        "Id": "\"a0004923-f050-417a-9742-6d7c7b984134\"",
        "InsertionTime": "2026-11-27T06:00:00+00:00",
        "NextVisibleTime": "2026-11-27T06:10:00+00:00",
        "PopReceipt": "\"AgAAAAMAAAAAAAAA8d5gQex+2AE=\"",
        "sys": {"MethodName": "SmsSender", "UtcNow": "2026-11-27T06:00:00.1234567Z", "RandGuid": "d9ba2785-ee1a-4260-a83b-f57cb54b969e"}
    });
    for (name, value) in message.as_object().unwrap() {
        if let Some(s) = value.as_str() {
            metadata[name] = Value::String(serde_json::to_string(s).unwrap());
        }
    }
    serde_json::to_vec(&json!({"Data": data, "Metadata": metadata})).unwrap()
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
        &queue_invocation(&outbox("optOutConfirmation"), None),
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

    // An empty table input (`null`) and the docs' single-encoded form work as well.
    let message = outbox("help");
    let mut single: Value =
        serde_json::from_slice(&queue_invocation(&message, Some(Value::Null))).unwrap();
    single["Data"]["outboxItem"] = Value::String(message.to_string());
    let reply = handler.invoke("SmsSender", single.to_string().as_bytes());
    assert_eq!(reply.status, 200);
    assert_eq!(only_row(&reply.json())["MessageId"], "Outgoing_fake_1");
    fake.assert_all_verified();

    // No log line, reply or process output names the numbers or the text.
    let logs = body["Logs"].to_string();
    assert!(logs.contains("+1425***0123"), "{logs}");
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

#[test]
fn a_text_to_an_opted_out_number_is_skipped_but_the_confirmation_is_sent() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let row = json!({
        "PartitionKey": OURS, "RowKey": THEIRS, "Timestamp": "2026-11-27T05:59:59.1+00:00",
        "ETag": "W/\"datetime'2026-11-27T05%3A59%3A59.1Z'\"", "OptedOut": true, "Keyword": "STOP"
    });
    for kind in ["help", "optInConfirmation", "marketing"] {
        let reply = handler.invoke(
            "SmsSender",
            &queue_invocation(&outbox(kind), Some(row.clone())),
        );
        assert_eq!(reply.status, 200);
        let body = assert_json_reply(&reply);
        assert!(body["Outputs"].as_object().unwrap().is_empty(), "{body}");
        let logs = body["Logs"].to_string();
        assert!(
            logs.contains("opted out") && logs.contains("+1425***0123"),
            "{logs}"
        );
    }
    assert!(fake.seen().is_empty(), "no request may reach ACS");

    let reply = handler.invoke(
        "SmsSender",
        &queue_invocation(&outbox("optOutConfirmation"), Some(row)),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(only_row(&reply.json())["Status"], "sent");
    assert_eq!(fake.seen().len(), 1);
    fake.assert_all_verified();
}

#[test]
fn throttling_is_retried_after_retry_after_with_the_same_repeatability_id() {
    let fake = FakeAcs::start(vec![Answer::Status(
        429,
        vec![("Retry-After", "1")],
        r#"{"error":{"code":"TooManyRequests","message":"Slow down."}}"#,
    )]);
    let handler = start(&fake, &[]);
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
    let body = queue_invocation(&outbox("help"), None);
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
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
    let reply = handler.invoke("SmsSender", &queue_invocation(&outbox("help"), None));
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
fn an_unreadable_outbox_message_is_refused_without_quoting_it() {
    let fake = FakeAcs::start(vec![]);
    let handler = start(&fake, &[]);
    let mut message = outbox("help");
    message["createdAt"] = json!("+14255550123");
    let reply = handler.invoke("SmsSender", &queue_invocation(&message, None));
    assert_eq!(reply.status, 400);
    let error = assert_json_reply(&reply)["Error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("outboxItem") && error.contains("createdAt"),
        "{error}"
    );
    assert!(!error.contains("4255550123"), "{error}");
    let missing = json!({"Data": {}, "Metadata": {}});
    let reply = handler.invoke("SmsSender", missing.to_string().as_bytes());
    assert_eq!(reply.status, 400);
    assert!(fake.seen().is_empty());
}
