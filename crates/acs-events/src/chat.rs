//! Chat events: messages, threads and participants (20 event types).
//!
//! One file for the family, as the catalog has one line per type: the per-user and thread-level
//! structs share their parts (participants, retention, the message version), and splitting them
//! would scatter what has to change together. The tests are in `chat/tests.rs`.
//!
//! ACS raises chat events at two levels:
//!
//! - **Per-user (U)** events (`ChatMessageReceived`, `ChatThreadCreatedWithUser`,
//!   `ChatParticipantAddedToThreadWithUser`, …) are delivered **once per recipient**, excluding
//!   the actor: a message in a thread of five people arrives four times, each copy naming its own
//!   `recipientCommunicationIdentifier`. Deduplicate on `messageId`/`threadId`, not on the event.
//! - **Per-thread (T)** events (`…InThread`, `ChatThreadCreated`, `ChatThreadParticipantAdded`,
//!   …) are delivered **once per action** and have no recipient.
//!
//! Wire quirks handled here (spec §3.2, §3.3, §6):
//!
//! - `version` and `sequenceId` are a JSON number in per-user events and a numeric string in
//!   `*InThread` events; [`Int64`] reads both.
//! - 2020-era payloads carry plain-string ids (`senderId`, `recipientId`, `createdBy`,
//!   `members[]`, `memberAdded`, …) and no identifier objects; 2021 payloads often carry both.
//!   Both are kept, every identifier object is optional, and the `*_raw_id()` accessors prefer the
//!   identifier's raw id and fall back to the legacy string.
//! - Message text is [`Sensitive`], so a stray `{:?}` never logs what people wrote.
//!
//! # Example
//!
//! A per-user `ChatMessageReceived` (one copy per recipient):
//!
//! ```
//! use acs_events::{chat::ChatMessageType, parse_delivery, AcsEvent};
//!
//! let body = br#"[{
//!     "id": "c0ffee01", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "thread/19:abc@thread.v2/sender/8:acs:alice/recipient/8:acs:bob",
//!     "eventType": "Microsoft.Communication.ChatMessageReceived",
//!     "eventTime": "2026-01-05T12:00:00Z", "dataVersion": "1.0",
//!     "data": {
//!         "threadId": "19:abc@thread.v2", "messageId": "1767614400000",
//!         "senderCommunicationIdentifier": {"rawId": "8:acs:alice", "communicationUser": {"id": "8:acs:alice"}},
//!         "recipientCommunicationIdentifier": {"rawId": "8:acs:bob", "communicationUser": {"id": "8:acs:bob"}},
//!         "senderDisplayName": "Alice", "composeTime": "2026-01-05T12:00:00Z",
//!         "type": "Text", "version": 1767614400000, "messageBody": "Hello Bob"
//!     }
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::ChatMessageReceived(message) = event.data? else {
//!     panic!("not a chat message");
//! };
//! assert_eq!(message.message_type, ChatMessageType::Text);
//! assert_eq!(message.message_body.as_str(), "Hello Bob");
//! // Deduplicate per message, not per event: every recipient gets its own event.
//! assert_eq!(message.message_id, "1767614400000");
//! assert_eq!(message.version.0, 1_767_614_400_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::identifier::CommunicationIdentifier;
use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Int64, Sensitive, UserMap};

extensible_enum! {
    /// A chat message's `type`. Docs show `Text`; Teams interop threads send `RichText/Html`.
    pub enum ChatMessageType {
        /// Plain text.
        Text => "Text",
        /// HTML written by an ACS client.
        Html => "Html",
        /// HTML from Microsoft Teams.
        RichTextHtml => "RichText/Html",
    }
}

extensible_enum! {
    /// `retentionPolicy.kind` (added to the SDKs in 2026).
    pub enum ChatRetentionPolicyKind {
        /// The thread is deleted `deleteThreadAfterDays` after it was created.
        ThreadCreationDate => "threadCreationDate",
        /// No automatic deletion.
        NoPolicy => "none",
    }
}

