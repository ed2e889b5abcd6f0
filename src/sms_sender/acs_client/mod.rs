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

mod auth;
mod messages;
mod opt_outs;
mod retry;
mod send;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::Policy;
use azure_core::http::{
    ClientOptions, Context, Method, Pipeline, PipelineSendOptions, Request, RetryOptions,
    Transport, Url,
};

use time::OffsetDateTime;

pub use {auth::*, messages::*, opt_outs::*, retry::*, send::*};

/// The Advanced Messaging API version we speak: the newest stable version in
/// Azure/azure-rest-api-specs `specification/communication/data-plane/Messages/stable/2024-11-15`
/// (read in code; `notifications:send` is unchanged since 2024-02-01).
pub const MESSAGES_API_VERSION: &str = "2024-11-15";
/// The SMS API version we speak.
pub const API_VERSION: &str = "2021-03-07";
/// The first stable SMS API version with opt-out management (`/sms/optouts:*`), and the one the
/// current SDKs send (azure-rest-api-specs `stable/2026-01-23/communicationservicessms.json`).
pub const OPT_OUT_API_VERSION: &str = "2026-01-23";

/// The ACS client for SMS and Advanced Messaging (WhatsApp): one per process (it holds the
/// connection pool), built on first use. Both APIs take the same connection string, signing and
/// retry policy, so `SmsSender`, `SmsOptOutSync` and `WhatsAppSender` share this client.
#[derive(Debug)]
pub struct SmsClient {
    pub(super) pipeline: Pipeline,
    pub(super) sms_url: Url,
    pub(super) messages_url: Url,
    /// Indexed by [`OptOutAction`].
    pub(super) opt_out_urls: [Url; 2],
    pub(super) retry: RetryPolicy,
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
            messages_url: connection.messages_url(),
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
        self.post(&self.sms_url, body, &[], |s, _, a, b, n| judge(s, a, b, n))
            .await
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
        self.post(
            &self.opt_out_urls[action as usize],
            body,
            &[],
            |s, _, a, b, n| judge_opt_out(s, a, b, n),
        )
        .await
    }

    /// Sends one WhatsApp text through Advanced Messaging (`notifications:send`), with the
    /// repeatability headers on every attempt and the same retries as [`SmsClient::send`].
    pub async fn send_whatsapp(&self, send: &WhatsAppSend<'_>) -> Result<SendOutcome, SendError> {
        let body = messages_body(send).map_err(|e| SendError::Request(e.to_string()))?;
        let headers = [
            (
                REPEATABILITY_REQUEST_ID,
                send.repeatability_request_id.hyphenated().to_string(),
            ),
            (REPEATABILITY_FIRST_SENT, http_date(send.first_sent)),
        ];
        self.post(&self.messages_url, body, &headers, judge_messages)
            .await
    }

    /// POSTs `body` until `judge` says done or failed, or the retry budget runs out.
    async fn post<T>(
        &self,
        url: &Url,
        body: Vec<u8>,
        headers: &[(HeaderName, String)],
        judge: impl Fn(u16, &Headers, Option<Duration>, &[u8], u32) -> Verdict<T>,
    ) -> Result<T, SendError> {
        let body: azure_core::Bytes = body.into();
        let started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut request = Request::new(url.clone(), Method::Post);
            request.insert_header(CONTENT_TYPE, "application/json");
            request.insert_header(ACCEPT, "application/json");
            for (name, value) in headers {
                request.insert_header(name.clone(), value.clone());
            }
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
                        response.headers(),
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
