//! Azure Storage's limits that make a write fail for good, and the check for each.
//!
//! Azurite 3.35 enforces some of them and not others (read in its source, `TableHandler.ts`,
//! `TableBatchOrchestrator.ts`, `MessagesHandler.ts`, and confirmed by `tests/it/storage.rs`):
//!
//! | limit | Azure | Azurite |
//! |---|---|---|
//! | string property | 64 KiB as UTF-16 | enforced (`length > 32 * 1024`) |
//! | entity size | 1 MiB by the size formula | only the UTF-8 request body, and only on updates (inserts: 4 MiB) |
//! | custom properties | 252 | not enforced |
//! | property names | C# identifier, ≤ 255 characters | not enforced |
//! | key size | 1 KiB (512 UTF-16 units) | enforced |
//! | key characters | no `/ \ # ?` or control characters | enforced |
//! | entities per batch | 100 | enforced |
//! | batch payload | 4 MiB | enforced |
//! | queue message | 64 KiB of message text | enforced |
//!
//! The writer checks all of them itself, so a write fails where real Azure would fail it, with an
//! error that names the limit, and not only where Azurite happens to notice.

use std::fmt;

/// Custom properties per entity: 255 including `PartitionKey`, `RowKey` and `Timestamp`.
/// Source: learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
/// ("Property limitations").
pub const MAX_CUSTOM_PROPERTIES: usize = 252;

/// Total entity size, computed as [`entity_size`] does. Source: the same page ("The total size of
/// all data in an entity can't exceed 1 MiB").
pub const MAX_ENTITY_BYTES: usize = 1024 * 1024;

/// Property name length in characters. Source: the same page ("Property names").
pub const MAX_PROPERTY_NAME_CHARS: usize = 255;

/// A string property: 64 KiB as UTF-16, i.e. 32 K code units. Source: the same page ("Property
/// types": "String … can be up to 64 KiB in size").
pub const MAX_STRING_UTF16_UNITS: usize = 32 * 1024;

/// A binary property: 64 KiB. Source: the same page.
pub const MAX_BINARY_BYTES: usize = 64 * 1024;

/// `PartitionKey`/`RowKey`: 1 KiB as UTF-16, i.e. 512 code units. Source: the same page
/// ("PartitionKey property", "RowKey property").
pub const MAX_KEY_UTF16_UNITS: usize = 512;

/// Entities per entity-group transaction. Source: learn.microsoft.com/rest/api/storageservices/
/// performing-entity-group-transactions ("can include at most 100 entities").
pub const MAX_BATCH_ENTITIES: usize = 100;