extensible_enum! {
    /// Why a thread was deleted (`ChatThreadDeleted.reason`, 2026). The SDK names the values
    /// `DeletedByUser`/`DeletedByPolicy`; the wire spelling is unconfirmed, so matching is
    /// case-insensitive as for every extensible enum.
    pub enum ChatThreadDeletedReason {
        /// A participant or the service owner deleted it.
        DeletedByUser => "deletedByUser",
        /// The retention policy deleted it.
        DeletedByPolicy => "deletedByPolicy",
    }
}

/// A thread participant (`AcsChatThreadParticipantProperties`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipant {
    /// The name shown in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sensitive<String>>,
    /// Who the participant is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_communication_identifier: Option<CommunicationIdentifier>,
    /// Application data attached to the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
}

impl ChatParticipant {
    /// The participant's stable key (its identifier's raw id).
    pub fn raw_id(&self) -> Option<Cow<'_, str>> {
        self.participant_communication_identifier
            .as_ref()
            .and_then(CommunicationIdentifier::raw_id)
    }
}

/// A thread member as the 2020 events describe it (`members[]`, `memberAdded`, `memberRemoved`):
/// a plain-string id instead of an identifier object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMember {
    /// The name shown in the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sensitive<String>>,
    /// The member's raw id (`8:acs:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<Sensitive<String>>,
}

impl ChatMember {
    /// The member's stable key, comparable with [`ChatParticipant::raw_id`].
    pub fn raw_id(&self) -> Option<Cow<'_, str>> {
        legacy_id(self.member_id.as_ref())
    }
}

/// A thread's automatic deletion rule (`retentionPolicy`, 2026).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatRetentionPolicy {
    /// Which rule applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ChatRetentionPolicyKind>,
    /// Days after creation until deletion (kind `threadCreationDate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_thread_after_days: Option<i32>,
}

// ---------------------------------------------------------------------------------------------
// Message events
// ---------------------------------------------------------------------------------------------

/// `Microsoft.Communication.ChatMessageReceived` (U): a message, delivered to each recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageReceivedEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id (the only sender field in 2020 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// The message text.
    pub message_body: Sensitive<String>,
    /// Application data attached to the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
}

/// `Microsoft.Communication.ChatMessageEdited` (U): a message was changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageEditedEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id (the only sender field in 2020 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was first written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch; equals the edit time).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// The new message text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<Sensitive<String>>,
    /// Application data attached to the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// When the message was edited.
    pub edit_time: Timestamp,
}

/// `Microsoft.Communication.ChatMessageDeleted` (U): a message was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageDeletedEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id (the only sender field in 2020 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// When the message was deleted.
    pub delete_time: Timestamp,
}

/// `Microsoft.Communication.ChatMessageReceivedInThread` (T): a message, delivered once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageReceivedInThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch; a numeric string on the wire).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// The message text.
    pub message_body: Sensitive<String>,
    /// Application data attached to the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
}

/// `Microsoft.Communication.ChatMessageEditedInThread` (T): a message was changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageEditedInThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was first written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch; a numeric string on the wire).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// The new message text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<Sensitive<String>>,
    /// Application data attached to the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// When the message was edited.
    pub edit_time: Timestamp,
}

/// `Microsoft.Communication.ChatMessageDeletedInThread` (T): a message was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageDeletedInThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (ms since the epoch; a numeric string on the wire).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// When the message was deleted.
    pub delete_time: Timestamp,
}

/// `Microsoft.Communication.ChatTypingIndicatorReceivedInThread` (T): someone is typing.
///
/// The SDK models it as a message event, but the only published payload has just the sender,
/// `transactionId` and `threadId`, so every message field is optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatTypingIndicatorReceivedInThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Who is typing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// Compose time, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_time: Option<Timestamp>,
    /// The message type (`type` on the wire), when sent.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub message_type: Option<ChatMessageType>,
    /// Version, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Position in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// Message text, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<Sensitive<String>>,
    /// Application data, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
}

/// `Microsoft.Communication.ChatAzureBotCommandReceivedInThread` (T): a message addressed to an
/// Azure bot in the thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatAzureBotCommandReceivedInThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// The message id (a numeric string, ms since the epoch).
    pub message_id: String,
    /// Who sent the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string sender id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<Sensitive<String>>,
    /// The sender's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_display_name: Option<Sensitive<String>>,
    /// When the message was written.
    pub compose_time: Timestamp,
    /// The message type (`type` on the wire).
    #[serde(rename = "type")]
    pub message_type: ChatMessageType,
    /// The message version (the spec example sends a number, not a string).
    pub version: Int64,
    /// Position of the message in the thread (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_id: Option<Int64>,
    /// The command text.
    pub message_body: Sensitive<String>,
    /// Application data attached to the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
}

