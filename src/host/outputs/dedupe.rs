//! One copy of each output in an invocation that carries many events.
//!
//! In a batch the same output can come out several times: ACS sends a per-user chat event once
//! per recipient, and every copy produces the same transcript row; Event Grid and the brokers
//! deliver at least once, so the same event can sit twice in one batch. The host would write each
//! copy (a row twice in one table transaction makes the Tables extension flush it in two, a
//! message twice is sent twice), so the reply carries each once.
//!
//! Rows are the same when binding and keys are: the later one wins, as it would when the events
//! were delivered one by one (every row is an upsert). Messages are the same when binding and
//! whole text are. Order is kept: each output stays where its first copy was.

use std::collections::hash_map::{Entry, HashMap};
use std::hash::{Hash, Hasher};

use super::Output;

/// An output's identity ([`Output::identity`]), hashed cheaply: the binding, the length and the
/// two ends of the text. Equality compares the whole text, so a collision only costs a compare.
#[derive(PartialEq, Eq)]
struct Identity<'a>(&'static str, &'a str);

impl Hash for Identity<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        const SAMPLE: usize = 48;
        let bytes = self.1.as_bytes();
        self.0.hash(state);
        bytes.len().hash(state);
        if bytes.len() <= 2 * SAMPLE {
            bytes.hash(state);
        } else {
            bytes.get(..SAMPLE).hash(state);
            bytes.get(bytes.len() - SAMPLE..).hash(state);
        }
    }
}

/// Removes repeated outputs in place (see the module docs) and returns how many were removed.
pub fn dedupe(outputs: &mut Vec<Output>) -> usize {
    if outputs.len() < 2 {
        return 0;
    }
    let mut removed = vec![false; outputs.len()];
    // (where the first copy is, a later copy with other content that replaces it)
    let mut replacements: Vec<(usize, usize)> = Vec::new();
    {
        let mut first: HashMap<Identity<'_>, usize> = HashMap::with_capacity(outputs.len());
        for (index, output) in outputs.iter().enumerate() {
            let (binding, text) = output.identity();
            match first.entry(Identity(binding, text)) {
                Entry::Vacant(slot) => {
                    slot.insert(index);
                }
                Entry::Occupied(slot) => {
                    let kept = *slot.get();
                    if let Some(flag) = removed.get_mut(index) {
                        *flag = true;
                    }
                    if outputs.get(kept).map(|o| &o.escaped) != Some(&output.escaped) {
                        replacements.push((kept, index));
                    }
                }
            }
        }
    }
    // In arrival order, so the last copy of a row ends up in its first copy's place.
    for (kept, later) in replacements {
        outputs.swap(kept, later);
    }
    let count = removed.iter().filter(|r| **r).count();
    let mut flags = removed.into_iter();
    outputs.retain(|_| !flags.next().unwrap_or(false));
    count
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    fn row(pk: &str, rk: &str, value: &str) -> Output {
        let entity = TableEntity::new(pk, rk).unwrap().with("Value", value);
        Output::entity(TableBinding::ChatMessages, &entity).unwrap()
    }

    fn message(text: &str) -> Output {
        Output::message(
            QueueBinding::ChatNotifications,
            &serde_json::json!({ "text": text }),
        )
        .unwrap()
    }

    #[test]
    fn a_row_is_identified_by_its_keys_whatever_they_hold() {
        for (pk, rk) in [
            ("p", "r"),
            ("say \"hi\"", "tab\there"),
            ("é/\\#?%", "\u{1}ctrl"),
            ("p", "r".repeat(400).as_str()),
        ] {
            let output = row(pk, rk, "x");
            let (_, keys) = output.identity();
            let rest = &output.escaped[keys.len()..];
            assert!(rest.starts_with(','), "{pk:?} {rk:?}: {rest}");
            let other = row(pk, rk, "a different value");
            assert_eq!(other.identity(), output.identity());
            assert_ne!(row(pk, "other", "x").identity(), output.identity());
        }
    }

    #[test]
    fn repeated_rows_and_messages_are_written_once_last_row_wins() {
        let long = "m".repeat(500);
        let mut outputs = vec![
            row("t", "1", "first"),
            message("hello"),
            row("t", "2", "only"),
            message("hello"),
            row("t", "1", "second"),
            message(&format!("{long}a{long}")),
            message(&format!("{long}b{long}")),
            row("t", "1", "third"),
            message(&format!("{long}a{long}")),
        ];
        assert_eq!(dedupe(&mut outputs), 4);
        let expected = vec![
            row("t", "1", "third"),
            message("hello"),
            row("t", "2", "only"),
            message(&format!("{long}a{long}")),
            message(&format!("{long}b{long}")),
        ];
        assert_eq!(outputs, expected);
        assert_eq!(dedupe(&mut outputs), 0);
    }
}
