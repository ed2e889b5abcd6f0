//! One output value, serialized once and within Azure's limits.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::reply::write_json_string_body;
use super::table::{FittedEntity, TRUNCATED_SUFFIX};
use super::*;

/// What kind of binding an output is for: it decides how the value is encoded in the reply and
/// how the pointer to a raw event is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
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
    pub(super) binding: &'static str,
    pub(super) kind: Kind,
    pub(super) escaped: String,
    pub(super) len: usize,
    pub(super) truncated: bool,
    /// For a row: where `PartitionKey` and `RowKey` end in `escaped` (both are written first),
    /// so that `escaped[..key_end]` identifies the row; 0 for messages and blobs. Lets a batch
    /// drop a row that another event of it produced, without parsing anything back.
    pub(super) key_end: usize,
}

/// A serde_json formatter that writes JSON text escaped for embedding in a JSON string: each
/// `"` of the text as `\"`, each escape sequence with its backslash escaped, everything else as
/// is. `extra` counts the bytes it adds, so the plain length is `written - extra`.
pub(super) struct Embedded<'c> {
    pub(super) extra: &'c std::cell::Cell<usize>,
}

impl Embedded<'_> {
    pub(super) fn add(&self, bytes: usize) {
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
pub(super) fn embedded<T: Serialize + ?Sized>(value: &T) -> Result<(String, usize), OutputError> {
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

/// How an embedded row starts: `{"PartitionKey":` with its quotes escaped.
const KEYS_PREFIX: &str = "{\\\"PartitionKey\\\":";
/// What separates the two keys: `,"RowKey":` escaped.
const ROW_KEY_MEMBER: &str = ",\\\"RowKey\\\":";

/// The length of `text` as a JSON string in the embedded form (see [`Embedded`]): its quotes,
/// and each character as that formatter writes it.
fn embedded_string_len(text: &str) -> usize {
    4 + text
        .chars()
        .map(|ch| match ch {
            '"' | '\\' => 4,
            '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 3,
            c if (c as u32) < 0x20 => 7,
            '/' => 1,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

/// Plain JSON text (ours) in the embedded form.
pub(super) fn embed_text(text: &str) -> String {
    let mut escaped = Vec::with_capacity(text.len() + text.len() / 6);
    write_json_string_body(text, &mut escaped);
    String::from_utf8(escaped).unwrap_or_default()
}

/// The length `text` takes as a JSON string body, as serde_json writes it.
pub(super) fn json_escaped_len(ch: char) -> usize {
    match ch {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

/// The longest prefix of `text` whose JSON-escaped length is at most `max`.
pub(super) fn prefix_escaped(text: &str, max: usize) -> &str {
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
pub(super) fn fit_message(
    binding: &'static str,
    text: &str,
    target: usize,
) -> Result<String, OutputError> {
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
        let key_end = KEYS_PREFIX.len()
            + embedded_string_len(fitted.partition_key.as_str())
            + ROW_KEY_MEMBER.len()
            + embedded_string_len(fitted.row_key.as_str());
        Ok(Output {
            binding: binding.name(),
            kind: Kind::Table,
            escaped,
            len,
            truncated,
            key_end,
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
                key_end: 0,
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
            key_end: 0,
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
            key_end: 0,
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

    /// What makes two outputs "the same row or message" for [`super::dedupe`]: a row by its
    /// binding and keys, anything else by its binding and whole text.
    pub(super) fn identity(&self) -> (&'static str, &str) {
        match self.kind {
            Kind::Table => (
                self.binding,
                self.escaped.get(..self.key_end).unwrap_or(&self.escaped),
            ),
            Kind::Queue | Kind::Blob => (self.binding, &self.escaped),
        }
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
