//! The ACS SMS REST client: the connection string, HMAC-SHA256 request signing, one send with
//! bounded retries (`POST {endpoint}/sms?api-version=2021-03-07`), and ACS's opt-out list
//! (`POST {endpoint}/sms/optouts:add|remove?api-version=2026-01-23`, see
//! `docs/sms-compliance.md`).
//!
//! Built on azure_core: its `Secret` holds the access key (redacting `Debug`), its
//! `hmac_sha256` computes the signature, and its HTTP pipeline (client request id, user agent,
//! redacting request logs, reqwest transport with rustls) carries the request, with a per-try
//! policy that signs every attempt afresh. Retries are ours, not azure_core's: its retry policy
//! waits out any `Retry-After` however long, while a queue-triggered function has a time limit and
//! must give up (and let the queue redeliver) rather than overrun it.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::Secret;
use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{
    Body, ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, RetryOptions,
    Transport, Url,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::settings::{Settings, SettingsError};

/// The SMS API version we speak.
pub const API_VERSION: &str = "2021-03-07";
/// The first stable SMS API version with opt-out management (`/sms/optouts:*`), and the one the
/// current SDKs send (azure-rest-api-specs `stable/2026-01-23/communicationservicessms.json`).
pub const OPT_OUT_API_VERSION: &str = "2026-01-23";
/// App setting holding `endpoint=https://…/;accesskey=<base64>`.
pub const SETTING_CONNECTION_STRING: &str = "ACS_CONNECTION_STRING";

const X_MS_DATE: HeaderName = HeaderName::from_static("x-ms-date");
const X_MS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-ms-content-sha256");
const AUTHORIZATION: HeaderName = HeaderName::from_static("authorization");
const CONTENT_TYPE: HeaderName = HeaderName::from_static("content-type");
const ACCEPT: HeaderName = HeaderName::from_static("accept");
const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");

/// What is wrong with a connection string. Messages never repeat the value: it holds the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionStringError {
    #[error("is not set")]
    Missing,
    #[error("part {0} is not `name=value`")]
    NotNameValue(usize),
    #[error("names `{0}` twice")]
    Duplicate(&'static str),
    #[error("has no `endpoint=`")]
    NoEndpoint,
    #[error("has no `accesskey=`")]
    NoAccessKey,
    #[error("the endpoint is not an absolute URL ({0})")]
    BadEndpoint(String),
    #[error("the endpoint must be https:// (http:// is allowed only for a loopback test server)")]
    InsecureEndpoint,
    #[error("the accesskey is not base64")]
    KeyNotBase64,
    #[error("the accesskey is empty")]
    EmptyKey,
}

/// A parsed `ACS_CONNECTION_STRING`: where to send and the key to sign with.
#[derive(Clone)]
pub struct ConnectionString {
    endpoint: Url,
    access_key: Secret,
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key", &"<redacted>")
            .finish()
    }
}

