//! The storage writer: takes a custom-handler reply and writes its `Outputs` into Azure Storage
//! the way the Functions host and its Tables/Queues extensions do (`functions-outputs.md` §0–§4),
//! so a test (or `handler replay --to-storage`) fails where a real invocation would fail.
//!
//! What happens, in the host's order:
//! 1. **Read** the reply. A name under `Outputs` that function.json does not declare as an
//!    output is an error here; the real host drops it silently (`HttpScriptInvocationResult
//!    Extensions` iterates the declared bindings), which is exactly the mistake tests must see.
//! 2. **Bind** each output in function.json order (the host binds them concurrently; a failing
//!    binding does not stop the others, so we go on to the next binding and report every error).
//!    A top-level string is tried as base64 first (§0.2). Each array item becomes bytes by
//!    `JToken.ToString()` after the host's date parsing ([`newtonsoft`]).
//!    - queue: each message is sent at once (base64 unless host.json says `none`), creating the
//!      queue on 404;
//!    - table: items are grouped by PartitionKey as `TableEntityWriter.AddAsync` does; a partition
//!      is sent early when it reaches 100 entities or a RowKey repeats, every partition when
//!      1000 are buffered;
//!    - blob: the path is resolved; the value is kept for step 3.
//! 3. Only if every binding bound: **flush** the remaining table partitions (one entity-group
//!    transaction each, creating the table on 404) and write the blobs, in binding order,
//!    stopping at the first failure.
//!
//! Writes are not atomic across transactions or bindings, and neither is the host: the report of
//! a failure lists the writes that had already succeeded. Before each transaction and message the
//! writer applies Azure's limits ([`limits`]) itself, since Azurite enforces only some of them.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::bindings::{
    BindingData, ConfigError, ExpressionError, FunctionBindings, HostOptions, OutputBinding,
    OutputTarget, QueueEncoding,
};
use super::client::{ClientError, StorageClient, TableAction};
use super::connection::StorageConnection;
use super::entity::{EntityError, Operation};
use super::limits::{self, Limit};
use super::newtonsoft::{self, DateParseHandling, JToken};
use super::Entity;

/// The Tables extension's batch sizes (TableEntityWriter.MaxBatchSize, MaxPartitionWidth).
const MAX_BATCH: usize = limits::MAX_BATCH_ENTITIES;
const MAX_PARTITIONS: usize = 1000;

/// A write that reached storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// One queue message (item `item` of the binding's array).
    QueueMessage {
        binding: String,
        queue: String,
        item: usize,
        /// The size of the message text as stored (after encoding).
        bytes: usize,
    },
    /// One entity-group transaction: these items of the binding, one partition.
    TableTransaction {
        binding: String,
        table: String,
        items: Vec<usize>,
    },
    /// One blob.
    Blob {
        binding: String,
        container: String,
        name: String,
        bytes: usize,
    },
}

impl Write {
    /// The binding the write was for.
    pub fn binding(&self) -> &str {
        match self {
            Write::QueueMessage { binding, .. }
            | Write::TableTransaction { binding, .. }
            | Write::Blob { binding, .. } => binding,
        }
    }
}

impl fmt::Display for Write {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Write::QueueMessage {
                binding,
                queue,
                item,
                bytes,
            } => write!(f, "{binding}: item {item} to queue {queue} ({bytes} bytes)"),
            Write::TableTransaction {
                binding,
                table,
                items,
            } => write!(
                f,
                "{binding}: {} entit{} in one transaction to table {table}",
                items.len(),
                if items.len() == 1 { "y" } else { "ies" }
            ),
            Write::Blob {
                binding,
                container,
                bytes,
                ..
            } => write!(
                f,
                "{binding}: a blob in container {container} ({bytes} bytes)"
            ),
        }
    }
}

/// Everything a reply wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub writes: Vec<Write>,
}

impl WriteReport {
    /// Queue messages sent.
    pub fn queue_messages(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| matches!(w, Write::QueueMessage { .. }))
            .count()
    }

    /// Table entities written, over all transactions.
    pub fn table_entities(&self) -> usize {
        self.writes
            .iter()
            .map(|w| match w {
                Write::TableTransaction { items, .. } => items.len(),
                _ => 0,
            })
            .sum()
    }

    /// Entity-group transactions sent.
    pub fn table_transactions(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| matches!(w, Write::TableTransaction { .. }))
            .count()
    }

    /// Blobs written.
    pub fn blobs(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| matches!(w, Write::Blob { .. }))
            .count()
    }
}

