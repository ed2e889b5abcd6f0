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

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::events::chat::{
    ChatMember, ChatMessageReceivedEventData, ChatMessageType, ChatParticipant, ChatRetentionPolicy,
};
use crate::events::{AcsEvent, Envelope, Int64, Timestamp, UserMap};
use crate::handlers::dispatch::EventModule;
use crate::host::outputs::{Output, OutputError, QueueBinding, TableBinding, TableEntity};
use crate::settings::{Settings, SettingsError};

/// App setting: how many characters of a message a notification previews (0 = no preview).
pub const PREVIEW_LENGTH_SETTING: &str = "CHAT_NOTIFICATION_PREVIEW_LENGTH";

/// Preview length when [`PREVIEW_LENGTH_SETTING`] is unset.
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
    /// Reads the module's app settings ([`PREVIEW_LENGTH_SETTING`]).
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(ChatModule {
            preview_length: settings.number(PREVIEW_LENGTH_SETTING, DEFAULT_PREVIEW_LENGTH)?,
        })
    }

    /// Characters of message text a notification previews (0 = none).
    pub fn preview_length(&self) -> usize {
        self.preview_length
    }

    /// The notification for one per-user copy of a message, unless that copy is the sender's.
    fn notification(
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

impl EventModule for ChatModule {
    type Error = ChatError;

    /// The envelope is deliberately unused: its id, time and subject differ between the copies
    /// of one change, and rows must not.
    fn handle(&self, _envelope: &Envelope, event: &AcsEvent) -> Result<Vec<Output>, ChatError> {
        use MessageState::{Deleted, Edited, Received};
        let kind = event.kind();
        match event {
            AcsEvent::ChatMessageReceived(d) => {
                let body = Some(d.message_body.as_str());
                let row = message_version!(d, kind, Received, body, d.metadata.as_ref(), None);
                let mut outputs = vec![row.output()?];
                outputs.extend(self.notification(kind, d)?);
                Ok(outputs)
            }
            AcsEvent::ChatMessageReceivedInThread(d) => {
                let body = Some(d.message_body.as_str());
                let row = message_version!(d, kind, Received, body, d.metadata.as_ref(), None);
                Ok(vec![row.output()?])
            }
            AcsEvent::ChatMessageEdited(d) => {
                let body = d.message_body.as_ref().map(|b| b.as_str());
                let at = Some(&d.edit_time);
                let row = message_version!(d, kind, Edited, body, d.metadata.as_ref(), at);
                Ok(vec![row.output()?])
            }
            AcsEvent::ChatMessageEditedInThread(d) => {
                let body = d.message_body.as_ref().map(|b| b.as_str());
                let at = Some(&d.edit_time);
                let row = message_version!(d, kind, Edited, body, d.metadata.as_ref(), at);
                Ok(vec![row.output()?])
            }
            AcsEvent::ChatMessageDeleted(d) => {
                let row = message_version!(d, kind, Deleted, None, None, Some(&d.delete_time));
                Ok(vec![row.output()?])
            }
            AcsEvent::ChatMessageDeletedInThread(d) => {
                let row = message_version!(d, kind, Deleted, None, None, Some(&d.delete_time));
                Ok(vec![row.output()?])
            }
            AcsEvent::ChatThreadCreatedWithUser(d) => {
                let thread = thread_version!(kind, d, Created, created_by_raw_id, create_time);
                thread_created(&thread, &d.participants, &d.members)
            }
            AcsEvent::ChatThreadCreated(d) => {
                let thread = thread_version!(kind, d, Created, created_by_raw_id, create_time);
                thread_created(&thread, &d.participants, &d.members)
            }
            AcsEvent::ChatThreadPropertiesUpdatedPerUser(d) => {
                let thread = thread_version!(kind, d, Updated, edited_by_raw_id, edit_time);
                Ok(vec![thread.output()?])
            }
            AcsEvent::ChatThreadPropertiesUpdated(d) => {
                let thread = thread_version!(kind, d, Updated, edited_by_raw_id, edit_time);
                Ok(vec![thread.output()?])
            }
            AcsEvent::ChatThreadWithUserDeleted(d) => {
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
            AcsEvent::ChatThreadDeleted(d) => {
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
            AcsEvent::ChatParticipantAddedToThreadWithUser(d) => participant_change!(
                kind,
                d,
                participant_added,
                MemberState::Added,
                added_by_raw_id
            ),
            AcsEvent::ChatThreadParticipantAdded(d) => participant_change!(
                kind,
                d,
                participant_added,
                MemberState::Added,
                added_by_raw_id
            ),
            AcsEvent::ChatParticipantRemovedFromThreadWithUser(d) => participant_change!(
                kind,
                d,
                participant_removed,
                MemberState::Removed,
                removed_by_raw_id
            ),
            AcsEvent::ChatThreadParticipantRemoved(d) => participant_change!(
                kind,
                d,
                participant_removed,
                MemberState::Removed,
                removed_by_raw_id
            ),
            AcsEvent::ChatMemberAddedToThreadWithUser(d) => {
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
            AcsEvent::ChatMemberRemovedFromThreadWithUser(d) => {
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
            // Typing indicators, bot commands and non-chat events are not ours to store.
            _ => Ok(Vec::new()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Transcript
// ---------------------------------------------------------------------------------------------

/// What a message version is, in the `State` property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MessageState {
    Received,
    Edited,
    Deleted,
}

impl MessageState {
    fn as_str(self) -> &'static str {
        match self {
            MessageState::Received => "received",
            MessageState::Edited => "edited",
            MessageState::Deleted => "deleted",
        }
    }
}

/// One version of one message, read the same way from all six message events, so per-user and
/// per-thread copies cannot drift apart.
struct MessageVersion<'a> {
    event: &'static str,
    thread_id: &'a str,
    message_id: &'a str,
    version: Int64,
    state: MessageState,
    sender_id: Option<Cow<'a, str>>,
    sender_display_name: Option<&'a str>,
    message_type: &'a ChatMessageType,
    compose_time: &'a Timestamp,
    body: Option<&'a str>,
    metadata: Option<&'a UserMap>,
    /// The edit or delete time (per `state`).
    changed_at: Option<&'a Timestamp>,
}

impl MessageVersion<'_> {
    fn output(&self) -> Result<Output, ChatError> {
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
fn preview(text: &str, max_chars: usize) -> Option<&str> {
    if max_chars == 0 {
        return None;
    }
    Some(match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    })
}

// ---------------------------------------------------------------------------------------------
// Threads and members
// ---------------------------------------------------------------------------------------------

/// What a thread version is, in the `State` property and the RowKey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ThreadState {
    Created,
    Updated,
    Deleted,
}

impl ThreadState {
    fn as_str(self) -> &'static str {
        match self {
            ThreadState::Created => "created",
            ThreadState::Updated => "updated",
            ThreadState::Deleted => "deleted",
        }
    }
}

/// One version of a thread (created, properties updated, deleted), from either event level.
struct ThreadVersion<'a> {
    event: &'static str,
    thread_id: &'a str,
    state: ThreadState,
    version: Option<Int64>,
    changed_by: Option<Cow<'a, str>>,
    changed_at: &'a Timestamp,
    create_time: &'a Timestamp,
    topic: Option<&'a str>,
    properties: Option<&'a UserMap>,
    metadata: Option<&'a UserMap>,
    retention_policy: Option<&'a ChatRetentionPolicy>,
}

impl<'a> ThreadVersion<'a> {
    fn deleted(
        event: &'static str,
        thread_id: &'a str,
        version: Option<Int64>,
        changed_by: Option<Cow<'a, str>>,
        changed_at: &'a Timestamp,
        create_time: &'a Timestamp,
    ) -> Self {
        ThreadVersion {
            event,
            thread_id,
            state: ThreadState::Deleted,
            version,
            changed_by,
            changed_at,
            create_time,
            topic: None,
            properties: None,
            metadata: None,
            retention_policy: None,
        }
    }

    fn output(&self) -> Result<Output, ChatError> {
        let event = self.event;
        let thread_id = required(self.thread_id, ChatError::MissingThreadId { event })?;
        let order = change_ordinal(event, self.version, Some(self.changed_at))?;
        let entity = row(
            event,
            thread_id,
            &format!("{order:020}_{}", self.state.as_str()),
        )?
        .with("State", self.state.as_str())
        .with_opt("Version", version_text(event, self.version)?)
        .with_opt("ChangedBy", self.changed_by.as_deref())
        .with("ChangedAt", self.changed_at.to_rfc3339())
        .with("CreateTime", self.create_time.to_rfc3339())
        .with_opt("Topic", self.topic)
        .with_opt(
            "Properties",
            self.properties
                .filter(|p| !p.is_empty())
                .map(|p| object_text(p)),
        )
        .with_opt("Metadata", metadata_text(self.metadata))
        .with_opt("RetentionPolicy", self.retention_policy.map(retention_text));
        Output::entity(TableBinding::ChatThreads, &entity)
            .map_err(|source| ChatError::Output { event, source })
    }
}

/// A thread-created event: its thread row, then one `added` row per initial participant, so
/// membership is complete even though ACS raises no participant-added events for them.
fn thread_created(
    thread: &ThreadVersion<'_>,
    participants: &[ChatParticipant],
    members: &[ChatMember],
) -> Result<Vec<Output>, ChatError> {
    let mut outputs = vec![thread.output()?];
    let initial = |member_id, display_name, metadata| MemberChange {
        event: thread.event,
        thread_id: thread.thread_id,
        member_id,
        display_name,
        metadata,
        state: MemberState::Added,
        version: thread.version,
        time: Some(thread.create_time),
        changed_by: thread.changed_by.clone(),
    };
    // `participants` when sent, else the 2020 `members` (as `participant_raw_ids()` does).
    let changes: Vec<MemberChange<'_>> = if participants.is_empty() {
        members
            .iter()
            .map(|m| {
                initial(
                    m.raw_id(),
                    m.display_name.as_deref().map(String::as_str),
                    None,
                )
            })
            .collect()
    } else {
        participants
            .iter()
            .map(|p| {
                initial(
                    p.raw_id(),
                    p.display_name.as_deref().map(String::as_str),
                    p.metadata.as_ref(),
                )
            })
            .collect()
    };
    let mut seen = HashSet::new();
    for change in changes {
        // A participant listed twice is one membership; the first listing wins.
        if change
            .member_id
            .as_ref()
            .is_some_and(|id| !seen.insert(id.clone()))
        {
            continue;
        }
        outputs.push(change.output()?);
    }
    Ok(outputs)
}

/// Whether a membership row records a join or a leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberState {
    Added,
    Removed,
}

impl MemberState {
    fn as_str(self) -> &'static str {
        match self {
            MemberState::Added => "added",
            MemberState::Removed => "removed",
        }
    }
}

