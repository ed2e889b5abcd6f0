//! Chat business logic: transcript archive, thread and membership projections, notifications.
//!
//! ACS chat events are redundant by design: a per-user event arrives once per recipient (the
//! same message N times in a thread of N+1 people), the per-thread event arrives once more when
//! both are subscribed, Event Grid redelivers any of them, and nothing is ordered (an edit can
//! come before its message, a delete before its edit). So nothing here reads state or counts
//! deliveries. Every event becomes append-only rows whose keys come from the event content
//! (thread, message, member, version) and whose properties hold nothing that differs between
//! copies (no event id, recipient, transaction id or delivery time): N copies of one change are
//! N writes of the same bytes to the same key, the order of arrival does not matter, and the
//! latest state of anything is a range read.
//!
//! | Binding | PartitionKey | RowKey |
//! |---|---|---|
//! | `chatMessages` | thread id | `{messageId}_{version:020}` |
//! | `chatThreads` | thread id | `{version:020}_{created\|updated\|deleted}` |
//! | `chatMembers` | thread id | `{member raw id}_{version:020}_{added\|removed}` |
//!
//! Keys are escaped by [`TableEntity::new`]; `version` is the event's own `version` (for thread
//! and membership changes the change time in ms when an event has none). `chatNotifications`
//! gets one message per recipient of a per-user `ChatMessageReceived`, never for its sender.
//!
//! This file holds the handler, its settings and errors, the dispatch over the chat events, and
//! the helpers every row shares; `messages.rs` the transcript and notifications, `threads.rs`
//! the thread versions, `members.rs` the membership changes.

use serde_json::{Map, Value};

use crate::events::chat::ChatRetentionPolicy;
use crate::events::chat::{
    ChatMemberAddedToThreadWithUserEventData, ChatMemberRemovedFromThreadWithUserEventData,
    ChatMessageDeletedEventData, ChatMessageDeletedInThreadEventData, ChatMessageEditedEventData,
    ChatMessageEditedInThreadEventData, ChatMessageReceivedEventData,
    ChatMessageReceivedInThreadEventData, ChatParticipantAddedToThreadEventData,
    ChatParticipantAddedToThreadWithUserEventData, ChatParticipantRemovedFromThreadEventData,
    ChatParticipantRemovedFromThreadWithUserEventData, ChatThreadCreatedEventData,
    ChatThreadCreatedWithUserEventData, ChatThreadDeletedEventData,
    ChatThreadPropertiesUpdatedEventData, ChatThreadPropertiesUpdatedPerUserEventData,
    ChatThreadWithUserDeletedEventData,
};
use crate::events::{Int64, Timestamp, UserMap};
use crate::host::outputs::{Output, OutputError, TableEntity};
use crate::settings::names::CHAT_NOTIFICATION_PREVIEW_LENGTH;
use crate::settings::{Settings, SettingsError};

mod members;
mod messages;
#[cfg(test)]
mod tests;
mod threads;

use members::{MemberChange, MemberState};
use messages::{MessageState, MessageVersion};
use threads::{thread_created, ThreadState, ThreadVersion};

/// Preview length when [`CHAT_NOTIFICATION_PREVIEW_LENGTH`] is unset.
pub const DEFAULT_PREVIEW_LENGTH: usize = 100;

/// Builds a [`MessageVersion`] from any message event data (they share field names).
macro_rules! message_version {
    ($d:expr, $event:expr, $state:expr, $body:expr, $metadata:expr, $changed_at:expr) => {
        MessageVersion {
            event: $event,
            thread_id: &$d.thread_id,
            message_id: &$d.message_id,
            version: $d.version,
            state: $state,
            sender_id: $d.sender_raw_id(),
            sender_display_name: $d.sender_display_name.as_deref().map(String::as_str),
            message_type: &$d.message_type,
            compose_time: &$d.compose_time,
            body: $body,
            metadata: $metadata,
            changed_at: $changed_at,
        }
    };
}

