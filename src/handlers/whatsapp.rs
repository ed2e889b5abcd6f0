//! WhatsApp (ACS Advanced Messaging): inbound messages, opt-out/opt-in/help keywords, delivery
//! statuses, and the replies `WhatsAppSender` ([`crate::whatsapp_sender`]) sends.
//!
//! The SMS module's rules, reused rather than copied: the keyword families and their matching
//! ([`crate::messaging::keywords`], settings `WHATSAPP_*`), the opt-out history ordered by the
//! person's own timeline ([`crate::messaging::opt_out`]), the outbox contract with deterministic
//! repeatability ids ([`crate::messaging::outbox`]). Users are keyed by one rule
//! ([`crate::messaging::whatsapp_id`]): phone number when there is one, BSUID otherwise.
//!
//! Event Grid delivers at least once, so every output is a pure function of the event (keys,
//! ids and times from the event, never the clock): a redelivery rewrites the same rows and
//! enqueues the same reply with the same repeatability id.
//!
//! | Binding | PartitionKey | RowKey |
//! |---|---|---|
//! | `waMessages` | our channel registration id | the ACS message id (else the event id) |
//! | `waOptOuts` | `{channel}\|{user}` | `{inverted receive ticks}_{message id}` |
//! | `waDeliveryReports` | the ACS message id | `{receive time, 7 digits}_{status}` |

use serde::Serialize;

use crate::events::advanced_messaging::{
    AdvancedMessageButton, AdvancedMessageChannelError, AdvancedMessageContext,
    AdvancedMessageDeliveryStatus, AdvancedMessageDeliveryStatusUpdatedEventData,
    AdvancedMessageInteractive, AdvancedMessageMedia, AdvancedMessageReaction,
    AdvancedMessageReceivedEventData, AdvancedMessageType,
};
use crate::events::{Envelope, Sensitive, Timestamp};
use crate::host::outputs::time_keys;
use crate::host::outputs::{
    Output, OutputError, QueueBinding, TableBinding, TableEntity, TableKey,
};
use crate::messaging::keywords::{Keyword, KeywordHandling, WHATSAPP_SETTINGS};
use crate::messaging::opt_out::{self, OptOutKeyError};
use crate::messaging::outbox::{
    repeatability_id, OutboxKind, OutboxMessage, WhatsAppOutboxMessage,
};
use crate::messaging::whatsapp_id::{WhatsAppIdError, WhatsAppUser};
use crate::settings::{Settings, SettingsError};

/// Longest text ACS Advanced Messaging sends in one text message.
pub const MAX_MESSAGE_CHARS: usize = WHATSAPP_SETTINGS.max_reply_chars;

/// Why a WhatsApp event could not be turned into outputs. Always permanent: the dispatcher
/// dead-letters the event. Names fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhatsAppError {
    #[error("{0}")]
    User(#[from] WhatsAppIdError),
    #[error("`data.to` and the subject name no channel registration id")]
    NoChannel,
    #[error("`data.messageId` is empty: a delivery status cannot be joined to its message")]
    NoMessageId,
    #[error("`data.receivedTimestamp` and `eventTime` are both absent: a keyword has no place in the opt-out history")]
    NoReceiveTime,
    #[error("cannot key the opt-out history: {0}")]
    OptOutKey(#[from] OptOutKeyError),
    #[error("cannot build the {what}: {source}")]
    Output {
        what: &'static str,
        #[source]
        source: OutputError,
    },
}

fn output_error(what: &'static str) -> impl Fn(OutputError) -> WhatsAppError {
    move |source| WhatsAppError::Output { what, source }
}

/// A message on `whatsapp-inbox`: an inbound message that is not a keyword, for the
/// application, with every part the event carried (media as metadata: download it by id).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InboxMessage<'a> {
    message_id: &'a str,
    /// The user's key (see [`crate::messaging::whatsapp_id`]).
    from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_bsuid: Option<&'a str>,
    /// Our channel registration id.
    to: &'a str,
    message_type: &'a AdvancedMessageType,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media: Option<&'a AdvancedMessageMedia>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reaction: Option<&'a AdvancedMessageReaction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<&'a AdvancedMessageContext>,
    #[serde(skip_serializing_if = "Option::is_none")]
    button: Option<&'a AdvancedMessageButton>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interactive: Option<&'a AdvancedMessageInteractive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    received_timestamp: Option<String>,
    event_id: &'a str,
}

