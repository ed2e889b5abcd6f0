//! Table entities: reversible keys, typed properties, and fitting a row within Azure's limits.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{limits, OutputError};

/// Maximum key size in Azure Table storage: 1 KiB, stored as UTF-16.
pub(super) const MAX_KEY_UTF16_BYTES: usize = limits::TABLE_KEY_UTF16_BYTES;

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

pub(super) fn hex_digit(byte: u8) -> Option<u8> {
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
/// Only integer types that fit an `Edm.Int64` losslessly: a wider one must be converted (and its
/// overflow decided) by the caller, not saturated here.
macro_rules! int_property {
    ($($t:ty),+) => {$(
        impl From<$t> for Property<'_> {
            fn from(value: $t) -> Self {
                Property::Int(i64::from(value))
            }
        }
    )+};
}
int_property!(i32, i64, u16, u32);
/// A count or length: `usize` is at most 64 bits on every target Rust supports for this app, and
/// no collection holds more than `isize::MAX` items, so the conversion cannot fail in practice.
impl From<usize> for Property<'_> {
    fn from(value: usize) -> Self {
        Property::Int(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl Serialize for Property<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Property::Str(text) => serializer.serialize_str(text),
            Property::Bool(value) => serializer.serialize_bool(*value),
            Property::Int(value) => serializer.serialize_i64(*value),
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
pub(super) struct Written<'e, 'a> {
    pub(super) name: &'static str,
    pub(super) value: WrittenValue<'e, 'a>,
}

pub(super) enum WrittenValue<'e, 'a> {
    Str { text: &'e str, cut: bool },
    Other(&'e Property<'a>),
}

/// The entity as it will be written: properties sorted by name (two code paths that build the
/// same row produce the same bytes), every string within [`limits::TABLE_STRING_UTF16_UNITS`],
/// and the whole within [`limits::TABLE_ENTITY_BUDGET`]. Cut strings are flagged with a
/// `<Name>Truncated: true` property.
pub(super) struct FittedEntity<'e, 'a> {
    pub(super) partition_key: &'e TableKey,
    pub(super) row_key: &'e TableKey,
    pub(super) properties: Vec<Written<'e, 'a>>,
}

/// The UTF-16 length of `text` (what Azure Tables count).
pub(super) fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The longest prefix of `text` of at most `max_units` UTF-16 code units, cut on a character
/// boundary (a surrogate pair is never split).
pub(super) fn prefix_utf16(text: &str, max_units: usize) -> &str {
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
pub(super) fn valid_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= limits::TABLE_PROPERTY_NAME_CHARS
}

/// The suffix of the flag that says a text was cut: `BodyTruncated`, `messageTruncated`.
pub(super) const TRUNCATED_SUFFIX: &str = "Truncated";

impl<'e, 'a> FittedEntity<'e, 'a> {
    pub(super) fn size_of(&self) -> usize {
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
                WrittenValue::Other(Property::Int(_)) => 8,
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
    pub(super) fn size_bound(&self) -> usize {
        let keys = self.partition_key.as_str().len() + self.row_key.as_str().len();
        let mut size = 4 + 2 * keys;
        for property in &self.properties {
            size += 8 + 2 * property.name.len();
            size += match &property.value {
                WrittenValue::Str { text, .. } => 4 + 2 * text.len(),
                WrittenValue::Other(Property::Bool(_)) => 1,
                WrittenValue::Other(Property::Int(_)) => 8,
                WrittenValue::Other(other) => {
                    4 + 4 * serde_json::to_string(other).map_or(0, |t| t.len())
                }
            };
        }
        size
    }

    pub(super) fn fit(entity: &'e TableEntity<'a>) -> Result<(Self, bool), OutputError> {
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

    pub(super) fn is_cut(&self) -> bool {
        self.properties.iter().any(Written::is_cut)
    }
}

impl Written<'_, '_> {
    pub(super) fn is_cut(&self) -> bool {
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
