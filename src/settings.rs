//! App settings: the Function App's configuration, which the host passes to the handler as
//! environment variables (locally from `local.settings.json`). Read once at start-up; a value
//! that is present but malformed is a configuration fault and stops the handler with a message
//! naming the setting.

use std::collections::HashMap;

/// Every app setting the handler reads, in one place and under one naming scheme: each constant
/// is named like the variable it holds. The README's "App settings" table and
/// `local.settings.json.example` list every name in [`names::ALL`] (a test checks both).
pub mod names {
    /// An Event Grid subscription filter (JSON); events outside it are acknowledged and logged,
    /// without outputs (`handlers::dispatch`).
    pub const ACS_EVENT_FILTER: &str = "ACS_EVENT_FILTER";
    /// The ACS connection string the sender functions use (`endpoint=…;accesskey=…`).
    pub const ACS_CONNECTION_STRING: &str = "ACS_CONNECTION_STRING";
    /// How many characters of a message a chat notification previews (0 = no preview).
    pub const CHAT_NOTIFICATION_PREVIEW_LENGTH: &str = "CHAT_NOTIFICATION_PREVIEW_LENGTH";
    /// How long a request head may take to arrive, in ms.
    pub const HANDLER_HEADER_TIMEOUT_MS: &str = "HANDLER_HEADER_TIMEOUT_MS";
    /// How long a request body may take to arrive after its head, in ms.
    pub const HANDLER_BODY_TIMEOUT_MS: &str = "HANDLER_BODY_TIMEOUT_MS";
    /// After SIGTERM, how long invocations in flight may take, in ms.
    pub const HANDLER_SHUTDOWN_DEADLINE_MS: &str = "HANDLER_SHUTDOWN_DEADLINE_MS";
    /// `false` turns SMS keyword handling off (every text then goes to `smsInbox`).
    pub const SMS_KEYWORDS_ENABLED: &str = "SMS_KEYWORDS_ENABLED";
    /// More SMS opt-out words.
    pub const SMS_OPT_OUT_KEYWORDS: &str = "SMS_OPT_OUT_KEYWORDS";
    /// More SMS opt-in words.
    pub const SMS_OPT_IN_KEYWORDS: &str = "SMS_OPT_IN_KEYWORDS";
    /// More SMS help words.
    pub const SMS_HELP_KEYWORDS: &str = "SMS_HELP_KEYWORDS";
    /// The reply to an SMS opt-out keyword.
    pub const SMS_REPLY_OPT_OUT: &str = "SMS_REPLY_OPT_OUT";
    /// The reply to an SMS opt-in keyword.
    pub const SMS_REPLY_OPT_IN: &str = "SMS_REPLY_OPT_IN";
    /// The reply to an SMS help keyword.
    pub const SMS_REPLY_HELP: &str = "SMS_REPLY_HELP";
    /// ACS request attempts per sender invocation.
    pub const SMS_SEND_MAX_ATTEMPTS: &str = "SMS_SEND_MAX_ATTEMPTS";
    /// No retry starts later than this after the first attempt, in ms.
    pub const SMS_SEND_RETRY_BUDGET_MS: &str = "SMS_SEND_RETRY_BUDGET_MS";
    /// The first wait when ACS sends no `Retry-After`, in ms.
    pub const SMS_SEND_RETRY_DELAY_MS: &str = "SMS_SEND_RETRY_DELAY_MS";
    /// `false` turns WhatsApp keyword handling off (every message then goes to `waInbox`).
    pub const WHATSAPP_KEYWORDS_ENABLED: &str = "WHATSAPP_KEYWORDS_ENABLED";
    /// More WhatsApp opt-out words.
    pub const WHATSAPP_OPT_OUT_KEYWORDS: &str = "WHATSAPP_OPT_OUT_KEYWORDS";
    /// More WhatsApp opt-in words.
    pub const WHATSAPP_OPT_IN_KEYWORDS: &str = "WHATSAPP_OPT_IN_KEYWORDS";
    /// More WhatsApp help words.
    pub const WHATSAPP_HELP_KEYWORDS: &str = "WHATSAPP_HELP_KEYWORDS";
    /// The reply to a WhatsApp opt-out keyword.
    pub const WHATSAPP_REPLY_OPT_OUT: &str = "WHATSAPP_REPLY_OPT_OUT";
    /// The reply to a WhatsApp opt-in keyword.
    pub const WHATSAPP_REPLY_OPT_IN: &str = "WHATSAPP_REPLY_OPT_IN";
    /// The reply to a WhatsApp help keyword.
    pub const WHATSAPP_REPLY_HELP: &str = "WHATSAPP_REPLY_HELP";
    /// The log level (`tracing` filter), read by the command line before anything else.
    pub const RUST_LOG: &str = "RUST_LOG";

