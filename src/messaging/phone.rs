//! SMS addresses, parsed once: a phone number in E.164, a short code, or an alphanumeric sender
//! id. Everything that keys a row or decides who may be texted uses these canonical values, so two
//! spellings of one number can never land on two opt-out histories.
//!
//! Two entry points with different trust:
//! - [`SmsAddress::from_event`] reads what ACS writes in its events: E.164 with or without the
//!   `+` (`15555555555` in the 2020 samples, `+15555555555` today), short codes and sender ids.
//!   ACS never writes national formats, separators or spaces, so those are refused, not guessed.
//! - [`SmsAddress::from_canonical`] and [`E164::parse`] read what another application put in an
//!   outbox message: only the canonical spelling is accepted. `"14255550123"` or
//!   `"1 (425) 555-0123"` would have to be guessed into a number (is `(604) 555-0123` Canada's
//!   +1 604 or Malaysia's +60 4?), and a guess that misses the opt-out history texts a person who
//!   said STOP.
//!
//! Errors name the field and the rule, never the value: a number is personal data.

use std::fmt;

/// Fewest digits of an E.164 number we accept (country code included). The shortest numbers
/// in use have 7 to 8 digits (e.g. +500 and +683 subscriber numbers).
const MIN_E164_DIGITS: usize = 7;
/// ITU-T E.164 §6.1: at most 15 digits, country code included.
const MAX_E164_DIGITS: usize = 15;
/// Short codes are 3 to 8 digits (5–6 in the US and Canada, down to 3–4 and up to 8 elsewhere).
const SHORT_CODE_DIGITS: std::ops::RangeInclusive<usize> = 3..=8;
/// Alphanumeric sender ids: 1 to 11 characters, letters, digits and spaces, at least one letter
/// (the GSM TP-OA limit that ACS applies to alphanumeric sender ids).
const MAX_SENDER_ID_CHARS: usize = 11;

/// A phone number in canonical E.164: `+`, then 7 to 15 digits, the first not `0`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

/// A short code: 3 to 8 digits, no `+`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortCode(String);

/// Who an SMS is from or to, in its canonical spelling.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SmsAddress {
    Phone(E164),
    ShortCode(ShortCode),
    /// A brand name such as `CONTOSO` (send-only: nobody can text it back).
    SenderId(String),
}

