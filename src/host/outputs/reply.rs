//! The outputs of an invocation grouped by binding, written into the host's reply.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::output::Kind;
use super::*;

/// Outputs grouped by binding name, in first-seen order: `{"smsMessages": ["{…}", …], ...}`,
/// the shape the host splits into one row or message per array element. Each row and message is
/// a JSON string holding its JSON text (see the module docs for why); a blob binding gets its
/// one value as a bare string.
pub struct GroupedOutputs<'a> {
    pub(super) outputs: &'a [Output],
    pub(super) extra: Option<&'a Output>,
}

impl<'a> GroupedOutputs<'a> {
    /// `outputs`, then `extra` (the invocation's raw-event blob).
    pub fn with_extra(outputs: &'a [Output], extra: Option<&'a Output>) -> Self {
        GroupedOutputs { outputs, extra }
    }

    pub(super) fn all(&self) -> impl Iterator<Item = &'a Output> + 'a {
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
pub(super) const NEEDS_ESCAPE: [bool; 256] = {
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
pub(super) fn write_json_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    write_json_string_body(text, out);
    out.push(b'"');
}

/// An output's embedded text as a JSON string: already escaped, so only quoted.
pub(super) fn write_embedded(escaped: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(escaped.as_bytes());
    out.push(b'"');
}

/// [`write_json_string`] without the quotes.
pub(super) fn write_json_string_body(text: &str, out: &mut Vec<u8>) {
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
