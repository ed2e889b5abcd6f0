//! What the Functions host's JSON library (Newtonsoft.Json) does to an output value on its way to
//! storage (`functions-outputs.md` §0, §2): it reads the reply with `DateParseHandling.DateTime`,
//! so date-looking strings become `DateTime`s, and turns each item into text with
//! `JToken.ToString()`, which indents objects. The Tables extension then re-reads that text with
//! `DateParseHandling.None`. Both change what is stored: a queue message grows by its indentation,
//! and a date's text may change (`…07:00:00.1000000Z` → `…07:00:00.1Z`, `+02:00` → UTC).
//!
//! Modelled (ported from reading Newtonsoft's `DateTimeParser`, `DateTimeUtils`,
//! `JavaScriptUtils` and `JsonConvert`, not from running .NET):
//! - key order as in the document; a repeated key keeps its first position and its last value
//!   (`DuplicatePropertyNameHandling.Replace`);
//! - integers as `Int64` (or a big integer above that), other numbers as `Double`;
//! - ISO-8601 date detection exactly as `DateTimeParser` does it (`yyyy-MM-ddTHH:mm:ss`, up to 7
//!   fraction digits, `Z` or an offset, length 19–40), the offset converted to the host's local
//!   zone, which we take to be UTC (Azure Functions on Linux; `WEBSITE_TIME_ZONE` unset), and
//!   written back in ISO form with trailing fraction zeros removed;
//! - indented output: two spaces, `"name": value`, `\n` line ends (Linux's `Environment.NewLine`),
//!   `{}`/`[]` when empty, Newtonsoft's string escapes (control characters as `\u00xx`, and
//!   U+0085, U+2028, U+2029), doubles in .NET's shortest round-trip form with `.0` added to
//!   whole numbers.
//!
//! Not modelled: `/Date(…)/` strings (also parsed as dates by Newtonsoft), integers beyond the
//! range of `u64` (read here as doubles), and the culture of a top-level date item's
//! `ToString()` (we use the invariant culture, `MM/dd/yyyy HH:mm:ss`).

use std::fmt::{self, Write as _};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use time::{Date, Duration, Month, PrimitiveDateTime, Time};

/// How strings are read: the host's `DateTime` (dates recognised) or the Tables extension's `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateParseHandling {
    DateTime,
    None,
}

/// A JSON value as Newtonsoft's `JToken` holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum JToken {
    Null,
    Bool(bool),
    /// An integer in `Int64` range.
    Integer(i64),
    /// An integer above `Int64.MaxValue` (a `BigInteger` in .NET).
    BigInteger(u64),
    Float(f64),
    String(String),
    Date(HostDate),
    Array(Vec<JToken>),
    /// Properties in document order.
    Object(Vec<(String, JToken)>),
}

/// A `DateTime` as Newtonsoft makes it from an ISO string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostDate {
    pub at: PrimitiveDateTime,
    pub kind: DateKind,
}

/// .NET's `DateTimeKind`, which decides the suffix the date is written back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// No zone in the text: written back without one.
    Unspecified,
    /// `Z`: written back with `Z`.
    Utc,
    /// An offset: converted to the host's local time (UTC) and written back with `+00:00`.
    Local,
}

impl JToken {
    /// Parses JSON text the way `JsonConvert`/`JToken.Parse` would with `handling`.
    pub fn parse(text: &str, handling: DateParseHandling) -> Result<JToken, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let token = TokenSeed(handling).deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(token)
    }

    /// `JToken.ToString()`: objects and arrays as indented JSON; a string as its raw text (no
    /// quotes); other values as .NET formats them (`True`, `1.5`, an empty string for null).
    pub fn to_host_string(&self) -> String {
        match self {
            JToken::Null => String::new(),
            JToken::Bool(true) => "True".to_owned(),
            JToken::Bool(false) => "False".to_owned(),
            JToken::Integer(n) => n.to_string(),
            JToken::BigInteger(n) => n.to_string(),
            JToken::Float(f) => dotnet_double(*f),
            JToken::String(s) => s.clone(),
            JToken::Date(d) => d.invariant_culture(),
            JToken::Array(_) | JToken::Object(_) => self.to_indented_json(),
        }
    }

    /// The token as indented JSON (`Formatting.Indented`).
    pub fn to_indented_json(&self) -> String {
        let mut out = String::new();
        write_indented(self, 0, &mut out);
        out
    }

    /// An object's property by exact name.
    pub fn get(&self, name: &str) -> Option<&JToken> {
        match self {
            JToken::Object(props) => props.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

const NEWLINE: &str = "\n";
const INDENT: &str = "  ";

fn write_indented(token: &JToken, depth: usize, out: &mut String) {
    match token {
        JToken::Null => out.push_str("null"),
        JToken::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        JToken::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        JToken::BigInteger(n) => {
            let _ = write!(out, "{n}");
        }
        JToken::Float(f) => out.push_str(&json_double(*f)),
        JToken::String(s) => write_string(s, out),
        JToken::Date(d) => {
            out.push('"');
            out.push_str(&d.iso());
            out.push('"');
        }
        JToken::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_indented(item, depth + 1, out);
            }
            newline(depth, out);
            out.push(']');
        }
        JToken::Object(props) => {
            if props.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (name, value)) in props.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(depth + 1, out);
                write_string(name, out);
                out.push_str(": ");
                write_indented(value, depth + 1, out);
            }
            newline(depth, out);
            out.push('}');
        }
    }
}