/// One membership change, from participant events (current, per-user or per-thread), the 2020
/// `ChatMember*` events, or the initial participants of a thread.
struct MemberChange<'a> {
    event: &'static str,
    thread_id: &'a str,
    member_id: Option<Cow<'a, str>>,
    display_name: Option<&'a str>,
    metadata: Option<&'a UserMap>,
    state: MemberState,
    version: Option<Int64>,
    time: Option<&'a Timestamp>,
    changed_by: Option<Cow<'a, str>>,
}

impl<'a> MemberChange<'a> {
    fn participant(
        event: &'static str,
        thread_id: &'a str,
        participant: Option<&'a ChatParticipant>,
        state: MemberState,
        version: Option<Int64>,
        time: Option<&'a Timestamp>,
        changed_by: Option<Cow<'a, str>>,
    ) -> Self {
        MemberChange {
            event,
            thread_id,
            member_id: participant.and_then(ChatParticipant::raw_id),
            display_name: participant.and_then(|p| p.display_name.as_deref().map(String::as_str)),
            metadata: participant.and_then(|p| p.metadata.as_ref()),
            state,
            version,
            time,
            changed_by,
        }
    }

    fn legacy(
        event: &'static str,
        thread_id: &'a str,
        member: Option<&'a ChatMember>,
        state: MemberState,
        version: Option<Int64>,
        time: Option<&'a Timestamp>,
        changed_by: Option<Cow<'a, str>>,
    ) -> Self {
        MemberChange {
            event,
            thread_id,
            member_id: member.and_then(ChatMember::raw_id),
            display_name: member.and_then(|m| m.display_name.as_deref().map(String::as_str)),
            metadata: None,
            state,
            version,
            time,
            changed_by,
        }
    }

