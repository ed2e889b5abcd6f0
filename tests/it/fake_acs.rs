//! A fake ACS SMS endpoint on 127.0.0.1 that checks every request the way ACS does (HMAC
//! signature, `x-ms-date`, `x-ms-content-sha256`, `Host`, content type, body), written from the
//! ACS REST specs independently of `src/acs.rs`. It serves
//! - `POST /sms?api-version=2021-03-07` (send), and
//! - `POST /sms/optouts:add|remove?api-version=2026-01-23`, keeping the opt-out list as ACS does:
//!   a set of (sender, recipient) entries, add and remove being set operations, and
//! - `POST /messages/notifications:send?api-version=2024-11-15` (Advanced Messaging, WhatsApp),
//!   with the `Repeatability-Request-ID` and `Repeatability-First-Sent` headers (written from
//!   azure-rest-api-specs `Messages/stable/2024-11-15`).

use std::collections::{BTreeSet, VecDeque};
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

/// The access key of the fake resource.
pub const KEY: &str = "YWNzLWV2ZW50LWhhbmRsZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZg==";
const SEND_PATH: &str = "/sms?api-version=2021-03-07";
const OPT_OUT_PATH: &str = "/sms/optouts:";
const OPT_OUT_QUERY: &str = "?api-version=2026-01-23";
const MESSAGES_PATH: &str = "/messages/notifications:send?api-version=2024-11-15";

/// What the fake ACS answers to one request.
#[derive(Clone)]
pub enum Answer {
    /// Success: 202 with an accepted recipient and a fresh message id (send), or 200 with the
    /// recipient's 200 (opt-out list), applied to the list.
    Accept,
    /// Any status, headers and body.
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
}

/// Which API a request called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Send,
    OptOutAdd,
    OptOutRemove,
    /// Advanced Messaging `notifications:send`.
    Messages,
}

/// One request as the fake ACS saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub api: Option<Api>,
    /// `Err` says which check failed.
    pub verified: Result<(), String>,
    pub body: Value,
    /// The `Repeatability-Request-ID` header, if any.
    pub repeatability_id: Option<String>,
}

type OptOutList = BTreeSet<(String, String)>;

/// A fake ACS endpoint: answers from a script (then `Accept`), and stops when dropped (or after
/// two minutes, whichever is first).
pub struct FakeAcs {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    list: Arc<Mutex<OptOutList>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    port: u16,
    script: Mutex<VecDeque<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    list: Arc<Mutex<OptOutList>>,
    ids: AtomicUsize,
}

impl FakeAcs {
    pub fn start(script: Vec<Answer>) -> FakeAcs {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let list = Arc::new(Mutex::new(OptOutList::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            port,
            script: Mutex::new(VecDeque::from(script)),
            seen: seen.clone(),
            list: list.clone(),
            ids: AtomicUsize::new(0),
        });
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let shared = shared.clone();
                            std::thread::spawn(move || serve(stream, &shared));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        FakeAcs {
            port,
            seen,
            list,
            stop,
            thread: Some(thread),
        }
    }

