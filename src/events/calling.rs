//! Calling events.

use serde::{Deserialize, Serialize};

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncomingCallEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallStartedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallEndedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallParticipantAddedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallParticipantRemovedEventData {}

