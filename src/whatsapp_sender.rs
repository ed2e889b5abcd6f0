//! The `WhatsAppSender` function: a queue trigger on `whatsapp-outbox` that sends each text
//! through ACS Advanced Messaging and records it as an outbound `waMessages` row, keyed by the
//! ACS message id so that delivery statuses join to it.
//!
//! The rules and the failure policy are `SmsSender`'s ([`crate::sms_sender`]), reused, not
//! copied: the same opt-out decision on the `optOut` input (the newest row of the
//! `WhatsAppOptOuts` partition `{from}|{to}`), the same client, signing and retry settings
//! (`SMS_SEND_*`, `ACS_CONNECTION_STRING`), the same answers to the host (refused for good: a
//! `failed` row and success; throttled or unavailable past the budget: 500 and a queue retry
//! with the same repeatability id; credentials refused or configuration missing: 503).
//!
//! One rule is WhatsApp's own: free-form text may be sent only inside the 24-hour
//! customer-service window, which opens when the user writes to us. A reply whose inbound
//! message (`inReplyToReceivedAt`) is older than 24 hours, or that does not say when it was
//! received, is not sent and is recorded as `failed` with the reason: WhatsApp would refuse it
//! (error 131047) after ACS had accepted it, and a template message is the only way to write
//! to the user again.

use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::host::outputs::{Output, TableBinding, TableEntity, TableKey};
use crate::host::protocol::{self, InvocationData, InvocationResult, ProtocolError};
use crate::messaging::keywords::WHATSAPP_SETTINGS;
use crate::messaging::outbox::{OutboxKind, WhatsAppOutboxMessage};
use crate::messaging::whatsapp_id::{mask_key, WhatsAppIdError, WhatsAppUser};
use crate::settings::{Settings, SettingsError};
use crate::sms_sender::acs_client::{RetryPolicy, SendError, SendOutcome, WhatsAppSend};
use crate::sms_sender::{
    decide, derived_id, history_of, refused, with_outcome, Decision, LazyClient, SenderChannel,
    OUTBOX_BINDING,
};

/// The function folder (and URL path).
pub const WHATSAPP_SENDER_FUNCTION: &str = "WhatsAppSender";
/// Longest text ACS Advanced Messaging sends in one text message (the WhatsApp handler's
/// replies obey the same rule).
const MAX_MESSAGE_CHARS: usize = WHATSAPP_SETTINGS.max_reply_chars;

/// WhatsApp's customer-service window: free-form messages within 24 hours of the user's last
/// message.
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

const CHANNEL: SenderChannel = SenderChannel {
    function: WHATSAPP_SENDER_FUNCTION,
    messages: TableBinding::WhatsAppMessages,
    mask: mask_key,
    text_column: "Content",
};

/// Why a WhatsApp outbox message is refused for good. Names fields and rules, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhatsAppRefusal {
    #[error("`from` is not a channel registration id (a GUID)")]
    Channel,
    #[error("{0}")]
    Recipient(#[from] WhatsAppIdError),
    #[error("`message` has {0} characters; ACS sends 1 to {MAX_MESSAGE_CHARS}")]
    Length(usize),
    #[error("`repeatabilityRequestId` is not a UUID")]
    RepeatabilityId,
    #[error("`inReplyToReceivedAt` is missing: free-form text may only answer a message received in the last 24 hours (outside the window only a template can be sent)")]
    NoWindow,
    #[error("outside the 24-hour customer-service window: the message replied to was received {hours} hours ago (only a template can be sent now)")]
    WindowClosed { hours: i64 },
}

/// The checked parts of an outbox message.
#[derive(Debug)]
struct Outgoing {
    /// Our channel registration id, as enqueued (the spelling the history is keyed by).
    channel: String,
    to: WhatsAppUser,
    repeatability_id: Uuid,
}

impl Outgoing {
    /// Checks what ACS or WhatsApp would refuse anyway, the window against `now`, and settles the
    /// repeatability id (the message's own, or one derived from its content).
    fn check(item: &WhatsAppOutboxMessage, now: OffsetDateTime) -> Result<Self, WhatsAppRefusal> {
        let message = &item.message;
        // Hyphenated, as ACS writes it in events: the spelling the history is keyed by.
        let hyphenated = message.from.len() == 36 && Uuid::parse_str(&message.from).is_ok();
        if !hyphenated {
            return Err(WhatsAppRefusal::Channel);
        }
        let channel = message.from.as_str().to_owned();
        let to = WhatsAppUser::from_canonical(&message.to, "to")?;
        let chars = message.message.chars().count();
        if chars == 0 || chars > MAX_MESSAGE_CHARS {
            return Err(WhatsAppRefusal::Length(chars));
        }
        let received = item
            .in_reply_to_received_at
            .ok_or(WhatsAppRefusal::NoWindow)?;
        let age = now - received.as_offset_date_time();
        if age > time::Duration::try_from(SERVICE_WINDOW).unwrap_or(time::Duration::DAY) {
            return Err(WhatsAppRefusal::WindowClosed {
                hours: age.whole_hours(),
            });
        }
        let repeatability_id = match message.repeatability_request_id.as_deref() {
            Some(id) => Uuid::parse_str(id).map_err(|_| WhatsAppRefusal::RepeatabilityId)?,
            None => derived_id(&format!(
                "whatsapp\n{}\n{}\n{}\n{}",
                message.from.as_str(),
                to.key(),
                message.created_at.to_rfc3339(),
                message.message.as_str()
            )),
        };
        Ok(Outgoing {
            channel,
            to,
            repeatability_id,
        })
    }
}

