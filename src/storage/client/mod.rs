//! A small client for the Azure Storage REST APIs the output bindings use: Table (create table,
//! entity-group transactions, query), Queue (create queue, put, peek, get and delete messages)
//! and Blob (create container, put block blob, get, list), authenticated with Shared Key.
//!
//! Why our own client: the official Rust SDK's `azure_storage_blob`/`azure_storage_queue` (1.x)
//! authenticate with Entra ID or SAS only, so they cannot sign for Azurite's account key
//! (Azure/azure-sdk-for-rust#2975, open), and there is no official Tables crate; the unofficial
//! `azure_data_tables`/`azure_storage_*` 0.21 are deprecated and pull a second, older azure_core
//! and reqwest. What we need is a dozen requests, so this file signs them itself on what the crate
//! already has: reqwest (with rustls and ring for https), azure_core's `hmac_sha256`, `Secret`,
//! base64 and RFC 7231 dates. It is used off the hot path only (the writer and `replay
//! --to-storage`), with no retries: a failed request is reported, not hidden.
//!
//! Shared Key string-to-sign, per learn.microsoft.com/rest/api/storageservices/
//! authorize-with-shared-key: Blob and Queue sign the verb, the standard headers, the `x-ms-*`
//! headers and the canonical resource with every query parameter; Table signs the verb,
//! `Content-MD5`, `Content-Type`, the date and the canonical resource with `comp` only.

mod blobs;
mod queues;
mod tables;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use azure_core::http::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::storage::connection::{Service, StorageConnection};
use crate::storage::xml;

/// The REST API version we speak (supported by Azure and by Azurite 3.35).
pub const API_VERSION: &str = "2021-12-02";

/// Why a storage request failed. Messages hold the service's error code and text, never the key
/// or a request body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach the {service} service at {endpoint}: {reason}")]
    Unreachable {
        service: Service,
        endpoint: String,
        reason: String,
    },
    #[error("the {service} service answered HTTP {status} {code}: {message}")]
    Service {
        service: Service,
        status: u16,
        code: String,
        message: String,
    },
    #[error("the {service} service sent a response we cannot read: {0}", service = .1)]
    Response(String, Service),
    #[error("cannot sign the request: {0}")]
    Signing(String),
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl ClientError {
    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The service's error code (`EntityAlreadyExists`, `QueueNotFound`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// One operation of an entity-group transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableAction {
    /// `POST {table}`: Insert Entity.
    Insert { body: String },
    /// `PUT {table}(PartitionKey='…',RowKey='…')`: Insert Or Replace without `If-Match`, Update
    /// with it.
    Replace {
        partition_key: String,
        row_key: String,
        if_match: Option<String>,
        body: String,
    },
}

/// A failed entity-group transaction: the whole change set was rolled back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}{}", .index.map(|i| format!(" (operation {i} of the transaction)")).unwrap_or_default())]
pub struct TransactionError {
    pub error: ClientError,
    /// Which operation the service blamed (the `N:` prefix of its message), when it said.
    pub index: Option<usize>,
}

/// A message taken from a queue with Get Messages (invisible until deleted or timed out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub id: String,
    pub pop_receipt: String,
    /// The message text as stored (base64 when the extension encoded it).
    pub text: String,
}

struct Response {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A Shared Key client for one storage account.
#[derive(Debug, Clone)]
pub struct StorageClient {
    http: reqwest::Client,
    connection: StorageConnection,
}

impl StorageClient {
    /// Builds the HTTP client (no traffic). Endpoints on this machine bypass any proxy.
    pub fn new(connection: StorageConnection) -> Result<Self, ClientError> {
        crate::sms_sender::acs_client::install_tls_provider();
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        if connection.is_loopback() {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Build(e.to_string()))?;
        Ok(StorageClient { http, connection })
    }

    /// The connection this client signs for.
    pub fn connection(&self) -> &StorageConnection {
        &self.connection
    }