/// Why a write failed. Each names the binding and, where there is one, the item (its index in the
/// binding's array); none holds a key, a property value or a message text (personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("the reply is not a custom-handler reply: {0}")]
    Reply(String),
    #[error("output `{binding}` is not an output binding in function.json; the host would drop it without a word")]
    Undeclared { binding: String },
    #[error("output `{binding}` is a trigger or input binding in function.json; the host would drop it without a word")]
    NotAnOutput { binding: String },
    #[error("output `{binding}` has type {kind}, which the writer does not emulate")]
    UnsupportedType { binding: String, kind: String },
    #[error("output `{binding}`: {reason}")]
    UnsupportedValue {
        binding: String,
        reason: &'static str,
    },
    #[error("output `{binding}`: cannot resolve `{template}`: {error}")]
    Expression {
        binding: String,
        template: String,
        error: ExpressionError,
    },
    #[error("output `{binding}` (`{template}`): {limit}")]
    Name {
        binding: String,
        template: String,
        limit: Limit,
    },
    #[error("output `{binding}` item {item}: {error}")]
    Entity {
        binding: String,
        item: usize,
        error: EntityError,
    },
    #[error("output `{binding}` item {item}: {limit}")]
    Limit {
        binding: String,
        item: usize,
        limit: Limit,
    },
    #[error("output `{binding}` items {items:?} (one partition): {limit}")]
    TransactionLimit {
        binding: String,
        items: Vec<usize>,
        limit: Limit,
    },
    #[error("output `{binding}` item {item}: property `{property}` is an integer above Int64.MaxValue, which the Tables SDK cannot send")]
    BigInteger {
        binding: String,
        item: usize,
        property: String,
    },
    #[error("output `{binding}` item {item} to queue {queue}: {error}")]
    Queue {
        binding: String,
        queue: String,
        item: usize,
        error: Box<ClientError>,
    },
    #[error("output `{binding}` to table {table}, transaction of items {items:?}{}: {error}", .failed_item.map(|i| format!(" (the service blamed item {i})")).unwrap_or_default())]
    Table {
        binding: String,
        table: String,
        items: Vec<usize>,
        failed_item: Option<usize>,
        error: Box<ClientError>,
    },
    #[error("output `{binding}` to a blob in container {container}: {error}")]
    Blob {
        binding: String,
        container: String,
        error: Box<ClientError>,
    },
}

impl WriteError {
    /// The storage client's error, when the service or the network refused.
    pub fn client_error(&self) -> Option<&ClientError> {
        match self {
            WriteError::Queue { error, .. }
            | WriteError::Table { error, .. }
            | WriteError::Blob { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }

    /// Whether the storage endpoint could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self.client_error(), Some(ClientError::Unreachable { .. }))
    }
}

/// A reply whose writes did not all succeed: what was written before, and every error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    pub completed: Vec<Write>,
    /// At least one.
    pub errors: Vec<WriteError>,
}

impl WriteFailure {
    fn new(completed: Vec<Write>, errors: Vec<WriteError>) -> Self {
        WriteFailure { completed, errors }
    }

    /// The first error (the one a reader should see).
    pub fn first(&self) -> Option<&WriteError> {
        self.errors.first()
    }

    /// Whether every error is an unreachable endpoint.
    pub fn is_unreachable(&self) -> bool {
        !self.errors.is_empty() && self.errors.iter().all(WriteError::is_unreachable)
    }
}