/// The `WhatsAppSender` function.
#[derive(Debug)]
pub struct WhatsAppSender {
    client: LazyClient,
}

impl WhatsAppSender {
    /// Reads the settings; only a malformed retry setting is an error here.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(WhatsAppSender {
            client: LazyClient::from_settings(settings)?,
        })
    }

    /// The retry policy in force (`SMS_SEND_*`, shared with `SmsSender`).
    pub fn retry_policy(&self) -> RetryPolicy {
        self.client.retry_policy()
    }

    /// One invocation: the host's body in, the `waMessages` row (or nothing, when skipped) out.
    /// A failure is also logged (to stderr): the host drops the `Logs` of a failed invocation.
    pub async fn invoke(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let result = self.send_one(body).await;
        if let Err(e) = &result {
            tracing::warn!(
                "{WHATSAPP_SENDER_FUNCTION} failed (HTTP {}): {e}",
                e.status()
            );
        }
        result
    }

    async fn send_one(&self, body: &[u8]) -> Result<InvocationResult, ProtocolError> {
        let data = InvocationData::parse(body)?;
        let raw_item = data.get(OUTBOX_BINDING)?;
        let history = history_of(&data, WHATSAPP_SENDER_FUNCTION)?;
        let result = InvocationResult::default();

        let item: WhatsAppOutboxMessage =
            match protocol::string_bound_value(raw_item, OUTBOX_BINDING) {
                Ok(item) => item,
                Err(e) => {
                    let reason = match e {
                        ProtocolError::BadInput { reason, .. } => reason,
                        other => other.to_string(),
                    };
                    let reason = format!("the message is not an outbox message: {reason}");
                    return refused(&CHANNEL, raw_item, None, &reason, result);
                }
            };
        let checked = match Outgoing::check(&item, OffsetDateTime::now_utc()) {
            Ok(checked) => checked,
            Err(reason) => {
                return refused(&CHANNEL, raw_item, Some(&item.message), &reason, result)
            }
        };
        self.send_checked(&item, &checked, &history, result).await
    }

    async fn send_checked(
        &self,
        item: &WhatsAppOutboxMessage,
        checked: &Outgoing,
        history: &crate::messaging::opt_out::OptOutState,
        mut result: InvocationResult,
    ) -> Result<InvocationResult, ProtocolError> {
        let label = format!("{WHATSAPP_SENDER_FUNCTION} {}", checked.repeatability_id);
        let masked = checked.to.masked();
        match decide(&item.message, history) {
            Decision::Send => {}
            Decision::Skip => {
                result
                    .logs
                    .push(format!("{label}: skipped, {masked} has opted out"));
                tracing::info!("{label}: skipped, the recipient has opted out");
                return Ok(result);
            }
            Decision::NotYetRecorded => {
                return Err(ProtocolError::Transient(format!(
                    "{label}: the opt-in this confirms is not in the opt-out history yet"
                )))
            }
        }
        let channel = checked.channel.as_str();
        let send = WhatsAppSend {
            channel_registration_id: channel,
            to: checked.to.key(),
            content: &item.message.message,
            repeatability_request_id: checked.repeatability_id,
            first_sent: item.message.created_at.as_offset_date_time(),
        };
        let outcome = self
            .client
            .get()?
            .send_whatsapp(&send)
            .await
            .map_err(|e| match e {
                SendError::Exhausted { .. } => ProtocolError::Transient(format!("{label}: {e}")),
                _ => ProtocolError::Unavailable(format!("{label}: {e}")),
            })?;
        let row = outbound_row(item, checked, channel, &outcome, OffsetDateTime::now_utc());
        result.outputs.push(
            Output::entity(TableBinding::WhatsAppMessages, &row)
                .map_err(|e| ProtocolError::Transient(e.to_string()))?,
        );
        result.logs.push(match &outcome {
            SendOutcome::Accepted {
                message_id,
                attempts,
                ..
            } => format!(
                "{label}: sent to {masked} as {}, {attempts} attempt(s)",
                message_id.as_deref().unwrap_or("(no message id)")
            ),
            SendOutcome::Rejected {
                http_status,
                attempts,
                ..
            } => format!(
                "{label}: ACS refused the message to {masked} (HTTP {http_status}) after {attempts} attempt(s); recorded as failed"
            ),
        });
        Ok(result)
    }
}