    fn url(&self, service: Service, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.connection.endpoint(service).clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for segment in segments {
                path.push(segment);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn send(
        &self,
        service: Service,
        method: Method,
        url: Url,
        mut headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    ) -> Result<Response, ClientError> {
        let date = azure_core::time::to_rfc7231(&OffsetDateTime::now_utc());
        headers.push(("x-ms-date", date));
        headers.push(("x-ms-version", API_VERSION.to_owned()));
        let string_to_sign = match service {
            Service::Table => self.table_string_to_sign(&method, &url, &headers),
            Service::Blob | Service::Queue => {
                self.blob_queue_string_to_sign(&method, &url, &headers, body.len())
            }
        };
        let signature = azure_core::hmac::hmac_sha256(&string_to_sign, self.connection.key())
            .map_err(|e| ClientError::Signing(e.to_string()))?;
        headers.push((
            "authorization",
            format!("SharedKey {}:{signature}", self.connection.account()),
        ));
        let mut header_map = HeaderMap::new();
        for (name, value) in &headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| ClientError::Signing(format!("header {name} is not valid")))?;
            header_map.insert(HeaderName::from_static(name), value);
        }
        let endpoint = format!(
            "{}://{}",
            url.scheme(),
            crate::sms_sender::acs_client::host_header(&url)
        );
        let response = self
            .http
            .request(method, url.as_str())
            .headers(header_map)
            .body(body)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable {
                service,
                endpoint: endpoint.clone(),
                reason: error_chain(&e),
            })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable {
                service,
                endpoint,
                reason: error_chain(&e),
            })?
            .to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn blob_queue_string_to_sign(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&'static str, String)],
        content_length: usize,
    ) -> String {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let length = if content_length == 0 {
            String::new()
        } else {
            content_length.to_string()
        };
        let mut ms: Vec<(String, &str)> = headers
            .iter()
            .filter(|(n, _)| n.starts_with("x-ms-"))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim()))
            .collect();
        ms.sort();
        let mut text = format!(
            "{}\n{}\n{}\n{}\n{}\n{}\n\n{}\n{}\n{}\n{}\n{}\n",
            method.as_str(),
            header("content-encoding"),
            header("content-language"),
            length,
            header("content-md5"),
            header("content-type"),
            header("if-modified-since"),
            header("if-match"),
            header("if-none-match"),
            header("if-unmodified-since"),
            header("range"),
        );
        for (name, value) in ms {
            text.push_str(&name);
            text.push(':');
            text.push_str(value);
            text.push('\n');
        }
        text.push('/');
        text.push_str(self.connection.account());
        text.push_str(url.path());
        let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in url.query_pairs() {
            query
                .entry(name.to_ascii_lowercase())
                .or_default()
                .push(value.into_owned());
        }
        for (name, mut values) in query {
            values.sort();
            text.push('\n');
            text.push_str(&name);
            text.push(':');
            text.push_str(&values.join(","));
        }
        text
    }

    fn table_string_to_sign(
        &self,
        method: &Method,
        url: &Url,
        headers: &[(&'static str, String)],
    ) -> String {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let mut resource = format!("/{}{}", self.connection.account(), url.path());
        if let Some((_, comp)) = url
            .query_pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case("comp"))
        {
            resource.push_str("?comp=");
            resource.push_str(&comp);
        }
        format!(
            "{}\n{}\n{}\n{}\n{}",
            method.as_str(),
            header("content-md5"),
            header("content-type"),
            header("x-ms-date"),
            resource
        )
    }

    /// A List Containers/Queues/Blobs call, following `NextMarker`.
    async fn list_names(
        &self,
        service: Service,
        segments: &[&str],
        query: &[(&str, &str)],
        record: &str,
    ) -> Result<Vec<String>, ClientError> {
        let mut names = Vec::new();
        let mut marker = String::new();
        loop {
            let mut q = query.to_vec();
            if !marker.is_empty() {
                q.push(("marker", &marker));
            }
            let response = self
                .send(
                    service,
                    Method::GET,
                    self.url(service, segments, &q),
                    Vec::new(),
                    Vec::new(),
                )
                .await?;
            if response.status != 200 {
                return Err(service_error(service, &response));
            }
            let text = String::from_utf8_lossy(&response.body);
            for block in xml::blocks(&text, record) {
                names.extend(xml::elements(block, "Name").into_iter().take(1));
            }
            let next = xml::elements(&text, "NextMarker")
                .into_iter()
                .next()
                .unwrap_or_default();
            if next.is_empty() {
                return Ok(names);
            }
            marker = next;
        }
    }
}