/// The payload of one transaction. Source: the same page ("total payload … at most 4 MiB").
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Queue message text (after the Queues extension's base64 encoding). Source:
/// learn.microsoft.com/rest/api/storageservices/put-message ("up to 64 KiB in size"); the service
/// answers `413 RequestBodyTooLarge … MaxLimit: 65536` (functions-outputs.md §4).
pub const MAX_QUEUE_MESSAGE_BYTES: usize = 64 * 1024;

/// Blob names. Source: learn.microsoft.com/rest/api/storageservices/
/// naming-and-referencing-containers--blobs--and-metadata ("1 to 1,024 characters").
pub const MAX_BLOB_NAME_CHARS: usize = 1024;

/// A limit a write would exceed. Values are never included: only sizes, counts and names that
/// come from our code (property names), so no personal data reaches an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Limit {
    #[error("property `{property}` is {units} UTF-16 code units; Azure Tables allow {max} (64 KiB)", max = MAX_STRING_UTF16_UNITS)]
    StringProperty { property: String, units: usize },
    #[error("binary property `{property}` is {bytes} bytes; Azure Tables allow {max}", max = MAX_BINARY_BYTES)]
    BinaryProperty { property: String, bytes: usize },
    #[error("the entity is {bytes} bytes by Azure's size formula; Azure Tables allow {max} (1 MiB)", max = MAX_ENTITY_BYTES)]
    EntitySize { bytes: usize },
    #[error("the entity has {count} custom properties; Azure Tables allow {max}", max = MAX_CUSTOM_PROPERTIES)]
    PropertyCount { count: usize },
    #[error("property name `{property}` {reason}")]
    PropertyName {
        property: String,
        reason: NameProblem,
    },
    #[error("{key} is {units} UTF-16 code units; Azure Tables allow {max} (1 KiB)", max = MAX_KEY_UTF16_UNITS)]
    KeySize { key: &'static str, units: usize },
    #[error("{key} contains U+{code:04X}, which Azure Tables do not allow in keys (/ \\ # ? and control characters)")]
    KeyCharacter { key: &'static str, code: u32 },
    #[error("the transaction is {bytes} bytes; Azure Tables allow {max} (4 MiB) per entity-group transaction", max = MAX_BATCH_BYTES)]
    BatchSize { bytes: usize },
    #[error("the queue message is {bytes} bytes after encoding; Azure Queues allow {max} (64 KiB)", max = MAX_QUEUE_MESSAGE_BYTES)]
    QueueMessage { bytes: usize },
    #[error("the queue message contains U+{code:04X}, which cannot travel in the XML body of Put Message (messageEncoding none)")]
    QueueCharacter { code: u32 },
    /// The name itself is left out: it may be resolved from event data.
    #[error("the {what} name is not valid: it {reason}")]
    ResourceName {
        what: &'static str,
        reason: &'static str,
    },
}

/// What is wrong with a property name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    TooLong(usize),
    NotAnIdentifier,
    Empty,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameProblem::TooLong(chars) => write!(
                f,
                "is {chars} characters; Azure Tables allow {MAX_PROPERTY_NAME_CHARS}"
            ),
            NameProblem::NotAnIdentifier => f.write_str(
                "is not a C# identifier (letters, digits and `_`, not starting with a digit), as Azure Tables require",
            ),
            NameProblem::Empty => f.write_str("is empty"),
        }
    }
}