// ---------------------------------------------------------------------------------------------
// Thread events
// ---------------------------------------------------------------------------------------------

/// `Microsoft.Communication.ChatThreadCreatedWithUser` (U): a thread the recipient is in was
/// created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadCreatedWithUserEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who created the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string creator id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Sensitive<String>>,
    /// Thread properties (`{"topic": …}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<UserMap>,
    /// Application data attached to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// The initial participants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ChatParticipant>,
    /// Legacy list of the initial members (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<ChatMember>,
    /// Automatic deletion rule (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

/// `Microsoft.Communication.ChatThreadCreated` (T): a thread was created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadCreatedEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who created the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string creator id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Sensitive<String>>,
    /// Thread properties (`{"topic": …}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<UserMap>,
    /// Application data attached to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// The initial participants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<ChatParticipant>,
    /// Legacy list of the initial members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<ChatMember>,
    /// Automatic deletion rule (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

/// `Microsoft.Communication.ChatThreadWithUserDeleted` (U): a thread the recipient was in was
/// deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadWithUserDeletedEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who deleted the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string id of who deleted the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<Sensitive<String>>,
    /// When the thread was deleted.
    pub delete_time: Timestamp,
}

/// `Microsoft.Communication.ChatThreadDeleted` (T): a thread was deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadDeletedEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who deleted the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string id of who deleted the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<Sensitive<String>>,
    /// When the thread was deleted.
    pub delete_time: Timestamp,
    /// Why the thread was deleted (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ChatThreadDeletedReason>,
}

/// `Microsoft.Communication.ChatThreadPropertiesUpdatedPerUser` (U): the topic or metadata of a
/// thread the recipient is in changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadPropertiesUpdatedPerUserEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id (2020/2021 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who changed the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string id of who changed the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<Sensitive<String>>,
    /// When the thread was changed.
    pub edit_time: Timestamp,
    /// The new thread properties (`{"topic": …}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<UserMap>,
    /// Application data attached to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// Automatic deletion rule (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

/// `Microsoft.Communication.ChatThreadPropertiesUpdated` (T): a thread's topic or metadata
/// changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatThreadPropertiesUpdatedEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    pub create_time: Timestamp,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// Who changed the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string id of who changed the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<Sensitive<String>>,
    /// When the thread was changed.
    pub edit_time: Timestamp,
    /// The new thread properties (`{"topic": …}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<UserMap>,
    /// Application data attached to the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<UserMap>,
    /// Automatic deletion rule (2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_policy: Option<ChatRetentionPolicy>,
}

// ---------------------------------------------------------------------------------------------
// Participant events
// ---------------------------------------------------------------------------------------------

/// `Microsoft.Communication.ChatParticipantAddedToThreadWithUser` (U): someone joined a thread
/// the recipient is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipantAddedToThreadWithUserEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the participant was added.
    pub time: Timestamp,
    /// Who added the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by_communication_identifier: Option<CommunicationIdentifier>,
    /// The participant who joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_added: Option<ChatParticipant>,
}

/// `Microsoft.Communication.ChatParticipantRemovedFromThreadWithUser` (U): someone left a thread
/// the recipient is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipantRemovedFromThreadWithUserEventData {
    /// The user this copy of the event is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Legacy plain-string recipient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the participant was removed.
    pub time: Timestamp,
    /// Who removed the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_by_communication_identifier: Option<CommunicationIdentifier>,
    /// The participant who left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_removed: Option<ChatParticipant>,
}

/// `Microsoft.Communication.ChatThreadParticipantAdded` (T): someone joined a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipantAddedToThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created (not in the SDK model, but samples carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the participant was added.
    pub time: Timestamp,
    /// Who added the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by_communication_identifier: Option<CommunicationIdentifier>,
    /// The participant who joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_added: Option<ChatParticipant>,
}

