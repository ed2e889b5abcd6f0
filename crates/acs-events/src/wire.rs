//! Small serde building blocks for ACS wire quirks: extensible string enums that never fail,
//! integers that arrive as numbers or numeric strings, and a redacting wrapper for personal data.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize};

/// Defines an extensible string enum: matching is ASCII case-insensitive, serialization writes the
/// canonical wire spelling, and a value we do not know lands in `UnknownValue` (keeping its spelling)
/// instead of failing the event. All ACS enums are extensible on the service side.
macro_rules! extensible_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        ///
        /// Extensible, as the Azure SDKs' enums are: a value the service adds later parses as
        /// [`UnknownValue`](Self::UnknownValue) with its text, never as an error, matching is
        /// case-insensitive, and the enum is `#[non_exhaustive]` so that a variant added in a
        /// later version of this crate is not a breaking change.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version does not know, as sent.
            UnknownValue(String),
        }

        impl $name {
            /// The canonical wire spelling (or the original text for `UnknownValue`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::UnknownValue(text) => text,
                }
            }

            /// Case-insensitive lookup that never fails.
            pub fn from_wire(text: &str) -> Self {
                $(if text.eq_ignore_ascii_case($wire) { return Self::$variant; })+
                Self::UnknownValue(text.to_owned())
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::from_wire(text)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            /// Never fails: an unknown value is [`UnknownValue`](Self::UnknownValue).
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(text))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::from_wire(&text))
            }
        }
    };
}
pub(crate) use extensible_enum;

/// An `i64` sent either as a JSON number or as a numeric string (chat `version` in `*InThread`
/// events is a string, in per-user events a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Int64(pub i64);

impl<'de> Deserialize<'de> for Int64 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Int64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string holding an integer")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Int64, E> {
                Ok(Int64(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Int64, E> {
                i64::try_from(v)
                    .map(Int64)
                    .map_err(|_| E::custom(format!("integer {v} is out of range")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Int64, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Int64(v as i64))
                } else {
                    Err(E::custom(format!("{v} is not an integer")))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Int64, E> {
                v.trim()
                    .parse::<i64>()
                    .map(Int64)
                    .map_err(|_| E::custom(format!("{:?} is not an integer", truncate(v))))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl From<Int64> for i64 {
    fn from(value: Int64) -> Self {
        value.0
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Personal data (phone numbers, e-mail addresses, message text): serialized as is, but its
/// `Debug` never shows the value, so a stray `{:?}` or `tracing` field cannot leak it.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sensitive<T>(pub T);

impl<T> Deref for Sensitive<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

impl Sensitive<String> {
    /// The value as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extensible_enum! {
        /// Test enum.
        pub enum Color { Red => "Red", DarkBlue => "darkBlue" }
    }

    #[test]
    fn extensible_enum_is_case_insensitive_and_keeps_unknowns() {
        let parsed: Vec<Color> = serde_json::from_str(r#"["red","DARKBLUE","Green"]"#).unwrap();
        assert_eq!(
            parsed,
            vec![
                Color::Red,
                Color::DarkBlue,
                Color::UnknownValue("Green".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["Red","darkBlue","Green"]"#
        );
    }

    #[test]
    fn extensible_enum_converts_from_text_like_the_azure_sdks() {
        assert_eq!(Color::from("DARKblue"), Color::DarkBlue);
        assert_eq!("red".parse::<Color>(), Ok(Color::Red));
        assert_eq!(
            "Teal".parse::<Color>().map(|c| c.to_string()),
            Ok("Teal".to_owned())
        );
    }

    #[test]
    fn int64_accepts_numbers_and_numeric_strings() {
        let v: Vec<Int64> =
            serde_json::from_str(r#"[1613783230064, "1613783230064", " 7 "]"#).unwrap();
        assert_eq!(
            v,
            vec![Int64(1613783230064), Int64(1613783230064), Int64(7)]
        );
        assert!(serde_json::from_str::<Int64>(r#""12a""#).is_err());
        assert!(serde_json::from_str::<Int64>("1.5").is_err());
        assert!(serde_json::from_str::<Int64>("18446744073709551615").is_err());
    }

    #[test]
    fn sensitive_debug_hides_the_value() {
        let s = Sensitive("+15555555555".to_string());
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(serde_json::to_string(&s).unwrap(), r#""+15555555555""#);
    }
}

/// Longest map key or field name a JSON path shows as is.
const MAX_PATH_NAME: usize = 64;

/// A JSON path for a log line or an error body: field names as they are, array indices, and
/// `<key>` in place of anything that is not a plain ASCII identifier. Map keys are chosen by
/// users (chat `metadata`, SIP headers, Job Router labels) and may be a phone number or an
/// address; the maps themselves are typed as [`UserMap`], whose keys never enter a path, and
/// this is the second line of defence.
pub fn safe_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                let _ = fmt::Write::write_fmt(&mut out, format_args!("[{index}]"));
            }
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                let plain = !key.is_empty()
                    && key.len() <= MAX_PATH_NAME
                    && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && !key.as_bytes()[0].is_ascii_digit();
                out.push_str(if plain { key } else { "<key>" });
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// serde's message for a value that does not fit, without the value: serde quotes the offending
/// value (``invalid type: integer `14255550123`, expected a string``), and our own parsers quote
/// what they could not read. Only what was *expected* (written by our types) and field names
/// are kept.
pub fn safe_message(message: &str) -> String {
    if let Some((_, expected)) = message.split_once(", expected ") {
        return format!("wrong type or value, expected {expected}");
    }
    for keep in ["missing field `", "duplicate field `"] {
        if message.starts_with(keep) {
            return message.to_owned();
        }
    }
    "a value of the wrong type or format".to_owned()
}

/// A map whose keys are chosen by users (chat `metadata`, thread `properties`, SIP headers, …),
/// kept as JSON values. Its entries are read without tracking their keys in error paths, so a
/// key that is a phone number or an address never reaches a log line; and any JSON value is
/// accepted (`null` included), so an odd metadata value never dead-letters a chat message.
#[derive(Clone, PartialEq, Default, Serialize)]
#[serde(transparent)]
pub struct UserMap(pub serde_json::Map<String, serde_json::Value>);

impl<'de> Deserialize<'de> for UserMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // `Value` accepts any JSON, so the only errors here are not-a-map, which has no key.
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Object(map) => Ok(UserMap(map)),
            _ => Err(serde::de::Error::custom(
                "wrong type or value, expected an object",
            )),
        }
    }
}

impl fmt::Debug for UserMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserMap(<{} redacted entries>)", self.0.len())
    }
}

impl Deref for UserMap {
    type Target = serde_json::Map<String, serde_json::Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