/// A message on `whatsapp-delivery-failures`: a `failed` or `warning` status with the
/// channel's own error code and text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryFailure<'a> {
    message_id: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_message: Option<&'a str>,
    /// The user's key.
    to: &'a str,
    /// Our channel registration id.
    from: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    received_timestamp: Option<String>,
    event_id: &'a str,
}

/// The WhatsApp module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppModule {
    keywords: KeywordHandling,
}

impl Default for WhatsAppModule {
    fn default() -> Self {
        WhatsAppModule {
            keywords: KeywordHandling::defaults(&WHATSAPP_SETTINGS),
        }
    }
}

/// The channel registration id of an event: `data.to` / `data.from`, else the subject's
/// `recipient/{id}` segment.
fn channel_of(field: &str, subject: Option<&str>) -> Result<String, WhatsAppError> {
    let field = field.trim();
    if !field.is_empty() {
        return Ok(field.to_owned());
    }
    subject
        .and_then(|s| s.split_once("/recipient/"))
        .map(|(_, rest)| rest.split('/').next().unwrap_or_default().trim())
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or(WhatsAppError::NoChannel)
}

impl WhatsAppModule {
    /// Reads the `WHATSAPP_*` keyword settings (the SMS settings' pattern).
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(WhatsAppModule {
            keywords: KeywordHandling::from_settings(settings, &WHATSAPP_SETTINGS)?,
        })
    }

    /// The keyword handling in force.
    pub fn keywords(&self) -> &KeywordHandling {
        &self.keywords
    }

    /// `AdvancedMessageReceived`: the `waMessages` row, then either the keyword's history row
    /// and reply, or the `waInbox` message.
    pub fn received(
        &self,
        envelope: &Envelope,
        data: &AdvancedMessageReceivedEventData,
    ) -> Result<Vec<Output>, WhatsAppError> {
        let subject = envelope.subject.as_deref();
        let user = WhatsAppUser::from_event(
            &data.from,
            data.from_bsu_id.as_deref().map(String::as_str),
            subject,
            "data.from",
            "data.fromBSUID",
        )?;
        let channel = channel_of(&data.to, subject)?;
        // The docs samples carry no `messageId`; the event id is as stable under redelivery.
        let message_id = data
            .message_id
            .as_deref()
            .filter(|m| !m.is_empty())
            .unwrap_or(&envelope.id);
        let received = data.received_timestamp.or(envelope.time);
        let received_at = received.map(|t| t.to_rfc3339());
        let media = data.media.as_ref();
        let interactive = data.interactive.as_ref();
        let reply = interactive.and_then(|i| {
            i.button_reply
                .as_ref()
                .map(|b| (b.id.as_deref(), b.title.as_deref(), None))
                .or_else(|| {
                    i.list_reply.as_ref().map(|l| {
                        (
                            l.id.as_deref(),
                            l.title.as_deref(),
                            l.description.as_deref(),
                        )
                    })
                })
        });
        let error = data.error.as_ref();

        let what = "waMessages row";
        let row = TableEntity::new(&channel, message_id)
            .map_err(output_error(what))?
            .with("MessageId", message_id)
            .with("From", user.key())
            .with_opt("FromPhone", user.phone())
            .with_opt("Bsuid", user.bsuid())
            .with("To", channel.as_str())
            .with("Direction", "inbound")
            .with("ChannelType", data.channel_type.as_str())
            .with("MessageType", data.message_type.as_str())
            .with_opt("Content", data.content.as_deref().map(String::as_str))
            .with_opt("MediaId", media.and_then(|m| m.id.as_deref()))
            .with_opt("MediaMimeType", media.and_then(|m| m.mime_type.as_deref()))
            .with_opt(
                "MediaFileName",
                media
                    .and_then(|m| m.file_name.as_deref())
                    .map(String::as_str),
            )
            .with_opt(
                "MediaCaption",
                media.and_then(|m| m.caption.as_deref()).map(String::as_str),
            )
            .with_opt("MediaAnimated", media.and_then(|m| m.animated))
            .with_opt(
                "ReactionMessageId",
                data.reaction.as_ref().and_then(|r| r.message_id.as_deref()),
            )
            .with_opt(
                "ReactionEmoji",
                data.reaction
                    .as_ref()
                    .and_then(|r| r.emoji.as_deref())
                    .map(String::as_str),
            )
            .with_opt(
                "ContextMessageId",
                data.context.as_ref().and_then(|c| c.id.as_deref()),
            )
            .with_opt(
                "ContextFrom",
                data.context
                    .as_ref()
                    .and_then(|c| c.from.as_deref())
                    .map(String::as_str),
            )
            .with_opt(
                "ButtonText",
                data.button
                    .as_ref()
                    .and_then(|b| b.text.as_deref())
                    .map(String::as_str),
            )
            .with_opt(
                "ButtonPayload",
                data.button
                    .as_ref()
                    .and_then(|b| b.payload.as_deref())
                    .map(String::as_str),
            )
            .with_opt(
                "InteractiveType",
                interactive
                    .and_then(|i| i.reply_type.as_ref())
                    .map(|t| t.as_str()),
            )
            .with_opt("ReplyId", reply.and_then(|r| r.0))
            .with_opt("ReplyTitle", reply.and_then(|r| r.1).map(String::as_str))
            .with_opt("ReplyDescription", reply.and_then(|r| r.2))
            .with_opt("ErrorCode", error.and_then(|e| e.channel_code.as_deref()))
            .with_opt(
                "ErrorMessage",
                error.and_then(|e| e.channel_message.as_deref()),
            )
            .with_opt("ReceivedAt", received_at.as_deref())
            .with("EventId", envelope.id.as_str());
        let mut outputs =
            vec![Output::entity(TableBinding::WhatsAppMessages, &row).map_err(output_error(what))?];

        // Only a text is read as a keyword: a caption, a button title or a list item the
        // business wrote is not the user's own word.
        let keyword = match (&data.message_type, &data.content) {
            (AdvancedMessageType::Text, Some(content)) => self.keywords.match_text(content),
            _ => None,
        };
        let Some(keyword) = keyword else {
            let inbox = InboxMessage {
                message_id,
                from: user.key(),
                from_phone: user.phone(),
                from_bsuid: user.bsuid(),
                to: &channel,
                message_type: &data.message_type,
                content: data.content.as_deref().map(String::as_str),
                media,
                reaction: data.reaction.as_ref(),
                context: data.context.as_ref(),
                button: data.button.as_ref(),
                interactive,
                received_timestamp: received_at,
                event_id: &envelope.id,
            };
            outputs.push(
                Output::message(QueueBinding::WhatsAppInbox, &inbox)
                    .map_err(output_error("waInbox message"))?,
            );
            return Ok(outputs);
        };
        let received = received.ok_or(WhatsAppError::NoReceiveTime)?;
        if let Some(opted_out) = keyword.family.opted_out() {
            let row = self.history_row(
                envelope, &channel, &user, message_id, received, &keyword, opted_out,
            )?;
            outputs.push(
                Output::entity(TableBinding::WhatsAppOptOuts, &row)
                    .map_err(output_error("waOptOuts row"))?,
            );
        }
        let kind = OutboxKind::reply_to(keyword.family);
        let reply = WhatsAppOutboxMessage {
            message: OutboxMessage {
                from: Sensitive(channel.clone()),
                to: Sensitive(user.key().to_owned()),
                message: Sensitive(self.keywords.reply(keyword.family).to_owned()),
                repeatability_request_id: Some(repeatability_id(message_id, &kind).to_string()),
                kind: Some(kind),
                in_reply_to: Some(message_id.to_owned()),
                created_at: received,
            },
            in_reply_to_received_at: Some(received),
        };
        outputs.push(
            Output::message(QueueBinding::WhatsAppOutbox, &reply)
                .map_err(output_error("waOutbox message"))?,
        );
        Ok(outputs)
    }

    /// An opt-out or opt-in keyword's row in the user's history (see [`opt_out`]).
    #[allow(clippy::too_many_arguments)]
    fn history_row<'a>(
        &self,
        envelope: &'a Envelope,
        channel: &'a str,
        user: &'a WhatsAppUser,
        message_id: &'a str,
        received: Timestamp,
        keyword: &'a Keyword,
        opted_out: bool,
    ) -> Result<TableEntity<'a>, WhatsAppError> {
        let partition = TableKey::new(
            "PartitionKey",
            &opt_out::history_partition(channel, user.key()),
        )
        .map_err(output_error("waOptOuts row"))?;
        let row_key = opt_out::row_key(received, message_id)?;
        Ok(TableEntity::from_keys(partition, row_key)
            .with("OptedOut", opted_out)
            .with("Keyword", keyword.word.as_str())
            .with("ReceivedAt", received.to_rfc3339())
            .with("MessageId", message_id)
            .with("From", user.key())
            .with_opt("FromPhone", user.phone())
            .with_opt("Bsuid", user.bsuid())
            .with("To", channel)
            .with("EventId", envelope.id.as_str()))
    }

    /// `AdvancedMessageDeliveryStatusUpdated`: one `waDeliveryReports` row, plus a
    /// `waDeliveryFailures` message for `failed` and `warning`.
    pub fn delivery_status(
        &self,
        envelope: &Envelope,
        data: &AdvancedMessageDeliveryStatusUpdatedEventData,
    ) -> Result<Vec<Output>, WhatsAppError> {
        let message_id = data
            .message_id
            .as_deref()
            .filter(|m| !m.is_empty())
            .ok_or(WhatsAppError::NoMessageId)?;
        let user = WhatsAppUser::from_event(
            &data.to,
            data.to_bsu_id.as_deref().map(String::as_str),
            None,
            "data.to",
            "data.toBSUID",
        )?;
        let channel = data.from.trim();
        let received = data.received_timestamp.or(envelope.time);
        let received_at = received.map(|t| t.to_rfc3339());
        let status = data.status.as_str();
        let error: Option<&AdvancedMessageChannelError> = data.error.as_ref();
        let what = "waDeliveryReports row";
        let row = TableEntity::new(message_id, &report_row_key(received, &data.status))
            .map_err(output_error(what))?
            .with("MessageId", message_id)
            .with("Status", status)
            .with("ChannelType", data.channel_type.as_str())
            .with("From", channel)
            .with("To", user.key())
            .with_opt("ToPhone", user.phone())
            .with_opt("Bsuid", user.bsuid())
            .with_opt("ErrorCode", error.and_then(|e| e.channel_code.as_deref()))
            .with_opt(
                "ErrorMessage",
                error.and_then(|e| e.channel_message.as_deref()),
            )
            .with_opt("ReceivedAt", received_at.as_deref())
            .with("EventId", envelope.id.as_str());
        let mut outputs = vec![Output::entity(TableBinding::WhatsAppDeliveryReports, &row)
            .map_err(output_error(what))?];
        if matches!(
            data.status,
            AdvancedMessageDeliveryStatus::Failed | AdvancedMessageDeliveryStatus::Warning
        ) {
            let failure = DeliveryFailure {
                message_id,
                status,
                channel_code: error.and_then(|e| e.channel_code.as_deref()),
                channel_message: error.and_then(|e| e.channel_message.as_deref()),
                to: user.key(),
                from: channel,
                received_timestamp: received_at,
                event_id: &envelope.id,
            };
            outputs.push(
                Output::message(QueueBinding::WhatsAppDeliveryFailures, &failure)
                    .map_err(output_error("waDeliveryFailures message"))?,
            );
        }
        Ok(outputs)
    }
}

