//! What the commands print: one JSON value per event on stdout (compact, one per line, or with
//! `--pretty` indented, each followed by a newline), and after `inspect`, `replay`, `send` and
//! `filter` a one-line [`Summary`] on stderr.

use std::io::Write;

use serde::Serialize;

/// Writes `value` as JSON followed by a newline: on one line, or indented with `pretty`.
pub fn write_json(
    out: &mut impl Write,
    value: &impl Serialize,
    pretty: bool,
) -> std::io::Result<()> {
    if pretty {
        serde_json::to_writer_pretty(&mut *out, value)?;
    } else {
        serde_json::to_writer(&mut *out, value)?;
    }
    out.write_all(b"\n")
}

/// The tally of one run: how many events, how they went, and how many failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    command: &'static str,
    /// Events seen (one output line each).
    pub events: usize,
    /// Inputs or events that failed.
    pub errors: usize,
    /// Events whose outputs include a dead letter (`replay`).
    pub dead_letters: usize,
    /// Events by route, status or decision, in the order first seen.
    tally: Vec<(String, usize)>,
    /// Whether the line reports dead letters (only `replay` makes them).
    reports_dead_letters: bool,
}

impl Summary {
    pub fn new(command: &'static str) -> Self {
        Summary {
            command,
            events: 0,
            errors: 0,
            dead_letters: 0,
            tally: Vec::new(),
            reports_dead_letters: false,
        }
    }

    /// A summary whose line also says how many events were dead-lettered.
    pub fn with_dead_letters(command: &'static str) -> Self {
        Summary {
            reports_dead_letters: true,
            ..Summary::new(command)
        }
    }

    /// Counts one event under `key` (a route, status or decision).
    pub fn count(&mut self, key: &str) {
        self.events += 1;
        match self.tally.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => self.tally.push((key.to_owned(), 1)),
        }
    }

    /// How many events fell under `key`.
    pub fn counted(&self, key: &str) -> usize {
        self.tally
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0, |(_, n)| *n)
    }

    /// What decides the exit status: errors and dead letters.
    pub fn failures(&self) -> usize {
        self.errors + self.dead_letters
    }

    /// The summary line, e.g. `replay: 3 events (sms 2, dead-lettered 1); 1 dead-lettered; 0 errors`.
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut line = format!(
            "{}: {}",
            self.command,
            plural(self.events, "event", "events")
        );
        if !self.tally.is_empty() {
            let parts: Vec<String> = self.tally.iter().map(|(k, n)| format!("{k} {n}")).collect();
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
        if self.reports_dead_letters {
            line.push_str(&format!("; {} dead-lettered", self.dead_letters));
        }
        line.push_str(&format!("; {}", plural(self.errors, "error", "errors")));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_by_key_in_order() {
        let mut summary = Summary::with_dead_letters("replay");
        summary.count("sms");
        summary.count("chat");
        summary.count("sms");
        summary.dead_letters = 1;
        summary.errors = 1;
        assert_eq!(
            summary.line(),
            "replay: 3 events (sms 2, chat 1); 1 dead-lettered; 1 error"
        );
        assert_eq!(summary.failures(), 2);
        assert_eq!(summary.counted("sms"), 2);
        assert_eq!(Summary::new("send").line(), "send: 0 events; 0 errors");
    }

    #[test]
    fn pretty_output_is_indented_and_ends_with_a_newline() {
        let mut out = Vec::new();
        write_json(&mut out, &serde_json::json!({"a": 1}), true).unwrap();
        write_json(&mut out, &serde_json::json!({"a": 2}), false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\n  \"a\": 1\n}\n{\"a\":2}\n"
        );
    }
}
