//! The raw events an invocation keeps whole in a blob, and the pointer an output carries to them.

use super::*;

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
    pub(super) keyed: Option<RawEventPointer>,
    pub(super) events: Vec<Box<str>>,
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