/// `Microsoft.Communication.ChatThreadParticipantRemoved` (T): someone left a thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatParticipantRemovedFromThreadEventData {
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created (not in the SDK model, but samples carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the participant was removed.
    pub time: Timestamp,
    /// Who removed the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_by_communication_identifier: Option<CommunicationIdentifier>,
    /// The participant who left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_removed: Option<ChatParticipant>,
}

/// `Microsoft.Communication.ChatMemberAddedToThreadWithUser` (U, 2020, superseded by
/// `ChatParticipantAddedToThreadWithUser`): someone joined a thread the recipient is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMemberAddedToThreadWithUserEventData {
    /// The user this copy of the event is for (not in 2020 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Plain-string recipient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the member was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Plain-string id of who added the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<Sensitive<String>>,
    /// The member who joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_added: Option<ChatMember>,
}

/// `Microsoft.Communication.ChatMemberRemovedFromThreadWithUser` (U, 2020, superseded by
/// `ChatParticipantRemovedFromThreadWithUser`): someone left a thread the recipient is in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMemberRemovedFromThreadWithUserEventData {
    /// The user this copy of the event is for (not in 2020 payloads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_communication_identifier: Option<CommunicationIdentifier>,
    /// Plain-string recipient id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<Sensitive<String>>,
    /// Service correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// The thread (`19:…@thread.v2`).
    pub thread_id: String,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<Timestamp>,
    /// The thread version (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Int64>,
    /// When the member was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// Plain-string id of who removed the member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_by: Option<Sensitive<String>>,
    /// The member who left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_removed: Option<ChatMember>,
}

// ---------------------------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------------------------

/// A legacy plain-string id, unless it is empty.
fn legacy_id(legacy: Option<&Sensitive<String>>) -> Option<Cow<'_, str>> {
    legacy
        .map(|id| id.as_str())
        .filter(|id| !id.is_empty())
        .map(Cow::Borrowed)
}

/// The identifier's raw id, else the legacy plain-string id (2020 payloads have only that).
fn raw_id_or_legacy<'a>(
    identifier: Option<&'a CommunicationIdentifier>,
    legacy: Option<&'a Sensitive<String>>,
) -> Option<Cow<'a, str>> {
    identifier
        .and_then(CommunicationIdentifier::raw_id)
        .or_else(|| legacy_id(legacy))
}

/// `properties.topic`, when it is a string.
fn topic_of(properties: Option<&UserMap>) -> Option<&str> {
    properties?.get("topic")?.as_str()
}

/// Participants' raw ids, from `participants`, else from the legacy `members`.
fn participant_ids<'a>(
    participants: &'a [ChatParticipant],
    members: &'a [ChatMember],
) -> Vec<Cow<'a, str>> {
    if participants.is_empty() {
        members.iter().filter_map(ChatMember::raw_id).collect()
    } else {
        participants
            .iter()
            .filter_map(ChatParticipant::raw_id)
            .collect()
    }
}

/// Adds `pub fn $name(&self) -> Option<Cow<str>>` to each type: the raw id of the identifier
/// field, falling back to the legacy plain-string field when one is given.
macro_rules! raw_id_accessor {
    ($doc:literal, $name:ident => $identifier:ident, $legacy:ident; $($ty:ident),+ $(,)?) => {
        $(impl $ty {
            #[doc = $doc]
            pub fn $name(&self) -> Option<Cow<'_, str>> {
                raw_id_or_legacy(self.$identifier.as_ref(), self.$legacy.as_ref())
            }
        })+
    };
    ($doc:literal, $name:ident => $identifier:ident; $($ty:ident),+ $(,)?) => {
        $(impl $ty {
            #[doc = $doc]
            pub fn $name(&self) -> Option<Cow<'_, str>> {
                raw_id_or_legacy(self.$identifier.as_ref(), None)
            }
        })+
    };
}

raw_id_accessor!(
    "Who sent the message: the sender identifier's raw id, else the legacy `senderId` (all a \
     2020 payload has).",
    sender_raw_id => sender_communication_identifier, sender_id;
    ChatMessageReceivedEventData,
    ChatMessageEditedEventData,
    ChatMessageDeletedEventData,
    ChatMessageReceivedInThreadEventData,
    ChatMessageEditedInThreadEventData,
    ChatMessageDeletedInThreadEventData,
    ChatTypingIndicatorReceivedInThreadEventData,
    ChatAzureBotCommandReceivedInThreadEventData,
);