fn newline(depth: usize, out: &mut String) {
    out.push_str(NEWLINE);
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

/// A JSON string literal with Newtonsoft's default escapes.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A double as Newtonsoft writes it inside JSON: .NET's round-trip text, `.0` added to a whole
/// number (`JsonConvert.EnsureDecimalPlace`).
pub fn json_double(value: f64) -> String {
    let text = dotnet_double(value);
    if !value.is_finite() || text.contains(['.', 'E']) {
        text
    } else {
        text + ".0"
    }
}

/// `double.ToString("R", InvariantCulture)` on .NET Core 3.0+: the shortest digits that round-trip,
/// in fixed notation for decimal exponents -5 < e < 15 and `d.dddE+XX` otherwise.
pub fn dotnet_double(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345e-7`.
    let sci = format!("{value:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if digits == "0" {
        out.push('0');
        return out;
    }
    if (-5 < exponent) && exponent < 15 {
        if exponent >= 0 {
            let int_len = exponent as usize + 1;
            if digits.len() <= int_len {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            } else {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "E{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.unsigned_abs()
        );
    }
    out
}

impl HostDate {
    /// Newtonsoft's `DateTimeUtils.TryParseDateTime` for a string value read with
    /// `DateParseHandling.DateTime`: `None` when the text is not a date to it.
    pub fn parse(text: &str) -> Option<HostDate> {
        let chars: Vec<char> = text.chars().collect();
        // The guard in TryParseDateTime: 19–40 UTF-16 units, a digit first and 'T' at 10.
        let units = text.encode_utf16().count();
        if !(19..=40).contains(&units)
            || !chars.first().is_some_and(char::is_ascii_digit)
            || chars.get(10) != Some(&'T')
        {
            return None;
        }
        let parsed = IsoParts::parse(&chars)?;
        let date =
            Date::from_calendar_date(parsed.year, Month::try_from(parsed.month).ok()?, parsed.day)
                .ok()?;
        let (hour, next_day) = if parsed.hour == 24 {
            (0, true)
        } else {
            (parsed.hour, false)
        };
        let time =
            Time::from_hms_nano(hour, parsed.minute, parsed.second, parsed.fraction * 100).ok()?;
        let mut at = PrimitiveDateTime::new(date, time);
        if next_day {
            at = at.checked_add(Duration::days(1))?;
        }
        let kind = match parsed.zone {
            Zone::Unspecified => DateKind::Unspecified,
            Zone::Utc => DateKind::Utc,
            Zone::Offset {
                east,
                hours,
                minutes,
            } => {
                let offset =
                    Duration::hours(i64::from(hours)) + Duration::minutes(i64::from(minutes));
                // To UTC, then to the host's local zone (UTC): the same instant, kind Local.
                let utc = if east {
                    at.checked_sub(offset)
                } else {
                    at.checked_add(offset)
                };
                // Out of DateTime's range .NET keeps the unconverted time; so do we.
                if let Some(utc) = utc.filter(|u| (1..=9999).contains(&u.year())) {
                    at = utc;
                }
                DateKind::Local
            }
        };
        Some(HostDate { at, kind })
    }

    /// `DateTimeUtils.WriteDateTimeString` in ISO form (`IsoDateFormat`, `RoundtripKind`).
    pub fn iso(&self) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.at.year(),
            u8::from(self.at.month()),
            self.at.day(),
            self.at.hour(),
            self.at.minute(),
            self.at.second()
        );
        let ticks = self.at.nanosecond() / 100;
        if ticks != 0 {
            let fraction = format!("{ticks:07}");
            out.push('.');
            out.push_str(fraction.trim_end_matches('0'));
        }
        match self.kind {
            DateKind::Unspecified => {}
            DateKind::Utc => out.push('Z'),
            DateKind::Local => out.push_str("+00:00"),
        }
        out
    }

    /// `DateTime.ToString()` in the invariant culture (a date item at the top of an output array).
    pub fn invariant_culture(&self) -> String {
        format!(
            "{:02}/{:02}/{:04} {:02}:{:02}:{:02}",
            u8::from(self.at.month()),
            self.at.day(),
            self.at.year(),
            self.at.hour(),
            self.at.minute(),
            self.at.second()
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Zone {
    Unspecified,
    Utc,
    Offset { east: bool, hours: u8, minutes: u8 },
}

/// The fields `DateTimeParser.Parse` reads, with its rules: a 4-digit year ≥ 1, month 1–12, a
/// day that exists, `T`, hour ≤ 24 (24 only as 24:00:00), minute and second < 60, an optional
/// fraction of 1–7 digits, then `Z`, `±HH`, `±HH:mm` or `±HHmm` (each part ≤ 99), then the end.
struct IsoParts {
    year: i32,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    /// In 100 ns ticks.
    fraction: u32,
    zone: Zone,
}

impl IsoParts {
    fn parse(t: &[char]) -> Option<IsoParts> {
        let digit = |i: usize| t.get(i).and_then(|c| c.to_digit(10));
        let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
        let four = |i: usize| Some(two(i)? * 100 + two(i + 2)?);
        let is = |i: usize, c: char| t.get(i) == Some(&c);

        let year = four(0)?;
        let month = two(5)?;
        let day = two(8)?;
        if year < 1 || !is(4, '-') || !is(7, '-') || !(1..=12).contains(&month) || day < 1 {
            return None;
        }
        if !is(10, 'T') {
            return None;
        }
        let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
        if !is(13, ':') || !is(16, ':') || hour > 24 || minute >= 60 || second >= 60 {
            return None;
        }
        if hour == 24 && (minute != 0 || second != 0) {
            return None;
        }
        let mut i = 19;
        let mut fraction = 0u32;
        if is(i, '.') {
            let mut count = 0;
            while count < 7 {
                match digit(i + 1) {
                    Some(d) => {
                        fraction = fraction * 10 + d;
                        count += 1;
                        i += 1;
                    }
                    None => break,
                }
            }
            i += 1;
            if count == 0 {
                return None;
            }
            fraction *= 10u32.pow(7 - count);
            if hour == 24 && fraction != 0 {
                return None;
            }
        }
        let end = t.len();
        let mut zone = Zone::Unspecified;
        match t.get(i) {
            None => {}
            Some('Z' | 'z') => {
                zone = Zone::Utc;
                i += 1;
            }
            Some(&sign) => {
                let mut east = None;
                let mut hours = 0;
                if i + 2 < end {
                    if let (Some(h), true) = (two(i + 1), matches!(sign, '+' | '-')) {
                        east = Some(sign == '+');
                        hours = h;
                        i += 3;
                    }
                }
                let mut minutes = 0;
                if i < end {
                    // Like Newtonsoft, a ':' is consumed even when no minutes follow it.
                    if is(i, ':') {
                        i += 1;
                    }
                    if i + 1 < end {
                        if let Some(m) = two(i) {
                            minutes = m;
                            i += 2;
                        }
                    }
                }
                if let Some(east) = east {
                    zone = Zone::Offset {
                        east,
                        hours: hours as u8,
                        minutes: minutes as u8,
                    };
                }
            }
        }
        if i != end {
            return None;
        }
        Some(IsoParts {
            year: year as i32,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            fraction,
            zone,
        })
    }
}

/// `Convert.FromBase64String`: what the host tries on every top-level string output (§0.2).
/// Whitespace is ignored; the rest must be base64 with correct padding.
pub fn dotnet_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect();
    if !compact.len().is_multiple_of(4) {
        return None;
    }
    azure_core::base64::decode(compact.as_bytes()).ok()
}

struct TokenSeed(DateParseHandling);

impl<'de> DeserializeSeed<'de> for TokenSeed {
    type Value = JToken;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<JToken, D::Error> {
        deserializer.deserialize_any(TokenVisitor(self.0))
    }
}

struct TokenVisitor(DateParseHandling);

impl<'de> Visitor<'de> for TokenVisitor {
    type Value = JToken;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<JToken, E> {
        Ok(JToken::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<JToken, E> {
        Ok(JToken::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<JToken, E> {
        Ok(JToken::Integer(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<JToken, E> {
        Ok(i64::try_from(v).map_or(JToken::BigInteger(v), JToken::Integer))
    }
    fn visit_f64<E>(self, v: f64) -> Result<JToken, E> {
        Ok(JToken::Float(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<JToken, E> {
        self.visit_string(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<JToken, E> {
        if self.0 == DateParseHandling::DateTime {
            if let Some(date) = HostDate::parse(&v) {
                return Ok(JToken::Date(date));
            }
        }
        Ok(JToken::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JToken, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(TokenSeed(self.0))? {
            items.push(item);
        }
        Ok(JToken::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JToken, A::Error> {
        let mut props: Vec<(String, JToken)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(TokenSeed(self.0))?;
            match props.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = value,
                None => props.push((name, value)),
            }
        }
        Ok(JToken::Object(props))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> String {
        JToken::parse(text, DateParseHandling::DateTime)
            .unwrap()
            .to_host_string()
    }

    #[test]
    fn objects_are_indented_like_jobject_to_string() {
        let text = r#"{"b":1,"a":[1,{"x":null}],"e":{},"f":[],"s":"q\"\u0001\u2028é/"}"#;
        assert_eq!(
            host(text),
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    {\n      \"x\": null\n    }\n  ],\n  \"e\": {},\n  \"f\": [],\n  \"s\": \"q\\\"\\u0001\\u2028é/\"\n}"
        );
        // A repeated key keeps its first place and its last value.
        assert_eq!(
            host(r#"{"a":1,"b":2,"a":3}"#),
            "{\n  \"a\": 3,\n  \"b\": 2\n}"
        );
    }

    #[test]
    fn scalars_print_as_dotnet_prints_them() {
        assert_eq!(host(r#""plain text""#), "plain text");
        assert_eq!(host("true"), "True");
        assert_eq!(host("null"), "");
        assert_eq!(host("1.5"), "1.5");
        assert_eq!(host("9223372036854775808"), "9223372036854775808");
        assert_eq!(
            JToken::parse("9223372036854775808", DateParseHandling::None).unwrap(),
            JToken::BigInteger(9223372036854775808)
        );
    }

    #[test]
    fn doubles_use_the_round_trip_format() {
        for (value, text) in [
            (3.0, "3.0"),
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (1e14, "100000000000000.0"),
            (1e15, "1E+15"),
            (1.2345e20, "1.2345E+20"),
            (0.0001, "0.0001"),
            (0.00001, "1E-05"),
            (-1.5e-7, "-1.5E-07"),
            (0.0, "0.0"),
            (123.456, "123.456"),
        ] {
            assert_eq!(json_double(value), text, "{value}");
        }
    }

    #[test]
    fn iso_dates_are_rewritten_as_the_host_rewrites_them() {
        let cases = [
            (
                "2026-11-27T07:00:00.1000000Z",
                Some("2026-11-27T07:00:00.1Z"),
            ),
            ("2026-11-27T07:00:00Z", Some("2026-11-27T07:00:00Z")),
            ("2026-11-27T07:00:00.123456789Z", None),
            (
                "2026-11-27T09:30:00+02:30",
                Some("2026-11-27T07:00:00+00:00"),
            ),
            (
                "2026-11-27T05:00:00-0200",
                Some("2026-11-27T07:00:00+00:00"),
            ),
            ("2026-11-27T07:00:00", Some("2026-11-27T07:00:00")),
            ("2026-11-27T24:00:00Z", Some("2026-11-28T00:00:00Z")),
            ("2026-02-30T07:00:00Z", None),
            ("2026-11-27 07:00:00Z", None),
            ("2026-11-27T07:00Z", None),
            ("2026-11-27T07:00:00.Z", None),
            ("2026-11-27T07:00:00Zx", None),
            ("not a date at all, but long", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                HostDate::parse(text).map(|d| d.iso()),
                expected.map(str::to_owned),
                "{text}"
            );
        }
        // Inside an object the rewritten text is what the extension receives.
        assert_eq!(
            host(r#"{"ReceivedAt":"2026-11-27T07:00:00.1230000Z","Id":"2026-11-27"}"#),
            "{\n  \"ReceivedAt\": \"2026-11-27T07:00:00.123Z\",\n  \"Id\": \"2026-11-27\"\n}"
        );
        // The Tables extension reads without date handling: the text stays.
        let none = JToken::parse(
            r#"{"a":"2026-11-27T07:00:00.1000000Z"}"#,
            DateParseHandling::None,
        )
        .unwrap();
        assert_eq!(
            none.get("a"),
            Some(&JToken::String("2026-11-27T07:00:00.1000000Z".into()))
        );
        // A date item at the top of an array prints in the invariant culture.
        assert_eq!(host(r#""2026-11-27T07:00:00Z""#), "11/27/2026 07:00:00");
    }

    #[test]
    fn base64_is_tried_as_dotnet_tries_it() {
        assert_eq!(dotnet_base64("test"), Some(vec![0xb5, 0xeb, 0x2d]));
        assert_eq!(dotnet_base64(""), Some(Vec::new()));
        assert_eq!(dotnet_base64("dGVz dA=="), Some(b"test".to_vec()));
        assert_eq!(dotnet_base64("{\"a\":1}"), None);
        assert_eq!(dotnet_base64("abc"), None);
    }
}