    pub fn connection_string(&self) -> String {
        format!("endpoint=http://127.0.0.1:{}/;accesskey={KEY}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Whether ACS's opt-out list holds (`from`, `to`).
    pub fn is_opted_out(&self, from: &str, to: &str) -> bool {
        self.list
            .lock()
            .unwrap()
            .contains(&(from.to_owned(), to.to_owned()))
    }

    /// Every request so far passed every check.
    pub fn assert_all_verified(&self) {
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
fn serve(stream: TcpStream, shared: &Shared) {
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
        let api = api_of(&request_line);
        let verified = verify(&request_line, api, &header, &body, shared.port);
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        shared.seen.lock().unwrap().push(Seen {
            at: Instant::now(),
            api,
            verified: verified.clone(),
            body: json.clone(),
            repeatability_id: header("repeatability-request-id"),
        });
        let answer = if verified.is_err() {
            // What ACS does with a request it cannot authenticate.
            Answer::Status(
                401,
                vec![],
                r#"{"error":{"code":"Unauthorized","message":"Denied."}}"#,
            )
        } else {
            shared
                .script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Answer::Accept)
        };
        let (status, extra, text) = match (answer, api) {
            (Answer::Accept, Some(Api::Send)) => {
                let n = shared.ids.fetch_add(1, Ordering::Relaxed);
                let to = json["smsRecipients"][0]["to"].clone();
                let body = json!({"value": [{
                    "to": to, "messageId": format!("Outgoing_fake_{n}"), "httpStatusCode": 202,
                    "repeatabilityResult": "accepted", "successful": true
                }]});
                (202, vec![], body.to_string())
            }
            (Answer::Accept, Some(Api::Messages)) => {
                let n = shared.ids.fetch_add(1, Ordering::Relaxed);
                let to = json["to"][0].clone();
                let body = json!({"receipts": [{"messageId": format!("wa_fake_{n}"), "to": to}]});
                (
                    202,
                    vec![("Repeatability-Result", "accepted")],
                    body.to_string(),
                )
            }
            (Answer::Accept, Some(api)) => {
                let from = json["from"].as_str().unwrap_or_default().to_owned();
                let to = json["recipients"][0]["to"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let mut list = shared.list.lock().unwrap();
                if api == Api::OptOutAdd {
                    list.insert((from, to.clone()));
                } else {
                    list.remove(&(from, to.clone()));
                }
                let body = json!({"value": [{"to": to, "httpStatusCode": 200}]});
                (200, vec![], body.to_string())
            }
            (Answer::Accept, None) => (404, vec![], r#"{"error":{"code":"NotFound"}}"#.into()),
            (Answer::Status(status, headers, body), _) => (status, headers, body.to_owned()),
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

fn api_of(request_line: &str) -> Option<Api> {
    let target = request_line
        .strip_prefix("POST ")?
        .strip_suffix(" HTTP/1.1")?;
    if target == SEND_PATH {
        return Some(Api::Send);
    }
    if target == MESSAGES_PATH {
        return Some(Api::Messages);
    }
    match target
        .strip_prefix(OPT_OUT_PATH)?
        .strip_suffix(OPT_OUT_QUERY)?
    {
        "add" => Some(Api::OptOutAdd),
        "remove" => Some(Api::OptOutRemove),
        _ => None,
    }
}

fn e164(value: &Value) -> bool {
    value.as_str().is_some_and(|n| {
        n.strip_prefix('+')
            .is_some_and(|d| (7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The checks ACS makes, written from the ACS REST API docs and specs.
fn verify(
    request_line: &str,
    api: Option<Api>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
    port: u16,
) -> Result<(), String> {
    let api = api.ok_or_else(|| format!("request line {request_line:?}"))?;
    let path_and_query = request_line
        .strip_prefix("POST ")
        .and_then(|r| r.strip_suffix(" HTTP/1.1"))
        .ok_or("request line")?;
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
    let checks: Vec<bool> = match api {
        Api::Send => {
            let recipient = &body["smsRecipients"][0];
            let format = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            vec![
                body["from"].is_string(),
                body["message"].is_string(),
                body["smsRecipients"]
                    .as_array()
                    .is_some_and(|r| r.len() == 1),
                e164(&recipient["to"]),
                recipient["repeatabilityRequestId"]
                    .as_str()
                    .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
                recipient["repeatabilityFirstSent"]
                    .as_str()
                    .is_some_and(|t| time::PrimitiveDateTime::parse(t, format).is_ok()),
                body["smsSendOptions"]["enableDeliveryReport"] == true,
            ]
        }
        Api::Messages => {
            let format = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            let bsuid = |v: &Value| {
                v.as_str().is_some_and(|t| {
                    t.split_once('.').is_some_and(|(cc, body)| {
                        cc.len() == 2
                            && !body.is_empty()
                            && body.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                })
            };
            vec![
                body["channelRegistrationId"]
                    .as_str()
                    .is_some_and(|id| uuid::Uuid::parse_str(id).is_ok()),
                body["to"].as_array().is_some_and(|r| r.len() == 1),
                e164(&body["to"][0]) || bsuid(&body["to"][0]),
                body["kind"] == "text",
                body["content"].as_str().is_some_and(|c| !c.is_empty()),
                header("repeatability-request-id")
                    .is_some_and(|id| uuid::Uuid::parse_str(&id).is_ok()),
                header("repeatability-first-sent")
                    .is_some_and(|t| time::PrimitiveDateTime::parse(&t, format).is_ok()),
                body.as_object().is_some_and(|o| o.len() == 4),
            ]
        }
        Api::OptOutAdd | Api::OptOutRemove => vec![
            body["from"].as_str().is_some_and(|f| !f.is_empty()),
            body["recipients"]
                .as_array()
                .is_some_and(|r| (1..=100).contains(&r.len())),
            e164(&body["recipients"][0]["to"]),
            body.as_object().is_some_and(|o| o.len() == 2),
        ],
    };
    if checks.contains(&false) {
        return Err(format!("body fields: {checks:?}"));
    }
    Ok(())
}
