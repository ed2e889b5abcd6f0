//! Output bindings: the table entities and queue messages an invocation asks the Functions host
//! to write, under the binding names of `EventGridTrigger/function.json` (our public contract).
//!
//! Values are typed when built (a [`TableEntity`] with checked keys, a serializable message
//! struct) and serialized once, so the response writer only copies bytes. Times inside keys are
//! spelled by [`time_keys`].

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
}

/// Maximum key size in Azure Table storage: 1 KiB, stored as UTF-16.
const MAX_KEY_UTF16_BYTES: usize = 1024;

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

impl Serialize for TableEntity<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&(&'static str, Property<'_>)> = self
            .properties
            .iter()
            .filter(|(name, _)| *name != UPSERT_ETAG.0)
            .collect();
        sorted.sort_unstable_by_key(|(name, _)| *name);
        let mut map = serializer.serialize_map(Some(sorted.len() + 3))?;
        map.serialize_entry("PartitionKey", &self.partition_key)?;
        map.serialize_entry("RowKey", &self.row_key)?;
        for (name, value) in sorted {
            map.serialize_entry(name, value)?;
        }
        map.serialize_entry(UPSERT_ETAG.0, UPSERT_ETAG.1)?;
        map.end()
    }
}

/// One value for one output binding, serialized once when built.
#[derive(Debug, Clone)]
pub struct Output {
    binding: &'static str,
    value: Box<RawValue>,
}

impl PartialEq for Output {
    fn eq(&self, other: &Self) -> bool {
        self.binding == other.binding && self.value.get() == other.value.get()
    }
}

impl Output {
    /// A row for a table binding.
    pub fn entity(binding: TableBinding, entity: &TableEntity) -> Result<Output, OutputError> {
        let value = serde_json::value::to_raw_value(entity)
            .map_err(|e| OutputError::Serialize(e.to_string()))?;
        Ok(Output {
            binding: binding.name(),
            value,
        })
    }

    /// A message for a queue binding; `message` must serialize to a JSON object (the host would
    /// turn a bare string into binary or a date).
    pub fn message<T: Serialize + ?Sized>(
        binding: QueueBinding,
        message: &T,
    ) -> Result<Output, OutputError> {
        let value = serde_json::value::to_raw_value(message)
            .map_err(|e| OutputError::Serialize(e.to_string()))?;
        if !value.get().starts_with('{') {
            return Err(OutputError::NotAnObject);
        }
        Ok(Output {
            binding: binding.name(),
            value,
        })
    }

    /// The binding name this value is for.
    pub fn binding(&self) -> &'static str {
        self.binding
    }

    /// The serialized value.
    pub fn value(&self) -> &RawValue {
        &self.value
    }
}

/// Outputs grouped by binding name, in first-seen order: `{"smsMessages": [..], ...}`, the shape
/// the host splits into one row or message per array element.
pub struct GroupedOutputs<'a>(pub &'a [Output]);

impl Serialize for GroupedOutputs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut names: Vec<&'static str> = Vec::new();
        for output in self.0 {
            if !names.contains(&output.binding) {
                names.push(output.binding);
            }
        }
        let mut map = serializer.serialize_map(Some(names.len()))?;
        for name in names {
            let values: Vec<&RawValue> = self
                .0
                .iter()
                .filter(|o| o.binding == name)
                .map(|o| o.value())
                .collect();
            map.serialize_entry(name, &values)?;
        }
        map.end()
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
        assert_eq!(
            out.value().get(),
            r#"{"PartitionKey":"+15555555555","RowKey":"m%2F1","Direction":"inbound","odata.etag":"*"}"#
        );
        assert_eq!(
            Output::message(QueueBinding::SmsInbox, "text").unwrap_err(),
            OutputError::NotAnObject
        );

        let msg = Output::message(QueueBinding::DeadLetter, &serde_json::json!({"a": 1})).unwrap();
        let grouped = serde_json::to_string(&GroupedOutputs(&[out.clone(), msg, out])).unwrap();
        assert!(
            grouped.starts_with(r#"{"smsMessages":[{"PartitionKey""#),
            "{grouped}"
        );
        assert!(grouped.contains(r#""deadLetter":[{"a":1}]"#), "{grouped}");
    }
}