raw_id_accessor!(
    "Whom this per-user copy is for: the recipient identifier's raw id, else the legacy \
     `recipientId`. Per-user events arrive once per recipient, so this tells the copies apart.",
    recipient_raw_id => recipient_communication_identifier, recipient_id;
    ChatMessageReceivedEventData,
    ChatMessageEditedEventData,
    ChatMessageDeletedEventData,
    ChatThreadCreatedWithUserEventData,
    ChatThreadWithUserDeletedEventData,
    ChatThreadPropertiesUpdatedPerUserEventData,
    ChatMemberAddedToThreadWithUserEventData,
    ChatMemberRemovedFromThreadWithUserEventData,
    ChatParticipantAddedToThreadWithUserEventData,
    ChatParticipantRemovedFromThreadWithUserEventData,
);

raw_id_accessor!(
    "Who created the thread: the identifier's raw id, else the legacy `createdBy`.",
    created_by_raw_id => created_by_communication_identifier, created_by;
    ChatThreadCreatedWithUserEventData,
    ChatThreadCreatedEventData,
);

raw_id_accessor!(
    "Who deleted the thread: the identifier's raw id, else the legacy `deletedBy`.",
    deleted_by_raw_id => deleted_by_communication_identifier, deleted_by;
    ChatThreadWithUserDeletedEventData,
    ChatThreadDeletedEventData,
);

raw_id_accessor!(
    "Who changed the thread: the identifier's raw id, else the legacy `editedBy`.",
    edited_by_raw_id => edited_by_communication_identifier, edited_by;
    ChatThreadPropertiesUpdatedPerUserEventData,
    ChatThreadPropertiesUpdatedEventData,
);

raw_id_accessor!(
    "Who added the participant (the identifier's raw id).",
    added_by_raw_id => added_by_communication_identifier;
    ChatParticipantAddedToThreadWithUserEventData,
    ChatParticipantAddedToThreadEventData,
);

raw_id_accessor!(
    "Who removed the participant (the identifier's raw id).",
    removed_by_raw_id => removed_by_communication_identifier;
    ChatParticipantRemovedFromThreadWithUserEventData,
    ChatParticipantRemovedFromThreadEventData,
);

impl ChatMemberAddedToThreadWithUserEventData {
    /// Who added the member (the legacy `addedBy`), named like the newer events' accessor.
    pub fn added_by_raw_id(&self) -> Option<Cow<'_, str>> {
        legacy_id(self.added_by.as_ref())
    }
}

impl ChatMemberRemovedFromThreadWithUserEventData {
    /// Who removed the member (the legacy `removedBy`), named like the newer events' accessor.
    pub fn removed_by_raw_id(&self) -> Option<Cow<'_, str>> {
        legacy_id(self.removed_by.as_ref())
    }
}

/// Adds `topic()` and, for thread creation, `participant_raw_ids()`.
macro_rules! thread_accessors {
    (topic: $($ty:ident),+) => {
        $(impl $ty {
            /// The thread topic (`properties.topic`), when sent as a string. `properties` is an
            /// open map on the wire; the topic is the one key every sample has.
            pub fn topic(&self) -> Option<&str> {
                topic_of(self.properties.as_ref())
            }
        })+
    };
    (participants: $($ty:ident),+) => {
        $(impl $ty {
            /// The raw ids of the initial participants, from `participants`, else from the
            /// legacy `members` (2020 payloads carry only those).
            pub fn participant_raw_ids(&self) -> Vec<Cow<'_, str>> {
                participant_ids(&self.participants, &self.members)
            }
        })+
    };
}

thread_accessors!(topic:
    ChatThreadCreatedWithUserEventData,
    ChatThreadCreatedEventData,
    ChatThreadPropertiesUpdatedPerUserEventData,
    ChatThreadPropertiesUpdatedEventData
);
thread_accessors!(participants: ChatThreadCreatedWithUserEventData, ChatThreadCreatedEventData);

#[cfg(test)]
mod tests;