    /// The port to serve on. Not an app setting: the Functions host sets it for its custom
    /// handler, so neither the README's settings table nor `local.settings.json.example` lists
    /// it (the README's commands table does).
    pub const FUNCTIONS_CUSTOMHANDLER_PORT: &str = "FUNCTIONS_CUSTOMHANDLER_PORT";
    /// A test hook compiled into debug builds only: `route:<event type>` makes the dispatcher
    /// panic inside its guard when it routes an event of that type, as a handler bug would;
    /// `invoke:<name>` makes `App::invoke` panic for that function, outside every guard.
    /// Release builds do not read it, so it is no app setting a deployment can use: the README
    /// names it next to the table, and `local.settings.json.example` leaves it out.
    pub const HANDLER_DEBUG_PANIC: &str = "HANDLER_DEBUG_PANIC";

    /// Every app setting a deployment can set, as documented.
    pub const ALL: &[&str] = &[
        ACS_CONNECTION_STRING,
        ACS_EVENT_FILTER,
        CHAT_NOTIFICATION_PREVIEW_LENGTH,
        HANDLER_HEADER_TIMEOUT_MS,
        HANDLER_BODY_TIMEOUT_MS,
        HANDLER_SHUTDOWN_DEADLINE_MS,
        SMS_KEYWORDS_ENABLED,
        SMS_OPT_OUT_KEYWORDS,
        SMS_OPT_IN_KEYWORDS,
        SMS_HELP_KEYWORDS,
        SMS_REPLY_OPT_OUT,
        SMS_REPLY_OPT_IN,
        SMS_REPLY_HELP,
        SMS_SEND_MAX_ATTEMPTS,
        SMS_SEND_RETRY_BUDGET_MS,
        SMS_SEND_RETRY_DELAY_MS,
        WHATSAPP_KEYWORDS_ENABLED,
        WHATSAPP_OPT_OUT_KEYWORDS,
        WHATSAPP_OPT_IN_KEYWORDS,
        WHATSAPP_HELP_KEYWORDS,
        WHATSAPP_REPLY_OPT_OUT,
        WHATSAPP_REPLY_OPT_IN,
        WHATSAPP_REPLY_HELP,
        RUST_LOG,
    ];
}

/// A setting that is present but unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("app setting {name}: {problem}")]
pub struct SettingsError {
    pub name: &'static str,
    pub problem: String,
}

/// A snapshot of the settings the handler reads.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: HashMap<String, String>,
    /// Variables whose value is not valid Unicode: never readable as a setting.
    not_unicode: Vec<String>,
}

