//! Output bindings: the table entities, queue messages and blobs an invocation asks the
//! Functions host to write, under the binding names of `EventGridTrigger/function.json` (our
//! public contract).
//!
//! Values are typed when built (a [`TableEntity`] with checked keys, a serializable message
//! struct) and serialized once, so the response writer only copies bytes. Building an output is
//! also where Azure's limits are enforced ([`limits`]): an output Azure would refuse fails the
//! host's write, the host answers Event Grid 500, and Event Grid retries the event for 24 hours.
//! So an over-long text is cut on a character boundary and flagged (`<Property>Truncated` on a
//! row, `<field>Truncated` in a message); the router then keeps the whole raw event in a blob and
//! points the output at it ([`Output::point_to_raw_event`]). Nothing is lost, and nothing is
//! refused. `docs/outputs-and-limits.md` has the evidence for every number and for the encoding.
//!
//! **Encoding.** Each table row and queue message is sent to the host as a JSON *string* holding
//! the item's compact JSON text, not as a JSON object. The host reads the reply with Newtonsoft
//! (which turns date-like strings inside objects into `DateTime`s and re-emits them converted to
//! its local zone) and hands an object item to the extension as `JObject.ToString()`, which is
//! indented; a string item reaches the extension as its exact UTF-8 bytes. So what we size here
//! is byte for byte what the extension writes.
//!
//! Times inside keys are spelled by [`time_keys`].

pub mod time_keys;

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// Table output bindings (the table name is in function.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableBinding {
    /// `SmsMessages`: every inbound and outbound text.
    SmsMessages,
    /// `SmsOptOuts`: each person's opt-out history with one of our numbers, newest first.
    SmsOptOuts,
    /// `SmsDeliveryReports`: every delivery report.
    SmsDeliveryReports,
    /// `ChatMessages`: one row per chat message version.
    ChatMessages,
    /// `ChatThreads`: one row per thread version.
    ChatThreads,
    /// `ChatMembers`: one row per membership change.
    ChatMembers,
    /// `EmailDeliveryReports`: every e-mail delivery report.
    EmailDeliveryReports,
    /// `EmailRecipients`: each recipient's delivery history with one sender, newest first.
    EmailRecipients,
    /// `EmailEngagement`: one row per view or click.
    EmailEngagement,
}

/// Queue output bindings (the queue name is in function.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueueBinding {
    /// `sms-outbox`: replies for the `SmsSender` function to send.
    SmsOutbox,
    /// `sms-inbox`: inbound texts for the application.
    SmsInbox,
    /// `sms-delivery-failures`: reports an operator must look at.
    SmsDeliveryFailures,
    /// `sms-optout-sync`: opt-out changes for the `SmsOptOutSync` function to apply to ACS.
    SmsOptOutSync,
    /// `chat-notifications`: one message per chat recipient.
    ChatNotifications,
    /// `acs-events-deadletter`: events we could not process, raw, with the reason.
    DeadLetter,
    /// `email-delivery-failures`: e-mail reports that are not a delivery, for an operator.
    EmailDeliveryFailures,
}

/// Blob output bindings: one value per invocation each (a blob binding is not a collector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BlobBinding {
    /// `acs-events-raw/{id}.json`: the raw event of a one-event invocation whose id the host can
    /// put in the blob path. Deterministic: a redelivery overwrites the same blob.
    RawEvents,
    /// `acs-events-raw/unkeyed/{rand-guid}.json`: the raw events of any other invocation, as a
    /// JSON array (a delivery body `handler replay` reads).
    RawEventsUnkeyed,
}

impl TableBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            TableBinding::SmsMessages => "smsMessages",
            TableBinding::SmsOptOuts => "smsOptOuts",
            TableBinding::SmsDeliveryReports => "smsDeliveryReports",
            TableBinding::ChatMessages => "chatMessages",
            TableBinding::ChatThreads => "chatThreads",
            TableBinding::ChatMembers => "chatMembers",
            TableBinding::EmailDeliveryReports => "emailDeliveryReports",
            TableBinding::EmailRecipients => "emailRecipients",
            TableBinding::EmailEngagement => "emailEngagement",
        }
    }
}

impl QueueBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            QueueBinding::SmsOutbox => "smsOutbox",
            QueueBinding::SmsInbox => "smsInbox",
            QueueBinding::SmsDeliveryFailures => "smsDeliveryFailures",
            QueueBinding::SmsOptOutSync => "smsOptOutSync",
            QueueBinding::ChatNotifications => "chatNotifications",
            QueueBinding::DeadLetter => "deadLetter",
            QueueBinding::EmailDeliveryFailures => "emailDeliveryFailures",
        }
    }
}

/// The container of both raw-event blob bindings (`path` in function.json).
pub const RAW_EVENTS_CONTAINER: &str = "acs-events-raw";
/// Where [`BlobBinding::RawEventsUnkeyed`] writes, inside [`RAW_EVENTS_CONTAINER`].
pub const UNKEYED_PREFIX: &str = "acs-events-raw/unkeyed/";

impl BlobBinding {
    /// The binding name in function.json.
    pub fn name(self) -> &'static str {
        match self {
            BlobBinding::RawEvents => "rawEvents",
            BlobBinding::RawEventsUnkeyed => "rawEventsUnkeyed",
        }
    }
}

/// Where the raw event of a cut or dead-lettered event is kept, as the output that was cut
/// names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawEventPointer {
    /// The exact blob (`acs-events-raw/<id>.json`).
    Blob(String),
    /// A blob under this prefix whose name the host draws (`{rand-guid}`); it holds an array of
    /// raw events, and the event's id finds it.
    Prefix(&'static str),
}

impl RawEventPointer {
    /// The pointer for an event whose id the host can put in a blob path, if it can: the name
    /// must be a plain blob name (ASCII letters, digits, `-`, `_`, `.`, at most 200, not ending
    /// in `.`), so that the path resolves to exactly this text and Storage accepts it.
    pub fn keyed(id: &str) -> Option<RawEventPointer> {
        let plain = !id.is_empty()
            && id.len() <= 200
            && !id.ends_with('.')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        plain.then(|| RawEventPointer::Blob(format!("{RAW_EVENTS_CONTAINER}/{id}.json")))
    }

    /// The blob binding that writes what this pointer names.
    pub fn binding(&self) -> BlobBinding {
        match self {
            RawEventPointer::Blob(_) => BlobBinding::RawEvents,
            RawEventPointer::Prefix(_) => BlobBinding::RawEventsUnkeyed,
        }
    }
}

