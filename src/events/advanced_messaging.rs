//! Advanced messaging events.

use serde::{Deserialize, Serialize};

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedMessageReceivedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedMessageDeliveryStatusUpdatedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdvancedMessageAnalysisCompletedEventData {}

