//! Opt-out state, ordered by the person's own timeline, on every channel (SMS: `SmsOptOuts`,
//! WhatsApp: `WhatsAppOptOuts`, with the same keys and rows).
//!
//! Event Grid delivers at least once, in any order, in parallel, and the host gives us only blind
//! upserts (no conditional writes, no reads on the Event Grid side). One "current state" row
//! would end as whichever keyword *arrived* last: START 10:00, STOP 10:05, then a redelivered
//! START 10:00 would re-subscribe someone who said STOP. So the state is an append-only history
//! instead, one row per keyword, written where the order comes from the data model:
//!
//! - PartitionKey: `{our number}|{their number}` (canonical spellings, see [`super::phone`]);
//! - RowKey: `{inverted receive time}_{message id}`: the receive time as .NET ticks subtracted
//!   from `DateTime.MaxValue.Ticks`, zero-padded to 19 digits (Microsoft's "log tail" pattern for
//!   Azure Tables), then the ACS message id.
//!
//! Azure Tables return a partition in ascending RowKey order, so the first row of the partition
//! is the keyword with the latest receive time (at equal times, the smaller message id), and a
//! reader needs one range read: `partitionKey: "{from}|{to}"` with `take: 1`. A redelivery writes
//! the same row again; arrival order does not matter. Help keywords change nothing and write no
//! row.

use serde::{Deserialize, Deserializer, Serialize};

use super::phone::SmsAddress;
use crate::events::{Sensitive, Timestamp};
use crate::host::outputs::time_keys::{self, TimeOutOfRange};
use crate::host::outputs::{OutputError, TableKey};

/// Why an opt-out key could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptOutKeyError {
    #[error("the receive time is outside 0001-01-01 … 9999-12-31 (UTC)")]
    TimeOutOfRange,
    #[error("the message id is empty")]
    EmptyMessageId,
    #[error("{0}")]
    Key(#[from] OutputError),
}

impl From<TimeOutOfRange> for OptOutKeyError {
    fn from(_: TimeOutOfRange) -> Self {
        OptOutKeyError::TimeOutOfRange
    }
}

/// A message on `sms-optout-sync`: a person's opt-out state changed, so `SmsOptOutSync` brings
/// ACS's own opt-out list in step. The function applies the *current* state, read from the
/// history, not the state in this message: a late or repeated request then still applies the
/// newest keyword, and a request can never move the state backwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRequest {
    /// Our number (canonical).
    pub from: Sensitive<String>,
    /// The person's number (canonical E.164).
    pub to: Sensitive<String>,
    /// What the keyword of this request asked for.
    pub opted_out: bool,
    /// The inbound message that carried the keyword.
    pub keyword_message_id: String,
    /// When ACS received it: with the message id, its place in the history.
    pub received_at: Timestamp,
}

impl SyncRequest {
    /// The RowKey of this request's keyword in the history.
    pub fn row_key(&self) -> Result<TableKey, OptOutKeyError> {
        row_key(self.received_at, &self.keyword_message_id)
    }
}

/// The PartitionKey of a person's history with one of our numbers.
pub fn partition_key(ours: &SmsAddress, theirs: &SmsAddress) -> String {
    history_partition(ours.as_str(), theirs.as_str())
}

/// The PartitionKey of a person's history with one of our senders, on any channel: our
/// canonical sender (an SMS number, a WhatsApp channel registration id), `|`, the person's
/// canonical key. The senders' table input reads it back as `{from}|{to}`.
pub fn history_partition(ours: &str, theirs: &str) -> String {
    format!("{ours}|{theirs}")
}

/// The RowKey of a keyword received at `received` in message `message_id`, escaped as stored:
/// ascending RowKeys are newest first ([`time_keys::newest_first`]).
pub fn row_key(received: Timestamp, message_id: &str) -> Result<TableKey, OptOutKeyError> {
    if message_id.is_empty() {
        return Err(OptOutKeyError::EmptyMessageId);
    }
    let key = time_keys::newest_first(received, message_id)?;
    Ok(TableKey::new("RowKey", &key)?)
}

/// One history row as a reader gets it back (the properties the decision needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HistoryRow {
    #[serde(rename = "RowKey")]
    pub row_key: String,
    #[serde(rename = "OptedOut", deserialize_with = "flag")]
    pub opted_out: bool,
}

/// `OptedOut` as the Tables extension hands it back: a boolean, or its text.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    match Flag::deserialize(deserializer)? {
        Flag::Bool(b) => Ok(b),
        Flag::Text(t) if t.trim().eq_ignore_ascii_case("true") => Ok(true),
        Flag::Text(t) if t.trim().eq_ignore_ascii_case("false") => Ok(false),
        Flag::Text(_) => Err(serde::de::Error::custom("`OptedOut` is not a boolean")),
    }
}