/// Azure's limits on what one output may hold: the one table of them, each with its source
/// (`docs/outputs-and-limits.md` §2 has the citations). Sizes are computed the way the service
/// computes them: table strings in UTF-16 code units, entities with the Table service's size
/// formula, queue messages as the base64 text the Queues extension really enqueues.
pub mod limits {
    /// A table string property: "up to 64 KiB" [docs: Table service data model], stored as
    /// UTF-16, so 32 768 code units.
    pub const TABLE_STRING_UTF16_UNITS: usize = 32 * 1024;
    /// A whole entity: 1 MiB [docs: Table service data model], computed with the service's
    /// formula `4 + 2·len(PartitionKey + RowKey) + Σ (8 + 2·len(name) + size(value))` [docs:
    /// Azure Storage team blog, "How the size of an entity is calculated"].
    pub const TABLE_ENTITY_BYTES: usize = 1024 * 1024;
    /// What we let an entity reach: 8 KiB below the limit. A measurement found the real ceiling
    /// 88 bytes under 1 MiB by that formula [obs: joelverhagen's entity-limits gist, 2021].
    pub const TABLE_ENTITY_BUDGET: usize = TABLE_ENTITY_BYTES - 8 * 1024;
    /// Properties per entity: 255 including `PartitionKey`, `RowKey` and `Timestamp` [docs].
    pub const TABLE_CUSTOM_PROPERTIES: usize = 252;
    /// A property name: up to 255 characters, C# identifier rules [docs].
    pub const TABLE_PROPERTY_NAME_CHARS: usize = 255;
    /// `PartitionKey` and `RowKey`: 1 KiB each, stored as UTF-16 [docs].
    pub const TABLE_KEY_UTF16_BYTES: usize = 1024;
    /// A queue message: 64 KiB of message text [docs: Queue service]; the service answers
    /// `413 RequestBodyTooLarge … MaxLimit: 65536` [obs].
    pub const QUEUE_MESSAGE_TEXT_BYTES: usize = 64 * 1024;
    /// The Queues extension 5.x base64-encodes every message by default (`QueuesOptions`
    /// `MessageEncoding = Base64` [code]), so what we may send is the largest payload whose
    /// base64 fits: 65 536 / 4 · 3 = 49 152 bytes of UTF-8.
    pub const QUEUE_MESSAGE_BYTES: usize = QUEUE_MESSAGE_TEXT_BYTES / 4 * 3;
    /// Room left free in an output that was cut, for the pointer to the raw event that the
    /// router adds afterwards (a blob path is at most 1 024 characters; ours are under 256).
    pub const POINTER_RESERVE_BYTES: usize = 2048;

    /// The length of the base64 text of `bytes` bytes (with padding), as the Queues extension
    /// enqueues it.
    pub const fn base64_len(bytes: usize) -> usize {
        bytes.div_ceil(3) * 4
    }
}

/// Why a key or an output value could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    #[error("{which} is empty")]
    EmptyKey { which: &'static str },
    #[error("{which} is {len} bytes (UTF-16) after escaping; Azure Tables allow at most 1024")]
    KeyTooLong { which: &'static str, len: usize },
    #[error("a queue message must be a JSON object")]
    NotAnObject,
    #[error("could not serialize the output: {0}")]
    Serialize(String),
    #[error("property name `{0}` is not a C# identifier of at most 255 characters")]
    BadPropertyName(String),
    #[error("{count} properties; an Azure Table entity holds at most 252")]
    TooManyProperties { count: usize },
    /// Even with every text cut to nothing the output would not fit (cannot happen for the rows
    /// and messages this crate builds: their other fields are small).
    #[error("{binding}: {size} bytes without any text, over the limit of {limit}")]
    TooLarge {
        binding: &'static str,
        size: usize,
        limit: usize,
    },
}

/// Maximum key size in Azure Table storage: 1 KiB, stored as UTF-16.
const MAX_KEY_UTF16_BYTES: usize = limits::TABLE_KEY_UTF16_BYTES;

/// Escapes a source id into a valid Azure Table key, reversibly: the characters Azure forbids in
/// keys (`/ \ # ?`, U+0000–U+001F, U+007F–U+009F) and `%` itself become `%XX` (UTF-8 bytes,
/// upper-case hex). Ids without those characters are unchanged, so keys stay readable.
pub fn escape_key(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for ch in source.chars() {
        if matches!(ch, '/' | '\\' | '#' | '?' | '%') || ch.is_control() {
            let mut buf = [0u8; 4];
            for byte in ch.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// Reverses [`escape_key`]. Text that is not a valid escape is kept as is.
pub fn unescape_key(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn hex_digit(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// A checked, escaped `PartitionKey` or `RowKey`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TableKey(String);

impl TableKey {
    /// Escapes `source` (see [`escape_key`]) and checks the size limit.
    pub fn new(which: &'static str, source: &str) -> Result<Self, OutputError> {
        if source.is_empty() {
            return Err(OutputError::EmptyKey { which });
        }
        let needs_escape = source
            .chars()
            .any(|ch| matches!(ch, '/' | '\\' | '#' | '?' | '%') || ch.is_control());
        let escaped = if needs_escape {
            escape_key(source)
        } else {
            source.to_owned()
        };
        let len = escaped.chars().map(char::len_utf16).sum::<usize>() * 2;
        if len > MAX_KEY_UTF16_BYTES {
            return Err(OutputError::KeyTooLong { which, len });
        }
        Ok(TableKey(escaped))
    }

    /// A UUID as a key: always valid (36 ASCII characters, none escaped).
    pub fn from_uuid(id: uuid::Uuid) -> Self {
        TableKey(id.hyphenated().to_string())
    }

    /// `-`: the key of a row that has no natural one (a refused outbox message without a
    /// usable `from`).
    pub fn placeholder() -> Self {
        TableKey("-".to_owned())
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Written on every entity so that the Tables extension upserts instead of inserting: an insert
/// of a row that exists fails with 409, which would fail the invocation and make Event Grid retry
/// a redelivered (or per-recipient) event for 24 hours. With the ETag `*` the extension's writer
/// replaces the row, and the client library drops the property before sending. Every row we
/// write is keyed by event content, so replacing it with the same content is exactly idempotent.
pub const UPSERT_ETAG: (&str, &str) = ("odata.etag", "*");

/// A property value of a table entity. Strings are borrowed where the caller has them, so
/// building an entity on the hot path allocates only what it must.
#[derive(Debug, Clone, PartialEq)]
pub enum Property<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Any other JSON value (written as is).
    Json(Value),
}

impl<'a> From<&'a str> for Property<'a> {
    fn from(value: &'a str) -> Self {
        Property::Str(Cow::Borrowed(value))
    }
}
impl<'a> From<&'a String> for Property<'a> {
    fn from(value: &'a String) -> Self {
        Property::Str(Cow::Borrowed(value))
    }
}
impl From<String> for Property<'_> {
    fn from(value: String) -> Self {
        Property::Str(Cow::Owned(value))
    }
}
impl<'a> From<Cow<'a, str>> for Property<'a> {
    fn from(value: Cow<'a, str>) -> Self {
        Property::Str(value)
    }
}
impl From<bool> for Property<'_> {
    fn from(value: bool) -> Self {
        Property::Bool(value)
    }
}
macro_rules! int_property {
    ($($t:ty),+) => {$(
        impl From<$t> for Property<'_> {
            fn from(value: $t) -> Self {
                Property::Int(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
    )+};
}
int_property!(i32, i64, u16, u32, u64, usize);
impl From<f64> for Property<'_> {
    fn from(value: f64) -> Self {
        Property::Float(value)
    }
}
impl From<Value> for Property<'_> {
    fn from(value: Value) -> Self {
        Property::Json(value)
    }
}

impl Serialize for Property<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Property::Str(text) => serializer.serialize_str(text),
            Property::Bool(value) => serializer.serialize_bool(*value),
            Property::Int(value) => serializer.serialize_i64(*value),
            Property::Float(value) => serializer.serialize_f64(*value),
            Property::Json(value) => value.serialize(serializer),
        }
    }
}

