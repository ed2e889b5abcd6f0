//! SMS business logic: inbound texts, opt-out keywords, delivery reports.

use std::convert::Infallible;

use crate::events::{AcsEvent, Envelope};
use crate::outputs::Output;
use crate::router::EventModule;
use crate::settings::Settings;

/// The SMS module (its logic lands with the SMS issue; today it acknowledges SMS events).
#[derive(Debug, Clone, Default)]
pub struct SmsModule {}

impl SmsModule {
    /// Reads the module's app settings.
    pub fn from_settings(_settings: &Settings) -> Result<Self, crate::settings::SettingsError> {
        Ok(SmsModule {})
    }
}

impl EventModule for SmsModule {
    type Error = Infallible;

    fn handle(&self, _envelope: &Envelope, _event: &AcsEvent) -> Result<Vec<Output>, Infallible> {
        Ok(Vec::new())
    }
}