/// Why a text is not an SMS address. Carries the field name, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
    #[error(
        "`{field}` is not a canonical E.164 number (`+` and 7 to 15 digits, no spaces or separators)"
    )]
    NotE164 { field: &'static str },
    #[error("`{field}` is not an E.164 number, a short code (3 to 8 digits) or an alphanumeric sender id (1 to 11 letters, digits and spaces)")]
    NotAnSmsAddress { field: &'static str },
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

impl E164 {
    /// Parses the canonical spelling only: `+14255550123`.
    pub fn parse(text: &str, field: &'static str) -> Result<Self, PhoneError> {
        if text.is_empty() {
            return Err(PhoneError::Empty { field });
        }
        text.strip_prefix('+')
            .and_then(Self::from_digits)
            .ok_or(PhoneError::NotE164 { field })
    }

    /// `digits` (no `+`) as an E.164 number, when it has the right length and no leading zero.
    fn from_digits(digits: &str) -> Option<Self> {
        let ok = all_digits(digits)
            && (MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&digits.len())
            && !digits.starts_with('0');
        ok.then(|| E164(format!("+{digits}")))
    }

    /// The canonical text, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number for a log line: see [`mask_digits`].
    pub fn masked(&self) -> String {
        mask_digits(&self.0)
    }
}

impl SmsAddress {
    /// Reads a number from an ACS event: E.164 with or without `+`, a short code, or a sender id.
    /// ACS omits the `+` on some events, so 9 to 15 bare digits are an E.164 number; 3 to 8 bare
    /// digits are a short code. No other spelling is rewritten.
    pub fn from_event(text: &str, field: &'static str) -> Result<Self, PhoneError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty { field });
        }
        if let Some(digits) = text.strip_prefix('+') {
            return E164::from_digits(digits)
                .map(SmsAddress::Phone)
                .ok_or(PhoneError::NotE164 { field });
        }
        if all_digits(text) {
            if SHORT_CODE_DIGITS.contains(&text.len()) {
                return Ok(SmsAddress::ShortCode(ShortCode(text.to_owned())));
            }
            return E164::from_digits(text)
                .map(SmsAddress::Phone)
                .ok_or(PhoneError::NotAnSmsAddress { field });
        }
        Self::sender_id(text).ok_or(PhoneError::NotAnSmsAddress { field })
    }

    /// Reads an address an application wrote in canonical form: `+` E.164, a short code, or a
    /// sender id, exactly (no trimming, no separators).
    pub fn from_canonical(text: &str, field: &'static str) -> Result<Self, PhoneError> {
        if text.is_empty() {
            return Err(PhoneError::Empty { field });
        }
        if text.starts_with('+') {
            return E164::parse(text, field).map(SmsAddress::Phone);
        }
        if all_digits(text) && SHORT_CODE_DIGITS.contains(&text.len()) {
            return Ok(SmsAddress::ShortCode(ShortCode(text.to_owned())));
        }
        if all_digits(text) {
            // Digits without `+`: a number whose canonical form is `+…`; refuse, never guess.
            return Err(PhoneError::NotE164 { field });
        }
        Self::sender_id(text).ok_or(PhoneError::NotAnSmsAddress { field })
    }

    fn sender_id(text: &str) -> Option<Self> {
        let ok = text.chars().count() <= MAX_SENDER_ID_CHARS
            && text.trim() == text
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
            && text.chars().any(|c| c.is_ascii_alphabetic());
        ok.then(|| SmsAddress::SenderId(text.to_owned()))
    }

    /// The canonical text: `+14255550123`, `12345` or `CONTOSO`.
    pub fn as_str(&self) -> &str {
        match self {
            SmsAddress::Phone(number) => number.as_str(),
            SmsAddress::ShortCode(code) => &code.0,
            SmsAddress::SenderId(name) => name,
        }
    }

    /// The phone number, when this is one.
    pub fn as_phone(&self) -> Option<&E164> {
        match self {
            SmsAddress::Phone(number) => Some(number),
            _ => None,
        }
    }

    /// The address for a log line: digits masked by [`mask_digits`]; a sender id is a brand,
    /// but it is masked all the same so that no log line needs a rule of its own.
    pub fn masked(&self) -> String {
        match self {
            SmsAddress::SenderId(_) => "***".to_owned(),
            other => mask_digits(other.as_str()),
        }
    }
}

/// Masks a number for a log line so that operators can tell numbers apart without the log
/// holding one: it reveals at most the first digit (every country code has one) and the last
/// two, and never more than a third of the digits. `+14255550123` → `+1***23`; `+50012345` →
/// `+***45`; `12345` → `***5`. Anything else than digits (and a leading `+`) is hidden.
pub fn mask_digits(text: &str) -> String {
    let plus = if text.starts_with('+') { "+" } else { "" };
    let digits: Vec<char> = text.chars().filter(char::is_ascii_digit).collect();
    let budget = digits.len() / 3;
    let tail = budget.min(2);
    let head = (budget - tail).min(1);
    let head: String = digits[..head].iter().collect();
    let tail: String = digits[digits.len() - tail..].iter().collect();
    format!("{plus}{head}***{tail}")
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164({})", self.masked())
    }
}

impl fmt::Debug for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortCode({})", mask_digits(&self.0))
    }
}

