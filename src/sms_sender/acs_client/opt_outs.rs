//! ACS's opt-out list (`sms/optouts:add|remove`): the request, the response and their verdicts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::*;

/// What to do with a person on ACS's opt-out list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptOutAction {
    /// `optouts:add`: ACS refuses texts from our number to the person.
    Add = 0,
    /// `optouts:remove`: ACS sends again.
    Remove = 1,
}

impl OptOutAction {
    /// The action as it appears in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            OptOutAction::Add => "add",
            OptOutAction::Remove => "remove",
        }
    }

    /// The action that makes ACS's list say `opted_out`.
    pub fn for_state(opted_out: bool) -> Self {
        if opted_out {
            OptOutAction::Add
        } else {
            OptOutAction::Remove
        }
    }
}

#[derive(Serialize)]
pub(super) struct OptOutRequest<'a> {
    pub(super) from: &'a str,
    pub(super) recipients: [OptOutRecipient<'a>; 1],
}

#[derive(Serialize)]
pub(super) struct OptOutRecipient<'a> {
    pub(super) to: &'a str,
}

#[derive(Deserialize)]
pub(super) struct OptOutResponse {
    #[serde(default)]
    pub(super) value: Vec<OptOutResponseItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OptOutResponseItem {
    #[serde(default)]
    pub(super) http_status_code: Option<u16>,
    #[serde(default)]
    pub(super) error_message: Option<String>,
}

/// How an opt-out list change ended, when it ended for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptOutOutcome {
    /// ACS's list now says what we asked.
    Applied { attempts: u32 },
    /// ACS refused the change for good (a 400, or a refused recipient: e.g. a number ACS does not
    /// consider valid). Repeating it cannot help.
    Rejected {
        http_status: u16,
        /// ACS's error (may quote the number: never log it).
        error: String,
        attempts: u32,
    },
}

/// Judges an opt-out list response: 200 is a partial-success envelope, so the recipient's own
/// status decides; otherwise as for a send.
pub(super) fn judge_opt_out(
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
) -> Verdict<OptOutOutcome> {
    match status {
        200..=299 => {
            let item = serde_json::from_slice::<OptOutResponse>(body)
                .ok()
                .and_then(|r| r.value.into_iter().next());
            let item_status = item
                .as_ref()
                .and_then(|i| i.http_status_code)
                .unwrap_or(status);
            match item_status {
                200..=299 => Verdict::Done(OptOutOutcome::Applied { attempts }),
                429 | 500..=599 => Verdict::Retry {
                    reason: format!("recipient failed with HTTP {item_status}"),
                    after: retry_after,
                },
                _ => Verdict::Done(OptOutOutcome::Rejected {
                    http_status: item_status,
                    error: item
                        .and_then(|i| i.error_message)
                        .unwrap_or_else(|| "recipient refused".to_owned()),
                    attempts,
                }),
            }
        }
        _ => judge_failure(
            status,
            retry_after,
            body,
            attempts,
            |http_status, error, attempts| OptOutOutcome::Rejected {
                http_status,
                error,
                attempts,
            },
        ),
    }
}