/// A row for a table output binding: keys plus properties, written as an upsert. Properties are
/// written sorted by name, so two code paths that build the same row produce the same bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct TableEntity<'a> {
    pub partition_key: TableKey,
    pub row_key: TableKey,
    pub properties: Vec<(&'static str, Property<'a>)>,
}

impl<'a> TableEntity<'a> {
    /// An entity with escaped, checked keys and no properties yet.
    pub fn new(partition_key: &str, row_key: &str) -> Result<Self, OutputError> {
        Ok(TableEntity {
            partition_key: TableKey::new("PartitionKey", partition_key)?,
            row_key: TableKey::new("RowKey", row_key)?,
            properties: Vec::with_capacity(12),
        })
    }

    /// An entity with keys that were built (and checked) already.
    pub fn from_keys(partition_key: TableKey, row_key: TableKey) -> Self {
        TableEntity {
            partition_key,
            row_key,
            properties: Vec::with_capacity(12),
        }
    }

    /// Sets a property (builder style); setting a name twice keeps the last value.
    pub fn with(mut self, name: &'static str, value: impl Into<Property<'a>>) -> Self {
        let value = value.into();
        match self.properties.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.properties.push((name, value)),
        }
        self
    }

    /// Sets a property when there is a value.
    pub fn with_opt(self, name: &'static str, value: Option<impl Into<Property<'a>>>) -> Self {
        match value {
            Some(value) => self.with(name, value),
            None => self,
        }
    }

    /// A property by name.
    pub fn get(&self, name: &str) -> Option<&Property<'a>> {
        self.properties
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }
}

/// How one property of an entity is written: the value (a string maybe cut short) and whether
/// it was cut.
struct Written<'e, 'a> {
    name: &'static str,
    value: WrittenValue<'e, 'a>,
}

enum WrittenValue<'e, 'a> {
    Str { text: &'e str, cut: bool },
    Other(&'e Property<'a>),
}

/// The entity as it will be written: properties sorted by name (two code paths that build the
/// same row produce the same bytes), every string within [`limits::TABLE_STRING_UTF16_UNITS`],
/// and the whole within [`limits::TABLE_ENTITY_BUDGET`]. Cut strings are flagged with a
/// `<Name>Truncated: true` property.
struct FittedEntity<'e, 'a> {
    partition_key: &'e TableKey,
    row_key: &'e TableKey,
    properties: Vec<Written<'e, 'a>>,
}

/// The UTF-16 length of `text` (what Azure Tables count).
fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `text` of at most `max_units` UTF-16 code units, cut on a character
/// boundary (a surrogate pair is never split).
fn prefix_utf16(text: &str, max_units: usize) -> &str {
    let mut units = 0;
    for (at, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > max_units {
            return text.get(..at).unwrap_or_default();
        }
    }
    text
}

/// Azure's C# identifier rule for property names, in its ASCII form (all our names are ASCII).
fn valid_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= limits::TABLE_PROPERTY_NAME_CHARS
}

/// The suffix of the flag that says a text was cut: `BodyTruncated`, `messageTruncated`.
const TRUNCATED_SUFFIX: &str = "Truncated";

impl<'e, 'a> FittedEntity<'e, 'a> {
    fn size_of(&self) -> usize {
        let keys = utf16_len(self.partition_key.as_str()) + utf16_len(self.row_key.as_str());
        let mut size = 4 + 2 * keys;
        for property in &self.properties {
            let name = 2 * property.name.len();
            size += 8 + name;
            size += match &property.value {
                WrittenValue::Str { text, cut } => {
                    let flag = if *cut {
                        8 + name + 2 * TRUNCATED_SUFFIX.len() + 1
                    } else {
                        0
                    };
                    4 + 2 * utf16_len(text) + flag
                }
                WrittenValue::Other(Property::Bool(_)) => 1,
                WrittenValue::Other(Property::Int(_)) | WrittenValue::Other(Property::Float(_)) => {
                    8
                }
                // Stringified by the Tables extension (indented): count it generously.
                WrittenValue::Other(other) => {
                    4 + 4 * serde_json::to_string(other).map_or(0, |t| t.len())
                }
            };
        }
        size
    }

    /// [`FittedEntity::size_of`] with every text's UTF-8 length in place of its UTF-16 length:
    /// never smaller (a character takes at least as many bytes as UTF-16 units), and O(1) per
    /// property.
    fn size_bound(&self) -> usize {
        let keys = self.partition_key.as_str().len() + self.row_key.as_str().len();
        let mut size = 4 + 2 * keys;
        for property in &self.properties {
            size += 8 + 2 * property.name.len();
            size += match &property.value {
                WrittenValue::Str { text, .. } => 4 + 2 * text.len(),
                WrittenValue::Other(Property::Bool(_)) => 1,
                WrittenValue::Other(Property::Int(_)) | WrittenValue::Other(Property::Float(_)) => {
                    8
                }
                WrittenValue::Other(other) => {
                    4 + 4 * serde_json::to_string(other).map_or(0, |t| t.len())
                }
            };
        }
        size
    }