impl fmt::Display for WriteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.split_first() {
            None => f.write_str("the write failed"),
            Some((first, rest)) => {
                write!(f, "{first}")?;
                if !rest.is_empty() {
                    write!(f, " (and {} more error(s))", rest.len())?;
                }
                if !self.completed.is_empty() {
                    write!(
                        f,
                        "; {} write(s) had succeeded before",
                        self.completed.len()
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for WriteFailure {}

/// Why a writer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Client(#[from] ClientError),
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "Outputs", default)]
    outputs: Option<HashMap<String, Box<RawValue>>>,
}

/// A binding's value after the host read it.
enum HostValue {
    /// A top-level string that was valid base64: the decoded bytes.
    Bytes(Vec<u8>),
    Token(JToken),
}

impl HostValue {
    /// The items an `IAsyncCollector<byte[]>` receives: an array's elements, or the value itself.
    fn items(self) -> Vec<Vec<u8>> {
        match self {
            HostValue::Bytes(bytes) => vec![bytes],
            HostValue::Token(JToken::Array(items)) => items
                .into_iter()
                .map(|item| item.to_host_string().into_bytes())
                .collect(),
            HostValue::Token(other) => vec![other.to_host_string().into_bytes()],
        }
    }

    /// The content of a single-value (blob) output.
    fn content(self) -> Vec<u8> {
        match self {
            HostValue::Bytes(bytes) => bytes,
            HostValue::Token(token) => token.to_host_string().into_bytes(),
        }
    }
}

/// The partitions a table binding has buffered: the extension's `Dictionary<string, …>` of
/// partitions. Flushing enumerates it in slot order, and .NET's `Dictionary` puts a key added
/// after a `Remove` into the freed slot (last freed, first reused), so a partition flushed at 100
/// entities and started again keeps its place. `None` is a freed slot.
struct TableBuffer<'b> {
    binding: &'b OutputBinding,
    table: String,
    slots: Vec<Option<Partition>>,
    free: Vec<usize>,
}

impl TableBuffer<'_> {
    fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    fn find(&self, partition_key: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|slot| slot.as_ref().is_some_and(|(pk, _)| pk == partition_key))
    }

    fn insert(&mut self, partition_key: String) -> usize {
        let partition = Some((partition_key, Vec::new()));
        match self.free.pop() {
            Some(index) => {
                self.slots[index] = partition;
                index
            }
            None => {
                self.slots.push(partition);
                self.slots.len() - 1
            }
        }
    }

    fn batch(&mut self, index: usize) -> &mut Vec<(usize, Entity)> {
        &mut self.slots[index].get_or_insert_with(Default::default).1
    }

    fn remove(&mut self, index: usize) -> Vec<(usize, Entity)> {
        self.free.push(index);
        self.slots[index]
            .take()
            .map(|(_, batch)| batch)
            .unwrap_or_default()
    }

    /// `_map.Clear()`: every partition, in slot order.
    fn clear(&mut self) -> Vec<Vec<(usize, Entity)>> {
        self.free.clear();
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .map(|(_, batch)| batch)
            .collect()
    }
}

/// A partition key and its buffered (item index, entity) pairs.
type Partition = (String, Vec<(usize, Entity)>);

/// Work for step 3.
enum Pending<'b> {
    Table(TableBuffer<'b>),
    Blob {
        binding: &'b OutputBinding,
        container: String,
        name: String,
        content: Vec<u8>,
    },
}

/// Writes replies of one function into one storage account.
#[derive(Debug, Clone)]
pub struct StorageWriter {
    client: StorageClient,
    bindings: FunctionBindings,
    host: HostOptions,
}

impl StorageWriter {
    pub fn new(client: StorageClient, bindings: FunctionBindings, host: HostOptions) -> Self {
        StorageWriter {
            client,
            bindings,
            host,
        }
    }

    /// A writer for `<app_root>/<function>/function.json` with `<app_root>/host.json`.
    pub fn for_function(
        app_root: &Path,
        function: &str,
        connection: StorageConnection,
    ) -> Result<Self, SetupError> {
        Ok(StorageWriter::new(
            StorageClient::new(connection)?,
            FunctionBindings::load(app_root, function)?,
            HostOptions::load(app_root)?,
        ))
    }

    pub fn client(&self) -> &StorageClient {
        &self.client
    }

    pub fn bindings(&self) -> &FunctionBindings {
        &self.bindings
    }

    pub fn host(&self) -> &HostOptions {
        &self.host
    }

