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

/// A string that is not a timestamp we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not RFC 3339 nor the .NET general format.
    #[error("not an RFC 3339 timestamp: {0:?}")]
    Format(String),
    /// A valid spelling whose instant, in UTC, falls outside the years 0000–9999: RFC 3339 cannot
    /// write it (`9999-12-31T23:59:59-00:01` is 10000-01-01 in UTC).
    #[error("timestamp {0:?} is outside the years 0000-9999 in UTC")]
    OutOfRange(String),
}

impl Timestamp {
    /// Parses RFC 3339 (any number of fractional digits, `Z` or an offset) or the .NET general
    /// date-time format. The conversion to UTC is checked: an offset that moves the instant past
    /// year 9999 (or before year 0) is an error like any other malformed value, never a panic.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let trimmed = text.trim();
        let local = OffsetDateTime::parse(trimmed, &Rfc3339)
            .or_else(|_| OffsetDateTime::parse(trimmed, DOTNET_GENERAL))
            .map_err(|_| TimestampError::Format(shorten(text)))?;
        Timestamp::checked(local).map_err(|_| TimestampError::OutOfRange(shorten(text)))
    }

    /// The instant as a `time` value in UTC.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Milliseconds since the Unix epoch (ACS chat `version` values use this unit). Years
    /// 0000–9999 are about ±2.5e14 ms, far inside `i64`; the conversion still saturates rather
    /// than wrap.
    pub fn unix_millis(&self) -> i64 {
        let millis = self.0.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX })
    }

    /// RFC 3339 in UTC, with only as many fractional digits as needed.
    pub fn to_rfc3339(&self) -> String {
        // Formatting a UTC OffsetDateTime with a year in 0..=9999 cannot fail, and the
        // constructors only yield such years; stay total anyway.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }
}

/// An instant that RFC 3339 cannot write in UTC (year outside 0000–9999 after conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instant is outside the years 0000-9999 in UTC")]
pub struct OutOfRange;

impl Timestamp {
    /// The instant of `value` in UTC, checked: `to_offset` panics when the offset moves the
    /// date past the `time` crate's range, and RFC 3339 cannot write years outside 0000–9999.
    pub fn checked(value: OffsetDateTime) -> Result<Self, OutOfRange> {
        value
            .checked_to_offset(UtcOffset::UTC)
            .filter(|utc| (0..=9999).contains(&utc.year()))
            .map(Timestamp)
            .ok_or(OutOfRange)
    }
}

/// For clock readings (`OffsetDateTime::now_utc()`), which are always in range. Input from
/// outside goes through [`Timestamp::parse`] or [`Timestamp::checked`]; should a value out of
/// range ever arrive here, it is clamped to the nearest instant RFC 3339 can write instead of
/// panicking.
impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp::checked(value).unwrap_or_else(|_| {
            // Out of range only at either end of the calendar.
            let edge = if value.year() > 5000 {
                time::macros::datetime!(9999-12-31 23:59:59.999_999_999 UTC)
            } else {
                time::macros::datetime!(0000-01-01 00:00:00 UTC)
            };
            Timestamp(edge)
        })
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
    fn instants_past_year_9999_in_utc_are_errors_not_panics() {
        for text in [
            "9999-12-31T23:59:59-00:01",
            "9999-12-31T23:59:59.9999999-23:59",
            "12/31/9999 11:59:59 PM -14:00",
            "0000-01-01T00:00:00+00:01",
        ] {
            assert!(
                matches!(Timestamp::parse(text), Err(TimestampError::OutOfRange(_))),
                "{text}"
            );
        }
        // The edges themselves are fine and round-trip.
        for text in [
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59+14:00",
            "0000-01-01T00:00:00Z",
        ] {
            let ts = Timestamp::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(Timestamp::parse(&ts.to_rfc3339()), Ok(ts), "{text}");
        }
        let max = OffsetDateTime::parse("9999-12-31T23:59:59-00:01", &Rfc3339).unwrap();
        assert_eq!(Timestamp::checked(max), Err(OutOfRange));
        assert_eq!(
            Timestamp::from(max).to_rfc3339(),
            "9999-12-31T23:59:59.999999999Z"
        );
    }

    #[test]
    fn unix_millis_matches_chat_versions() {
        // ChatMessageEdited sample: editTime 2021-02-19T00:28:20.784Z, version 1613694500784.
        let ts = Timestamp::parse("2021-02-19T00:28:20.784Z").unwrap();
        assert_eq!(ts.unix_millis(), 1613694500784);
    }
}