    fn fit(entity: &'e TableEntity<'a>) -> Result<(Self, bool), OutputError> {
        let mut properties: Vec<Written<'e, 'a>> = Vec::with_capacity(entity.properties.len());
        for (name, value) in &entity.properties {
            if *name == UPSERT_ETAG.0 {
                continue;
            }
            if !valid_property_name(name)
                || name.len() + TRUNCATED_SUFFIX.len() > limits::TABLE_PROPERTY_NAME_CHARS
            {
                return Err(OutputError::BadPropertyName((*name).to_owned()));
            }
            let value = match value {
                // A string has at most as many UTF-16 units as bytes: short ones need no count.
                Property::Str(text) if text.len() <= limits::TABLE_STRING_UTF16_UNITS => {
                    WrittenValue::Str { text, cut: false }
                }
                Property::Str(text) => {
                    let cut = prefix_utf16(text, limits::TABLE_STRING_UTF16_UNITS);
                    WrittenValue::Str {
                        text: cut,
                        cut: cut.len() < text.len(),
                    }
                }
                other => WrittenValue::Other(other),
            };
            properties.push(Written { name, value });
        }
        properties.sort_unstable_by_key(|p| p.name);
        let mut fitted = FittedEntity {
            partition_key: &entity.partition_key,
            row_key: &entity.row_key,
            properties,
        };
        let mut truncated = fitted.is_cut();
        // Bytes bound UTF-16 units from above, so an entity whose bound fits needs no exact size.
        let mut size = if truncated {
            fitted.size_of()
        } else {
            fitted.size_bound()
        };
        if size > limits::TABLE_ENTITY_BUDGET {
            size = fitted.size_of();
        }
        if size > limits::TABLE_ENTITY_BUDGET || truncated {
            let target = limits::TABLE_ENTITY_BUDGET - limits::POINTER_RESERVE_BYTES;
            while size > target {
                // Shorten the longest text by the excess (2 bytes per UTF-16 unit), flag it.
                let longest = fitted
                    .properties
                    .iter_mut()
                    .filter_map(|p| match &mut p.value {
                        WrittenValue::Str { text, cut } if !text.is_empty() => Some((text, cut)),
                        _ => None,
                    })
                    .max_by_key(|(text, _)| text.len());
                let Some((text, cut)) = longest else {
                    return Err(OutputError::TooLarge {
                        binding: "table entity",
                        size,
                        limit: target,
                    });
                };
                let units = utf16_len(text);
                let excess_units = (size - target).div_ceil(2) + TRUNCATED_SUFFIX.len() + 16;
                *text = prefix_utf16(text, units.saturating_sub(excess_units));
                *cut = true;
                truncated = true;
                size = fitted.size_of();
            }
        }
        // Each cut text adds its flag, and a cut entity gets the pointer to its raw event.
        let count = fitted.properties.len()
            + fitted.properties.iter().filter(|p| p.is_cut()).count()
            + usize::from(truncated);
        if count > limits::TABLE_CUSTOM_PROPERTIES {
            return Err(OutputError::TooManyProperties { count });
        }
        Ok((fitted, truncated))
    }

    fn is_cut(&self) -> bool {
        self.properties.iter().any(Written::is_cut)
    }
}

impl Written<'_, '_> {
    fn is_cut(&self) -> bool {
        matches!(self.value, WrittenValue::Str { cut: true, .. })
    }
}

impl Serialize for FittedEntity<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("PartitionKey", self.partition_key)?;
        map.serialize_entry("RowKey", self.row_key)?;
        for property in &self.properties {
            match &property.value {
                WrittenValue::Str { text, cut } => {
                    map.serialize_entry(property.name, text)?;
                    if *cut {
                        map.serialize_entry(
                            &format_args!("{}{TRUNCATED_SUFFIX}", property.name),
                            &true,
                        )?;
                    }
                }
                WrittenValue::Other(value) => map.serialize_entry(property.name, value)?,
            }
        }
        map.serialize_entry(UPSERT_ETAG.0, UPSERT_ETAG.1)?;
        map.end()
    }
}

impl Serialize for TableEntity<'_> {
    /// As [`Output::entity`] writes it, limits applied; an entity that cannot be fitted fails.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FittedEntity::fit(self)
            .map_err(serde::ser::Error::custom)?
            .0
            .serialize(serializer)
    }
}

/// What kind of binding an output is for: it decides how the value is encoded in the reply and
/// how the pointer to a raw event is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    Queue,
    Blob,
}

/// One value for one output binding, serialized once when built, within Azure's limits.
///
/// It is kept in the form the reply needs: the item's JSON text already escaped as the inside
/// of a JSON string ([`Embedded`] writes it that way in the same pass that serializes it), so
/// writing the reply only copies bytes. `len` is the length of the JSON text itself, what the
/// extension writes and what the limits apply to.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    binding: &'static str,
    kind: Kind,
    escaped: String,
    len: usize,
    truncated: bool,
}

/// A serde_json formatter that writes JSON text escaped for embedding in a JSON string: each
/// `"` of the text as `\"`, each escape sequence with its backslash escaped, everything else as
/// is. `extra` counts the bytes it adds, so the plain length is `written - extra`.
struct Embedded<'c> {
    extra: &'c std::cell::Cell<usize>,
}

impl Embedded<'_> {
    fn add(&self, bytes: usize) {
        self.extra.set(self.extra.get() + bytes);
    }
}

impl serde_json::ser::Formatter for Embedded<'_> {
    fn begin_string<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.add(1);
        writer.write_all(b"\\\"")
    }

    fn end_string<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        self.add(1);
        writer.write_all(b"\\\"")
    }

    fn write_char_escape<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CharEscape;
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let (text, extra): (&[u8], usize) = match escape {
            CharEscape::Quote => (b"\\\\\\\"", 2),
            CharEscape::ReverseSolidus => (b"\\\\\\\\", 2),
            CharEscape::Solidus => (b"\\\\/", 1),
            CharEscape::Backspace => (b"\\\\b", 1),
            CharEscape::FormFeed => (b"\\\\f", 1),
            CharEscape::LineFeed => (b"\\\\n", 1),
            CharEscape::CarriageReturn => (b"\\\\r", 1),
            CharEscape::Tab => (b"\\\\t", 1),
            CharEscape::AsciiControl(byte) => {
                self.add(1);
                return writer.write_all(&[
                    b'\\',
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]);
            }
        };
        self.add(extra);
        writer.write_all(text)
    }

    fn write_raw_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut escaped = Vec::with_capacity(fragment.len() + 8);
        write_json_string_body(fragment, &mut escaped);
        self.add(escaped.len() - fragment.len());
        writer.write_all(&escaped)
    }
}

/// Serializes `value` straight into the embedded form (see [`Output`]): the escaped text and
/// the length of the plain JSON text.
fn embedded<T: Serialize + ?Sized>(value: &T) -> Result<(String, usize), OutputError> {
    let extra = std::cell::Cell::new(0);
    let mut buffer = Vec::with_capacity(256);
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut buffer, Embedded { extra: &extra });
    value
        .serialize(&mut serializer)
        .map_err(|e| OutputError::Serialize(e.to_string()))?;
    let len = buffer.len() - extra.get();
    // The formatter writes only what serde_json writes plus ASCII escapes: valid UTF-8.
    String::from_utf8(buffer)
        .map(|text| (text, len))
        .map_err(|e| OutputError::Serialize(e.to_string()))
}