    fn output(&self) -> Result<Output, ChatError> {
        let event = self.event;
        let thread_id = required(self.thread_id, ChatError::MissingThreadId { event })?;
        let missing_member = ChatError::MissingIdentity {
            event,
            role: "participant",
        };
        let member_id = required(self.member_id.as_deref().unwrap_or(""), missing_member)?;
        let order = change_ordinal(event, self.version, self.time)?;
        let state = self.state.as_str();
        let entity = row(
            event,
            thread_id,
            &format!("{member_id}_{order:020}_{state}"),
        )?
        .with("MemberId", member_id)
        .with_opt("DisplayName", non_empty(self.display_name))
        .with("State", state)
        .with_opt("Version", version_text(event, self.version)?)
        .with_opt("ChangedBy", self.changed_by.as_deref())
        .with_opt("ChangedAt", self.time.map(Timestamp::to_rfc3339))
        .with_opt("Metadata", metadata_text(self.metadata));
        Output::entity(TableBinding::ChatMembers, &entity)
            .map_err(|source| ChatError::Output { event, source })
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::events::parse_delivery;
    use serde_json::json;

    // -- helpers ------------------------------------------------------------------------------

    /// Parses one Event Grid event (as JSON) and runs it through `module`.
    fn run_with(module: &ChatModule, event: &Value) -> Result<Vec<Output>, ChatError> {
        let body = serde_json::to_vec(event).unwrap();
        let mut delivery = parse_delivery(&body).unwrap();
        let parsed = delivery.remove(0).unwrap();
        let data = parsed.data.as_ref().unwrap_or_else(|e| panic!("{e}"));
        module.handle(&parsed.envelope, data)
    }

    fn run(event: &Value) -> Vec<Output> {
        run_with(&ChatModule::default(), event).unwrap_or_else(|e| panic!("{e}"))
    }

    /// An Event Grid event around `data`.
    fn eg(kind: &str, id: &str, data: Value) -> Value {
        json!({
            "id": id,
            "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
            "subject": format!("thread/x/{id}"),
            "eventType": format!("Microsoft.Communication.{kind}"),
            "eventTime": format!("2021-02-19T00:25:{:02}.1234567Z", id.len() % 60),
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": data
        })
    }

    /// The one event of `samples/<file>`.
    fn sample(file: &str) -> Value {
        let path = format!("{}/samples/{file}", env!("CARGO_MANIFEST_DIR"));
        let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        match value {
            Value::Array(mut items) => items.remove(0),
            other => other,
        }
    }

    fn values(outputs: &[Output], binding: &str) -> Vec<Value> {
        outputs
            .iter()
            .filter(|o| o.binding() == binding)
            .map(|o| serde_json::from_str(o.value().get()).unwrap())
            .collect()
    }

    fn raw(outputs: &[Output], binding: &str) -> Vec<String> {
        outputs
            .iter()
            .filter(|o| o.binding() == binding)
            .map(|o| o.value().get().to_owned())
            .collect()
    }

    fn ident(raw_id: &str) -> Value {
        json!({"rawId": raw_id, "communicationUser": {"id": raw_id}})
    }

    /// A table under upsert semantics that also checks the module's promise: a key written
    /// twice is written with the same bytes.
    #[derive(Default)]
    struct Tables(BTreeMap<(String, String, String), String>);

    impl Tables {
        fn apply(&mut self, outputs: &[Output]) {
            for output in outputs
                .iter()
                .filter(|o| !o.binding().ends_with("Notifications"))
            {
                let value: Value = serde_json::from_str(output.value().get()).unwrap();
                let key = (
                    output.binding().to_owned(),
                    value["PartitionKey"].as_str().unwrap().to_owned(),
                    value["RowKey"].as_str().unwrap().to_owned(),
                );
                let bytes = output.value().get().to_owned();
                if let Some(previous) = self.0.insert(key.clone(), bytes.clone()) {
                    assert_eq!(previous, bytes, "{key:?} rewritten with different content");
                }
            }
        }

        fn rows(&self, binding: &str) -> Vec<Value> {
            self.0
                .iter()
                .filter(|((b, _, _), _)| b == binding)
                .map(|(_, v)| serde_json::from_str(v).unwrap())
                .collect()
        }
    }

    const THREAD: &str = "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2";
    const ACS: &str = "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-";
    const BODY: &str = "Welcome to Azure Communication Services";

    fn user(n: u32) -> String {
        format!("{ACS}{n:04}-0000-0000-000000000000")
    }

    /// Per-user `ChatMessageReceived` copy for `recipient` (sender: user 1).
    fn received_for(recipient: &str, body: &str) -> Value {
        json!({
            "messageBody": body,
            "messageId": "1613694358927",
            "metadata": {"key": "value", "description": "A map"},
            "senderId": user(1),
            "senderCommunicationIdentifier": ident(&user(1)),
            "senderDisplayName": "Bob(Admin)",
            "composeTime": "2021-02-19T00:25:58.927Z",
            "type": "Text",
            "version": 1613694358927_i64,
            "recipientId": recipient,
            "recipientCommunicationIdentifier": ident(recipient),
            "transactionId": format!("tx-{recipient}"),
            "threadId": THREAD
        })
    }

    /// The per-thread copy of the same message: string version, `+00:00` spelling, metadata in
    /// another order, no recipient, no legacy sender id.
    fn received_in_thread() -> Value {
        json!({
            "messageBody": BODY,
            "messageId": "1613694358927",
            "metadata": {"description": "A map", "key": "value"},
            "type": "text",
            "version": "1613694358927",
            "senderDisplayName": "Bob(Admin)",
            "senderCommunicationIdentifier": ident(&user(1)),
            "composeTime": "2021-02-19T00:25:58.927+00:00",
            "threadId": THREAD,
            "transactionId": "another"
        })
    }

    // -- transcript ---------------------------------------------------------------------------

    #[test]
    fn per_user_copies_and_the_per_thread_copy_write_one_identical_row() {
        let mut rows = Vec::new();
        let mut notifications = Vec::new();
        for n in 2..=6 {
            let out = run(&eg(
                "ChatMessageReceived",
                &format!("e-{n}"),
                received_for(&user(n), BODY),
            ));
            rows.extend(raw(&out, "chatMessages"));
            notifications.extend(values(&out, "chatNotifications"));
        }
        // A 2020-style copy: plain-string ids only.
        let mut legacy = received_for(&user(7), BODY);
        let data = legacy.as_object_mut().unwrap();
        data.remove("senderCommunicationIdentifier");
        data.remove("recipientCommunicationIdentifier");
        let out = run(&eg("ChatMessageReceived", "e-legacy", legacy));
        rows.extend(raw(&out, "chatMessages"));
        notifications.extend(values(&out, "chatNotifications"));

        let out = run(&eg(
            "ChatMessageReceivedInThread",
            "e-thread",
            received_in_thread(),
        ));
        assert!(
            values(&out, "chatNotifications").is_empty(),
            "per-thread events notify nobody"
        );
        rows.extend(raw(&out, "chatMessages"));

        assert_eq!(rows.len(), 7);
        assert!(rows.iter().all(|r| r == &rows[0]), "{rows:#?}");
        let row: Value = serde_json::from_str(&rows[0]).unwrap();
        assert_eq!(row["RowKey"], "1613694358927_00000001613694358927");
        assert_eq!(
            row["Type"], "Text",
            "canonical spelling whatever the copy sent"
        );
        assert_eq!(row["ComposeTime"], "2021-02-19T00:25:58.927Z");

        // One notification per recipient, each with its own deterministic id.
        let ids: HashSet<String> = notifications
            .iter()
            .map(|n| n["notificationId"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(notifications.len(), 6);
        assert_eq!(ids.len(), 6);
        assert!(ids.contains(&format!("{THREAD}/1613694358927/{}", user(7))));
    }

    fn edited(per_thread: bool) -> Value {
        let mut data = json!({
            "editTime": "2021-02-19T00:28:20.784Z",
            "messageBody": "Let's chat about something else.",
            "messageId": "1613694358927",
            "senderCommunicationIdentifier": ident(&user(1)),
            "senderDisplayName": "Bob(Admin)",
            "composeTime": "2021-02-19T00:25:58.927Z",
            "type": "Text",
            "version": 1613694500784_i64,
            "threadId": THREAD
        });
        if per_thread {
            data["version"] = json!("1613694500784");
        } else {
            data["recipientCommunicationIdentifier"] = ident(&user(2));
        }
        data
    }

    fn deleted(per_thread: bool) -> Value {
        let mut data = json!({
            "deleteTime": "2021-02-19T00:43:10.14+00:00",
            "messageId": "1613694358927",
            "senderCommunicationIdentifier": ident(&user(1)),
            "senderDisplayName": "Bob(Admin)",
            "composeTime": "2021-02-19T00:25:58.927Z",
            "type": "Text",
            "version": 1613695390361_i64,
            "threadId": THREAD
        });
        if !per_thread {
            data["recipientCommunicationIdentifier"] = ident(&user(3));
        }
        data
    }

    #[test]
    fn edits_before_messages_and_deletes_before_edits_leave_every_version() {
        let events = [
            eg("ChatMessageReceived", "r", received_for(&user(2), BODY)),
            eg("ChatMessageEditedInThread", "e", edited(true)),
            eg("ChatMessageDeleted", "d", deleted(false)),
            eg("ChatMessageEdited", "e2", edited(false)),
            eg("ChatMessageDeletedInThread", "d2", deleted(true)),
            eg("ChatMessageReceivedInThread", "r2", received_in_thread()),
        ];
        let orders: [[usize; 6]; 5] = [
            [0, 1, 2, 3, 4, 5],
            [2, 1, 0, 5, 4, 3],
            [4, 2, 3, 1, 5, 0],
            [1, 3, 0, 2, 4, 5],
            [5, 4, 3, 2, 1, 0],
        ];
        let mut finals = Vec::new();
        for order in orders {
            let mut tables = Tables::default();
            for i in order {
                tables.apply(&run(&events[i]));
            }
            finals.push(tables.0.clone());
            let rows = tables.rows("chatMessages");
            let states: Vec<&str> = rows.iter().map(|r| r["State"].as_str().unwrap()).collect();
            assert_eq!(
                states,
                ["received", "edited", "deleted"],
                "RowKey order is version order"
            );
            assert_eq!(rows[0]["Body"], BODY);
            assert_eq!(rows[1]["Body"], "Let's chat about something else.");
            assert_eq!(rows[1]["EditTime"], "2021-02-19T00:28:20.784Z");
            assert!(rows[2].get("Body").is_none(), "{}", rows[2]);
            assert_eq!(rows[2]["DeleteTime"], "2021-02-19T00:43:10.14Z");
            assert_eq!(rows[2]["Version"], "1613695390361");
        }
        assert!(
            finals.iter().all(|f| f == &finals[0]),
            "arrival order changes nothing"
        );
    }

    #[test]
    fn every_chat_sample_delivered_twice_yields_identical_outputs() {
        let dir = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("__Chat"))
            .collect();
        files.sort();
        assert!(files.len() >= 25, "{files:?}");
        for file in files {
            let event = sample(&file);
            let first = run(&event);
            let second = run_with(&ChatModule::default(), &event).unwrap();
            assert_eq!(first, second, "{file}");
            // Typing indicators and bot commands are not stored; everything else is.
            let stored = !file.contains("TypingIndicator") && !file.contains("BotCommand");
            assert_eq!(!first.is_empty(), stored, "{file}");
            for output in first.iter().filter(|o| o.binding() != "chatNotifications") {
                assert!(
                    output.value().get().contains(r#""odata.etag":"*""#),
                    "{file}"
                );
            }
        }
    }

    #[test]
    fn the_sender_gets_no_notification() {
        let own = run(&eg(
            "ChatMessageReceived",
            "own",
            received_for(&user(1), BODY),
        ));
        assert_eq!(raw(&own, "chatMessages").len(), 1);
        assert!(values(&own, "chatNotifications").is_empty());

        // Same with 2020 plain-string ids only.
        let mut legacy = received_for(&user(1), BODY);
        let data = legacy.as_object_mut().unwrap();
        data.remove("senderCommunicationIdentifier");
        data.remove("recipientCommunicationIdentifier");
        let own = run(&eg("ChatMessageReceived", "own-2020", legacy));
        assert!(values(&own, "chatNotifications").is_empty());
    }

    #[test]
    fn previews_count_characters_and_zero_turns_them_off() {
        assert_eq!(preview("héllo wörld", 5), Some("héllo"));
        assert_eq!(preview("日本語のテキスト", 3), Some("日本語"));
        assert_eq!(
            preview("👋🏽 hi", 1),
            Some("👋"),
            "a char, not a byte, even mid-cluster"
        );
        assert_eq!(preview("short", 100), Some("short"));
        assert_eq!(preview("", 10), Some(""));
        assert_eq!(preview("anything", 0), None);

        let body = "Grüße aus Köln 🎉🎉🎉 und mehr";
        let module =
            ChatModule::from_settings(&Settings::from_pairs([(PREVIEW_LENGTH_SETTING, "16")]))
                .unwrap();
        let out = run_with(
            &module,
            &eg("ChatMessageReceived", "p", received_for(&user(2), body)),
        )
        .unwrap();
        assert_eq!(
            values(&out, "chatNotifications")[0]["preview"],
            "Grüße aus Köln 🎉"
        );

        let off = ChatModule::from_settings(&Settings::from_pairs([(PREVIEW_LENGTH_SETTING, "0")]))
            .unwrap();
        let out = run_with(
            &off,
            &eg("ChatMessageReceived", "p", received_for(&user(2), body)),
        )
        .unwrap();
        let note = &values(&out, "chatNotifications")[0];
        assert!(note.get("preview").is_none(), "{note}");
        assert!(!note.to_string().contains("Grüße"), "{note}");
        // The transcript keeps the whole text either way.
        assert_eq!(values(&out, "chatMessages")[0]["Body"], body);
    }

    #[test]
    fn the_preview_setting_is_read_and_checked() {
        assert_eq!(
            ChatModule::from_settings(&Settings::default())
                .unwrap()
                .preview_length(),
            100
        );
        let s = Settings::from_pairs([(PREVIEW_LENGTH_SETTING, " 42 ")]);
        assert_eq!(ChatModule::from_settings(&s).unwrap().preview_length(), 42);
        let bad = Settings::from_pairs([(PREVIEW_LENGTH_SETTING, "-1")]);
        let err = ChatModule::from_settings(&bad).unwrap_err();
        assert_eq!(err.name, PREVIEW_LENGTH_SETTING);
    }

    // -- samples ------------------------------------------------------------------------------

    #[test]
    fn current_message_samples_produce_the_expected_rows() {
        let sender =
            "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724";
        let recipient =
            "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7d05-83fe-084822000f6d";
        let out = run(&sample("docs-chat__ChatMessageReceived.json"));
        assert_eq!(
            values(&out, "chatMessages"),
            [json!({
                "PartitionKey": THREAD,
                "RowKey": "1613694358927_00000001613694358927",
                "odata.etag": "*",
                "MessageId": "1613694358927",
                "Version": "1613694358927",
                "State": "received",
                "SenderId": sender,
                "SenderDisplayName": "Bob(Admin)",
                "Type": "Text",
                "Body": BODY,
                "Metadata": r#"{"description":"A map of data associated with the message","key":"value"}"#,
                "ComposeTime": "2021-02-19T00:25:58.927Z"
            })]
        );
        assert_eq!(
            values(&out, "chatNotifications"),
            [json!({
                "notificationId": format!("{THREAD}/1613694358927/{recipient}"),
                "threadId": THREAD,
                "messageId": "1613694358927",
                "recipientId": recipient,
                "senderId": sender,
                "senderDisplayName": "Bob(Admin)",
                "composeTime": "2021-02-19T00:25:58.927Z",
                "preview": BODY
            })]
        );
        // The CloudEvents spec sample is the same message (only the display name differs).
        let ce = run(&sample("spec-ce__ChatMessageReceived.json"));
        let mut expected = values(&out, "chatMessages");
        expected[0]["SenderDisplayName"] = json!("Jhon");
        assert_eq!(values(&ce, "chatMessages"), expected);
        assert_eq!(values(&ce, "chatNotifications").len(), 1);

        let edited = values(
            &run(&sample("docs-chat__ChatMessageEdited.json")),
            "chatMessages",
        );
        assert_eq!(edited[0]["RowKey"], "1613694357917_00000001613694500784");
        assert_eq!(edited[0]["State"], "edited");
        assert_eq!(
            edited[0]["Body"],
            "Let's Chat about new communication services."
        );
        assert_eq!(edited[0]["EditTime"], "2021-02-19T00:28:20.784Z");

        let out = run(&sample("docs-chat__ChatMessageDeletedInThread.json"));
        let deleted = values(&out, "chatMessages");
        assert_eq!(deleted.len(), 1);
        assert_eq!(
            deleted[0]["PartitionKey"],
            "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2"
        );
        assert_eq!(deleted[0]["RowKey"], "1613782685440_00000001613782814333");
        assert_eq!(deleted[0]["State"], "deleted");
        assert_eq!(deleted[0]["DeleteTime"], "2021-02-20T00:59:10.464Z");
        assert_eq!(deleted[0]["ComposeTime"], "2021-02-20T00:58:05.44Z");
        assert!(deleted[0].get("Body").is_none() && deleted[0].get("Metadata").is_none());

        let in_thread = run(&sample("docs-chat__ChatMessageReceivedInThread.json"));
        assert_eq!(
            values(&in_thread, "chatMessages")[0]["Version"],
            "1613783230064"
        );
        assert!(values(&in_thread, "chatNotifications").is_empty());
    }

    #[test]
    fn samples_from_2020_produce_the_expected_rows() {
        let out = run(&sample("docs2020__ChatMessageReceived.json"));
        let row = &values(&out, "chatMessages")[0];
        assert_eq!(
            row["PartitionKey"],
            "19:46df844a4c064bfaa2b3b30e385d1018@thread.v2"
        );
        assert_eq!(row["RowKey"], "1600389507167_00000001600389507167");
        assert_eq!(
            row["SenderId"],
            "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e0d-e5aa-0e04-343a0d00037c"
        );
        assert!(row.get("Metadata").is_none());
        let note = &values(&out, "chatNotifications")[0];
        assert_eq!(
            note["recipientId"],
            "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e1a-3090-6a0b-343a0d000409"
        );

        let deleted = values(
            &run(&sample("docs2020__ChatMessageDeleted.json")),
            "chatMessages",
        );
        assert_eq!(deleted[0]["RowKey"], "1600390099195_00000001600390152154");
        assert_eq!(deleted[0]["State"], "deleted");

        let p2020 = "8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d0003";
        let added = values(
            &run(&sample("docs2020__ChatMemberAddedToThreadWithUser.json")),
            "chatMembers",
        );
        assert_eq!(
            added,
            [json!({
                "PartitionKey": "19:6d20c2f921cd402ead7d1b31b0d030cd@thread.v2",
                "RowKey": format!("{p2020}fe_00000001600390033176_added"),
                "odata.etag": "*",
                "MemberId": format!("{p2020}fe"),
                "DisplayName": "John Smith",
                "State": "added",
                "Version": "1600390033176",
                "ChangedBy": format!("{p2020}f1"),
                "ChangedAt": "2020-09-18T00:47:13.1867087Z"
            })]
        );
        let removed = values(
            &run(&sample(
                "docs2020__ChatMemberRemovedFromThreadWithUser.json",
            )),
            "chatMembers",
        );
        assert_eq!(
            removed[0]["RowKey"],
            format!("{p2020}fe_00000001600390071131_removed")
        );
        assert_eq!(removed[0]["State"], "removed");

        let created = run(&sample("docs2020__ChatThreadCreatedWithUser.json"));
        let thread = &values(&created, "chatThreads")[0];
        assert_eq!(thread["RowKey"], "00000001600380369988_created");
        assert_eq!(thread["Topic"], "Chat about new commuication services");
        assert_eq!(
            thread["ChangedBy"],
            "8:acs:73551687-f8c8-48a7-bf06-d8263f15b02a_06014f-6001fc107f"
        );
        let members = values(&created, "chatMembers");
        let names: Vec<&str> = members
            .iter()
            .map(|m| m["DisplayName"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["Bob", "John"],
            "initial members from the legacy `members` list"
        );
        assert!(members
            .iter()
            .all(|m| m["State"] == "added" && m["ChangedAt"] == "2020-09-17T22:06:09.988Z"));

        let updated = values(
            &run(&sample("docs2020__ChatThreadPropertiesUpdatedPerUser.json")),
            "chatThreads",
        );
        assert_eq!(updated[0]["State"], "updated");
        assert_eq!(
            updated[0]["Properties"],
            r#"{"topic":"Communication in Azure"}"#
        );
        assert_eq!(
            updated[0]["ChangedBy"],
            "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e88-2b7f-ac00-343a0d0005a8"
        );

        let deleted = values(
            &run(&sample("docs2020__ChatThreadWithUserDeleted.json")),
            "chatThreads",
        );
        assert_eq!(deleted[0]["RowKey"], "00000001600390071625_deleted");
        assert_eq!(deleted[0]["ChangedAt"], "2020-09-18T00:49:26.3694459Z");
        assert!(deleted[0].get("Topic").is_none());
    }

    #[test]
    fn thread_samples_produce_thread_versions_and_initial_members() {
        let out = run(&sample("docs-chat__ChatThreadCreated.json"));
        let threads = values(&out, "chatThreads");
        assert_eq!(
            threads,
            [json!({
                "PartitionKey": "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2",
                "RowKey": "00000001613781114365_created",
                "odata.etag": "*",
                "State": "created",
                "Version": "1613781114365",
                "ChangedBy": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-5cbb-38a0-88f7-084822002453",
                "ChangedAt": "2021-02-20T00:31:54.365Z",
                "CreateTime": "2021-02-20T00:31:54.365Z",
                "Topic": "Talk about new Thread Events in communication services",
                "Properties": r#"{"topic":"Talk about new Thread Events in communication services"}"#
            })]
        );
        let members = values(&out, "chatMembers");
        let names: Vec<&str> = members
            .iter()
            .map(|m| m["DisplayName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Bob", "Scott", "Shawn", "Anthony"]);
        for m in &members {
            let id = m["MemberId"].as_str().unwrap();
            assert_eq!(m["RowKey"], format!("{id}_00000001613781114365_added"));
            assert_eq!(m["ChangedBy"], threads[0]["ChangedBy"]);
        }

        // Per-user copies (one per member) of a creation collapse like message copies.
        let mut a = sample("docs-chat__ChatThreadCreatedWithUser.json");
        let mut b = a.clone();
        a["data"]["recipientCommunicationIdentifier"] = ident(&user(8));
        b["data"]["recipientCommunicationIdentifier"] = ident(&user(9));
        b["id"] = json!("another-copy");
        assert_eq!(run(&a), run(&b));
        assert_eq!(values(&run(&a), "chatMembers").len(), 2);

        let updated = values(
            &run(&sample("docs-chat__ChatThreadPropertiesUpdated.json")),
            "chatThreads",
        );
        assert_eq!(updated[0]["RowKey"], "00000001613779447695_updated");
        assert_eq!(updated[0]["ChangedAt"], "2021-02-20T00:04:07.7152073Z");
        let deleted = values(
            &run(&sample("docs-chat__ChatThreadDeleted.json")),
            "chatThreads",
        );
        assert_eq!(deleted[0]["RowKey"], "00000001613779241389_deleted");
        assert_eq!(
            deleted[0]["ChangedBy"],
            "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-5c9e-a300-07fd-084822002266"
        );
    }

    #[test]
    fn per_user_and_per_thread_copies_of_thread_changes_are_identical() {
        let per_user = sample("docs-chat__ChatThreadPropertiesUpdatedPerUser.json");
        let mut per_thread = per_user.clone();
        per_thread["eventType"] = json!("Microsoft.Communication.ChatThreadPropertiesUpdated");
        let data = per_thread["data"].as_object_mut().unwrap();
        for legacy in [
            "recipientId",
            "recipientCommunicationIdentifier",
            "editedBy",
        ] {
            data.remove(legacy);
        }
        data.insert(
            "editTime".into(),
            json!("2021-02-19T00:28:28.7390282+00:00"),
        );
        data.insert("metadata".into(), json!({}));
        assert_eq!(run(&per_user), run(&per_thread));

        let deleted = sample("docs-chat__ChatThreadWithUserDeleted.json");
        let mut in_thread = deleted.clone();
        in_thread["eventType"] = json!("Microsoft.Communication.ChatThreadDeleted");
        in_thread["data"]["reason"] = json!("DeletedByUser");
        in_thread["data"]
            .as_object_mut()
            .unwrap()
            .remove("recipientCommunicationIdentifier");
        assert_eq!(run(&deleted), run(&in_thread));
    }

    // -- membership ---------------------------------------------------------------------------

    fn participant_event(
        kind: &str,
        id: &str,
        member: &str,
        removed: bool,
        per_user: Option<&str>,
    ) -> Value {
        let (who, by) = if removed {
            ("participantRemoved", "removedByCommunicationIdentifier")
        } else {
            ("participantAdded", "addedByCommunicationIdentifier")
        };
        let mut data = json!({
            "time": if removed { "2021-02-25T06:40:20.3564556Z" } else { "2021-02-25T06:37:29.9232485Z" },
            by: ident(&user(1)),
            who: {"displayName": "John Smith", "participantCommunicationIdentifier": ident(member)},
            "createTime": "2021-02-25T06:37:17.371Z",
            "version": if removed { 1614235220325_i64 } else { 1614235049907_i64 },
            "transactionId": id,
            "threadId": THREAD
        });
        if let Some(recipient) = per_user {
            data["recipientCommunicationIdentifier"] = ident(recipient);
        }
        eg(kind, id, data)
    }

    #[test]
    fn participant_events_from_every_level_and_era_write_the_same_membership_rows() {
        let member = user(5);
        let added = [
            participant_event(
                "ChatParticipantAddedToThreadWithUser",
                "a1",
                &member,
                false,
                Some(&user(2)),
            ),
            participant_event(
                "ChatParticipantAddedToThreadWithUser",
                "a2",
                &member,
                false,
                Some(&user(3)),
            ),
            participant_event("ChatThreadParticipantAdded", "a3", &member, false, None),
            eg(
                "ChatMemberAddedToThreadWithUser",
                "a4",
                json!({
                    "time": "2021-02-25T06:37:29.9232485Z",
                    "addedBy": user(1),
                    "memberAdded": {"displayName": "John Smith", "memberId": member},
                    "createTime": "2021-02-25T06:37:17.371Z",
                    "version": 1614235049907_i64,
                    "recipientId": user(4),
                    "threadId": THREAD
                }),
            ),
        ];
        let rows: Vec<String> = added
            .iter()
            .flat_map(|e| raw(&run(e), "chatMembers"))
            .collect();
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|r| r == &rows[0]), "{rows:#?}");

        let removed = [
            participant_event("ChatThreadParticipantRemoved", "r1", &member, true, None),
            participant_event(
                "ChatParticipantRemovedFromThreadWithUser",
                "r2",
                &member,
                true,
                Some(&user(2)),
            ),
        ];
        // Removal first, then the additions, each twice: two rows, removal last by RowKey.
        let mut tables = Tables::default();
        for event in removed.iter().chain(&added).chain(&removed).chain(&added) {
            tables.apply(&run(event));
        }
        let rows = tables.rows("chatMembers");
        assert_eq!(rows.len(), 2);
        let prefix = format!("{member}_");
        assert!(rows
            .iter()
            .all(|r| r["RowKey"].as_str().unwrap().starts_with(&prefix)));
        assert_eq!(rows[0]["State"], "added");
        assert_eq!(
            rows[1]["State"], "removed",
            "the latest state is the last row of the range"
        );
        assert_eq!(rows[1]["ChangedAt"], "2021-02-25T06:40:20.3564556Z");
        assert_eq!(rows[1]["ChangedBy"], user(1));
        assert_eq!(rows[1]["MemberId"], member);
    }

    #[test]
    fn participant_sample_rows() {
        let out = values(
            &run(&sample(
                "docs-chat__ChatParticipantAddedToThreadWithUser.json",
            )),
            "chatMembers",
        );
        assert_eq!(
            out,
            [json!({
                "PartitionKey": "19:f1400e1c542f4086a606b52ad20cd0bd@thread.v2",
                "RowKey": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8785-1655-373a0d00885f_00000001614235049907_added",
                "odata.etag": "*",
                "MemberId": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8785-1655-373a0d00885f",
                "DisplayName": "John Smith",
                "State": "added",
                "Version": "1614235049907",
                "ChangedBy": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8767-1655-373a0d00885d",
                "ChangedAt": "2021-02-25T06:37:29.9232485Z"
            })]
        );
        let removed = values(
            &run(&sample("docs-chat__ChatThreadParticipantRemoved.json")),
            "chatMembers",
        );
        assert_eq!(removed[0]["DisplayName"], "Shawn");
        assert_eq!(removed[0]["State"], "removed");
        assert_eq!(removed[0]["ChangedAt"], "2021-02-20T00:56:18.1118825Z");
    }

    #[test]
    fn member_ids_are_escaped_in_keys_and_kept_raw_in_properties() {
        let odd = "8:acs:res/with#odd?chars%";
        let out = run(&participant_event(
            "ChatThreadParticipantAdded",
            "x",
            odd,
            false,
            None,
        ));
        let row = &values(&out, "chatMembers")[0];
        assert_eq!(row["MemberId"], odd);
        assert_eq!(
            row["RowKey"],
            "8:acs:res%2Fwith%23odd%3Fchars%25_00000001614235049907_added"
        );

        // A phone participant (Teams interop) gets its derived raw id.
        let mut phone = participant_event("ChatThreadParticipantAdded", "p", "x", false, None);
        phone["data"]["participantAdded"]["participantCommunicationIdentifier"] =
            json!({"kind": "phoneNumber", "phoneNumber": {"value": "+14255550123"}});
        let row = &values(&run(&phone), "chatMembers")[0];
        assert_eq!(row["MemberId"], "4:+14255550123");
    }

    #[test]
    fn a_change_without_version_is_ordered_by_its_time() {
        let mut event = participant_event("ChatThreadParticipantAdded", "x", &user(5), false, None);
        event["data"].as_object_mut().unwrap().remove("version");
        let row = &values(&run(&event), "chatMembers")[0];
        // 2021-02-25T06:37:29.9232485Z = 1614235049923 ms.
        assert_eq!(
            row["RowKey"],
            format!("{}_00000001614235049923_added", user(5))
        );
        assert!(row.get("Version").is_none());

        let mut legacy = sample("docs2020__ChatMemberAddedToThreadWithUser.json");
        let data = legacy["data"].as_object_mut().unwrap();
        data.remove("version");
        data.remove("time");
        let err = run_with(&ChatModule::default(), &legacy).unwrap_err();
        assert_eq!(
            err,
            ChatError::MissingChangeTime {
                event: "ChatMemberAddedToThreadWithUser"
            }
        );
    }

    // -- failures -----------------------------------------------------------------------------

    #[test]
    fn missing_key_ids_are_permanent_errors_without_personal_data() {
        let module = ChatModule::default();
        let mut no_thread = received_for(&user(2), BODY);
        no_thread["threadId"] = json!("");
        let err = run_with(&module, &eg("ChatMessageReceived", "x", no_thread)).unwrap_err();
        assert_eq!(
            err,
            ChatError::MissingThreadId {
                event: "ChatMessageReceived"
            }
        );
        assert!(!err.to_string().contains(BODY));

        let mut no_message = received_in_thread();
        no_message["messageId"] = json!(" ");
        let err =
            run_with(&module, &eg("ChatMessageReceivedInThread", "x", no_message)).unwrap_err();
        assert_eq!(
            err,
            ChatError::MissingMessageId {
                event: "ChatMessageReceivedInThread"
            }
        );

        let mut no_recipient = received_for(&user(2), BODY);
        let data = no_recipient.as_object_mut().unwrap();
        data.remove("recipientId");
        data.remove("recipientCommunicationIdentifier");
        let err = run_with(&module, &eg("ChatMessageReceived", "x", no_recipient)).unwrap_err();
        assert!(
            matches!(
                err,
                ChatError::MissingIdentity {
                    role: "recipient",
                    ..
                }
            ),
            "{err}"
        );

        let mut no_member =
            participant_event("ChatThreadParticipantAdded", "x", &user(5), false, None);
        no_member["data"]["participantAdded"] = json!({"displayName": "Nobody"});
        let err = run_with(&module, &no_member).unwrap_err();
        assert!(
            matches!(
                err,
                ChatError::MissingIdentity {
                    role: "participant",
                    ..
                }
            ),
            "{err}"
        );
        assert!(!err.to_string().contains("Nobody"));

        let mut created = sample("docs-chat__ChatThreadCreated.json");
        created["data"]["participants"][2]["participantCommunicationIdentifier"] = json!({});
        let err = run_with(&module, &created).unwrap_err();
        assert!(
            matches!(err, ChatError::MissingIdentity { .. }),
            "one bad participant fails the event"
        );

        let mut negative = received_in_thread();
        negative["version"] = json!("-5");
        let err = run_with(&module, &eg("ChatMessageReceivedInThread", "x", negative)).unwrap_err();
        assert!(
            matches!(err, ChatError::NegativeOrdinal { value: -5, .. }),
            "{err}"
        );

        let mut long = received_in_thread();
        long["threadId"] = json!("/".repeat(300));
        let err = run_with(&module, &eg("ChatMessageReceivedInThread", "x", long)).unwrap_err();
        assert!(
            matches!(
                err,
                ChatError::Output {
                    source: OutputError::KeyTooLong { .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn events_that_are_not_stored_yield_nothing() {
        let typing = json!({
            "id": "t", "source": "/s", "specversion": "1.0",
            "type": "Microsoft.Communication.ChatTypingIndicatorReceivedInThread",
            "data": {"threadId": THREAD, "senderCommunicationIdentifier": ident(&user(1))}
        });
        assert!(run(&typing).is_empty());
        assert!(run(&sample("docs-sms__SMSReceived.json")).is_empty());
    }

    #[test]
    fn duplicate_initial_participants_are_one_membership() {
        let mut created = sample("docs-chat__ChatThreadCreated.json");
        let first = created["data"]["participants"][0].clone();
        created["data"]["participants"]
            .as_array_mut()
            .unwrap()
            .push(first);
        assert_eq!(values(&run(&created), "chatMembers").len(), 4);
    }

    #[test]
    fn json_text_properties_are_canonical() {
        let a: Map<String, Value> =
            serde_json::from_str(r#"{"topic":"t","b":{"y":1,"x":[{"d":1,"c":2}]}}"#).unwrap();
        let b: Map<String, Value> =
            serde_json::from_str(r#"{"b":{"x":[{"c":2,"d":1}],"y":1},"topic":"t"}"#).unwrap();
        assert_eq!(object_text(&a), object_text(&b));
        assert_eq!(
            object_text(&a),
            r#"{"b":{"x":[{"c":2,"d":1}],"y":1},"topic":"t"}"#
        );
        let policy = ChatRetentionPolicy {
            kind: Some(crate::events::chat::ChatRetentionPolicyKind::ThreadCreationDate),
            delete_thread_after_days: Some(90),
        };
        assert_eq!(
            retention_text(&policy),
            r#"{"deleteThreadAfterDays":90,"kind":"threadCreationDate"}"#
        );
        assert_eq!(metadata_text(Some(&UserMap::default())), None);
    }
}