/// What the history says about a person, given the newest row a reader saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutState {
    /// The newest row (smallest RowKey); `None` when the person never sent a keyword.
    pub newest: Option<HistoryRow>,
}

impl OptOutState {
    /// The state from the rows a partition read returned (any order; the newest wins).
    pub fn from_rows(rows: impl IntoIterator<Item = HistoryRow>) -> Self {
        OptOutState {
            newest: rows.into_iter().min_by(|a, b| a.row_key.cmp(&b.row_key)),
        }
    }

    /// Whether the person is opted out now.
    pub fn opted_out(&self) -> bool {
        self.newest.as_ref().is_some_and(|row| row.opted_out)
    }

    /// Where a keyword with RowKey `key` stands against what the history shows.
    pub fn compare(&self, key: &str) -> Recorded {
        match &self.newest {
            None => Recorded::NotYet,
            Some(row) if row.row_key.as_str() == key => Recorded::Newest,
            Some(row) if row.row_key.as_str() < key => Recorded::Superseded,
            Some(_) => Recorded::NotYet,
        }
    }
}

/// Where a keyword stands in a person's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Its row is the newest: the state is the keyword's.
    Newest,
    /// A newer keyword exists: the state is that keyword's.
    Superseded,
    /// Its row is not in the history yet. The host sends queue messages before it writes table
    /// rows, so a reply or a sync request can be read before the row of its own keyword.
    NotYet,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn row_key(received: Timestamp, id: &str) -> Result<String, OptOutKeyError> {
        super::row_key(received, id).map(|k| k.as_str().to_owned())
    }

    #[test]
    fn row_keys_sort_newest_first_and_ignore_the_spelling_of_a_time() {
        let early = row_key(at("2026-11-27T10:00:00Z"), "in1").unwrap();
        let late = row_key(at("2026-11-27T10:05:00Z"), "in2").unwrap();
        assert!(late < early, "{late} < {early}");
        assert_eq!(
            early,
            row_key(at("2026-11-27T11:00:00.0000000+01:00"), "in1").unwrap()
        );
        // 100 ns apart still sorts; at the same instant the message id decides.
        let a = row_key(at("2026-11-27T10:00:00.0000001Z"), "x").unwrap();
        assert!(a < row_key(at("2026-11-27T10:00:00Z"), "x").unwrap());
        let same = row_key(at("2026-11-27T10:00:00Z"), "a").unwrap();
        assert!(same < row_key(at("2026-11-27T10:00:00Z"), "b").unwrap());
        assert_eq!(early.len(), 19 + 1 + 3);
        assert_eq!(
            row_key(at("9999-12-31T23:59:59.9999999Z"), "m").unwrap(),
            "0000000000000000000_m"
        );
        assert_eq!(
            row_key(at("0001-01-01T00:00:00Z"), "m").unwrap(),
            format!("{}_m", time_keys::MAX_TICKS)
        );
        assert_eq!(
            row_key(at("2026-11-27T10:00:00Z"), ""),
            Err(OptOutKeyError::EmptyMessageId)
        );
        assert_eq!(
            row_key(at("2026-11-27T10:00:00Z"), "a/b").unwrap()[20..],
            *"a%2Fb"
        );
        assert!(matches!(
            row_key(at("2026-11-27T10:00:00Z"), &"m".repeat(600)),
            Err(OptOutKeyError::Key(_))
        ));
    }

    #[test]
    fn the_newest_row_decides() {
        let row = |key: &str, opted_out| HistoryRow {
            row_key: key.to_owned(),
            opted_out,
        };
        let state = OptOutState::from_rows([row("5", false), row("3", true), row("4", false)]);
        assert!(state.opted_out());
        assert_eq!(state.compare("3"), Recorded::Newest);
        assert_eq!(state.compare("4"), Recorded::Superseded);
        assert_eq!(state.compare("2"), Recorded::NotYet);
        let empty = OptOutState::from_rows([]);
        assert!(!empty.opted_out());
        assert_eq!(empty.compare("1"), Recorded::NotYet);
    }

    #[test]
    fn rows_read_back_in_the_forms_the_extension_gives() {
        for (text, expected) in [
            (
                r#"{"RowKey":"1_a","OptedOut":true,"PartitionKey":"p"}"#,
                true,
            ),
            (r#"{"RowKey":"1_a","OptedOut":"False"}"#, false),
        ] {
            let row: HistoryRow = serde_json::from_str(text).unwrap();
            assert_eq!(row.opted_out, expected);
        }
        assert!(serde_json::from_str::<HistoryRow>(r#"{"RowKey":"1","OptedOut":"x"}"#).is_err());
    }
}