/// Plain JSON text (ours) in the embedded form.
fn embed_text(text: &str) -> String {
    let mut escaped = Vec::with_capacity(text.len() + text.len() / 6);
    write_json_string_body(text, &mut escaped);
    String::from_utf8(escaped).unwrap_or_default()
}

/// The length `text` takes as a JSON string body, as serde_json writes it.
fn json_escaped_len(ch: char) -> usize {
    match ch {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// The longest prefix of `text` whose JSON-escaped length is at most `max`.
fn prefix_escaped(text: &str, max: usize) -> &str {
    let mut len = 0;
    for (at, ch) in text.char_indices() {
        len += json_escaped_len(ch);
        if len > max {
            return text.get(..at).unwrap_or_default();
        }
    }
    text
}

/// Cuts a queue message (a JSON object we serialized) until its text fits `target` bytes: the
/// longest string field is shortened, any other oversized field is left out; either way a
/// `<field>Truncated: true` says so. Only runs for messages over the limit, so the hot path
/// never parses.
fn fit_message(binding: &'static str, text: &str, target: usize) -> Result<String, OutputError> {
    let mut object: serde_json::Map<String, Value> =
        serde_json::from_str(text).map_err(|e| OutputError::Serialize(e.to_string()))?;
    loop {
        let serialized =
            serde_json::to_string(&object).map_err(|e| OutputError::Serialize(e.to_string()))?;
        if serialized.len() <= target {
            return Ok(serialized);
        }
        let excess = serialized.len() - target;
        let largest = object
            .iter()
            .filter(|(name, _)| !name.ends_with(TRUNCATED_SUFFIX))
            .map(|(name, value)| {
                let size = match value {
                    Value::String(s) => s.len(),
                    Value::Null | Value::Bool(_) | Value::Number(_) => 0,
                    other => serde_json::to_string(other).map_or(0, |t| t.len()),
                };
                (name.clone(), size)
            })
            .filter(|(_, size)| *size > 0)
            .max_by_key(|(_, size)| *size);
        let Some((name, _)) = largest else {
            return Err(OutputError::TooLarge {
                binding,
                size: serialized.len(),
                limit: target,
            });
        };
        let flag_cost = name.len() + TRUNCATED_SUFFIX.len() + 10;
        match object.get_mut(&name) {
            Some(Value::String(s)) => {
                let escaped: usize = s.chars().map(json_escaped_len).sum();
                let keep = prefix_escaped(s, escaped.saturating_sub(excess + flag_cost)).len();
                s.truncate(keep);
            }
            _ => {
                object.remove(&name);
            }
        }
        object.insert(format!("{name}{TRUNCATED_SUFFIX}"), Value::Bool(true));
    }
}

impl Output {
    /// A row for a table binding, with every limit of [`limits`] applied (see [`FittedEntity`]);
    /// [`Output::truncated`] says whether a text was cut.
    pub fn entity(binding: TableBinding, entity: &TableEntity) -> Result<Output, OutputError> {
        let (fitted, truncated) = FittedEntity::fit(entity)?;
        let (escaped, len) = embedded(&fitted)?;
        Ok(Output {
            binding: binding.name(),
            kind: Kind::Table,
            escaped,
            len,
            truncated,
        })
    }

    /// A message for a queue binding; `message` must serialize to a JSON object (the host would
    /// turn a bare string into binary or a date). A message over [`limits::QUEUE_MESSAGE_BYTES`]
    /// is cut to fit, and [`Output::truncated`] says so.
    pub fn message<T: Serialize + ?Sized>(
        binding: QueueBinding,
        message: &T,
    ) -> Result<Output, OutputError> {
        let (escaped, len) = embedded(message)?;
        // An object's embedded text starts with its `{` (only strings are escaped).
        if !escaped.starts_with('{') {
            return Err(OutputError::NotAnObject);
        }
        if len <= limits::QUEUE_MESSAGE_BYTES {
            return Ok(Output {
                binding: binding.name(),
                kind: Kind::Queue,
                escaped,
                len,
                truncated: false,
            });
        }
        // Over the limit (rare): cut the plain text, then embed it.
        let plain =
            serde_json::to_string(message).map_err(|e| OutputError::Serialize(e.to_string()))?;
        let target = limits::QUEUE_MESSAGE_BYTES - limits::POINTER_RESERVE_BYTES;
        let fitted = fit_message(binding.name(), &plain, target)?;
        Ok(Output {
            binding: binding.name(),
            kind: Kind::Queue,
            escaped: embed_text(&fitted),
            len: fitted.len(),
            truncated: true,
        })
    }

    /// A blob for a blob binding: `json` is written byte for byte. It must be a JSON object or
    /// array: the host tries to base64-decode every other string it is given for a binding, and
    /// text starting with `{` or `[` is never valid base64.
    pub fn blob(binding: BlobBinding, json: String) -> Result<Output, OutputError> {
        if !matches!(json.as_bytes().first(), Some(b'{' | b'[')) {
            return Err(OutputError::NotAnObject);
        }
        Ok(Output {
            binding: binding.name(),
            kind: Kind::Blob,
            escaped: embed_text(&json),
            len: json.len(),
            truncated: false,
        })
    }

    /// Adds the pointer to the raw event to a row or message that was cut (`RawEventBlob` /
    /// `rawEventBlob`, or `…BlobPrefix` when the host names the blob). Room for it was kept
    /// free when the output was cut ([`limits::POINTER_RESERVE_BYTES`]).
    pub fn point_to_raw_event(&mut self, pointer: &RawEventPointer) -> Result<(), OutputError> {
        let (field, path) = match (self.kind, pointer) {
            (Kind::Table, RawEventPointer::Blob(path)) => ("RawEventBlob", path.as_str()),
            (Kind::Table, RawEventPointer::Prefix(prefix)) => ("RawEventBlobPrefix", *prefix),
            (Kind::Queue, RawEventPointer::Blob(path)) => ("rawEventBlob", path.as_str()),
            (Kind::Queue, RawEventPointer::Prefix(prefix)) => ("rawEventBlobPrefix", *prefix),
            (Kind::Blob, _) => return Ok(()),
        };
        let Some(body) = self.escaped.strip_suffix('}') else {
            return Err(OutputError::NotAnObject);
        };
        let separator = if body.ends_with('{') { "" } else { "," };
        let member = format!(
            "{separator}\"{field}\":{}",
            serde_json::to_string(path).map_err(|e| OutputError::Serialize(e.to_string()))?
        );
        self.len += member.len();
        self.escaped = format!("{body}{}}}", embed_text(&member));
        Ok(())
    }

    /// The binding name this value is for.
    pub fn binding(&self) -> &'static str {
        self.binding
    }

    /// The serialized value (a JSON object for rows and messages; the blob's JSON text), as
    /// the extension receives it. Decoded from the embedded form: for tests and tools, not the
    /// hot path.
    pub fn value(&self) -> Box<RawValue> {
        serde_json::from_str::<String>(&format!("\"{}\"", self.escaped))
            .ok()
            .and_then(|text| RawValue::from_string(text).ok())
            .unwrap_or_else(|| serde_json::value::to_raw_value(&()).unwrap_or_default())
    }

    /// The length of the JSON text the extension receives.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the JSON text is empty (never: it is an object, an array or a blob's JSON).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a text of this output was cut to fit Azure's limits.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

/// Outputs grouped by binding name, in first-seen order: `{"smsMessages": ["{…}", …], ...}`,
/// the shape the host splits into one row or message per array element. Each row and message is
/// a JSON string holding its JSON text (see the module docs for why); a blob binding gets its
/// one value as a bare string.
pub struct GroupedOutputs<'a> {
    outputs: &'a [Output],
    extra: Option<&'a Output>,
}

impl<'a> GroupedOutputs<'a> {
    /// `outputs`, then `extra` (the invocation's raw-event blob).
    pub fn with_extra(outputs: &'a [Output], extra: Option<&'a Output>) -> Self {
        GroupedOutputs { outputs, extra }
    }

    fn all(&self) -> impl Iterator<Item = &'a Output> + 'a {
        self.outputs.iter().chain(self.extra)
    }
}

impl Serialize for GroupedOutputs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Items<'g, 'a>(&'g GroupedOutputs<'a>, &'static str);
        impl Serialize for Items<'_, '_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(
                    self.0
                        .all()
                        .filter(|o| o.binding == self.1)
                        .map(|o| o.value().get().to_owned()),
                )
            }
        }
        let mut names: Vec<(&'static str, Kind)> = Vec::new();
        for output in self.all() {
            if !names.iter().any(|(n, _)| *n == output.binding) {
                names.push((output.binding, output.kind));
            }
        }
        let mut map = serializer.serialize_map(Some(names.len()))?;
        for (name, kind) in names {
            match kind {
                // One value: the first (an invocation builds exactly one per blob binding).
                Kind::Blob => {
                    if let Some(blob) = self.all().find(|o| o.binding == name) {
                        map.serialize_entry(name, blob.value().get())?;
                    }
                }
                Kind::Table | Kind::Queue => map.serialize_entry(name, &Items(self, name))?,
            }
        }
        map.end()
    }
}

