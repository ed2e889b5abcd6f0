//! Event timestamps as ACS really sends them.
//!
//! ACS and Event Grid write RFC 3339 date-times with 0 to 7 fractional digits, `Z` or any offset
//! (`+00:00`, `-08:00`). Job Router docs also show the .NET general format
//! `3/28/2007 7:13:50 PM +00:00`; we accept that too so a documented payload never fails. Values
//! are re-serialized as RFC 3339 in UTC, so two spellings of one instant compare equal.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// .NET's `DateTimeOffset.ToString()` in the invariant culture, as seen in Job Router docs.
const DOTNET_GENERAL: &[BorrowedFormatItem<'static>] = format_description!(
    "[month padding:none]/[day padding:none]/[year] [hour repr:12 padding:none]:[minute]:[second] [period case_sensitive:false] [offset_hour sign:mandatory]:[offset_minute]"
);

/// An instant in time, parsed from any timestamp spelling ACS uses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// A string that is not a timestamp in any spelling we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {0:?}")]
pub struct TimestampError(pub String);

impl Timestamp {
    /// Parses RFC 3339 (any number of fractional digits, `Z` or an offset) or the .NET general
    /// date-time format.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let trimmed = text.trim();
        OffsetDateTime::parse(trimmed, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(trimmed, DOTNET_GENERAL))
            .ok()
            // In UTC the instant may fall outside the years `time` can hold (9999-12-31T23:59Z
            // at -00:01): not a timestamp we can use, so an error, never a panic.
            .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
            .map(Timestamp)
            .ok_or_else(|| TimestampError(shorten(text)))
    }

    /// The instant as a `time` value in UTC.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Milliseconds since the Unix epoch (ACS chat `version` values use this unit).
    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// RFC 3339 in UTC, with only as many fractional digits as needed.
    pub fn to_rfc3339(&self) -> String {
        // Formatting a UTC OffsetDateTime with a year in 0..=9999 cannot fail; the parser
        // only yields such years, but stay total anyway.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp(value.to_offset(UtcOffset::UTC))
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(64).collect()
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        // The message names what was expected, not the text: errors reach logs.
        Timestamp::parse(&text).map_err(|_| {
            serde::de::Error::custom(
                "invalid value, expected an RFC 3339 timestamp or a .NET date-time",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_spelling_acs_uses() {
        let cases = [
            ("2020-09-18T00:22:20Z", "2020-09-18T00:22:20Z"),
            ("2020-09-18T00:27:45.32Z", "2020-09-18T00:27:45.32Z"),
            (
                "2020-09-18T00:22:20.2855749Z",
                "2020-09-18T00:22:20.2855749Z",
            ),
            ("2021-02-19T00:25:58.927+00:00", "2021-02-19T00:25:58.927Z"),
            ("2021-02-18T16:25:58-08:00", "2021-02-19T00:25:58Z"),
            ("3/28/2007 7:13:50 PM +00:00", "2007-03-28T19:13:50Z"),
        ];
        for (input, expected) in cases {
            let ts = Timestamp::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(ts.to_rfc3339(), expected, "{input}");
            assert_eq!(Timestamp::parse(&ts.to_rfc3339()), Ok(ts));
        }
    }

    #[test]
    fn rejects_garbage_with_the_value_in_the_message() {
        let err = Timestamp::parse("yesterday").unwrap_err();
        assert!(err.to_string().contains("yesterday"));
        assert!(Timestamp::parse("2020-13-45T99:99:99Z").is_err());
        assert!(Timestamp::parse("").is_err());
    }

    #[test]
    fn unix_millis_matches_chat_versions() {
        // ChatMessageEdited sample: editTime 2021-02-19T00:28:20.784Z, version 1613694500784.
        let ts = Timestamp::parse("2021-02-19T00:28:20.784Z").unwrap();
        assert_eq!(ts.unix_millis(), 1613694500784);
    }
}
