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
}

impl Settings {
    /// The process environment.
    pub fn from_env() -> Self {
        Settings {
            values: std::env::vars().collect(),
        }
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
        }
    }

    /// A setting's value; an empty value counts as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A boolean setting (`true/false`, `1/0`, `yes/no`, `on/off`), or `default` when unset.
    pub fn flag(&self, name: &'static str, default: bool) -> Result<bool, SettingsError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
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
        match self.get(name) {
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
}
