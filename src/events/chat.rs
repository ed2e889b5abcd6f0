//! Chat events (per-user and per-thread).

use serde::{Deserialize, Serialize};

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageReceivedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageEditedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageDeletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadCreatedWithUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadWithUserDeletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadPropertiesUpdatedPerUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMemberAddedToThreadWithUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMemberRemovedFromThreadWithUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatParticipantAddedToThreadWithUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatParticipantRemovedFromThreadWithUserEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadCreatedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadDeletedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatParticipantAddedToThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatParticipantRemovedFromThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageReceivedInThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatThreadPropertiesUpdatedEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageEditedInThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatMessageDeletedInThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatTypingIndicatorReceivedInThreadEventData {}

/// Placeholder until the typed model lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatAzureBotCommandReceivedInThreadEventData {}