impl GroupedOutputs<'_> {
    /// Writes the same JSON as the `Serialize` impl, faster: every item is JSON text that has
    /// to be escaped into a JSON string, and serde_json's string writer costs about 1 ns a
    /// byte here (three times the rest of the reply). The `Serialize` impl stays as the
    /// reference the tests compare this with.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut names: Vec<(&'static str, Kind)> = Vec::new();
        for output in self.all() {
            if !names.iter().any(|(n, _)| *n == output.binding) {
                names.push((output.binding, output.kind));
            }
        }
        out.reserve(self.all().map(|o| o.escaped.len() + 4).sum::<usize>() + 24 * names.len());
        out.push(b'{');
        for (i, (name, kind)) in names.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_string(name, out);
            out.push(b':');
            match kind {
                Kind::Blob => {
                    if let Some(blob) = self.all().find(|o| o.binding == name) {
                        write_embedded(&blob.escaped, out);
                    }
                }
                Kind::Table | Kind::Queue => {
                    out.push(b'[');
                    for (j, item) in self.all().filter(|o| o.binding == name).enumerate() {
                        if j > 0 {
                            out.push(b',');
                        }
                        write_embedded(&item.escaped, out);
                    }
                    out.push(b']');
                }
            }
        }
        out.push(b'}');
    }
}

/// Which bytes [`write_json_string`] escapes: `"`, `\\` and the control characters (the
/// same set as serde_json).
const NEEDS_ESCAPE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// `text` as a JSON string, escaped as serde_json escapes it (`"`, `\\`, and the control
/// characters; everything else as is). The hot path of every reply: the runs between escapes
/// are found with a table lookup per byte and copied whole.
fn write_json_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    write_json_string_body(text, out);
    out.push(b'"');
}

/// An output's embedded text as a JSON string: already escaped, so only quoted.
fn write_embedded(escaped: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(escaped.as_bytes());
    out.push(b'"');
}

/// [`write_json_string`] without the quotes.
fn write_json_string_body(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !NEEDS_ESCAPE[usize::from(byte)] {
            i += 1;
            continue;
        }
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
}

/// The raw events an invocation keeps whole, because an output of theirs was cut or their dead
/// letter would not fit, and the one blob that holds them.
///
/// A blob output binding takes one value per invocation, and its path can use only the host's
/// binding data. So: when the invocation carries one event whose id the host can put into the
/// path (`rawEvents`, `acs-events-raw/{id}.json`), the blob is that event, byte for byte, and a
/// redelivery overwrites it with the same bytes. Otherwise (a batch, an id that is not a plain
/// blob name, a host that did not resolve `{id}`) the events go to `rawEventsUnkeyed`
/// (`acs-events-raw/unkeyed/{rand-guid}.json`) as one JSON array, and a redelivery writes
/// another blob. `docs/outputs-and-limits.md` §4 has the evidence.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RawArchive {
    /// Set for a one-event invocation whose id the host resolves in the blob path.
    keyed: Option<RawEventPointer>,
    events: Vec<Box<str>>,
}

impl RawArchive {
    /// An archive whose blob is named by the (only) event's id.
    pub fn keyed(pointer: RawEventPointer) -> Self {
        RawArchive {
            keyed: Some(pointer),
            events: Vec::new(),
        }
    }

