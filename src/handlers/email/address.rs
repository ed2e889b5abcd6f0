//! E-mail addresses, parsed once into the one spelling every key and row uses.
//!
//! The recipient state is looked up by key, so the application that checks an address before
//! sending must spell it exactly as the handler did. The rule is therefore short and
//! reproducible in any language: trim white space, then lower-case the ASCII letters `A`–`Z`
//! (nothing else changes). RFC 5321 §2.4 lets a server treat the local part as case-sensitive
//! but discourages relying on it; mailbox providers do not, so `Ann@Contoso.com` and
//! `ann@contoso.com` are one recipient here. Non-ASCII letters are kept as they are, so the rule
//! never depends on a Unicode version.

use crate::events::Sensitive;

/// A canonical e-mail address: trimmed, ASCII lower-cased, `local@domain` with both parts
/// non-empty, no white space or control characters. Its `Debug` is redacted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(Sensitive<String>);

/// Why a field is not an address we can key rows by. Names the field, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("`{field}` is empty")]
    Empty { field: &'static str },
    #[error("`{field}` is not an e-mail address of the form local@domain")]
    NotAnAddress { field: &'static str },
    #[error("`{field}` contains white space or a control character")]
    Whitespace { field: &'static str },
    #[error(
        "`{field}` contains `|`, which separates sender and recipient in `EmailRecipients` keys"
    )]
    Separator { field: &'static str },
}

impl EmailAddress {
    /// Parses an address from the event field `field` (named in the error).
    pub fn parse(text: &str, field: &'static str) -> Result<Self, AddressError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AddressError::Empty { field });
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AddressError::Whitespace { field });
        }
        match text.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {}
            _ => return Err(AddressError::NotAnAddress { field }),
        }
        Ok(EmailAddress(Sensitive(text.to_ascii_lowercase())))
    }

    /// A sender address: also free of `|`, so that `{sender}|{recipient}` names exactly one pair
    /// (the separator is the first `|`). Sender addresses are ours (an ACS MailFrom address), so
    /// the rule costs nothing real; a recipient may contain `|`, as RFC 5322 allows.
    pub fn parse_sender(text: &str, field: &'static str) -> Result<Self, AddressError> {
        let address = EmailAddress::parse(text, field)?;
        if address.as_str().contains('|') {
            return Err(AddressError::Separator { field });
        }
        Ok(address)
    }

    /// The canonical spelling.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_ascii_lower_cased_only() {
        let a = EmailAddress::parse("  Ann.Lee@Contoso.COM ", "data.recipient").unwrap();
        assert_eq!(a.as_str(), "ann.lee@contoso.com");
        assert_eq!(
            EmailAddress::parse("ÉLODIE@exemple.fr", "r")
                .unwrap()
                .as_str(),
            "Élodie@exemple.fr"
        );
        // A quoted local part may hold `@`; the domain is after the last one.
        assert!(EmailAddress::parse("\"a@b\"@contoso.com", "r").is_ok());
        assert!(EmailAddress::parse("a|b@contoso.com", "r").is_ok());
        assert_eq!(format!("{a:?}"), "EmailAddress(<redacted>)");
    }

    #[test]
    fn errors_name_the_field_never_the_value() {
        for (text, expected) in [
            (
                "",
                AddressError::Empty {
                    field: "data.recipient",
                },
            ),
            (
                "   ",
                AddressError::Empty {
                    field: "data.recipient",
                },
            ),
            (
                "ann",
                AddressError::NotAnAddress {
                    field: "data.recipient",
                },
            ),
            (
                "ann@",
                AddressError::NotAnAddress {
                    field: "data.recipient",
                },
            ),
            (
                "@contoso.com",
                AddressError::NotAnAddress {
                    field: "data.recipient",
                },
            ),
            (
                "ann lee@contoso.com",
                AddressError::Whitespace {
                    field: "data.recipient",
                },
            ),
            (
                "ann\u{7}@contoso.com",
                AddressError::Whitespace {
                    field: "data.recipient",
                },
            ),
        ] {
            let err = EmailAddress::parse(text, "data.recipient").unwrap_err();
            assert_eq!(err, expected, "{text:?}");
            assert!(err.to_string().contains("data.recipient"));
            assert!(!err.to_string().contains("ann"), "{err}");
        }
        assert_eq!(
            EmailAddress::parse_sender("no|reply@contoso.com", "data.sender"),
            Err(AddressError::Separator {
                field: "data.sender"
            })
        );
    }
}
