//! Thread versions (`chatThreads`: created, updated, deleted), and the initial memberships a
//! thread-created event implies.

use std::borrow::Cow;
use std::collections::HashSet;

use super::members::{MemberChange, MemberState};
use super::{
    change_ordinal, metadata_text, object_text, required, retention_text, row, version_text,
    ChatError,
};
use crate::events::chat::{ChatMember, ChatParticipant, ChatRetentionPolicy};
use crate::events::{Int64, Timestamp, UserMap};
use crate::host::outputs::{Output, TableBinding};

/// What a thread version is, in the `State` property and the RowKey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ThreadState {
    Created,
    Updated,
    Deleted,
}

impl ThreadState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            ThreadState::Created => "created",
            ThreadState::Updated => "updated",
            ThreadState::Deleted => "deleted",
        }
    }
}

/// One version of a thread (created, properties updated, deleted), from either event level.
pub(super) struct ThreadVersion<'a> {
    pub(super) event: &'static str,
    pub(super) thread_id: &'a str,
    pub(super) state: ThreadState,
    pub(super) version: Option<Int64>,
    pub(super) changed_by: Option<Cow<'a, str>>,
    pub(super) changed_at: &'a Timestamp,
    pub(super) create_time: &'a Timestamp,
    pub(super) topic: Option<&'a str>,
    pub(super) properties: Option<&'a UserMap>,
    pub(super) metadata: Option<&'a UserMap>,
    pub(super) retention_policy: Option<&'a ChatRetentionPolicy>,
}

impl<'a> ThreadVersion<'a> {
    pub(super) fn deleted(
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

    pub(super) fn output(&self) -> Result<Output, ChatError> {
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
pub(super) fn thread_created(
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
