//! Recipient state: may we send to this address, and if not, why not.
//!
//! Event Grid delivers reports at least once, in any order, in parallel, and the host gives us
//! only blind upserts. One row per recipient, overwritten, would hold whichever report *arrived*
//! last: a `Bounced` at 10:00 redelivered after a `Delivered` at 10:05 would block a good address,
//! and the reverse would let us keep mailing a dead one. So, as for SMS opt-outs, the state is an
//! append-only history in `EmailRecipients`, ordered by the time ACS attempted delivery:
//!
//! - PartitionKey `{sender}|{recipient}`, both canonical ([`EmailAddress`]), escaped by the shared
//!   key rules;
//! - RowKey `{inverted attempt ticks:019}_{messageId}_{status}`
//!   ([`time_keys::newest_first`]): ascending order is newest first.
//!
//! The first row of the partition is therefore the report with the latest attempt time (at equal
//! times, the smaller `{messageId}_{status}`), and a reader needs one partition read with
//! `take: 1` (`$top=1`). A redelivery writes the same row again. [`Verdict`] is the one place
//! that says what each status means for the next send; every row carries it.

use crate::events::email::EmailDeliveryStatus;
use crate::events::Timestamp;
use crate::host::outputs::time_keys::{self, TimeOutOfRange};
use crate::host::outputs::{OutputError, TableKey};

use super::address::EmailAddress;

/// What a delivery status says about the recipient's address, for the next send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Accepted by the recipient's server.
    Delivered,
    /// A distribution list, expanded to its members (older ACS docs).
    Expanded,
    /// Hard bounce: the address does not exist. Do not send.
    HardBounce,
    /// ACS dropped the message: the address is on a suppression list (a recent hard bounce on
    /// ACS's managed list, or the sender domain's own opt-out list). Do not send.
    Suppressed,
    /// The recipient's server rejected the message as spam. Do not send until reviewed.
    SpamFiltered,
    /// The recipient's server quarantined the message (spam, bulk, phishing). Do not send until
    /// reviewed.
    Quarantined,
    /// Delivery failed for a temporary or unspecified reason; the address itself is not known to
    /// be bad, so sending stays allowed.
    Failed,
    /// A status this version does not know: not known to be bad, so sending stays allowed, and
    /// the report goes to the failures queue for a person to classify.
    UnknownStatus,
}

impl Verdict {
    /// The verdict of a status.
    pub fn of(status: &EmailDeliveryStatus) -> Verdict {
        match status {
            EmailDeliveryStatus::Delivered => Verdict::Delivered,
            EmailDeliveryStatus::Expanded => Verdict::Expanded,
            EmailDeliveryStatus::Bounced => Verdict::HardBounce,
            EmailDeliveryStatus::Suppressed => Verdict::Suppressed,
            EmailDeliveryStatus::FilteredSpam => Verdict::SpamFiltered,
            EmailDeliveryStatus::Quarantined => Verdict::Quarantined,
            EmailDeliveryStatus::Failed => Verdict::Failed,
            // `UnknownValue`, and a status a later version of the crate adds (the enum is
            // non-exhaustive): neither is known here to be bad.
            _ => Verdict::UnknownStatus,
        }
    }

    /// Whether the address may be mailed again (`Deliverable`).
    pub fn deliverable(self) -> bool {
        !matches!(
            self,
            Verdict::HardBounce
                | Verdict::Suppressed
                | Verdict::SpamFiltered
                | Verdict::Quarantined
        )
    }

    /// Whether the report goes to `email-delivery-failures`: everything but a delivery.
    pub fn is_failure(self) -> bool {
        !matches!(self, Verdict::Delivered | Verdict::Expanded)
    }