/// UTF-16 code units of a string (how Azure measures keys and strings).
pub fn utf16_units(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// A `PartitionKey`/`RowKey` against the size and character rules.
pub fn check_key(key: &'static str, value: &str) -> Result<(), Limit> {
    if let Some(ch) = value.chars().find(|c| forbidden_in_key(*c)) {
        return Err(Limit::KeyCharacter {
            key,
            code: ch as u32,
        });
    }
    let units = utf16_units(value);
    if units > MAX_KEY_UTF16_UNITS {
        return Err(Limit::KeySize { key, units });
    }
    Ok(())
}

/// The characters Azure disallows in keys: `/ \ # ?`, U+0000–U+001F and U+007F–U+009F. Source:
/// the data-model page ("Characters disallowed in key fields").
pub fn forbidden_in_key(ch: char) -> bool {
    matches!(ch, '/' | '\\' | '#' | '?') || ch.is_control()
}

/// A property name against Azure's rules: up to 255 characters, a C# identifier. We approximate
/// C#'s identifier classes with Unicode `Alphabetic` (start) and `Alphanumeric` (rest), plus `_`.
pub fn check_property_name(name: &str) -> Result<(), Limit> {
    let problem = |reason| Limit::PropertyName {
        property: clip(name),
        reason,
    };
    let chars = name.chars().count();
    if chars == 0 {
        return Err(problem(NameProblem::Empty));
    }
    if chars > MAX_PROPERTY_NAME_CHARS {
        return Err(problem(NameProblem::TooLong(chars)));
    }
    let mut it = name.chars();
    let first_ok = it.next().is_some_and(|c| c == '_' || c.is_alphabetic());
    if !first_ok || !it.all(|c| c == '_' || c.is_alphanumeric()) {
        return Err(problem(NameProblem::NotAnIdentifier));
    }
    Ok(())
}

/// Table names: 3–63 alphanumeric characters, not starting with a digit, not `tables`. Source:
/// the data-model page ("Table names").
pub fn check_table_name(name: &str) -> Result<(), Limit> {
    let bad = |reason| Limit::ResourceName {
        what: "table",
        reason,
    };
    if !(3..=63).contains(&name.len()) {
        return Err(bad("must be 3 to 63 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(bad("may contain only letters and digits"));
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(bad("may not start with a digit"));
    }
    if name.eq_ignore_ascii_case("tables") {
        return Err(bad("`tables` is reserved"));
    }
    Ok(())
}

/// Queue and container names: 3–63 lower-case letters, digits and single hyphens, starting and
/// ending with a letter or digit. Sources: learn.microsoft.com/rest/api/storageservices/
/// naming-queues-and-metadata and naming-and-referencing-containers--blobs--and-metadata.
pub fn check_dns_name(what: &'static str, name: &str) -> Result<(), Limit> {
    let bad = |reason| Limit::ResourceName { what, reason };
    if !(3..=63).contains(&name.len()) {
        return Err(bad("must be 3 to 63 characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(
            "may contain only lower-case letters, digits and hyphens",
        ));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(bad(
            "must start and end with a letter or digit, with no two hyphens in a row",
        ));
    }
    Ok(())
}

/// Blob names: 1–1024 characters. Source: the container-naming page above.
pub fn check_blob_name(name: &str) -> Result<(), Limit> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_BLOB_NAME_CHARS {
        return Err(Limit::ResourceName {
            what: "blob",
            reason: "must be 1 to 1024 characters",
        });
    }
    Ok(())
}

/// A queue message's text against the size limit, and (without base64) against XML 1.0's
/// character rules: Put Message carries the text inside an XML document.
pub fn check_queue_message(text: &str, plain: bool) -> Result<(), Limit> {
    if plain {
        if let Some(ch) = text
            .chars()
            .find(|c| matches!(*c as u32, 0..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0xFFFE | 0xFFFF))
        {
            return Err(Limit::QueueCharacter { code: ch as u32 });
        }
    }
    if text.len() > MAX_QUEUE_MESSAGE_BYTES {
        return Err(Limit::QueueMessage { bytes: text.len() });
    }
    Ok(())
}

fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(80).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(check_key("RowKey", "").is_ok());
        assert!(check_key("RowKey", &"é".repeat(512)).is_ok());
        assert_eq!(
            check_key("RowKey", &"😀".repeat(257)),
            Err(Limit::KeySize {
                key: "RowKey",
                units: 514
            })
        );
        for (ch, code) in [
            ('/', 0x2F),
            ('\\', 0x5C),
            ('#', 0x23),
            ('?', 0x3F),
            ('\u{1}', 1),
            ('\u{85}', 0x85),
        ] {
            assert_eq!(
                check_key("PartitionKey", &format!("a{ch}b")),
                Err(Limit::KeyCharacter {
                    key: "PartitionKey",
                    code
                })
            );
        }
    }

    #[test]
    fn property_names() {
        for ok in ["Body", "_x", "Größe", "a1", &"n".repeat(255)] {
            assert!(check_property_name(ok).is_ok(), "{ok}");
        }
        for bad in ["a-b", "1a", "a b", "odata.type", "", &"n".repeat(256)] {
            assert!(check_property_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn resource_names() {
        assert!(check_table_name("SmsMessages").is_ok());
        assert!(check_table_name("Sms-Messages").is_err());
        assert!(check_table_name("1abc").is_err());
        assert!(check_dns_name("queue", "sms-outbox").is_ok());
        assert!(check_dns_name("queue", "Sms-outbox").is_err());
        assert!(check_dns_name("container", "a--b").is_err());
        assert!(check_dns_name("container", "ab").is_err());
        assert!(check_blob_name("").is_err());
    }

    #[test]
    fn queue_messages() {
        assert!(check_queue_message(&"a".repeat(65536), false).is_ok());
        assert_eq!(
            check_queue_message(&"a".repeat(65537), false),
            Err(Limit::QueueMessage { bytes: 65537 })
        );
        assert!(check_queue_message("a\u{1}b", true).is_err());
        assert!(check_queue_message("a\tb\n", true).is_ok());
    }
}