    /// Writes one reply body's `Outputs`. `data` resolves `{name}` expressions in binding paths.
    pub async fn write(
        &self,
        reply: &[u8],
        data: &BindingData,
    ) -> Result<WriteReport, WriteFailure> {
        let reply: Reply = serde_json::from_slice(reply)
            .map_err(|e| WriteFailure::new(Vec::new(), vec![WriteError::Reply(e.to_string())]))?;
        let outputs = reply.outputs.unwrap_or_default();

        let mut undeclared: Vec<WriteError> = outputs
            .keys()
            .filter(|name| self.bindings.output(name).is_none())
            .map(|name| {
                let binding = name.chars().take(100).collect();
                if self.bindings.is_input(name) {
                    WriteError::NotAnOutput { binding }
                } else {
                    WriteError::Undeclared { binding }
                }
            })
            .collect();
        if !undeclared.is_empty() {
            undeclared.sort_by_key(ToString::to_string);
            return Err(WriteFailure::new(Vec::new(), undeclared));
        }

        let mut done = Vec::new();
        let mut errors = Vec::new();
        let mut pending = Vec::new();
        for binding in self.bindings.outputs() {
            let Some(raw) = outputs.get(&binding.name) else {
                continue;
            };
            let value = match read_value(raw.get(), binding) {
                Ok(Some(value)) => value,
                Ok(None) => continue,
                Err(error) => {
                    errors.push(error);
                    continue;
                }
            };
            let bound = match &binding.target {
                OutputTarget::Queue { queue } => {
                    self.bind_queue(binding, queue, value, data, &mut done)
                        .await
                }
                OutputTarget::Table {
                    table,
                    partition_key,
                    row_key,
                } => {
                    let keys = (partition_key.as_deref(), row_key.as_deref());
                    self.bind_table(binding, table, keys, value, data, &mut done)
                        .await
                        .map(|buffer| pending.push(Pending::Table(buffer)))
                }
                OutputTarget::Blob { path } => {
                    bind_blob(binding, path, value, data).map(|blob| pending.push(blob))
                }
                OutputTarget::Other { kind } => Err(WriteError::UnsupportedType {
                    binding: binding.name.clone(),
                    kind: kind.clone(),
                }),
            };
            if let Err(error) = bound {
                errors.push(error);
            }
        }
        if !errors.is_empty() {
            return Err(WriteFailure::new(done, errors));
        }

        for work in pending {
            let flushed = match work {
                Pending::Table(mut buffer) => self.flush_all(&mut buffer, &mut done).await,
                Pending::Blob {
                    binding,
                    container,
                    name,
                    content,
                } => {
                    self.write_blob(binding, &container, &name, &content, &mut done)
                        .await
                }
            };
            if let Err(error) = flushed {
                return Err(WriteFailure::new(done, vec![error]));
            }
        }
        Ok(WriteReport { writes: done })
    }

    async fn bind_queue(
        &self,
        binding: &OutputBinding,
        template: &str,
        value: HostValue,
        data: &BindingData,
        done: &mut Vec<Write>,
    ) -> Result<(), WriteError> {
        let queue = resolve(binding, template, data)?;
        limits::check_dns_name("queue", &queue).map_err(|limit| WriteError::Name {
            binding: binding.name.clone(),
            template: template.to_owned(),
            limit,
        })?;
        let plain = self.host.queue_encoding == QueueEncoding::None;
        for (item, bytes) in value.items().into_iter().enumerate() {
            let text = if plain {
                String::from_utf8_lossy(&bytes).into_owned()
            } else {
                azure_core::base64::encode(&bytes)
            };
            limits::check_queue_message(&text, plain).map_err(|limit| WriteError::Limit {
                binding: binding.name.clone(),
                item,
                limit,
            })?;
            let queue_error = |error| WriteError::Queue {
                binding: binding.name.clone(),
                queue: queue.clone(),
                item,
                error: Box::new(error),
            };
            // QueueClient.SendMessage, and on 404 CreateIfNotExists and again
            // (AddMessageAndCreateIfNotExistsAsync).
            match self.client.put_message(&queue, &text).await {
                Ok(()) => {}
                Err(error) if error.status() == Some(404) => {
                    self.client
                        .create_queue(&queue)
                        .await
                        .map_err(queue_error)?;
                    self.client
                        .put_message(&queue, &text)
                        .await
                        .map_err(queue_error)?;
                }
                Err(error) => return Err(queue_error(error)),
            }
            done.push(Write::QueueMessage {
                binding: binding.name.clone(),
                queue: queue.clone(),
                item,
                bytes: text.len(),
            });
        }
        Ok(())
    }