impl ConnectionString {
    /// Parses `endpoint=…;accesskey=…`: names case-insensitive, any order, empty parts and
    /// unknown names ignored; the key must be base64 and the endpoint https (or http on loopback).
    pub fn parse(text: &str) -> Result<Self, ConnectionStringError> {
        let mut endpoint = None;
        let mut key = None;
        for (index, part) in text.split(';').enumerate() {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (name, value) = part
                .split_once('=')
                .ok_or(ConnectionStringError::NotNameValue(index + 1))?;
            let (slot, which) = match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => (&mut endpoint, "endpoint"),
                "accesskey" => (&mut key, "accesskey"),
                _ => continue,
            };
            if slot.replace(value.trim()).is_some() {
                return Err(ConnectionStringError::Duplicate(which));
            }
        }
        let endpoint = endpoint.ok_or(ConnectionStringError::NoEndpoint)?;
        let key = key.ok_or(ConnectionStringError::NoAccessKey)?;
        let endpoint =
            Url::parse(endpoint).map_err(|e| ConnectionStringError::BadEndpoint(e.to_string()))?;
        let Some(host) = endpoint.host_str() else {
            return Err(ConnectionStringError::BadEndpoint("no host".to_owned()));
        };
        let loopback = host.eq_ignore_ascii_case("localhost")
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match endpoint.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(ConnectionStringError::InsecureEndpoint),
        }
        if key.is_empty() {
            return Err(ConnectionStringError::EmptyKey);
        }
        let decoded =
            azure_core::base64::decode(key).map_err(|_| ConnectionStringError::KeyNotBase64)?;
        if decoded.is_empty() {
            return Err(ConnectionStringError::EmptyKey);
        }
        Ok(ConnectionString {
            endpoint,
            access_key: Secret::new(key.to_owned()),
        })
    }

    /// Reads [`SETTING_CONNECTION_STRING`]; the error names the setting and the problem.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let problem = |e: ConnectionStringError| {
            SettingsError {
            name: SETTING_CONNECTION_STRING,
            problem: format!(
                "{e} (expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>)"
            ),
        }
        };
        let text = settings
            .get(SETTING_CONNECTION_STRING)
            .ok_or(ConnectionStringError::Missing)
            .map_err(problem)?;
        ConnectionString::parse(text).map_err(problem)
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The send URL: `{endpoint}/sms?api-version=2021-03-07`.
    pub fn sms_url(&self) -> Url {
        self.url("sms", API_VERSION)
    }

    /// An opt-out list URL: `{endpoint}/sms/optouts:add?api-version=2026-01-23`. The `:` stays
    /// literal, in the URL and in the signed path, as the SDKs send it.
    pub fn opt_out_url(&self, action: OptOutAction) -> Url {
        self.url(
            &format!("sms/optouts:{}", action.as_str()),
            OPT_OUT_API_VERSION,
        )
    }

    fn url(&self, path: &str, api_version: &str) -> Url {
        let mut url = self.endpoint.clone();
        let path = format!("{}/{path}", url.path().trim_end_matches('/'));
        url.set_path(&path);
        url.set_query(Some(&format!("api-version={api_version}")));
        url.set_fragment(None);
        url
    }
}

/// The three headers that authenticate a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub date: String,
    pub content_sha256: String,
    pub authorization: String,
}

/// Base64 of the SHA-256 of the body bytes exactly as sent (`x-ms-content-sha256`).
pub fn content_sha256(body: &[u8]) -> String {
    azure_core::base64::encode(Sha256::digest(body))
}

/// Signs a request as ACS expects: HMAC-SHA256, keyed with the decoded access key, over
/// `METHOD\npath?query\ndate;host;content-hash`, where `host` is the `Host` header as sent
/// (with `:port` when the URL has one).
pub fn sign(
    key: &Secret,
    method: &str,
    path_and_query: &str,
    host: &str,
    date: &str,
    body: &[u8],
) -> azure_core::Result<SignedHeaders> {
    let content_sha256 = content_sha256(body);
    let string_to_sign = format!("{method}\n{path_and_query}\n{date};{host};{content_sha256}");
    let signature = azure_core::hmac::hmac_sha256(&string_to_sign, key)?;
    Ok(SignedHeaders {
        date: date.to_owned(),
        content_sha256,
        authorization: format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        ),
    })
}

/// RFC 1123 (`Fri, 27 Nov 2026 06:00:00 GMT`), the format of `x-ms-date` and
/// `repeatabilityFirstSent`.
pub fn http_date(time: OffsetDateTime) -> String {
    azure_core::time::to_rfc7231(&time.to_offset(UtcOffset::UTC))
}

/// The `Host` header a client sends for `url`: the host, and `:port` when the URL names a port
/// other than its scheme's default.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// One text to send.
#[derive(Debug, Clone)]
pub struct SmsSend<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub message: &'a str,
    /// The same on every attempt and every redelivery of this text.
    pub repeatability_request_id: Uuid,
    /// When the text was first meant to be sent (the same on every attempt).
    pub first_sent: OffsetDateTime,
    /// Echoed back in the delivery report.
    pub tag: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SendMessageRequest<'a> {
    from: &'a str,
    sms_recipients: [SmsRecipient<'a>; 1],
    message: &'a str,
    sms_send_options: SmsSendOptions<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SmsRecipient<'a> {
    to: &'a str,
    repeatability_request_id: String,
    repeatability_first_sent: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SmsSendOptions<'a> {
    enable_delivery_report: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
}