impl fmt::Debug for SmsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsAddress::Phone(number) => number.fmt(f),
            SmsAddress::ShortCode(code) => code.fmt(f),
            SmsAddress::SenderId(_) => f.write_str("SenderId(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_numbers_in_every_spelling_acs_uses() {
        for (text, canonical) in [
            ("15555555555", "+15555555555"),
            ("+15555555555", "+15555555555"),
            (" +14254360097 ", "+14254360097"),
            ("447700900123", "+447700900123"),
            ("+50012345", "+50012345"),
        ] {
            let address = SmsAddress::from_event(text, "from").unwrap();
            assert_eq!(address.as_str(), canonical, "{text:?}");
            assert!(address.as_phone().is_some());
        }
        for (text, canonical) in [
            ("12345", "12345"),
            ("262966", "262966"),
            ("CONTOSO", "CONTOSO"),
        ] {
            let address = SmsAddress::from_event(text, "to").unwrap();
            assert_eq!(address.as_str(), canonical);
            assert!(address.as_phone().is_none());
        }
        assert!(matches!(
            SmsAddress::from_event("12345", "to").unwrap(),
            SmsAddress::ShortCode(_)
        ));
        assert!(matches!(
            SmsAddress::from_event("Contoso Co", "to").unwrap(),
            SmsAddress::SenderId(_)
        ));
    }

    #[test]
    fn national_formats_and_separators_are_refused_never_guessed() {
        for text in [
            "(604) 555-0123",
            "+1 (425) 555-0123",
            "1-425-555-0123",
            "+0123456789",
            "+123",
            "+1234567890123456",
            "0425550123",
            "CONTOSO LTD SMS",
            "a@b.c",
            "",
        ] {
            let err = SmsAddress::from_event(text, "from").unwrap_err();
            let message = err.to_string();
            assert!(message.contains("`from`"), "{message}");
            if text.len() > 3 {
                assert!(!message.contains(text), "{message}");
            }
        }
    }

    #[test]
    fn outbox_numbers_must_already_be_canonical() {
        assert_eq!(
            E164::parse("+14255550123", "to").unwrap().as_str(),
            "+14255550123"
        );
        for text in [
            "14255550123",
            "1 (425) 555-0123",
            "+1 425 555 0123",
            " +14255550123",
            "+14255550123 ",
            "(604) 555-0123",
            "+1-425-555-0123",
            "tel:+14255550123",
            "12345",
            "",
        ] {
            assert!(E164::parse(text, "to").is_err(), "{text:?}");
        }
        assert!(SmsAddress::from_canonical("+18005550100", "from").is_ok());
        assert!(SmsAddress::from_canonical("12345", "from").is_ok());
        assert!(SmsAddress::from_canonical("CONTOSO", "from").is_ok());
        for text in ["18005550100", "+1 800 555 0100", " 12345", "1-800-CONTOSO"] {
            assert!(
                SmsAddress::from_canonical(text, "from").is_err(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn masks_reveal_at_most_a_third_of_the_digits() {
        assert_eq!(mask_digits("+14255550123"), "+1***23");
        assert_eq!(mask_digits("+50012345"), "+***45");
        assert_eq!(mask_digits("12345"), "***5");
        assert_eq!(mask_digits("123"), "***3");
        for digits in 3..=15usize {
            let number: String = (0..digits)
                .map(|i| char::from(b'1' + (i % 9) as u8))
                .collect();
            for text in [number.clone(), format!("+{number}")] {
                let masked = mask_digits(&text);
                let shown = masked.chars().filter(char::is_ascii_digit).count();
                assert!(shown * 3 <= digits, "{text} → {masked}");
                assert!(shown <= 3, "{text} → {masked}");
                // What is shown is at most the first digit and the last two.
                let tail = &number[digits - 2..];
                let revealed: String = masked.chars().filter(char::is_ascii_digit).collect();
                assert!(
                    revealed.is_empty()
                        || revealed.ends_with(&tail[2 - revealed.len().min(2)..])
                        || revealed.len() == 3,
                    "{text} → {masked}"
                );
                assert!(!masked.contains(&number[1..]), "{text} → {masked}");
            }
        }
        let address = SmsAddress::from_event("CONTOSO", "to").unwrap();
        assert_eq!(address.masked(), "***");
        assert_eq!(format!("{address:?}"), "SenderId(<redacted>)");
        let phone = SmsAddress::from_event("+14255550123", "to").unwrap();
        assert_eq!(format!("{phone:?}"), "E164(+1***23)");
    }
}
