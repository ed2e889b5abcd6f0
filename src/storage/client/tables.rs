//! Table service: create and list tables, entity-group transactions, OData queries.

use super::*;

impl StorageClient {
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
}