/// Why a chat event cannot be stored; all permanent (a redelivery carries the same content), so
/// the dispatcher dead-letters the event. Messages name fields, never their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    #[error("{event}: no thread id, which every chat row is keyed by")]
    MissingThreadId { event: &'static str },
    #[error("{event}: no message id, which transcript rows are keyed by")]
    MissingMessageId { event: &'static str },
    #[error("{event}: the {role} has no identifier (no rawId and no legacy id)")]
    MissingIdentity {
        event: &'static str,
        role: &'static str,
    },
    #[error("{event}: neither a version nor a time orders this change")]
    MissingChangeTime { event: &'static str },
    #[error("{event}: {what} {value} is negative and cannot be ordered in a key")]
    NegativeOrdinal {
        event: &'static str,
        what: &'static str,
        value: i64,
    },
    #[error("{event}: {source}")]
    Output {
        event: &'static str,
        source: OutputError,
    },
}

/// The chat module: typed chat events in, transcript/thread/member rows and notifications out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatModule {
    preview_length: usize,
}

impl Default for ChatModule {
    fn default() -> Self {
        ChatModule {
            preview_length: DEFAULT_PREVIEW_LENGTH,
        }
    }
}

impl ChatModule {
    /// Reads the module's app settings ([`CHAT_NOTIFICATION_PREVIEW_LENGTH`]).
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(ChatModule {
            preview_length: settings
                .number(CHAT_NOTIFICATION_PREVIEW_LENGTH, DEFAULT_PREVIEW_LENGTH)?,
        })
    }

    /// Characters of message text a notification previews (0 = none).
    pub fn preview_length(&self) -> usize {
        self.preview_length
    }
}

/// A thread version from a created or properties-updated event: per-user and per-thread
/// variants have the same fields but different types.
macro_rules! thread_version {
    ($kind:expr, $d:expr, $state:ident, $changed_by:ident, $changed_at:ident) => {
        ThreadVersion {
            event: $kind,
            thread_id: &$d.thread_id,
            state: ThreadState::$state,
            version: $d.version,
            changed_by: $d.$changed_by(),
            changed_at: &$d.$changed_at,
            create_time: &$d.create_time,
            topic: $d.topic(),
            properties: $d.properties.as_ref(),
            metadata: $d.metadata.as_ref(),
            retention_policy: $d.retention_policy.as_ref(),
        }
    };
}

/// A membership change from a current participant event: per-user and per-thread variants have
/// the same fields but different types, so one macro serves all four.
macro_rules! participant_change {
    ($kind:expr, $d:expr, $participant:ident, $state:expr, $changed_by:ident) => {
        MemberChange::participant(
            $kind,
            &$d.thread_id,
            $d.$participant.as_ref(),
            $state,
            $d.version,
            Some(&$d.time),
            $d.$changed_by(),
        )
        .output()
        .map(|output| vec![output])
    };
}

/// Declares [`ChatEvent`]: one variant per chat event type the handler stores, named as the
/// [`AcsEvent`](crate::events::AcsEvent) variant it comes from.
macro_rules! chat_events {
    ($($variant:ident($data:ident),)+) => {
        /// A chat event the chat handler stores, borrowed from the
        /// [`AcsEvent`](crate::events::AcsEvent) it arrived as (same variant names). The
        /// dispatcher builds it ([`crate::handlers::dispatch`]); typing indicators and bot
        /// commands are acknowledged there and have no variant here.
        #[derive(Debug, Clone, Copy)]
        pub enum ChatEvent<'a> {
            $(
                #[doc = concat!("`Microsoft.Communication.", stringify!($variant), "`")]
                $variant(&'a $data),
            )+
        }

        impl ChatEvent<'_> {
            /// The type's short name, as [`AcsEvent::kind`](crate::events::AcsEvent::kind)
            /// gives it (the `Event` property of every row).
            pub fn kind(self) -> &'static str {
                match self {
                    $(ChatEvent::$variant(_) => stringify!($variant),)+
                }
            }
        }
    };
}

chat_events! {
    ChatMessageReceived(ChatMessageReceivedEventData),
    ChatMessageReceivedInThread(ChatMessageReceivedInThreadEventData),
    ChatMessageEdited(ChatMessageEditedEventData),
    ChatMessageEditedInThread(ChatMessageEditedInThreadEventData),
    ChatMessageDeleted(ChatMessageDeletedEventData),
    ChatMessageDeletedInThread(ChatMessageDeletedInThreadEventData),
    ChatThreadCreatedWithUser(ChatThreadCreatedWithUserEventData),
    ChatThreadCreated(ChatThreadCreatedEventData),
    ChatThreadPropertiesUpdatedPerUser(ChatThreadPropertiesUpdatedPerUserEventData),
    ChatThreadPropertiesUpdated(ChatThreadPropertiesUpdatedEventData),
    ChatThreadWithUserDeleted(ChatThreadWithUserDeletedEventData),
    ChatThreadDeleted(ChatThreadDeletedEventData),
    ChatParticipantAddedToThreadWithUser(ChatParticipantAddedToThreadWithUserEventData),
    ChatThreadParticipantAdded(ChatParticipantAddedToThreadEventData),
    ChatParticipantRemovedFromThreadWithUser(ChatParticipantRemovedFromThreadWithUserEventData),
    ChatThreadParticipantRemoved(ChatParticipantRemovedFromThreadEventData),
    ChatMemberAddedToThreadWithUser(ChatMemberAddedToThreadWithUserEventData),
    ChatMemberRemovedFromThreadWithUser(ChatMemberRemovedFromThreadWithUserEventData),
}

