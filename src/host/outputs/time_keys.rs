//! Times inside table keys: how rows are ordered by the event's own time, never by arrival.
//!
//! Azure Tables sort a partition by RowKey, as a string, ascending. Two spellings serve the
//! modules:
//!
//! - [`sortable`]: the instant in UTC with exactly 7 fractional digits
//!   (`2020-09-18T00:22:20.2855749Z`), so that string order is time order, oldest first. Used
//!   where a partition is read as a timeline (SMS and e-mail delivery reports, e-mail engagement).
//! - [`newest_first`]: .NET `DateTime.MaxValue.Ticks` minus the instant's ticks, zero-padded to
//!   19 digits, then `_` and a suffix: the "log tail" pattern of the Azure Table design guide.
//!   Ascending order is then newest first, so a reader gets the current state of a history with
//!   one partition read of `take: 1` (SMS opt-outs, e-mail recipient state).
//!
//! Both are pure functions of the instant, so two spellings of one time (`Z` or `+01:00`, 3 or 7
//! fractional digits) give the same key, and a redelivered event rewrites the same row.

use time::macros::format_description;

use crate::events::Timestamp;

/// .NET `DateTime.MaxValue.Ticks`: 9999-12-31T23:59:59.9999999 in 100 ns units since 0001-01-01.
pub const MAX_TICKS: i128 = 3_155_378_975_999_999_999;
/// Ticks at the Unix epoch (1970-01-01T00:00:00Z).
const UNIX_EPOCH_TICKS: i128 = 621_355_968_000_000_000;

/// A time that .NET ticks cannot hold, so it cannot be placed in a newest-first key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the time is outside 0001-01-01 … 9999-12-31 (UTC)")]
pub struct TimeOutOfRange;

/// The instant in UTC with exactly 7 fractional digits and `Z`: fixed width, so keys that start
/// with it sort by time.
pub fn sortable(time: Timestamp) -> String {
    time.as_offset_date_time()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
        ))
        // Formatting fails only for years `time` can hold but the format cannot (negative or
        // five-digit years), which `Timestamp::parse` never yields; stay total anyway.
        .unwrap_or_else(|_| time.to_rfc3339())
}

/// `DateTime.MaxValue.Ticks` minus the instant's ticks: larger for older instants.
pub fn inverted_ticks(time: Timestamp) -> Result<i128, TimeOutOfRange> {
    let ticks = (time.as_offset_date_time().unix_timestamp_nanos() / 100)
        .checked_add(UNIX_EPOCH_TICKS)
        .filter(|t| (0..=MAX_TICKS).contains(t))
        .ok_or(TimeOutOfRange)?;
    Ok(MAX_TICKS - ticks)
}

/// `{inverted ticks:019}_{suffix}`, unescaped: ascending order is newest first, and at the same
/// instant the suffix decides.
pub fn newest_first(time: Timestamp, suffix: &str) -> Result<String, TimeOutOfRange> {
    Ok(format!("{:019}_{suffix}", inverted_ticks(time)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn sortable_times_have_a_fixed_width_and_ignore_the_spelling() {
        assert_eq!(
            sortable(at("2026-11-27T06:00:01.5Z")),
            "2026-11-27T06:00:01.5000000Z"
        );
        assert_eq!(
            sortable(at("2026-11-27T07:00:01.500+01:00")),
            sortable(at("2026-11-27T06:00:01.5Z"))
        );
        assert!(
            sortable(at("2026-11-27T06:00:01Z")) < sortable(at("2026-11-27T06:00:01.0000001Z"))
        );
        assert_eq!(sortable(at("2026-11-27T06:00:01Z")).len(), 28);
    }

    #[test]
    fn newest_first_keys_sort_newest_first() {
        let early = newest_first(at("2026-11-27T10:00:00Z"), "a").unwrap();
        let late = newest_first(at("2026-11-27T10:00:00.0000001Z"), "a").unwrap();
        assert!(late < early, "{late} < {early}");
        assert!(
            newest_first(at("2026-11-27T10:00:00Z"), "a").unwrap()
                < newest_first(at("2026-11-27T10:00:00Z"), "b").unwrap()
        );
        assert_eq!(
            newest_first(at("9999-12-31T23:59:59.9999999Z"), "m").unwrap(),
            "0000000000000000000_m"
        );
        assert_eq!(
            newest_first(at("0001-01-01T00:00:00Z"), "m").unwrap(),
            format!("{MAX_TICKS}_m")
        );
        assert_eq!(
            inverted_ticks(at("0000-12-31T23:59:59Z")),
            Err(TimeOutOfRange)
        );
    }
}
