//! Who a WhatsApp user is: one rule, used for every table, queue message and outbox message.
//!
//! Since 2026-03-31 WhatsApp users may hide their phone number; ACS then sends `from` empty (or
//! `null`) and identifies the user by a business-scoped user id, a BSUID such as
//! `US.13491208655302741918` (`fromBSUID`, `toBSUID`; the event subject may carry it too). So:
//!
//! **A user is keyed by their phone number when the event carries one, and by their BSUID
//! otherwise.**
//!
//! 1. `from` (inbound) / `to` (delivery status) when it is a phone number, in the spelling ACS
//!    uses (E.164 with or without `+`), keyed canonically as `+14255550123`;
//! 2. else the BSUID of `fromBSUID` / `toBSUID`, as sent;
//! 3. else the BSUID in the subject (`advancedMessage/sender/{BSUID}/recipient/…`);
//! 4. else `from` / `to` as ACS wrote it, trimmed (an identifier that is neither: kept, never
//!    rewritten, so that a new format still gets its messages stored);
//! 5. nothing at all is an error naming the fields.
//!
//! The phone number and the BSUID, when the event has them, are both stored on every row. A
//! phone key (`+…`) and a BSUID key (`CC.…`) can never be equal. A person who first writes with
//! their number and later hides it gets a second key: the event does not say that the two
//! belong together (the docs promise the BSUID on every event from 2026-03-31, so a reader can
//! join rows on the `Bsuid` property). Both are personal data: [`WhatsAppUser::masked`] is the
//! only form that may reach a log line.

use std::fmt;

use super::phone::{mask_digits, SmsAddress, E164};

/// The longest BSUID body after the country code (the docs: up to 128 alphanumerics).
const MAX_BSUID_BODY: usize = 128;

/// Why no user identifier could be read. Names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhatsAppIdError {
    #[error(
        "the event identifies nobody: `{phone_field}`, `{bsuid_field}` and the subject are empty"
    )]
    Missing {
        phone_field: &'static str,
        bsuid_field: &'static str,
    },
    #[error("`{field}` is neither a canonical E.164 number (`+` and 7 to 15 digits) nor a BSUID (`CC.` and 1 to 128 letters or digits)")]
    NotAnIdentifier { field: &'static str },
}

/// Whether `text` is a BSUID: an ISO country code of two letters, `.`, 1 to 128 alphanumerics.
pub fn is_bsuid(text: &str) -> bool {
    let Some((country, body)) = text.split_once('.') else {
        return false;
    };
    country.len() == 2
        && country.bytes().all(|b| b.is_ascii_alphabetic())
        && (1..=MAX_BSUID_BODY).contains(&body.len())
        && body.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A WhatsApp user as the rule reads them (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct WhatsAppUser {
    key: String,
    phone: Option<E164>,
    bsuid: Option<String>,
}

impl WhatsAppUser {
    /// Reads the user of an event: `phone` is `from`/`to`, `bsuid` is `fromBSUID`/`toBSUID`.
    pub fn from_event(
        phone: &str,
        bsuid: Option<&str>,
        subject: Option<&str>,
        phone_field: &'static str,
        bsuid_field: &'static str,
    ) -> Result<Self, WhatsAppIdError> {
        let phone_text = phone.trim();
        let number = match SmsAddress::from_event(phone_text, phone_field) {
            Ok(SmsAddress::Phone(number)) => Some(number),
            _ => None,
        };
        let bsuid = bsuid
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned)
            .or_else(|| subject.and_then(subject_bsuid).map(str::to_owned));
        let key = match (&number, &bsuid) {
            (Some(number), _) => number.as_str().to_owned(),
            (None, Some(bsuid)) => bsuid.clone(),
            (None, None) if !phone_text.is_empty() => phone_text.to_owned(),
            (None, None) => {
                return Err(WhatsAppIdError::Missing {
                    phone_field,
                    bsuid_field,
                })
            }
        };
        Ok(WhatsAppUser {
            key,
            phone: number,
            bsuid,
        })
    }

    /// Reads a recipient an application wrote in an outbox message: a canonical E.164 number
    /// or a BSUID, exactly. Anything else would have to be guessed, and a guess that misses the
    /// opt-out history messages a person who said STOP.
    pub fn from_canonical(text: &str, field: &'static str) -> Result<Self, WhatsAppIdError> {
        if let Ok(number) = E164::parse(text, field) {
            return Ok(WhatsAppUser {
                key: number.as_str().to_owned(),
                phone: Some(number),
                bsuid: None,
            });
        }
        if is_bsuid(text) {
            return Ok(WhatsAppUser {
                key: text.to_owned(),
                phone: None,
                bsuid: Some(text.to_owned()),
            });
        }
        Err(WhatsAppIdError::NotAnIdentifier { field })
    }

    /// The key of this user in every table and message.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The phone number, when the event had one.
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_ref().map(E164::as_str)
    }

    /// The BSUID, when the event had one.
    pub fn bsuid(&self) -> Option<&str> {
        self.bsuid.as_deref()
    }

    /// The user for a log line: a number masked as SMS numbers are, a BSUID as its country
    /// code only, anything else not at all.
    pub fn masked(&self) -> String {
        mask_key(&self.key)
    }
}