/// A transaction's multipart body and its batch boundary.
#[derive(Debug, Clone)]
pub struct TransactionBody {
    batch: String,
    body: String,
}

impl TransactionBody {
    /// The payload size Azure's 4 MiB limit applies to.
    pub fn len(&self) -> usize {
        self.body.len()
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }
}

fn table_headers(content_type: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        (
            "accept",
            "application/json;odata=minimalmetadata".to_owned(),
        ),
        ("dataserviceversion", "3.0".to_owned()),
    ];
    if let Some(content_type) = content_type {
        headers.push(("content-type", content_type.to_owned()));
    }
    headers
}

/// A key inside `(PartitionKey='…')`: quotes doubled, then percent-encoded like
/// `Uri.EscapeDataString` (everything but unreserved characters).
fn key_literal(key: &str) -> String {
    let quoted = key.replace('\'', "''");
    let mut out = String::with_capacity(quoted.len());
    for byte in quoted.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

/// A service error from a response: the `x-ms-error-code` header, or the code and message in the
/// XML (Blob, Queue) or OData JSON (Table) error body.
fn service_error(service: Service, response: &Response) -> ClientError {
    let text = String::from_utf8_lossy(&response.body);
    let (body_code, message) = if text.trim_start().starts_with('{') {
        odata_error(&text)
    } else {
        (
            xml::elements(&text, "Code")
                .into_iter()
                .next()
                .unwrap_or_default(),
            xml::elements(&text, "Message")
                .into_iter()
                .next()
                .unwrap_or_default(),
        )
    };
    let code = header(&response.headers, "x-ms-error-code").unwrap_or(body_code);
    ClientError::Service {
        service,
        status: response.status,
        code: if code.is_empty() {
            "(no error code)".to_owned()
        } else {
            code
        },
        message: first_line(&message),
    }
}

/// The code and message of the first OData error JSON in `text`.
fn odata_error(text: &str) -> (String, String) {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "odata.error")]
        error: Detail,
    }
    #[derive(Deserialize)]
    struct Detail {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: Option<Message>,
    }
    #[derive(Deserialize)]
    struct Message {
        #[serde(default)]
        value: String,
    }
    let Some(start) = text.find('{') else {
        return (String::new(), first_line(text));
    };
    let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Envelope>();
    match stream.next() {
        Some(Ok(Envelope { error })) => (
            error.code,
            first_line(&error.message.map(|m| m.value).unwrap_or_default()),
        ),
        _ => (String::new(), first_line(&text[start..])),
    }
}

/// The first response part of a batch whose status is not 2xx, with the text after its status.
fn first_failed_part(text: &str) -> Option<(u16, &str)> {
    let mut rest = text;
    while let Some(at) = rest.find("HTTP/1.1 ") {
        let after = &rest[at + 9..];
        let status: u16 = after.get(..3).and_then(|s| s.parse().ok()).unwrap_or(0);
        if !(200..300).contains(&status) {
            return Some((status, after));
        }
        rest = after;
    }
    None
}

/// The operation index in a transaction error message (`"3:The specified entity…"`).
fn error_index(error: &ClientError) -> Option<usize> {
    let ClientError::Service { message, .. } = error else {
        return None;
    };
    let (index, _) = message.split_once(':')?;
    index.trim().parse().ok()
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}

/// An error and its causes on one line ("error sending request: connection refused").
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