impl Settings {
    /// The process environment. Read with `vars_os`, which never panics: `std::env::vars()`
    /// panics on the first variable that is not valid Unicode, and the host passes every app
    /// setting (and its own environment) to us. Such a variable is left out and named in a
    /// warning; reading it as a number or flag is a [`SettingsError`], and [`Settings::text`]
    /// reports it too.
    pub fn from_env() -> Self {
        let mut settings = Settings::default();
        for (name, value) in std::env::vars_os() {
            // A name that is not Unicode cannot be one of ours.
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    settings.values.insert(name, value);
                }
                Err(_) => {
                    tracing::warn!(
                        variable = %crate::logtext::quote(&name, 100),
                        "environment variable is not valid UTF-8; it is ignored"
                    );
                    settings.not_unicode.push(name);
                }
            }
        }
        settings
    }

    /// Explicit values (tests, `replay`).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Settings {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            not_unicode: Vec::new(),
        }
    }

    /// A setting's value; an empty value counts as unset, and so does one that is not valid
    /// Unicode (see [`Settings::text`] to have that reported).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A text setting: like [`Settings::get`], but a value that is not valid Unicode is an error
    /// naming the setting instead of counting as unset.
    pub fn text(&self, name: &'static str) -> Result<Option<&str>, SettingsError> {
        if self.not_unicode.iter().any(|n| n == name) {
            return Err(SettingsError {
                name,
                problem: "the value is not valid UTF-8".to_owned(),
            });
        }
        Ok(self.get(name))
    }

    /// A boolean setting (`true/false`, `1/0`, `yes/no`, `on/off`), or `default` when unset.
    pub fn flag(&self, name: &'static str, default: bool) -> Result<bool, SettingsError> {
        match self.text(name)?.map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(SettingsError {
                name,
                problem: format!("expected true or false, found {v:?}"),
            }),
        }
    }

    /// An unsigned integer setting, or `default` when unset.
    pub fn number(&self, name: &'static str, default: usize) -> Result<usize, SettingsError> {
        match self.text(name)? {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| SettingsError {
                name,
                problem: format!("expected a whole number, found {v:?}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The App settings section of the README, up to the next heading.
    fn readme_settings_section() -> String {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("README.md");
        let start = readme
            .find("\n## App settings")
            .expect("an App settings section");
        let rest = &readme[start + 1..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
        rest[..end].to_owned()
    }

    #[test]
    fn every_setting_name_is_in_the_readme_table_and_the_local_settings_example() {
        let section = readme_settings_section();
        let table: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
        let example = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/local.settings.json.example"
        ))
        .expect("local.settings.json.example");
        let example: serde_json::Value = serde_json::from_str(&example).unwrap();
        let values = example["Values"].as_object().unwrap();
        for name in names::ALL {
            let quoted = format!("`{name}`");
            assert!(
                table
                    .iter()
                    .any(|row| row.split('|').nth(1).is_some_and(|c| c.contains(&quoted))),
                "{name} is missing from the README's App settings table"
            );
            assert!(
                values.contains_key(*name),
                "{name} is missing from local.settings.json.example"
            );
        }
        // The exempt ones (see their docs) are still documented where they belong.
        assert!(section.contains(&format!("`{}`", names::HANDLER_DEBUG_PANIC)));
        assert!(!values.contains_key(names::HANDLER_DEBUG_PANIC));
        assert!(!names::ALL.contains(&names::FUNCTIONS_CUSTOMHANDLER_PORT));
    }

    #[test]
    fn flags_and_numbers() {
        let s = Settings::from_pairs([("A", "Yes"), ("B", "maybe"), ("N", "12"), ("E", " ")]);
        assert_eq!(s.flag("A", false), Ok(true));
        assert!(s
            .flag("B", true)
            .unwrap_err()
            .to_string()
            .contains("app setting B"));
        assert_eq!(s.flag("E", true), Ok(true));
        assert_eq!(s.number("N", 1), Ok(12));
        assert_eq!(s.number("MISSING", 100), Ok(100));
    }

    #[test]
    fn a_value_that_is_not_unicode_is_reported_by_name_never_a_panic() {
        let s = Settings {
            not_unicode: vec!["N".to_owned()],
            ..Settings::default()
        };
        assert_eq!(s.get("N"), None);
        for err in [
            s.text("N").unwrap_err(),
            s.number("N", 1).unwrap_err(),
            s.flag("N", true).unwrap_err(),
        ] {
            assert_eq!(err.name, "N");
            assert!(err.to_string().contains("UTF-8"), "{err}");
        }
    }
}