/// The JSON body of a send request, delivery reports enabled.
pub fn request_body(send: &SmsSend<'_>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&SendMessageRequest {
        from: send.from,
        sms_recipients: [SmsRecipient {
            to: send.to,
            repeatability_request_id: send.repeatability_request_id.hyphenated().to_string(),
            repeatability_first_sent: http_date(send.first_sent),
        }],
        message: send.message,
        sms_send_options: SmsSendOptions {
            enable_delivery_report: true,
            tag: send.tag,
        },
    })
}

#[derive(Deserialize)]
struct SendResponse {
    #[serde(default)]
    value: Vec<SendResponseItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendResponseItem {
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    http_status_code: Option<u16>,
    #[serde(default)]
    repeatability_result: Option<String>,
    #[serde(default)]
    successful: bool,
    #[serde(default)]
    error_message: Option<String>,
}

/// How a send ended, when it ended for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// ACS took the text (or had taken it before: a repeat of the same repeatability id).
    Accepted {
        /// The id delivery reports will carry (absent only if ACS did not return one).
        message_id: Option<String>,
        /// `accepted` or `rejected` (a repeat ACS did not send again).
        repeatability_result: Option<String>,
        http_status: u16,
        attempts: u32,
    },
    /// ACS refused this text for good (a 400, or a failed recipient): sending again cannot help.
    Rejected {
        http_status: u16,
        /// ACS's error code and message (may quote the number: store it, never log it).
        error: String,
        attempts: u32,
    },
}

/// Why a send did not end; each means "fail the invocation so the message is not lost".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("ACS refused the credentials (HTTP {status}): check the accesskey and endpoint of {SETTING_CONNECTION_STRING}")]
    Unauthorized { status: u16 },
    #[error("ACS did not accept the request after {attempts} attempt(s) within the retry budget; last: {last}")]
    Exhausted { attempts: u32, last: String },
    #[error("ACS answered HTTP {status}, which is neither success, a bad request nor retryable: check the endpoint of {SETTING_CONNECTION_STRING}")]
    Unexpected { status: u16 },
    #[error("could not build or send the request: {0}")]
    Request(String),
}

/// Why the HTTP client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the HTTP client for ACS: {0}")]
pub struct ClientError(String);

/// How long and how often to retry 429, 408, 5xx and transport errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// No retry starts (waiting included) later than this after the first attempt began.
    pub budget: Duration,
    /// The first wait when the server gives no `Retry-After`; doubled each time, capped at 30 s.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            budget: Duration::from_secs(30),
            base_delay: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based) when the server says nothing.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(10);
        self.base_delay
            .saturating_mul(factor)
            .min(Duration::from_secs(30))
    }
}

/// The verdict on one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict<T> {
    Done(T),
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    Fail(SendError),
}

/// Judges one response: 2xx is accepted (per recipient), 400 is permanent, 401/403 is a
/// configuration fault, 408/429/5xx are retried; anything else fails the invocation rather than
/// dropping the text.
fn judge(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
) -> Verdict<SendOutcome> {
    match status {
        200..=299 => {
            let item = serde_json::from_slice::<SendResponse>(body)
                .ok()
                .and_then(|r| r.value.into_iter().next());
            let Some(item) = item else {
                // ACS took the request; without an item we only lack the message id.
                return Verdict::Done(SendOutcome::Accepted {
                    message_id: None,
                    repeatability_result: None,
                    http_status: status,
                    attempts,
                });
            };
            let item_status = item.http_status_code.unwrap_or(status);
            if item.successful {
                Verdict::Done(SendOutcome::Accepted {
                    message_id: item.message_id,
                    repeatability_result: item.repeatability_result,
                    http_status: item_status,
                    attempts,
                })
            } else if item_status == 429 || item_status >= 500 {
                Verdict::Retry {
                    reason: format!("recipient failed with HTTP {item_status}"),
                    after: retry_after,
                }
            } else {
                Verdict::Done(SendOutcome::Rejected {
                    http_status: item_status,
                    error: item
                        .error_message
                        .unwrap_or_else(|| "recipient failed".to_owned()),
                    attempts,
                })
            }
        }
        _ => judge_failure(
            status,
            retry_after,
            body,
            attempts,
            |http_status, error, attempts| SendOutcome::Rejected {
                http_status,
                error,
                attempts,
            },
        ),
    }
}

