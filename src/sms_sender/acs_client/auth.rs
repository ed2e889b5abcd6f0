//! The connection string and HMAC-SHA256 request signing (the scheme of `docs/sms-compliance.md` and ACS's REST docs), as an azure_core per-try policy.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use azure_core::credentials::Secret;
use azure_core::http::headers::HeaderName;
use azure_core::http::policies::{Policy, PolicyResult};
use azure_core::http::{Body, Context, Request, Url};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

use crate::settings::names::ACS_CONNECTION_STRING;
use crate::settings::{Settings, SettingsError};

use super::*;

pub(super) const X_MS_DATE: HeaderName = HeaderName::from_static("x-ms-date");
pub(super) const X_MS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-ms-content-sha256");
pub(super) const AUTHORIZATION: HeaderName = HeaderName::from_static("authorization");
pub(super) const CONTENT_TYPE: HeaderName = HeaderName::from_static("content-type");
pub(super) const ACCEPT: HeaderName = HeaderName::from_static("accept");
pub(super) const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
pub(super) const RETRY_AFTER_MS: HeaderName = HeaderName::from_static("retry-after-ms");
pub(super) const X_MS_RETRY_AFTER_MS: HeaderName = HeaderName::from_static("x-ms-retry-after-ms");

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
    pub(super) endpoint: Url,
    pub(super) access_key: Secret,
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

    /// Reads [`ACS_CONNECTION_STRING`]; the error names the setting and the problem.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        let problem = |e: ConnectionStringError| {
            SettingsError {
            name: ACS_CONNECTION_STRING,
            problem: format!(
                "{e} (expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>)"
            ),
        }
        };
        let text = settings
            .get(ACS_CONNECTION_STRING)
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

    /// The Advanced Messaging send URL:
    /// `{endpoint}/messages/notifications:send?api-version=2024-11-15` (`:` literal, as above).
    pub fn messages_url(&self) -> Url {
        self.url("messages/notifications:send", MESSAGES_API_VERSION)
    }

    /// An opt-out list URL: `{endpoint}/sms/optouts:add?api-version=2026-01-23`. The `:` stays
    /// literal, in the URL and in the signed path, as the SDKs send it.
    pub fn opt_out_url(&self, action: OptOutAction) -> Url {
        self.url(
            &format!("sms/optouts:{}", action.as_str()),
            OPT_OUT_API_VERSION,
        )
    }

    pub(super) fn url(&self, path: &str, api_version: &str) -> Url {
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

/// The per-try pipeline policy that signs each attempt with a fresh `x-ms-date`.
#[derive(Debug)]
pub(super) struct HmacSigningPolicy {
    pub(super) key: Secret,
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