/// The outbound `waMessages` row: keyed like inbound rows (our channel, the ACS message id) so a
/// delivery status joins to it; a message ACS refused has no id and is keyed by its
/// repeatability id instead.
fn outbound_row<'a>(
    item: &'a WhatsAppOutboxMessage,
    checked: &'a Outgoing,
    channel: &'a str,
    outcome: &'a SendOutcome,
    now: OffsetDateTime,
) -> TableEntity<'a> {
    let id = checked.repeatability_id.to_string();
    let message_id = match outcome {
        SendOutcome::Accepted {
            message_id: Some(m),
            ..
        } => Some(m.as_str()),
        _ => None,
    };
    let partition =
        TableKey::new("PartitionKey", channel).unwrap_or_else(|_| TableKey::placeholder());
    let row_key = message_id
        .and_then(|m| TableKey::new("RowKey", m).ok())
        .unwrap_or_else(|| TableKey::from_uuid(checked.repeatability_id));
    let message = &item.message;
    let row = TableEntity::from_keys(partition, row_key)
        .with_opt("MessageId", message_id)
        .with("From", channel)
        .with("To", checked.to.key())
        .with_opt("ToPhone", checked.to.phone())
        .with_opt("Bsuid", checked.to.bsuid())
        .with("Direction", "outbound")
        .with("MessageType", "text")
        .with("Content", message.message.as_str())
        .with_opt("Kind", message.kind.as_ref().map(OutboxKind::as_str))
        .with_opt("InReplyTo", message.in_reply_to.as_deref())
        .with_opt(
            "InReplyToReceivedAt",
            item.in_reply_to_received_at.map(|t| t.to_rfc3339()),
        )
        .with("RepeatabilityRequestId", id)
        .with("CreatedAt", message.created_at.to_rfc3339());
    with_outcome(row, outcome, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Sensitive, Timestamp};
    use crate::messaging::outbox::OutboxMessage;

    const CHANNEL_ID: &str = "0f0eb78e-a576-1dfc-b414-0f0756de3338";

    fn item(received: OffsetDateTime) -> WhatsAppOutboxMessage {
        WhatsAppOutboxMessage {
            message: OutboxMessage {
                from: Sensitive(CHANNEL_ID.into()),
                to: Sensitive("US.13491208655302741918".into()),
                message: Sensitive("hello".into()),
                kind: None,
                in_reply_to: Some("wamid.1".into()),
                repeatability_request_id: None,
                created_at: Timestamp::from(received),
            },
            in_reply_to_received_at: Some(Timestamp::from(received)),
        }
    }

    #[test]
    fn the_window_channel_recipient_and_length_are_checked() {
        let now = time::macros::datetime!(2026-11-27 06:00:00 UTC);
        let fresh = item(now - time::Duration::hours(23));
        let checked = Outgoing::check(&fresh, now).unwrap();
        assert_eq!(checked.to.key(), "US.13491208655302741918");
        assert_eq!(
            checked.repeatability_id,
            Outgoing::check(&fresh, now).unwrap().repeatability_id
        );
        let old = item(now - time::Duration::hours(25));
        assert_eq!(
            Outgoing::check(&old, now).unwrap_err(),
            WhatsAppRefusal::WindowClosed { hours: 25 }
        );
        let mut unknown = fresh.clone();
        unknown.in_reply_to_received_at = None;
        assert_eq!(
            Outgoing::check(&unknown, now).unwrap_err(),
            WhatsAppRefusal::NoWindow
        );
        for (field, value) in [("from", "{channel-id}"), ("to", "14255550123")] {
            let mut bad = fresh.clone();
            if field == "from" {
                bad.message.from = Sensitive(value.into());
            } else {
                bad.message.to = Sensitive(value.into());
            }
            let err = Outgoing::check(&bad, now).unwrap_err().to_string();
            assert!(err.contains(&format!("`{field}`")), "{err}");
            assert!(!err.contains(value), "{err}");
        }
        let mut long = fresh;
        long.message.message = Sensitive("x".repeat(MAX_MESSAGE_CHARS + 1));
        assert_eq!(
            Outgoing::check(&long, now).unwrap_err(),
            WhatsAppRefusal::Length(MAX_MESSAGE_CHARS + 1)
        );
    }
}