/// The verdict on a response that is not a success, the same for every ACS SMS API: 400 is a
/// permanent refusal (`rejected`), 401/403 a configuration fault, 408/429/5xx are retried, and
/// anything else fails the invocation rather than dropping the request.
fn judge_failure<T>(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
    rejected: fn(u16, String, u32) -> T,
) -> Verdict<T> {
    match status {
        400 => Verdict::Done(rejected(status, error_text(body), attempts)),
        401 | 403 => Verdict::Fail(SendError::Unauthorized { status }),
        408 | 429 | 500..=599 => Verdict::Retry {
            reason: format!("HTTP {status}"),
            after: retry_after,
        },
        _ => Verdict::Fail(SendError::Unexpected { status }),
    }
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// ACS's `{"error":{"code","message"}}` as `code: message`, or the start of the body.
fn error_text(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<ErrorResponse>(body) {
        Ok(ErrorResponse { error }) => match (error.code, error.message) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(text), None) | (None, Some(text)) => text,
            (None, None) => String::new(),
        },
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let text: String = text.trim().chars().take(1000).collect();
    if text.is_empty() {
        "no error details".to_owned()
    } else {
        text
    }
}

/// The server's requested wait: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds) or
/// `Retry-After` (seconds or an HTTP date).
pub fn retry_after(headers: &Headers, now: OffsetDateTime) -> Option<Duration> {
    for name in [&RETRY_AFTER_MS, &X_MS_RETRY_AFTER_MS] {
        if let Some(ms) = headers
            .get_optional_str(name)
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = headers.get_optional_str(&RETRY_AFTER)?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = azure_core::time::parse_rfc7231(value).ok()?;
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

/// The per-try pipeline policy that signs each attempt with a fresh `x-ms-date`.
#[derive(Debug)]
struct HmacSigningPolicy {
    key: Secret,
}

#[async_trait::async_trait]
impl Policy for HmacSigningPolicy {
    async fn send(
        &self,
        ctx: &Context,
        request: &mut Request,
        next: &[Arc<dyn Policy>],
    ) -> PolicyResult {
        let Body::Bytes(body) = request.body() else {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "an ACS request body must be bytes to be signed",
            ));
        };
        let signed = sign(
            &self.key,
            request.method().as_ref(),
            &request.path_and_query(),
            &host_header(request.url()),
            &http_date(OffsetDateTime::now_utc()),
            body,
        )?;
        request.insert_header(X_MS_DATE, signed.date);
        request.insert_header(X_MS_CONTENT_SHA256, signed.content_sha256);
        request.insert_header(AUTHORIZATION, signed.authorization);
        let Some((first, rest)) = next.split_first() else {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Other,
                "the pipeline has no transport after the signing policy",
            ));
        };
        first.send(ctx, request, rest).await
    }
}

/// The SMS client: one per process (it holds the connection pool), built on first use.
#[derive(Debug)]
pub struct SmsClient {
    pipeline: Pipeline,
    sms_url: Url,
    /// Indexed by [`OptOutAction`].
    opt_out_urls: [Url; 2],
    retry: RetryPolicy,
}