    async fn bind_table<'b>(
        &self,
        binding: &'b OutputBinding,
        template: &str,
        default_keys: (Option<&str>, Option<&str>),
        value: HostValue,
        data: &BindingData,
        done: &mut Vec<Write>,
    ) -> Result<TableBuffer<'b>, WriteError> {
        let table = resolve(binding, template, data)?;
        limits::check_table_name(&table).map_err(|limit| WriteError::Name {
            binding: binding.name.clone(),
            template: template.to_owned(),
            limit,
        })?;
        let partition_default = default_keys
            .0
            .map(|t| resolve(binding, t, data))
            .transpose()?;
        let row_default = default_keys
            .1
            .map(|t| resolve(binding, t, data))
            .transpose()?;
        let mut buffer = TableBuffer {
            binding,
            table,
            slots: Vec::new(),
            free: Vec::new(),
        };
        for (item, bytes) in value.items().into_iter().enumerate() {
            let entity = Entity::from_item(
                &bytes,
                (partition_default.as_deref(), row_default.as_deref()),
            )
            .map_err(|error| WriteError::Entity {
                binding: binding.name.clone(),
                item,
                error,
            })?;
            let index = match buffer.find(&entity.partition_key) {
                Some(index) => index,
                None => {
                    if buffer.len() >= MAX_PARTITIONS {
                        self.flush_all(&mut buffer, done).await?;
                    }
                    buffer.insert(entity.partition_key.clone())
                }
            };
            if buffer
                .batch(index)
                .iter()
                .any(|(_, e)| e.row_key == entity.row_key)
            {
                // "Replacing item forces a flush to ensure correct eTag behaviour."
                let batch = std::mem::take(buffer.batch(index));
                self.flush(binding, &buffer.table, batch, done).await?;
            }
            buffer.batch(index).push((item, entity));
            if buffer.batch(index).len() >= MAX_BATCH {
                let batch = buffer.remove(index);
                self.flush(binding, &buffer.table, batch, done).await?;
            }
        }
        Ok(buffer)
    }

    async fn flush_all(
        &self,
        buffer: &mut TableBuffer<'_>,
        done: &mut Vec<Write>,
    ) -> Result<(), WriteError> {
        for batch in buffer.clear() {
            self.flush(buffer.binding, &buffer.table, batch, done)
                .await?;
        }
        Ok(())
    }

    /// One partition's entities as one transaction (`FlushPartitionAsync`).
    async fn flush(
        &self,
        binding: &OutputBinding,
        table: &str,
        batch: Vec<(usize, Entity)>,
        done: &mut Vec<Write>,
    ) -> Result<(), WriteError> {
        if batch.is_empty() {
            return Ok(());
        }
        let items: Vec<usize> = batch.iter().map(|(item, _)| *item).collect();
        let mut actions = Vec::with_capacity(batch.len());
        for (item, entity) in &batch {
            entity.check_limits().map_err(|limit| WriteError::Limit {
                binding: binding.name.clone(),
                item: *item,
                limit,
            })?;
            let body = entity.odata_json().map_err(|e| WriteError::BigInteger {
                binding: binding.name.clone(),
                item: *item,
                property: e.property,
            })?;
            actions.push(match &entity.operation {
                Operation::Add => TableAction::Insert { body },
                Operation::UpsertReplace => TableAction::Replace {
                    partition_key: entity.partition_key.clone(),
                    row_key: entity.row_key.clone(),
                    if_match: None,
                    body,
                },
                Operation::UpdateReplace { etag } => TableAction::Replace {
                    partition_key: entity.partition_key.clone(),
                    row_key: entity.row_key.clone(),
                    if_match: Some(etag.clone()),
                    body,
                },
            });
        }
        let body = self.client.transaction_body(table, &actions);
        if body.len() > limits::MAX_BATCH_BYTES {
            return Err(WriteError::TransactionLimit {
                binding: binding.name.clone(),
                items,
                limit: Limit::BatchSize { bytes: body.len() },
            });
        }
        let table_error =
            |error: super::client::TransactionError, items: &[usize]| WriteError::Table {
                binding: binding.name.clone(),
                table: table.to_owned(),
                items: items.to_vec(),
                failed_item: error.index.and_then(|i| items.get(i).copied()),
                error: Box::new(error.error),
            };
        match self.client.submit_transaction_body(body.clone()).await {
            Ok(()) => {}
            Err(error)
                if error.error.status() == Some(404)
                    && matches!(
                        error.error.code(),
                        Some("TableNotFound" | "ResourceNotFound")
                    ) =>
            {
                self.client.create_table(table).await.map_err(|e| {
                    table_error(
                        super::client::TransactionError {
                            error: e,
                            index: None,
                        },
                        &items,
                    )
                })?;
                self.client
                    .submit_transaction_body(body)
                    .await
                    .map_err(|e| table_error(e, &items))?;
            }
            Err(error) => return Err(table_error(error, &items)),
        }
        done.push(Write::TableTransaction {
            binding: binding.name.clone(),
            table: table.to_owned(),
            items,
        });
        Ok(())
    }

    async fn write_blob(
        &self,
        binding: &OutputBinding,
        container: &str,
        name: &str,
        content: &[u8],
        done: &mut Vec<Write>,
    ) -> Result<(), WriteError> {
        let blob_error = |error| WriteError::Blob {
            binding: binding.name.clone(),
            container: container.to_owned(),
            error: Box::new(error),
        };
        const CONTENT_TYPE: &str = "application/octet-stream";
        match self
            .client
            .put_block_blob(container, name, content, CONTENT_TYPE)
            .await
        {
            Ok(()) => {}
            Err(error) if error.status() == Some(404) => {
                self.client
                    .create_container(container)
                    .await
                    .map_err(blob_error)?;
                self.client
                    .put_block_blob(container, name, content, CONTENT_TYPE)
                    .await
                    .map_err(blob_error)?;
            }
            Err(error) => return Err(blob_error(error)),
        }
        done.push(Write::Blob {
            binding: binding.name.clone(),
            container: container.to_owned(),
            name: name.to_owned(),
            bytes: content.len(),
        });
        Ok(())
    }
}

