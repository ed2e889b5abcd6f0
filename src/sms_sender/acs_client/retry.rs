//! Errors, the retry policy and the verdict on each HTTP answer: which are retried, for how long, and which are final.

use std::time::Duration;

use azure_core::http::headers::Headers;
use serde::Deserialize;
use time::OffsetDateTime;

use super::*;
use crate::settings::names::ACS_CONNECTION_STRING;

/// Why a send did not end; each means "fail the invocation so the message is not lost".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("ACS refused the credentials (HTTP {status}): check the accesskey and endpoint of {ACS_CONNECTION_STRING}")]
    Unauthorized { status: u16 },
    #[error("ACS did not accept the request after {attempts} attempt(s) within the retry budget; last: {last}")]
    Exhausted { attempts: u32, last: String },
    #[error("ACS answered HTTP {status}, which is neither success, a bad request nor retryable: check the endpoint of {ACS_CONNECTION_STRING}")]
    Unexpected { status: u16 },
    #[error("could not build or send the request: {0}")]
    Request(String),
}

/// Why the HTTP client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot build the HTTP client for ACS: {0}")]
pub struct ClientError(pub(super) String);

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
pub(super) enum Verdict<T> {
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
pub(super) fn judge(
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
pub(super) fn judge_failure<T>(
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
pub(super) struct ErrorResponse {
    pub(super) error: ErrorDetail,
}

#[derive(Deserialize)]
pub(super) struct ErrorDetail {
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
}

/// ACS's `{"error":{"code","message"}}` as `code: message`, or the start of the body.
pub(super) fn error_text(body: &[u8]) -> String {
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
