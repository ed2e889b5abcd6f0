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

use std::collections::BTreeMap;
use std::time::Duration;

use azure_core::http::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::connection::{Service, StorageConnection};
use super::xml;

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

    // ----- Table -----

    /// Creates a table; `Ok(false)` when it already exists.
    pub async fn create_table(&self, table: &str) -> Result<bool, ClientError> {
        let body = serde_json::json!({ "TableName": table })
            .to_string()
            .into_bytes();
        let response = self
            .send(
                Service::Table,
                Method::POST,
                self.url(Service::Table, &["Tables"], &[]),
                table_headers(Some("application/json")),
                body,
            )
            .await?;
        match response.status {
            201 | 204 => Ok(true),
            409 => Ok(false),
            _ => Err(service_error(Service::Table, &response)),
        }
    }

    /// The names of all tables.
    pub async fn list_tables(&self) -> Result<Vec<String>, ClientError> {
        #[derive(Deserialize)]
        struct Tables {
            value: Vec<TableName>,
        }
        #[derive(Deserialize)]
        struct TableName {
            #[serde(rename = "TableName")]
            name: String,
        }
        let mut names = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let query: Vec<(&str, &str)> = next
                .as_deref()
                .map(|n| vec![("NextTableName", n)])
                .unwrap_or_default();
            let response = self
                .send(
                    Service::Table,
                    Method::GET,
                    self.url(Service::Table, &["Tables"], &query),
                    table_headers(None),
                    Vec::new(),
                )
                .await?;
            if response.status != 200 {
                return Err(service_error(Service::Table, &response));
            }
            let tables: Tables = serde_json::from_slice(&response.body)
                .map_err(|e| ClientError::Response(e.to_string(), Service::Table))?;
            names.extend(tables.value.into_iter().map(|t| t.name));
            next = header(&response.headers, "x-ms-continuation-nexttablename");
            if next.is_none() {
                return Ok(names);
            }
        }
    }

    /// Every entity of a table, as the service returns them with minimal metadata (so numbers
    /// other than Int32/Double carry `X@odata.type`, and `odata.etag` and `Timestamp` are there).
    pub async fn query_entities(
        &self,
        table: &str,
    ) -> Result<Vec<Map<String, Value>>, ClientError> {
        self.query(table, None, None).await
    }

    /// The entities an OData `$filter` selects (all pages, in the service's PartitionKey,
    /// RowKey order), at most `top` of them: the queries the README tells applications to run.
    pub async fn query(
        &self,
        table: &str,
        filter: Option<&str>,
        top: Option<usize>,
    ) -> Result<Vec<Map<String, Value>>, ClientError> {
        #[derive(Deserialize)]
        struct Page {
            value: Vec<Map<String, Value>>,
        }
        let mut entities = Vec::new();
        let mut next: Option<(String, Option<String>)> = None;
        loop {
            let top_text = top.map(|t| t.to_string());
            let mut query: Vec<(&str, &str)> = Vec::new();
            if let Some(filter) = filter {
                query.push(("$filter", filter));
            }
            if let Some(top) = &top_text {
                query.push(("$top", top));
            }
            if let Some((pk, rk)) = &next {
                query.push(("NextPartitionKey", pk));
                if let Some(rk) = rk {
                    query.push(("NextRowKey", rk));
                }
            }
            let response = self
                .send(
                    Service::Table,
                    Method::GET,
                    self.url(Service::Table, &[&format!("{table}()")], &query),
                    table_headers(None),
                    Vec::new(),
                )
                .await?;
            if response.status != 200 {
                return Err(service_error(Service::Table, &response));
            }
            let page: Page = serde_json::from_slice(&response.body)
                .map_err(|e| ClientError::Response(e.to_string(), Service::Table))?;
            entities.extend(page.value);
            if let Some(top) = top.filter(|t| entities.len() >= *t) {
                entities.truncate(top);
                return Ok(entities);
            }
            next = header(&response.headers, "x-ms-continuation-nextpartitionkey").map(|pk| {
                (
                    pk,
                    header(&response.headers, "x-ms-continuation-nextrowkey"),
                )
            });
            if next.is_none() {
                return Ok(entities);
            }
        }
    }

    /// Sends one entity-group transaction (`POST $batch`, multipart/mixed). All actions must be
    /// for one partition; the caller checks the size limits.
    pub async fn submit_transaction(
        &self,
        table: &str,
        actions: &[TableAction],
    ) -> Result<(), TransactionError> {
        let body = self.transaction_body(table, actions);
        self.send_transaction(body).await
    }

    /// The multipart body of a transaction (also how its size is measured).
    pub fn transaction_body(&self, table: &str, actions: &[TableAction]) -> TransactionBody {
        let batch = format!("batch_{}", uuid::Uuid::new_v4());
        let changeset = format!("changeset_{}", uuid::Uuid::new_v4());
        let table_url = self.url(Service::Table, &[table], &[]);
        let mut body = String::new();
        body.push_str(&format!(
            "--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
        ));
        for action in actions {
            body.push_str(&format!(
                "--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            ));
            let (request_line, if_match, json) = match action {
                TableAction::Insert { body } => (format!("POST {table_url} HTTP/1.1"), None, body),
                TableAction::Replace {
                    partition_key,
                    row_key,
                    if_match,
                    body,
                } => (
                    format!(
                        "PUT {table_url}(PartitionKey='{}',RowKey='{}') HTTP/1.1",
                        key_literal(partition_key),
                        key_literal(row_key)
                    ),
                    if_match.as_deref(),
                    body,
                ),
            };
            body.push_str(&request_line);
            body.push_str("\r\nContent-Type: application/json\r\nAccept: application/json;odata=minimalmetadata\r\nPrefer: return-no-content\r\nDataServiceVersion: 3.0\r\n");
            if let Some(etag) = if_match {
                body.push_str(&format!("If-Match: {etag}\r\n"));
            }
            body.push_str("\r\n");
            body.push_str(json);
            body.push_str("\r\n");
        }
        body.push_str(&format!("--{changeset}--\r\n--{batch}--\r\n"));
        TransactionBody { batch, body }
    }

    /// Sends a body built by [`StorageClient::transaction_body`] (after checking its size).
    pub async fn submit_transaction_body(
        &self,
        body: TransactionBody,
    ) -> Result<(), TransactionError> {
        self.send_transaction(body).await
    }

    async fn send_transaction(&self, body: TransactionBody) -> Result<(), TransactionError> {
        let mut headers = table_headers(Some(&format!("multipart/mixed; boundary={}", body.batch)));
        headers.push(("maxdataserviceversion", "3.0;NetFx".to_owned()));
        let response = self
            .send(
                Service::Table,
                Method::POST,
                self.url(Service::Table, &["$batch"], &[]),
                headers,
                body.body.into_bytes(),
            )
            .await
            .map_err(|error| TransactionError { error, index: None })?;
        if !(200..300).contains(&response.status) {
            let error = service_error(Service::Table, &response);
            let index = error_index(&error);
            return Err(TransactionError { error, index });
        }
        let text = String::from_utf8_lossy(&response.body);
        match first_failed_part(&text) {
            None => Ok(()),
            Some((status, part)) => {
                let (code, message) = odata_error(part);
                let error = ClientError::Service {
                    service: Service::Table,
                    status,
                    code,
                    message,
                };
                let index = error_index(&error);
                Err(TransactionError { error, index })
            }
        }
    }

    // ----- Queue -----

    /// Creates a queue (idempotent: an existing queue without metadata answers 204).
    pub async fn create_queue(&self, queue: &str) -> Result<(), ClientError> {
        let response = self
            .send(
                Service::Queue,
                Method::PUT,
                self.url(Service::Queue, &[queue], &[]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            201 | 204 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// Put Message with the text as given (already encoded by the caller).
    pub async fn put_message(&self, queue: &str, text: &str) -> Result<(), ClientError> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessage><MessageText>{}</MessageText></QueueMessage>",
            xml::escape(text)
        );
        let response = self
            .send(
                Service::Queue,
                Method::POST,
                self.url(Service::Queue, &[queue, "messages"], &[]),
                vec![("content-type", "application/xml; charset=utf-8".to_owned())],
                body.into_bytes(),
            )
            .await?;
        match response.status {
            201 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// Peek Messages: up to 32 message texts, left in the queue.
    pub async fn peek_messages(&self, queue: &str, count: u8) -> Result<Vec<String>, ClientError> {
        let count = count.clamp(1, 32).to_string();
        let response = self
            .send(
                Service::Queue,
                Method::GET,
                self.url(
                    Service::Queue,
                    &[queue, "messages"],
                    &[("peekonly", "true"), ("numofmessages", &count)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        if response.status != 200 {
            return Err(service_error(Service::Queue, &response));
        }
        Ok(xml::elements(
            &String::from_utf8_lossy(&response.body),
            "MessageText",
        ))
    }

    /// Get Messages: up to 32 messages, invisible for `visibility`.
    pub async fn receive_messages(
        &self,
        queue: &str,
        count: u8,
        visibility: Duration,
    ) -> Result<Vec<ReceivedMessage>, ClientError> {
        let count = count.clamp(1, 32).to_string();
        let timeout = visibility.as_secs().clamp(1, 7 * 24 * 3600).to_string();
        let response = self
            .send(
                Service::Queue,
                Method::GET,
                self.url(
                    Service::Queue,
                    &[queue, "messages"],
                    &[("numofmessages", &count), ("visibilitytimeout", &timeout)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        if response.status != 200 {
            return Err(service_error(Service::Queue, &response));
        }
        let text = String::from_utf8_lossy(&response.body);
        Ok(xml::blocks(&text, "QueueMessage")
            .into_iter()
            .map(|block| {
                let field = |tag| {
                    xml::elements(block, tag)
                        .into_iter()
                        .next()
                        .unwrap_or_default()
                };
                ReceivedMessage {
                    id: field("MessageId"),
                    pop_receipt: field("PopReceipt"),
                    text: field("MessageText"),
                }
            })
            .collect())
    }

    /// Delete Message.
    pub async fn delete_message(
        &self,
        queue: &str,
        message: &ReceivedMessage,
    ) -> Result<(), ClientError> {
        let response = self
            .send(
                Service::Queue,
                Method::DELETE,
                self.url(
                    Service::Queue,
                    &[queue, "messages", &message.id],
                    &[("popreceipt", &message.pop_receipt)],
                ),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            204 => Ok(()),
            _ => Err(service_error(Service::Queue, &response)),
        }
    }

    /// The names of all queues.
    pub async fn list_queues(&self) -> Result<Vec<String>, ClientError> {
        self.list_names(Service::Queue, &[], &[("comp", "list")], "Queue")
            .await
    }

    // ----- Blob -----

    /// Creates a container; `Ok(false)` when it already exists.
    pub async fn create_container(&self, container: &str) -> Result<bool, ClientError> {
        let response = self
            .send(
                Service::Blob,
                Method::PUT,
                self.url(Service::Blob, &[container], &[("restype", "container")]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            201 => Ok(true),
            409 => Ok(false),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// Put Blob as a block blob (replacing one that exists).
    pub async fn put_block_blob(
        &self,
        container: &str,
        name: &str,
        content: &[u8],
        content_type: &str,
    ) -> Result<(), ClientError> {
        let mut segments = vec![container];
        segments.extend(name.split('/'));
        let response = self
            .send(
                Service::Blob,
                Method::PUT,
                self.url(Service::Blob, &segments, &[]),
                vec![
                    ("x-ms-blob-type", "BlockBlob".to_owned()),
                    ("content-type", content_type.to_owned()),
                ],
                content.to_vec(),
            )
            .await?;
        match response.status {
            201 => Ok(()),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// Get Blob: the content, or `None` when the blob (or its container) does not exist.
    pub async fn get_blob(
        &self,
        container: &str,
        name: &str,
    ) -> Result<Option<Vec<u8>>, ClientError> {
        let mut segments = vec![container];
        segments.extend(name.split('/'));
        let response = self
            .send(
                Service::Blob,
                Method::GET,
                self.url(Service::Blob, &segments, &[]),
                Vec::new(),
                Vec::new(),
            )
            .await?;
        match response.status {
            200 => Ok(Some(response.body)),
            404 => Ok(None),
            _ => Err(service_error(Service::Blob, &response)),
        }
    }

    /// The names of all containers.
    pub async fn list_containers(&self) -> Result<Vec<String>, ClientError> {
        self.list_names(Service::Blob, &[], &[("comp", "list")], "Container")
            .await
    }

    /// The names of all blobs in a container.
    pub async fn list_blobs(&self, container: &str) -> Result<Vec<String>, ClientError> {
        self.list_names(
            Service::Blob,
            &[container],
            &[("restype", "container"), ("comp", "list")],
            "Blob",
        )
        .await
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

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> StorageClient {
        StorageClient::new(StorageConnection::parse("UseDevelopmentStorage=true").unwrap()).unwrap()
    }

    #[test]
    fn blob_and_queue_string_to_sign() {
        let c = client();
        let url = c.url(
            Service::Queue,
            &["sms-outbox", "messages"],
            &[("peekonly", "true"), ("NumOfMessages", "3")],
        );
        let headers = vec![
            ("x-ms-version", API_VERSION.to_owned()),
            ("x-ms-date", "Fri, 27 Nov 2026 07:00:00 GMT".to_owned()),
            ("content-type", "application/xml".to_owned()),
        ];
        assert_eq!(
            c.blob_queue_string_to_sign(&Method::GET, &url, &headers, 0),
            "GET\n\n\n\n\napplication/xml\n\n\n\n\n\n\nx-ms-date:Fri, 27 Nov 2026 07:00:00 GMT\nx-ms-version:2021-12-02\n/devstoreaccount1/devstoreaccount1/sms-outbox/messages\nnumofmessages:3\npeekonly:true"
        );
    }

    #[test]
    fn table_string_to_sign_keeps_only_comp() {
        let c = client();
        let url = c.url(Service::Table, &["$batch"], &[("timeout", "5")]);
        let headers = vec![
            ("x-ms-date", "D".to_owned()),
            ("content-type", "multipart/mixed".to_owned()),
        ];
        assert_eq!(
            c.table_string_to_sign(&Method::POST, &url, &headers),
            "POST\n\nmultipart/mixed\nD\n/devstoreaccount1/devstoreaccount1/$batch"
        );
    }

    #[test]
    fn keys_in_urls_are_quoted_and_escaped() {
        assert_eq!(key_literal("+1 555'x"), "%2B1%20555%27%27x");
    }

    #[test]
    fn batch_responses_name_the_failed_operation() {
        let ok = "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_2\r\n\r\n--changesetresponse_2\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n--changesetresponse_2--\r\n";
        assert_eq!(first_failed_part(ok), None);
        let failed = "--changesetresponse_2\r\nHTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n\r\n{\"odata.error\":{\"code\":\"EntityAlreadyExists\",\"message\":{\"lang\":\"en-US\",\"value\":\"1:The specified entity already exists.\\nRequestId:x\"}}}\r\n";
        let (status, part) = first_failed_part(failed).unwrap();
        assert_eq!(status, 409);
        let (code, message) = odata_error(part);
        assert_eq!(code, "EntityAlreadyExists");
        assert_eq!(message, "1:The specified entity already exists.");
        let error = ClientError::Service {
            service: Service::Table,
            status,
            code,
            message,
        };
        assert_eq!(error_index(&error), Some(1));
    }
}
