//! Presence events.

use serde::{Deserialize, Serialize};

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDisconnectedEventData {}