/// Any user key for a log line (see [`WhatsAppUser::masked`]).
pub fn mask_key(key: &str) -> String {
    if key.starts_with('+') {
        mask_digits(key)
    } else if is_bsuid(key) {
        format!("{}.***", &key[..2])
    } else {
        "***".to_owned()
    }
}

/// The BSUID in a subject `advancedMessage/sender/{id}/recipient/{channel}`, if it is one.
fn subject_bsuid(subject: &str) -> Option<&str> {
    let (_, rest) = subject.split_once("/sender/")?;
    let id = rest.split('/').next()?;
    is_bsuid(id).then_some(id)
}

impl fmt::Debug for WhatsAppUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WhatsAppUser({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BSUID: &str = "US.13491208655302741918";

    fn read(phone: &str, bsuid: Option<&str>, subject: Option<&str>) -> WhatsAppUser {
        WhatsAppUser::from_event(phone, bsuid, subject, "from", "fromBSUID").unwrap()
    }

    #[test]
    fn the_phone_number_wins_then_the_bsuid_then_the_subject() {
        let both = read("14254360097", Some(BSUID), None);
        assert_eq!(both.key(), "+14254360097");
        assert_eq!(both.phone(), Some("+14254360097"));
        assert_eq!(both.bsuid(), Some(BSUID));
        let hidden = read("", Some(BSUID), None);
        assert_eq!(hidden.key(), BSUID);
        assert_eq!(hidden.phone(), None);
        let subject = format!("advancedMessage/sender/{BSUID}/recipient/11111111");
        assert_eq!(read("", None, Some(&subject)).key(), BSUID);
        assert!(WhatsAppUser::from_event(
            " ",
            None,
            Some("advancedMessage/sender//recipient/x"),
            "from",
            "fromBSUID"
        )
        .is_err());
        // Neither: kept as written (the docs samples' placeholders).
        let other = read("{sender@id}", None, None);
        assert_eq!(other.key(), "{sender@id}");
        assert_eq!(other.masked(), "***");
        let err = WhatsAppUser::from_event("", None, None, "from", "fromBSUID").unwrap_err();
        assert!(err.to_string().contains("`fromBSUID`"), "{err}");
    }

    #[test]
    fn outbox_recipients_must_be_canonical_and_masks_hide_them() {
        assert_eq!(
            WhatsAppUser::from_canonical("+14255550123", "to")
                .unwrap()
                .key(),
            "+14255550123"
        );
        assert_eq!(
            WhatsAppUser::from_canonical(BSUID, "to").unwrap().masked(),
            "US.***"
        );
        for bad in ["14255550123", "US.", "USA.1", "US.12-3", "", "{sender@id}"] {
            let err = WhatsAppUser::from_canonical(bad, "to").unwrap_err();
            assert_eq!(err, WhatsAppIdError::NotAnIdentifier { field: "to" });
        }
        let user = read("+14255550123", Some(BSUID), None);
        assert_eq!(format!("{user:?}"), "WhatsAppUser(+1***23)");
        assert!(!is_bsuid(&format!("US.{}", "1".repeat(129))));
    }
}