/// The `RowKey` of a delivery status: its receive time (UTC, 7 fractional digits, so keys sort
/// by time) and its status in canonical spelling, e.g. `2023-07-06T18:42:28.0000000Z_failed`.
/// `sent`, `delivered`, `read` and `failed` of one message get four keys (the status differs),
/// a redelivery the same key (same data), and two `warning`s at different times two keys. The
/// samples spell `Sent`/`Failed`: the status is canonical, so spellings cannot split a row.
/// Without any time (the field and `eventTime` absent) the status alone keys the row.
pub fn report_row_key(
    received: Option<Timestamp>,
    status: &AdvancedMessageDeliveryStatus,
) -> String {
    match received {
        Some(time) => format!("{}_{}", time_keys::sortable(time), status.as_str()),
        None => status.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_keys_are_canonical_and_tell_statuses_apart() {
        let at = Timestamp::parse("2023-07-06T18:42:28+00:00").ok();
        let sent: AdvancedMessageDeliveryStatus = serde_json::from_str("\"Sent\"").unwrap();
        assert_eq!(
            report_row_key(at, &sent),
            "2023-07-06T18:42:28.0000000Z_sent"
        );
        assert_ne!(
            report_row_key(at, &sent),
            report_row_key(at, &AdvancedMessageDeliveryStatus::Read)
        );
        assert_eq!(report_row_key(None, &sent), "sent");
        assert_eq!(
            channel_of("", Some("advancedMessage/sender/x/recipient/abc")).unwrap(),
            "abc"
        );
        assert_eq!(channel_of(" ", None), Err(WhatsAppError::NoChannel));
    }
}