    /// Keeps `raw` (one event's JSON text) and returns the pointer its outputs carry.
    pub fn keep(&mut self, raw: &str) -> RawEventPointer {
        self.events.push(raw.into());
        match &self.keyed {
            Some(pointer) if self.events.len() == 1 => pointer.clone(),
            _ => RawEventPointer::Prefix(UNKEYED_PREFIX),
        }
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no event is kept.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The blob output, if any event is kept.
    pub fn output(&self) -> Option<Result<Output, OutputError>> {
        match (&self.keyed, self.events.as_slice()) {
            (_, []) => None,
            (Some(pointer), [only]) => Some(Output::blob(pointer.binding(), only.to_string())),
            _ => {
                let mut array = String::with_capacity(
                    2 + self.events.iter().map(|e| e.len() + 1).sum::<usize>(),
                );
                array.push('[');
                for (i, event) in self.events.iter().enumerate() {
                    if i > 0 {
                        array.push(',');
                    }
                    array.push_str(event);
                }
                array.push(']');
                Some(Output::blob(BlobBinding::RawEventsUnkeyed, array))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_escape_forbidden_characters_reversibly() {
        let source = "19:abc/def\\g#h?i%j\u{1}k\u{85}l@thread.v2";
        let key = TableKey::new("RowKey", source).unwrap();
        for forbidden in ['/', '\\', '#', '?', '\u{1}', '\u{85}'] {
            assert!(!key.as_str().contains(forbidden), "{}", key.as_str());
        }
        assert_eq!(unescape_key(key.as_str()), source);
        // Ordinary ids are unchanged.
        assert_eq!(escape_key("8:acs:abc_123"), "8:acs:abc_123");
    }

    #[test]
    fn keys_are_checked_for_size_and_emptiness() {
        assert_eq!(
            TableKey::new("RowKey", ""),
            Err(OutputError::EmptyKey { which: "RowKey" })
        );
        assert!(TableKey::new("RowKey", &"a".repeat(512)).is_ok());
        assert!(matches!(
            TableKey::new("RowKey", &"a".repeat(513)),
            Err(OutputError::KeyTooLong { .. })
        ));
        // Escaping counts: 200 slashes become 600 characters.
        assert!(matches!(
            TableKey::new("PartitionKey", &"/".repeat(200)),
            Err(OutputError::KeyTooLong { .. })
        ));
    }

    #[test]
    fn entities_and_messages_serialize_for_the_host() {
        let entity = TableEntity::new("+15555555555", "m/1")
            .unwrap()
            .with("Direction", "inbound")
            .with_opt("SegmentCount", None::<i32>);
        let out = Output::entity(TableBinding::SmsMessages, &entity).unwrap();
        assert_eq!(out.binding(), "smsMessages");
        assert!(!out.truncated());
        assert_eq!(
            out.value().get(),
            r#"{"PartitionKey":"+15555555555","RowKey":"m%2F1","Direction":"inbound","odata.etag":"*"}"#
        );
        assert_eq!(
            Output::message(QueueBinding::SmsInbox, "text").unwrap_err(),
            OutputError::NotAnObject
        );

        let msg = Output::message(QueueBinding::DeadLetter, &serde_json::json!({"a": 1})).unwrap();
        let blob = Output::blob(BlobBinding::RawEvents, r#"{"id":"e"}"#.to_owned()).unwrap();
        let all = [out.clone(), msg, out];
        let grouped =
            serde_json::to_string(&GroupedOutputs::with_extra(&all, Some(&blob))).unwrap();
        // Rows and messages are JSON strings holding their JSON text; a blob is one string.
        let value: Value = serde_json::from_str(&grouped).unwrap();
        assert_eq!(value["smsMessages"].as_array().unwrap().len(), 2);
        assert_eq!(
            value["smsMessages"][0].as_str(),
            Some(all[0].value().get()),
            "{grouped}"
        );
        assert_eq!(value["deadLetter"][0], r#"{"a":1}"#, "{grouped}");
        assert_eq!(value["rawEvents"], r#"{"id":"e"}"#, "{grouped}");
        assert!(
            grouped.starts_with(r#"{"smsMessages":["{\"PartitionKey"#),
            "{grouped}"
        );
    }

    fn text_of(output: &Output, field: &str) -> String {
        let value: Value = serde_json::from_str(output.value().get()).unwrap();
        value[field].as_str().unwrap_or_default().to_owned()
    }

    fn flag(output: &Output, field: &str) -> bool {
        let value: Value = serde_json::from_str(output.value().get()).unwrap();
        value[field] == Value::Bool(true)
    }

    /// The entity size by the Table service's formula, from the JSON the extension receives.
    fn entity_size(output: &Output) -> usize {
        let value: serde_json::Map<String, Value> =
            serde_json::from_str(output.value().get()).unwrap();
        let mut size = 4;
        for (name, v) in &value {
            let len = |s: &str| s.encode_utf16().count();
            match name.as_str() {
                "PartitionKey" | "RowKey" => size += 2 * len(v.as_str().unwrap()),
                "odata.etag" => {}
                _ => {
                    size += 8 + 2 * len(name);
                    size += match v {
                        Value::String(s) => 4 + 2 * len(s),
                        Value::Bool(_) => 1,
                        _ => 8,
                    };
                }
            }
        }
        size
    }

    #[test]
    fn the_fast_writer_writes_what_serde_json_writes() {
        let tricky = "q\"b\\n\n r\r t\t \u{0}\u{8}\u{c}\u{1f}\u{7f} é 😀 \u{2028} </script>";
        let message =
            Output::message(QueueBinding::SmsInbox, &serde_json::json!({"m": tricky})).unwrap();
        let entity = TableEntity::new("p\"k", "r").unwrap().with("Body", tricky);
        let row = Output::entity(TableBinding::SmsMessages, &entity).unwrap();
        let blob = Output::blob(
            BlobBinding::RawEvents,
            format!(
                "{{\n\t\"x\": {}\n}}",
                serde_json::to_string(tricky).unwrap()
            ),
        )
        .unwrap();
        for (outputs, extra) in [
            (vec![], None),
            (vec![row.clone()], None),
            (vec![row.clone(), message.clone(), row], Some(&blob)),
            (vec![message], Some(&blob)),
        ] {
            for output in outputs.iter().chain(extra) {
                assert_eq!(output.len(), output.value().get().len(), "the plain length");
            }
            let grouped = GroupedOutputs::with_extra(&outputs, extra);
            let mut fast = Vec::new();
            grouped.write_json(&mut fast);
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&grouped).unwrap()
            );
        }
    }

    #[test]
    fn long_table_strings_are_cut_on_a_character_boundary_and_flagged() {
        let ascii = "A".repeat(61_440);
        let emoji = "😀".repeat(17_000); // 34 000 UTF-16 units
        let huge = "é".repeat(900_000);
        for (name, text) in [("ascii", &ascii), ("emoji", &emoji), ("huge", &huge)] {
            let entity = TableEntity::new("p", "r")
                .unwrap()
                .with("Body", text.as_str());
            let out = Output::entity(TableBinding::ChatMessages, &entity).unwrap();
            assert!(out.truncated(), "{name}");
            let body = text_of(&out, "Body");
            assert!(
                body.encode_utf16().count() <= limits::TABLE_STRING_UTF16_UNITS,
                "{name}"
            );
            assert!(text.starts_with(&body), "{name}: a prefix of the original");
            assert!(flag(&out, "BodyTruncated"), "{name}");
            assert!(entity_size(&out) <= limits::TABLE_ENTITY_BUDGET, "{name}");
        }
        // 16 384 emoji fill the 32 768 units exactly; no surrogate is split.
        let entity = TableEntity::new("p", "r")
            .unwrap()
            .with("Body", emoji.as_str());
        let out = Output::entity(TableBinding::ChatMessages, &entity).unwrap();
        assert_eq!(text_of(&out, "Body").chars().count(), 16_384);
        // A text at the limit is not cut.
        let exact = "x".repeat(limits::TABLE_STRING_UTF16_UNITS);
        let entity = TableEntity::new("p", "r")
            .unwrap()
            .with("Body", exact.as_str());
        assert!(!Output::entity(TableBinding::ChatMessages, &entity)
            .unwrap()
            .truncated());
    }

    #[test]
    fn many_long_strings_keep_the_entity_under_one_mebibyte() {
        const NAMES: [&str; 40] = [
            "P00", "P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11",
            "P12", "P13", "P14", "P15", "P16", "P17", "P18", "P19", "P20", "P21", "P22", "P23",
            "P24", "P25", "P26", "P27", "P28", "P29", "P30", "P31", "P32", "P33", "P34", "P35",
            "P36", "P37", "P38", "P39",
        ];
        let text = "t".repeat(30_000);
        let mut entity = TableEntity::new("p", "r").unwrap().with("Count", 7i64);
        for name in NAMES {
            entity = entity.with(name, text.as_str());
        }
        let out = Output::entity(TableBinding::ChatThreads, &entity).unwrap();
        assert!(out.truncated());
        let size = entity_size(&out);
        assert!(
            size <= limits::TABLE_ENTITY_BUDGET - limits::POINTER_RESERVE_BYTES,
            "{size}"
        );
        // Room was kept for the pointer, and adding it keeps the entity within the budget.
        let mut out = out;
        out.point_to_raw_event(&RawEventPointer::keyed("e-1").unwrap())
            .unwrap();
        assert!(entity_size(&out) <= limits::TABLE_ENTITY_BUDGET);
        assert_eq!(text_of(&out, "RawEventBlob"), "acs-events-raw/e-1.json");
        let value: Value = serde_json::from_str(out.value().get()).unwrap();
        assert_eq!(value["Count"], 7);
        assert_eq!(value["odata.etag"], "*");
    }

    #[test]
    fn property_names_and_counts_are_checked() {
        for bad in ["odata-type", "1st", "", "a b"] {
            let entity = TableEntity::new("p", "r").unwrap().with(bad, "x");
            assert!(
                matches!(
                    Output::entity(TableBinding::SmsMessages, &entity),
                    Err(OutputError::BadPropertyName(_))
                ),
                "{bad:?}"
            );
        }
        let names: Vec<&'static str> = (0..253)
            .map(|i| &*Box::leak(format!("P{i}").into_boxed_str()))
            .collect();
        let mut entity = TableEntity::new("p", "r").unwrap();
        for name in &names {
            entity = entity.with(name, 1i64);
        }
        assert_eq!(
            Output::entity(TableBinding::SmsMessages, &entity).unwrap_err(),
            OutputError::TooManyProperties { count: 253 }
        );
    }

    #[test]
    fn long_queue_messages_fit_after_base64_and_say_what_was_cut() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Inbox<'a> {
            message_id: &'a str,
            message: &'a str,
            attempts: Vec<u32>,
        }
        let cases = [
            ("60 KB", "B".repeat(61_440), 1),
            ("900 KB", "B".repeat(921_600), 1),
            ("escapes", "\u{1}\"".repeat(20_000), 1),
            ("emoji", "😀".repeat(17_000), 1),
            ("big array", "short".to_owned(), 20_000),
        ];
        for (name, text, attempts) in cases {
            let message = Inbox {
                message_id: "m1",
                message: &text,
                attempts: vec![123_456; attempts],
            };
            let mut out = Output::message(QueueBinding::SmsInbox, &message).unwrap();
            assert!(out.truncated(), "{name}");
            let len = out.value().get().len();
            assert!(
                len <= limits::QUEUE_MESSAGE_BYTES - limits::POINTER_RESERVE_BYTES,
                "{name}: {len}"
            );
            assert!(
                limits::base64_len(len) <= limits::QUEUE_MESSAGE_TEXT_BYTES,
                "{name}"
            );
            assert_eq!(
                text_of(&out, "messageId"),
                "m1",
                "{name}: small fields kept"
            );
            if attempts > 1 {
                assert!(flag(&out, "attemptsTruncated"), "{name}");
            } else {
                assert!(flag(&out, "messageTruncated"), "{name}");
                assert!(text.starts_with(&text_of(&out, "message")), "{name}");
            }
            out.point_to_raw_event(&RawEventPointer::Prefix(UNKEYED_PREFIX))
                .unwrap();
            assert_eq!(text_of(&out, "rawEventBlobPrefix"), UNKEYED_PREFIX);
            assert!(
                limits::base64_len(out.value().get().len()) <= limits::QUEUE_MESSAGE_TEXT_BYTES
            );
        }
        // At the limit: untouched.
        let fits = serde_json::json!({"message": "x".repeat(limits::QUEUE_MESSAGE_BYTES - 14)});
        let out = Output::message(QueueBinding::SmsInbox, &fits).unwrap();
        assert_eq!(out.value().get().len(), limits::QUEUE_MESSAGE_BYTES);
        assert!(!out.truncated());
        assert_eq!(limits::base64_len(limits::QUEUE_MESSAGE_BYTES), 65_536);
        assert_eq!(limits::base64_len(limits::QUEUE_MESSAGE_BYTES + 1), 65_540);
    }

    #[test]
    fn keyed_pointers_only_for_plain_blob_names() {
        assert_eq!(
            RawEventPointer::keyed("5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01"),
            Some(RawEventPointer::Blob(
                "acs-events-raw/5b8f3c2e-1f2d-4a5e-9c1b-2f7f0b6f1a01.json".into()
            ))
        );
        for bad in ["", "a/b", "a?b", "x.", "..", "é", &"a".repeat(201)] {
            assert_eq!(RawEventPointer::keyed(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_archive_is_one_event_verbatim_or_an_array() {
        let mut keyed = RawArchive::keyed(RawEventPointer::keyed("e1").unwrap());
        assert!(keyed.output().is_none());
        let raw = r#"{"id":"e1","data":{"t":"2026-01-01T10:00:00+02:00"}}"#;
        assert_eq!(keyed.keep(raw), RawEventPointer::keyed("e1").unwrap());
        let blob = keyed.output().unwrap().unwrap();
        assert_eq!((blob.binding(), blob.value().get()), ("rawEvents", raw));

        let mut unkeyed = RawArchive::default();
        assert_eq!(unkeyed.keep(raw), RawEventPointer::Prefix(UNKEYED_PREFIX));
        unkeyed.keep("5");
        let blob = unkeyed.output().unwrap().unwrap();
        assert_eq!(blob.binding(), "rawEventsUnkeyed");
        assert_eq!(blob.value().get(), format!("[{raw},5]"));
    }
}
