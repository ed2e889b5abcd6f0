//! Membership changes (`chatMembers`: one `added` or `removed` row per member and version),
//! from the current participant events and the 2020 member events alike.

use std::borrow::Cow;

use super::{change_ordinal, metadata_text, non_empty, required, row, version_text, ChatError};
use crate::events::chat::{ChatMember, ChatParticipant};
use crate::events::{Int64, Timestamp, UserMap};
use crate::host::outputs::{Output, TableBinding};

/// Whether a membership row records a join or a leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MemberState {
    Added,
    Removed,
}

impl MemberState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            MemberState::Added => "added",
            MemberState::Removed => "removed",
        }
    }
}

/// One membership change, from participant events (current, per-user or per-thread), the 2020
/// `ChatMember*` events, or the initial participants of a thread.
pub(super) struct MemberChange<'a> {
    pub(super) event: &'static str,
    pub(super) thread_id: &'a str,
    pub(super) member_id: Option<Cow<'a, str>>,
    pub(super) display_name: Option<&'a str>,
    pub(super) metadata: Option<&'a UserMap>,
    pub(super) state: MemberState,
    pub(super) version: Option<Int64>,
    pub(super) time: Option<&'a Timestamp>,
    pub(super) changed_by: Option<Cow<'a, str>>,
}

impl<'a> MemberChange<'a> {
    pub(super) fn participant(
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

    pub(super) fn legacy(
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

    pub(super) fn output(&self) -> Result<Output, ChatError> {
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