/// The host's reading of one output value (§0.1–§0.2): Newtonsoft with date parsing, and a
/// top-level string tried as base64 unless the binding says `dataType: binary`. `None` for null.
fn read_value(raw: &str, binding: &OutputBinding) -> Result<Option<HostValue>, WriteError> {
    let token = JToken::parse(raw, DateParseHandling::DateTime)
        .map_err(|e| WriteError::Reply(format!("output `{}`: {e}", binding.name)))?;
    Ok(match token {
        JToken::Null => None,
        JToken::String(text) if !binding.binary => Some(match newtonsoft::dotnet_base64(&text) {
            Some(bytes) => HostValue::Bytes(bytes),
            None => HostValue::Token(JToken::String(text)),
        }),
        other => Some(HostValue::Token(other)),
    })
}

fn resolve(
    binding: &OutputBinding,
    template: &str,
    data: &BindingData,
) -> Result<String, WriteError> {
    data.resolve(template)
        .map_err(|error| WriteError::Expression {
            binding: binding.name.clone(),
            template: template.to_owned(),
            error,
        })
}

/// Resolves a blob output's path into container and name, and keeps its content for step 3.
fn bind_blob<'b>(
    binding: &'b OutputBinding,
    template: &str,
    value: HostValue,
    data: &BindingData,
) -> Result<Pending<'b>, WriteError> {
    if matches!(value, HostValue::Token(JToken::Array(_))) {
        return Err(WriteError::UnsupportedValue {
            binding: binding.name.clone(),
            reason: "a blob output takes one value (a string or bytes), not an array",
        });
    }
    let path = resolve(binding, template, data)?;
    let name_error = |limit| WriteError::Name {
        binding: binding.name.clone(),
        template: template.to_owned(),
        limit,
    };
    let (container, name) = path.split_once('/').ok_or_else(|| {
        name_error(Limit::ResourceName {
            what: "blob path",
            reason: "must be container/name",
        })
    })?;
    limits::check_dns_name("container", container).map_err(name_error)?;
    limits::check_blob_name(name).map_err(name_error)?;
    Ok(Pending::Blob {
        binding,
        container: container.to_owned(),
        name: name.to_owned(),
        content: value.content(),
    })
}
