//! App settings: the Function App's configuration, which the host passes to the handler as
//! environment variables (locally from `local.settings.json`). Read once at start-up; a value
//! that is present but malformed is a configuration fault and stops the handler with a message
//! naming the setting.

use std::collections::HashMap;

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