/// Makes rustls use the ring crypto provider (reqwest is built without a provider of its own).
/// Idempotent; call before building any HTTPS client.
pub fn install_tls_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl SmsClient {
    /// Builds the HTTP client and pipeline (no network traffic).
    pub fn new(connection: &ConnectionString, retry: RetryPolicy) -> Result<Self, ClientError> {
        install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError(e.to_string()))?;
        let options = ClientOptions {
            transport: Some(Transport::new(Arc::new(http))),
            retry: RetryOptions::none(),
            ..ClientOptions::default()
        };
        let signing: Arc<dyn Policy> = Arc::new(HmacSigningPolicy {
            key: connection.access_key.clone(),
        });
        let pipeline = Pipeline::new(
            Some(env!("CARGO_PKG_NAME")),
            Some(env!("CARGO_PKG_VERSION")),
            options,
            Vec::new(),
            vec![signing],
            None,
        );
        Ok(SmsClient {
            pipeline,
            sms_url: connection.sms_url(),
            opt_out_urls: [
                connection.opt_out_url(OptOutAction::Add),
                connection.opt_out_url(OptOutAction::Remove),
            ],
            retry: RetryPolicy {
                max_attempts: retry.max_attempts.max(1),
                ..retry
            },
        })
    }

    /// Sends one text, retrying 408, 429 (after its `Retry-After`), 5xx and transport errors with
    /// the same body (so the same repeatability id) while the retry budget lasts.
    pub async fn send(&self, send: &SmsSend<'_>) -> Result<SendOutcome, SendError> {
        let body = request_body(send).map_err(|e| SendError::Request(e.to_string()))?;
        self.post(&self.sms_url, body, judge).await
    }

    /// Adds `to` to (or removes it from) ACS's opt-out list for our number `from`, with the same
    /// retries as [`SmsClient::send`]. Both actions are set operations, so repeating one is safe.
    pub async fn opt_out(
        &self,
        action: OptOutAction,
        from: &str,
        to: &str,
    ) -> Result<OptOutOutcome, SendError> {
        let body = serde_json::to_vec(&OptOutRequest {
            from,
            recipients: [OptOutRecipient { to }],
        })
        .map_err(|e| SendError::Request(e.to_string()))?;
        self.post(&self.opt_out_urls[action as usize], body, judge_opt_out)
            .await
    }

    /// POSTs `body` until `judge` says done or failed, or the retry budget runs out.
    async fn post<T>(
        &self,
        url: &Url,
        body: Vec<u8>,
        judge: fn(u16, Option<Duration>, &[u8], u32) -> Verdict<T>,
    ) -> Result<T, SendError> {
        let body: azure_core::Bytes = body.into();
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut request = Request::new(url.clone(), Method::Post);
            request.insert_header(CONTENT_TYPE, "application/json");
            request.insert_header(ACCEPT, "application/json");
            request.set_body(body.clone());
            let options = PipelineSendOptions {
                skip_checks: true,
                ..PipelineSendOptions::default()
            };
            let verdict = match self
                .pipeline
                .send(&Context::new(), &mut request, Some(options))
                .await
            {
                Ok(response) => {
                    let after = retry_after(response.headers(), OffsetDateTime::now_utc());
                    judge(
                        u16::from(response.status()),
                        after,
                        response.body(),
                        attempts,
                    )
                }
                Err(error) => match error.kind() {
                    azure_core::error::ErrorKind::Io | azure_core::error::ErrorKind::Connection => {
                        Verdict::Retry {
                            reason: format!("transport error: {error}"),
                            after: None,
                        }
                    }
                    _ => Verdict::Fail(SendError::Request(error.to_string())),
                },
            };
            match verdict {
                Verdict::Done(outcome) => return Ok(outcome),
                Verdict::Fail(error) => return Err(error),
                Verdict::Retry { reason, after } => {
                    let delay = after.unwrap_or_else(|| self.retry.backoff(attempts));
                    let out_of_budget = started.elapsed().saturating_add(delay) > self.retry.budget;
                    if attempts >= self.retry.max_attempts || out_of_budget {
                        return Err(SendError::Exhausted {
                            attempts,
                            last: reason,
                        });
                    }
                    tracing::info!(
                        attempt = attempts,
                        delay_ms = delay.as_millis() as u64,
                        "ACS request will be retried: {reason}"
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

/// What to do with a person on ACS's opt-out list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutAction {
    /// `optouts:add`: ACS refuses texts from our number to the person.
    Add = 0,
    /// `optouts:remove`: ACS sends again.
    Remove = 1,
}

impl OptOutAction {
    /// The action as it appears in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            OptOutAction::Add => "add",
            OptOutAction::Remove => "remove",
        }
    }

    /// The action that makes ACS's list say `opted_out`.
    pub fn for_state(opted_out: bool) -> Self {
        if opted_out {
            OptOutAction::Add
        } else {
            OptOutAction::Remove
        }
    }
}

#[derive(Serialize)]
struct OptOutRequest<'a> {
    from: &'a str,
    recipients: [OptOutRecipient<'a>; 1],
}

#[derive(Serialize)]
struct OptOutRecipient<'a> {
    to: &'a str,
}