    /// The `Reason` property: a stable camelCase word.
    pub fn reason(self) -> &'static str {
        match self {
            Verdict::Delivered => "delivered",
            Verdict::Expanded => "expanded",
            Verdict::HardBounce => "hardBounce",
            Verdict::Suppressed => "suppressed",
            Verdict::SpamFiltered => "spamFiltered",
            Verdict::Quarantined => "quarantined",
            Verdict::Failed => "failed",
            Verdict::UnknownStatus => "unknownStatus",
        }
    }

    /// What an operator should do about a failure (`action` on the failures queue).
    pub fn action(self) -> &'static str {
        match self {
            Verdict::Delivered | Verdict::Expanded => "none",
            Verdict::HardBounce => "removeAddress",
            Verdict::Suppressed => "doNotResend",
            Verdict::SpamFiltered | Verdict::Quarantined => "reviewContentAndReputation",
            Verdict::Failed => "retryLater",
            Verdict::UnknownStatus => "classifyStatus",
        }
    }
}

/// The PartitionKey of a recipient's history with one sender, escaped as stored:
/// `{sender}|{recipient}`. A sender never contains `|` ([`EmailAddress::parse_sender`]), so the
/// first `|` separates them. An application that checks a recipient before sending computes its
/// key with this (or the rule in `docs/email.md` §4).
pub fn partition_key(
    sender: &EmailAddress,
    recipient: &EmailAddress,
) -> Result<TableKey, OutputError> {
    let mut key = String::with_capacity(sender.as_str().len() + recipient.as_str().len() + 1);
    key.push_str(sender.as_str());
    key.push('|');
    key.push_str(recipient.as_str());
    TableKey::new("PartitionKey", &key)
}

/// The RowKey of one report in the history, unescaped: newest first by attempt time.
pub fn row_key(
    attempted: Timestamp,
    message_id: &str,
    status: &EmailDeliveryStatus,
) -> Result<String, TimeOutOfRange> {
    time_keys::newest_first(attempted, &format!("{message_id}_{}", status.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_delivered_and_expanded_are_not_failures_and_four_statuses_block() {
        let all = [
            ("Delivered", true, false, "delivered"),
            ("Expanded", true, false, "expanded"),
            ("Bounced", false, true, "hardBounce"),
            ("Suppressed", false, true, "suppressed"),
            ("FilteredSpam", false, true, "spamFiltered"),
            ("Quarantined", false, true, "quarantined"),
            ("Failed", true, true, "failed"),
            ("Deferred", true, true, "unknownStatus"),
        ];
        for (status, deliverable, failure, reason) in all {
            let verdict = Verdict::of(&EmailDeliveryStatus::from_wire(status));
            assert_eq!(verdict.deliverable(), deliverable, "{status}");
            assert_eq!(verdict.is_failure(), failure, "{status}");
            assert_eq!(verdict.reason(), reason, "{status}");
            assert_eq!(verdict.action() == "none", !failure, "{status}");
        }
        // Casing does not matter: the service has sent `delivered`.
        assert_eq!(
            Verdict::of(&EmailDeliveryStatus::from_wire("BOUNCED")),
            Verdict::HardBounce
        );
    }

    #[test]
    fn keys_put_the_latest_attempt_first() {
        let sender = EmailAddress::parse_sender("DoNotReply@Contoso.com", "s").unwrap();
        let recipient = EmailAddress::parse("Ann@Fabrikam.com", "r").unwrap();
        assert_eq!(
            partition_key(&sender, &recipient).unwrap().as_str(),
            "donotreply@contoso.com|ann@fabrikam.com"
        );
        let at = |t: &str| Timestamp::parse(t).unwrap();
        let bounced = EmailDeliveryStatus::Bounced;
        let early = row_key(at("2026-11-27T10:00:00Z"), "m1", &bounced).unwrap();
        let late = row_key(at("2026-11-27T10:00:00.0000001Z"), "m1", &bounced).unwrap();
        assert!(late < early);
        assert!(early.ends_with("_m1_Bounced"), "{early}");
        assert_eq!(
            row_key(at("2026-11-27T11:00:00+01:00"), "m1", &bounced).unwrap(),
            early
        );
    }
}
