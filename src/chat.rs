//! Chat business logic: transcript archive, thread and membership projections, notifications.

use std::convert::Infallible;

use crate::events::{AcsEvent, Envelope};
use crate::outputs::Output;
use crate::router::EventModule;
use crate::settings::Settings;

/// The chat module (its logic lands with the chat issue; today it acknowledges chat events).
#[derive(Debug, Clone, Default)]
pub struct ChatModule {}

impl ChatModule {
    /// Reads the module's app settings.
    pub fn from_settings(_settings: &Settings) -> Result<Self, crate::settings::SettingsError> {
        Ok(ChatModule {})
    }
}

impl EventModule for ChatModule {
    type Error = Infallible;

    fn handle(&self, _envelope: &Envelope, _event: &AcsEvent) -> Result<Vec<Output>, Infallible> {
        Ok(Vec::new())
    }
}