impl ChatModule {
    /// The rows (and the notification) for one chat event. It gets no envelope, deliberately:
    /// the envelope's id, time and subject differ between the copies of one change, and rows
    /// must not.
    pub fn handle(&self, event: ChatEvent<'_>) -> Result<Vec<Output>, ChatError> {
        use MessageState::{Deleted, Edited, Received};
        let kind = event.kind();
        match event {
            ChatEvent::ChatMessageReceived(d) => {
                let body = Some(d.message_body.as_str());
                let row = message_version!(d, kind, Received, body, d.metadata.as_ref(), None);
                let mut outputs = vec![row.output()?];
                outputs.extend(self.notification(kind, d)?);
                Ok(outputs)
            }
            ChatEvent::ChatMessageReceivedInThread(d) => {
                let body = Some(d.message_body.as_str());
                let row = message_version!(d, kind, Received, body, d.metadata.as_ref(), None);
                Ok(vec![row.output()?])
            }
            ChatEvent::ChatMessageEdited(d) => {
                let body = d.message_body.as_ref().map(|b| b.as_str());
                let at = Some(&d.edit_time);
                let row = message_version!(d, kind, Edited, body, d.metadata.as_ref(), at);
                Ok(vec![row.output()?])
            }
            ChatEvent::ChatMessageEditedInThread(d) => {
                let body = d.message_body.as_ref().map(|b| b.as_str());
                let at = Some(&d.edit_time);
                let row = message_version!(d, kind, Edited, body, d.metadata.as_ref(), at);
                Ok(vec![row.output()?])
            }
            ChatEvent::ChatMessageDeleted(d) => {
                let row = message_version!(d, kind, Deleted, None, None, Some(&d.delete_time));
                Ok(vec![row.output()?])
            }
            ChatEvent::ChatMessageDeletedInThread(d) => {
                let row = message_version!(d, kind, Deleted, None, None, Some(&d.delete_time));
                Ok(vec![row.output()?])
            }
            ChatEvent::ChatThreadCreatedWithUser(d) => {
                let thread = thread_version!(kind, d, Created, created_by_raw_id, create_time);
                thread_created(&thread, &d.participants, &d.members)
            }
            ChatEvent::ChatThreadCreated(d) => {
                let thread = thread_version!(kind, d, Created, created_by_raw_id, create_time);
                thread_created(&thread, &d.participants, &d.members)
            }
            ChatEvent::ChatThreadPropertiesUpdatedPerUser(d) => {
                let thread = thread_version!(kind, d, Updated, edited_by_raw_id, edit_time);
                Ok(vec![thread.output()?])
            }
            ChatEvent::ChatThreadPropertiesUpdated(d) => {
                let thread = thread_version!(kind, d, Updated, edited_by_raw_id, edit_time);
                Ok(vec![thread.output()?])
            }
            ChatEvent::ChatThreadWithUserDeleted(d) => {
                let thread = ThreadVersion::deleted(
                    kind,
                    &d.thread_id,
                    d.version,
                    d.deleted_by_raw_id(),
                    &d.delete_time,
                    &d.create_time,
                );
                Ok(vec![thread.output()?])
            }
            ChatEvent::ChatThreadDeleted(d) => {
                // `reason` exists only in the per-thread event; storing it would make the two
                // copies of one deletion differ, so it is not stored.
                let thread = ThreadVersion::deleted(
                    kind,
                    &d.thread_id,
                    d.version,
                    d.deleted_by_raw_id(),
                    &d.delete_time,
                    &d.create_time,
                );
                Ok(vec![thread.output()?])
            }
            ChatEvent::ChatParticipantAddedToThreadWithUser(d) => participant_change!(
                kind,
                d,
                participant_added,
                MemberState::Added,
                added_by_raw_id
            ),
            ChatEvent::ChatThreadParticipantAdded(d) => participant_change!(
                kind,
                d,
                participant_added,
                MemberState::Added,
                added_by_raw_id
            ),
            ChatEvent::ChatParticipantRemovedFromThreadWithUser(d) => participant_change!(
                kind,
                d,
                participant_removed,
                MemberState::Removed,
                removed_by_raw_id
            ),
            ChatEvent::ChatThreadParticipantRemoved(d) => participant_change!(
                kind,
                d,
                participant_removed,
                MemberState::Removed,
                removed_by_raw_id
            ),
            ChatEvent::ChatMemberAddedToThreadWithUser(d) => {
                let change = MemberChange::legacy(
                    kind,
                    &d.thread_id,
                    d.member_added.as_ref(),
                    MemberState::Added,
                    d.version,
                    d.time.as_ref(),
                    d.added_by_raw_id(),
                );
                Ok(vec![change.output()?])
            }
            ChatEvent::ChatMemberRemovedFromThreadWithUser(d) => {
                let change = MemberChange::legacy(
                    kind,
                    &d.thread_id,
                    d.member_removed.as_ref(),
                    MemberState::Removed,
                    d.version,
                    d.time.as_ref(),
                    d.removed_by_raw_id(),
                );
                Ok(vec![change.output()?])
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// An entity with checked, escaped keys (written as an upsert, see [`crate::host::outputs::UPSERT_ETAG`]):
/// identical copies of one change collapse into one row.
fn row(
    event: &'static str,
    partition_key: &str,
    row_key: &str,
) -> Result<TableEntity<'static>, ChatError> {
    TableEntity::new(partition_key, row_key).map_err(|source| ChatError::Output { event, source })
}

/// `value` unless it is empty or blank (ACS sends `""` for ids it does not have).
fn required(value: &str, missing: ChatError) -> Result<&str, ChatError> {
    if value.trim().is_empty() {
        Err(missing)
    } else {
        Ok(value)
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// A version or time as a key component: non-negative, so its zero-padded digits sort.
fn ordinal(event: &'static str, what: &'static str, value: i64) -> Result<u64, ChatError> {
    u64::try_from(value).map_err(|_| ChatError::NegativeOrdinal { event, what, value })
}

/// What orders a thread or membership change: its version, else its time in ms.
fn change_ordinal(
    event: &'static str,
    version: Option<Int64>,
    time: Option<&Timestamp>,
) -> Result<u64, ChatError> {
    match (version, time) {
        (Some(version), _) => ordinal(event, "version", version.0),
        (None, Some(time)) => ordinal(event, "time", time.unix_millis()),
        (None, None) => Err(ChatError::MissingChangeTime { event }),
    }
}

/// `Version` as a decimal string. ms-epoch versions exceed 2^31: the Storage extension of
/// bundles ≤ 3.x casts every JSON integer to Int32 (and fails the write), JavaScript readers
/// round past 2^53, while a string is stored and read back exactly everywhere.
fn version_text(event: &'static str, version: Option<Int64>) -> Result<Option<String>, ChatError> {
    version
        .map(|v| ordinal(event, "version", v.0).map(|v| v.to_string()))
        .transpose()
}

/// Metadata as JSON text (keys sorted, so copies agree); none when absent or empty.
/// Azure Tables has no map type, and the Tables extension would store a nested value as
/// indented text.
fn metadata_text(metadata: Option<&UserMap>) -> Option<String> {
    metadata.filter(|m| !m.is_empty()).map(|m| object_text(m))
}

/// An open JSON object as text with keys sorted at every level, whatever order the event sent:
/// `serde_json::Map` is a sorted map (the `preserve_order` feature is off), so serializing it is
/// enough.
fn object_text(object: &Map<String, Value>) -> String {
    // Serializing a map with string keys cannot fail.
    serde_json::to_string(object).unwrap_or_default()
}

fn retention_text(policy: &ChatRetentionPolicy) -> String {
    let mut object = Map::new();
    if let Some(kind) = &policy.kind {
        object.insert("kind".into(), Value::String(kind.as_str().to_owned()));
    }
    if let Some(days) = policy.delete_thread_after_days {
        object.insert("deleteThreadAfterDays".into(), Value::from(days));
    }
    object_text(&object)
}
