//! Text that goes into a log: `Logs` lines of a reply (the host logs each one at Information) and
//! our own tracing output on stdout/stderr (the host logs each *line* it reads).
//!
//! Event ids, event types, function names and error messages come from the sender. A newline in
//! one of them would start a forged log line, a carriage return or an ANSI escape would rewrite
//! what an operator sees on a terminal, and U+2028/U+2029 are line breaks to JavaScript-based
//! log viewers. So every such character is written as an escape (`\n`, `\r`, `\t`, `\u{1b}`),
//! in one place, and text from outside is clipped to a sane length first.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `ch` must not appear raw in a log line: C0 and C1 controls, DEL, the Unicode line
/// and paragraph separators, and the bidirectional overrides and isolates (which reorder what a
/// reader sees).
fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character of [`needs_escape`] written as an escape; borrowed (no copy)
/// when there is none, which is the usual case.
pub fn escape(text: &str) -> Cow<'_, str> {
    // Printable ASCII (the usual log line) needs no escape: one cheap pass over the bytes.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if needs_escape(ch) => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{{{:x}}}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    Cow::Owned(out)
}

/// The first `max_chars` characters of `text` (cut on a character boundary, never panics).
pub fn clip(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// Text from outside for a log line: clipped to `max_chars`, then escaped.
pub fn quote(text: &str, max_chars: usize) -> Cow<'_, str> {
    escape(clip(text, max_chars))
}

/// A writer for tracing output: each `write` call holds one formatted log record (that is how
/// `tracing-subscriber`'s fmt layer writes), and every character of [`needs_escape`] in it is
/// escaped, except the record's final newline. A record therefore stays one line, whatever the
/// fields and messages held.
pub struct LineSafe<W>(pub W);

impl<W: Write> Write for LineSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (body, newline) = match buf.split_last() {
            Some((b'\n', body)) => (body, true),
            _ => (buf, false),
        };
        match std::str::from_utf8(body) {
            Ok(text) => self.0.write_all(escape(text).as_bytes())?,
            // Not text (cannot come from the fmt layer): written as is, minus raw line breaks.
            Err(_) => {
                let cleaned: Vec<u8> = body
                    .iter()
                    .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                    .collect();
                self.0.write_all(&cleaned)?;
            }
        }
        if newline {
            self.0.write_all(b"\n")?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_line_separators_are_escaped() {
        let forged = "x\nFAKE: injected\u{1b}[31m\r\u{2028}\u{2029}\u{85}\u{7f}\t\u{202e}end";
        let escaped = escape(forged);
        assert_eq!(
            escaped,
            "x\\nFAKE: injected\\u{1b}[31m\\r\\u{2028}\\u{2029}\\u{85}\\u{7f}\\t\\u{202e}end"
        );
        assert!(!escaped.chars().any(needs_escape));
        assert!(matches!(escape("plain id é 😀"), Cow::Borrowed(_)));
    }

    #[test]
    fn clip_cuts_on_character_boundaries() {
        assert_eq!(clip("ééé", 2), "éé");
        assert_eq!(clip("ab", 5), "ab");
        assert_eq!(clip("", 0), "");
        assert_eq!(quote("a\nb\nc", 3), "a\\nb");
    }

    #[test]
    fn line_safe_writer_keeps_one_record_on_one_line() {
        let mut out = LineSafe(Vec::new());
        out.write_all(b"ERROR bad id x\nFAKE line\x1b[0m\n")
            .unwrap();
        out.write_all(b"INFO next\n").unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert_eq!(text, "ERROR bad id x\\nFAKE line\\u{1b}[0m\nINFO next\n");
        assert_eq!(text.lines().count(), 2);
    }
}