#[derive(Deserialize)]
struct OptOutResponse {
    #[serde(default)]
    value: Vec<OptOutResponseItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptOutResponseItem {
    #[serde(default)]
    http_status_code: Option<u16>,
    #[serde(default)]
    error_message: Option<String>,
}

/// How an opt-out list change ended, when it ended for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptOutOutcome {
    /// ACS's list now says what we asked.
    Applied { attempts: u32 },
    /// ACS refused the change for good (a 400, or a refused recipient: e.g. a number ACS does not
    /// consider valid). Repeating it cannot help.
    Rejected {
        http_status: u16,
        /// ACS's error (may quote the number: never log it).
        error: String,
        attempts: u32,
    },
}

/// Judges an opt-out list response: 200 is a partial-success envelope, so the recipient's own
/// status decides; otherwise as for a send.
fn judge_opt_out(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
) -> Verdict<OptOutOutcome> {
    match status {
        200..=299 => {
            let item = serde_json::from_slice::<OptOutResponse>(body)
                .ok()
                .and_then(|r| r.value.into_iter().next());
            let item_status = item
                .as_ref()
                .and_then(|i| i.http_status_code)
                .unwrap_or(status);
            match item_status {
                200..=299 => Verdict::Done(OptOutOutcome::Applied { attempts }),
                429 | 500..=599 => Verdict::Retry {
                    reason: format!("recipient failed with HTTP {item_status}"),
                    after: retry_after,
                },
                _ => Verdict::Done(OptOutOutcome::Rejected {
                    http_status: item_status,
                    error: item
                        .and_then(|i| i.error_message)
                        .unwrap_or_else(|| "recipient refused".to_owned()),
                    attempts,
                }),
            }
        }
        _ => judge_failure(
            status,
            retry_after,
            body,
            attempts,
            |http_status, error, attempts| OptOutOutcome::Rejected {
                http_status,
                error,
                attempts,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of `acs-sms-api.md`, computed with the official Python SDK's policy.
    const KEY: &str = "YWNzLWV2ZW50LWhhbmRsZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZg==";
    const BODY: &str = r#"{"from":"+18005550100","smsRecipients":[{"to":"+14255550123","repeatabilityRequestId":"5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b","repeatabilityFirstSent":"Fri, 27 Nov 2026 05:59:58 GMT"}],"message":"You are unsubscribed. Reply START to resubscribe.","smsSendOptions":{"enableDeliveryReport":true,"tag":"optOutConfirmation"}}"#;

    #[test]
    fn signing_reproduces_the_test_vector() {
        let signed = sign(
            &Secret::new(KEY),
            "POST",
            "/sms?api-version=2021-03-07",
            "contoso-acs.communication.azure.com",
            "Fri, 27 Nov 2026 06:00:00 GMT",
            BODY.as_bytes(),
        )
        .unwrap();
        assert_eq!(
            signed.content_sha256,
            "t2cQw+l0vOta9/hCpZepwAiG6ltRSS/u5FDrPq6FuJw="
        );
        assert_eq!(
            signed.authorization,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=CD9dnFMSwsNKc522+T8uCmLkEOFWjHjQQFw4Sz3/O7M="
        );
        assert_eq!(signed.date, "Fri, 27 Nov 2026 06:00:00 GMT");
    }

    #[test]
    fn request_body_is_the_test_vector_body() {
        let first_sent = time::macros::datetime!(2026-11-27 05:59:58 UTC);
        let send = SmsSend {
            from: "+18005550100",
            to: "+14255550123",
            message: "You are unsubscribed. Reply START to resubscribe.",
            repeatability_request_id: Uuid::parse_str("5f2e6b4a-8d3c-4e1f-9a7b-2c6d8e0f1a3b")
                .unwrap(),
            first_sent,
            tag: Some("optOutConfirmation"),
        };
        assert_eq!(
            String::from_utf8(request_body(&send).unwrap()).unwrap(),
            BODY
        );
        // RFC 1123 in GMT whatever the offset.
        let shifted = first_sent.to_offset(time::macros::offset!(+2));
        assert_eq!(http_date(shifted), "Fri, 27 Nov 2026 05:59:58 GMT");
    }

    #[test]
    fn connection_strings_in_any_order_and_case() {
        for text in [
            format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"),
            format!("AccessKey={KEY};Endpoint=https://contoso.communication.azure.com/"),
            format!(" ENDPOINT = https://contoso.communication.azure.com ; accesskey={KEY} ;"),
        ] {
            let parsed = ConnectionString::parse(&text).unwrap();
            assert_eq!(
                parsed.sms_url().as_str(),
                "https://contoso.communication.azure.com/sms?api-version=2021-03-07"
            );
            assert_eq!(parsed.access_key.secret(), KEY);
        }
        let local =
            ConnectionString::parse(&format!("endpoint=http://127.0.0.1:8080/;accesskey={KEY}"))
                .unwrap();
        assert_eq!(host_header(&local.sms_url()), "127.0.0.1:8080");
        assert_eq!(
            host_header(&Url::parse("https://contoso.communication.azure.com:443/sms").unwrap()),
            "contoso.communication.azure.com"
        );
    }

    #[test]
    fn bad_connection_strings_say_why_without_the_key() {
        let cases = [
            ("", ConnectionStringError::NoEndpoint),
            (
                "endpoint=https://a.communication.azure.com/",
                ConnectionStringError::NoAccessKey,
            ),
            ("accesskey=c2VjcmV0", ConnectionStringError::NoEndpoint),
            (
                "endpoint=https://a/;accesskey=not base64!",
                ConnectionStringError::KeyNotBase64,
            ),
            (
                "endpoint=https://a/;accesskey=",
                ConnectionStringError::EmptyKey,
            ),
            (
                "endpoint=http://contoso.example/;accesskey=c2VjcmV0",
                ConnectionStringError::InsecureEndpoint,
            ),
            (
                "endpoint=https://a/;endpoint=https://b/;accesskey=c2VjcmV0",
                ConnectionStringError::Duplicate("endpoint"),
            ),
            (
                "endpoint=https://a/;c2VjcmV0",
                ConnectionStringError::NotNameValue(2),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                ConnectionString::parse(text).unwrap_err(),
                expected,
                "{text}"
            );
        }
        assert!(matches!(
            ConnectionString::parse("endpoint=contoso;accesskey=c2VjcmV0"),
            Err(ConnectionStringError::BadEndpoint(_))
        ));

        let missing = ConnectionString::from_settings(&Settings::default()).unwrap_err();
        assert_eq!(missing.name, SETTING_CONNECTION_STRING);
        assert!(missing.to_string().contains("is not set"), "{missing}");
        let secret = "c2VjcmV0LWtleQ==";
        let bad = Settings::from_pairs([(
            SETTING_CONNECTION_STRING,
            format!("endpoint=http://contoso.example/;accesskey={secret}"),
        )]);
        let err = ConnectionString::from_settings(&bad)
            .unwrap_err()
            .to_string();
        assert!(!err.contains(secret), "{err}");
        let parsed =
            ConnectionString::parse(&format!("endpoint=https://a/;accesskey={secret}")).unwrap();
        assert!(!format!("{parsed:?}").contains(secret));
    }

    #[test]
    fn verdicts_per_status() {
        let ok = br#"{"value":[{"to":"+14255550123","messageId":"Outgoing_1","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true}]}"#;
        assert_eq!(
            judge(202, None, ok, 1),
            Verdict::Done(SendOutcome::Accepted {
                message_id: Some("Outgoing_1".into()),
                repeatability_result: Some("accepted".into()),
                http_status: 202,
                attempts: 1
            })
        );
        let bad_recipient = br#"{"value":[{"to":"x","httpStatusCode":400,"successful":false,"errorMessage":"Invalid To phone number format."}]}"#;
        assert!(matches!(
            judge(202, None, bad_recipient, 2),
            Verdict::Done(SendOutcome::Rejected {
                http_status: 400,
                attempts: 2,
                ..
            })
        ));
        let throttled_recipient =
            br#"{"value":[{"to":"x","httpStatusCode":429,"successful":false}]}"#;
        assert!(matches!(
            judge(202, None, throttled_recipient, 1),
            Verdict::Retry { .. }
        ));
        let bad = br#"{"error":{"code":"BadRequest","message":"Invalid From."}}"#;
        assert_eq!(
            judge(400, None, bad, 1),
            Verdict::Done(SendOutcome::Rejected {
                http_status: 400,
                error: "BadRequest: Invalid From.".into(),
                attempts: 1
            })
        );
        assert_eq!(
            judge(401, None, b"", 1),
            Verdict::Fail(SendError::Unauthorized { status: 401 })
        );
        assert_eq!(
            judge(403, None, b"", 1),
            Verdict::Fail(SendError::Unauthorized { status: 403 })
        );
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(judge(status, None, b"", 1), Verdict::Retry { .. }),
                "{status}"
            );
        }
        assert_eq!(
            judge(404, None, b"", 1),
            Verdict::Fail(SendError::Unexpected { status: 404 })
        );
        // A 2xx without a readable body was still accepted.
        assert!(matches!(
            judge(202, None, b"", 1),
            Verdict::Done(SendOutcome::Accepted {
                message_id: None,
                ..
            })
        ));
    }

    #[test]
    fn retry_after_in_seconds_milliseconds_or_a_date() {
        let now = time::macros::datetime!(2026-11-27 06:00:00 UTC);
        let headers = |name: &'static str, value: &'static str| {
            let mut h = Headers::new();
            h.insert(HeaderName::from_static(name), value);
            h
        };
        assert_eq!(
            retry_after(&headers("retry-after", "3"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers("retry-after-ms", "250"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(
                &headers("retry-after", "Fri, 27 Nov 2026 06:00:05 GMT"),
                now
            ),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            retry_after(
                &headers("retry-after", "Fri, 27 Nov 2026 05:00:00 GMT"),
                now
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("retry-after", "soon"), now), None);
        assert_eq!(retry_after(&Headers::new(), now), None);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_secs(1));
        assert_eq!(policy.backoff(3), Duration::from_secs(4));
        assert_eq!(policy.backoff(40), Duration::from_secs(30));
    }

    #[test]
    fn opt_out_verdicts_read_the_recipient_item() {
        let item = |status: u16| {
            format!(
                r#"{{"value":[{{"to":"+14255550123","httpStatusCode":{status},"errorMessage":"Invalid recipient phone number format"}}]}}"#
            )
        };
        assert_eq!(
            judge_opt_out(200, None, item(200).as_bytes(), 1),
            Verdict::Done(OptOutOutcome::Applied { attempts: 1 })
        );
        assert!(matches!(
            judge_opt_out(200, None, item(400).as_bytes(), 2),
            Verdict::Done(OptOutOutcome::Rejected {
                http_status: 400,
                attempts: 2,
                ..
            })
        ));
        assert!(matches!(
            judge_opt_out(200, None, item(500).as_bytes(), 1),
            Verdict::Retry { .. }
        ));
        assert!(matches!(
            judge_opt_out(
                400,
                None,
                br#"{"error":{"code":"InvalidApiVersion","message":"x"}}"#,
                1
            ),
            Verdict::Done(OptOutOutcome::Rejected {
                http_status: 400,
                ..
            })
        ));
        assert_eq!(
            judge_opt_out(401, None, b"", 1),
            Verdict::Fail(SendError::Unauthorized { status: 401 })
        );
        assert!(matches!(
            judge_opt_out(429, None, b"", 1),
            Verdict::Retry { .. }
        ));
    }

    #[test]
    fn opt_out_urls_keep_the_colon_literal() {
        let connection = ConnectionString::parse(&format!(
            "endpoint=https://contoso.communication.azure.com/;accesskey={KEY}"
        ))
        .unwrap();
        let url = connection.opt_out_url(OptOutAction::Add);
        assert_eq!(
            url.as_str(),
            "https://contoso.communication.azure.com/sms/optouts:add?api-version=2026-01-23"
        );
        assert_eq!(
            connection.opt_out_url(OptOutAction::Remove).path(),
            "/sms/optouts:remove"
        );
    }
}

#[cfg(test)]
mod tls_tests {
    use super::*;

    /// reqwest is built without a crypto provider; building an HTTPS client must still work
    /// (it would fail at build time if no provider were installed).
    #[test]
    fn https_client_builds_with_the_ring_provider() {
        let connection = ConnectionString::parse(
            "endpoint=https://contoso-acs.communication.azure.com/;accesskey=YWJj",
        )
        .unwrap();
        assert!(SmsClient::new(&connection, RetryPolicy::default()).is_ok());
        install_tls_provider(); // idempotent
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
