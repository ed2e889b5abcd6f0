//! The transcript (`chatMessages`: one row per message version, read the same way from all six
//! message events) and the `chatNotifications` message for each recipient of a per-user
//! `ChatMessageReceived`.

use std::borrow::Cow;

use serde::Serialize;

use super::{metadata_text, non_empty, ordinal, required, row, ChatError, ChatModule};
use crate::events::chat::{ChatMessageReceivedEventData, ChatMessageType};
use crate::events::{Int64, Timestamp, UserMap};
use crate::host::outputs::{Output, QueueBinding, TableBinding};

/// What a message version is, in the `State` property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MessageState {
    Received,
    Edited,
    Deleted,
}

impl MessageState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MessageState::Received => "received",
            MessageState::Edited => "edited",
            MessageState::Deleted => "deleted",
        }
    }
}

/// One version of one message, read the same way from all six message events, so per-user and
/// per-thread copies cannot drift apart.
pub(super) struct MessageVersion<'a> {
    pub(super) event: &'static str,
    pub(super) thread_id: &'a str,
    pub(super) message_id: &'a str,
    pub(super) version: Int64,
    pub(super) state: MessageState,
    pub(super) sender_id: Option<Cow<'a, str>>,
    pub(super) sender_display_name: Option<&'a str>,
    pub(super) message_type: &'a ChatMessageType,
    pub(super) compose_time: &'a Timestamp,
    pub(super) body: Option<&'a str>,
    pub(super) metadata: Option<&'a UserMap>,
    /// The edit or delete time (per `state`).
    pub(super) changed_at: Option<&'a Timestamp>,
}

impl MessageVersion<'_> {
    pub(super) fn output(&self) -> Result<Output, ChatError> {
        let event = self.event;
        let thread_id = required(self.thread_id, ChatError::MissingThreadId { event })?;
        let message_id = required(self.message_id, ChatError::MissingMessageId { event })?;
        let version = ordinal(event, "version", self.version.0)?;
        let changed_at_name = match self.state {
            MessageState::Received => None,
            MessageState::Edited => Some("EditTime"),
            MessageState::Deleted => Some("DeleteTime"),
        };
        let entity = row(event, thread_id, &format!("{message_id}_{version:020}"))?
            .with("MessageId", message_id)
            .with("Version", version.to_string())
            .with("State", self.state.as_str())
            .with_opt("SenderId", self.sender_id.as_deref())
            .with_opt("SenderDisplayName", non_empty(self.sender_display_name))
            .with("Type", self.message_type.as_str())
            .with_opt("Body", self.body)
            .with_opt("Metadata", metadata_text(self.metadata))
            .with("ComposeTime", self.compose_time.to_rfc3339());
        let entity = match (changed_at_name, self.changed_at) {
            (Some(name), Some(at)) => entity.with(name, at.to_rfc3339()),
            _ => entity,
        };
        Output::entity(TableBinding::ChatMessages, &entity)
            .map_err(|source| ChatError::Output { event, source })
    }
}

/// The `chatNotifications` message. No `Debug`: it carries message text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    /// `{threadId}/{messageId}/{recipientId}`: the same for every redelivery, so consumers can
    /// drop duplicates (message ids are ms timestamps, unique only within a thread).
    notification_id: String,
    thread_id: &'a str,
    message_id: &'a str,
    recipient_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_display_name: Option<&'a str>,
    compose_time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview: Option<&'a str>,
}

/// The first `max_chars` characters (not bytes) of `text`; `None` when previews are off.
pub(super) fn preview(text: &str, max_chars: usize) -> Option<&str> {
    if max_chars == 0 {
        return None;
    }
    Some(match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    })
}

impl ChatModule {
    /// The notification for one per-user copy of a message, unless that copy is the sender's.
    pub(super) fn notification(
        &self,
        event: &'static str,
        data: &ChatMessageReceivedEventData,
    ) -> Result<Option<Output>, ChatError> {
        let recipient = data.recipient_raw_id().ok_or(ChatError::MissingIdentity {
            event,
            role: "recipient",
        })?;
        let sender = data.sender_raw_id();
        if sender.as_deref() == Some(&*recipient) {
            return Ok(None);
        }
        let thread_id = required(&data.thread_id, ChatError::MissingThreadId { event })?;
        let message_id = required(&data.message_id, ChatError::MissingMessageId { event })?;
        let notification = Notification {
            notification_id: format!("{thread_id}/{message_id}/{recipient}"),
            thread_id,
            message_id,
            recipient_id: &recipient,
            sender_id: sender.as_deref(),
            sender_display_name: non_empty(data.sender_display_name.as_deref().map(String::as_str)),
            compose_time: data.compose_time.to_rfc3339(),
            preview: preview(data.message_body.as_str(), self.preview_length),
        };
        Output::message(QueueBinding::ChatNotifications, &notification)
            .map(Some)
            .map_err(|source| ChatError::Output { event, source })
    }
}
