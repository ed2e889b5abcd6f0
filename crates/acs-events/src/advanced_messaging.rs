//! Advanced messaging (WhatsApp) events: `AdvancedMessageReceived`,
//! `AdvancedMessageDeliveryStatusUpdated`, `AdvancedMessageAnalysisCompleted`.
//!
//! Wire names follow the samples, not the SDK client names (`channelType`, `media.id`,
//! `interactive.type`). The TypeSpec spells `receivedTimeStamp`, every sample `receivedTimestamp`;
//! both parse. Phone numbers, message text, captions and anything derived from the text are
//! personal data and are redacted in `Debug`.
//!
//! # Example
//!
//! An inbound WhatsApp text:
//!
//! ```
//! use acs_events::advanced_messaging::{AdvancedMessageChannelType, AdvancedMessageType};
//! use acs_events::{parse_delivery, AcsEvent};
//!
//! let body = br#"[{
//!     "id": "a1d2v3m4", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "advancedMessage/sender/15555550123/recipient/11111111-2222-3333-4444-555555555555",
//!     "eventType": "Microsoft.Communication.AdvancedMessageReceived",
//!     "eventTime": "2026-01-05T12:00:01Z", "dataVersion": "1.0",
//!     "data": {"content": "Hello", "channelType": "whatsapp", "messageType": "text",
//!              "from": "15555550123", "to": "11111111-2222-3333-4444-555555555555",
//!              "receivedTimestamp": "2026-01-05T12:00:00+00:00"}
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::AdvancedMessageReceived(message) = event.data? else {
//!     panic!("not an advanced message");
//! };
//! assert_eq!(message.channel_type, AdvancedMessageChannelType::WhatsApp);
//! assert_eq!(message.message_type, AdvancedMessageType::Text);
//! assert_eq!(message.content.as_deref().map(String::as_str), Some("Hello"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Int64, Sensitive};

/// `from`/`to` as WhatsApp sends them now: a string, or `null` when the user hides their number.
fn null_as_empty<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Sensitive<String>, D::Error> {
    Ok(Sensitive(
        Option::<String>::deserialize(deserializer)?.unwrap_or_default(),
    ))
}

extensible_enum! {
    /// The messaging channel.
    pub enum AdvancedMessageChannelType {
        /// WhatsApp Business.
        WhatsApp => "whatsapp",
    }
}

extensible_enum! {
    /// The kind of an inbound message.
    pub enum AdvancedMessageType {
        /// Plain text in `content`.
        Text => "text",
        /// An image in `media`.
        Image => "image",
        /// A document in `media`.
        Document => "document",
        /// A sticker in `media`.
        Sticker => "sticker",
        /// A video in `media`.
        Video => "video",
        /// Audio in `media`.
        Audio => "audio",
        /// An emoji reaction in `reaction`.
        Reaction => "reaction",
        /// A reply to an interactive message, in `interactive`.
        Interactive => "interactive",
        /// A template quick-reply button press, in `button`.
        Button => "button",
    }
}

extensible_enum! {
    /// The delivery status of an outbound message (samples send `Sent`, `Failed`, `delivered`).
    pub enum AdvancedMessageDeliveryStatus {
        /// The recipient read the message.
        Read => "read",
        /// Delivered to the recipient's device.
        Delivered => "delivered",
        /// Could not be delivered; see `error`.
        Failed => "failed",
        /// Sent to the channel.
        Sent => "sent",
        /// Sent with a warning.
        Warning => "warning",
        /// The channel did not say.
        Unknown => "unknown",
    }
}

extensible_enum! {
    /// Which kind of interactive reply the user chose (`interactive.type`).
    pub enum InteractiveReplyType {
        /// A reply button.
        ButtonReply => "buttonReply",
        /// An item of a list.
        ListReply => "listReply",
        /// The channel did not say.
        Unknown => "unknown",
    }
}

/// An error reported by the channel (`error`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageChannelError {
    /// The channel's error code, e.g. `131026`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_code: Option<String>,
    /// The channel's error text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_message: Option<String>,
}

/// Media attached to an inbound message (`media`); download it by `id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageMedia {
    /// The MIME type, e.g. `image/jpeg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// The media id to download (the SDKs call it `mediaId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The document's file name (user-chosen, so personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<Sensitive<String>>,
    /// The caption the user wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<Sensitive<String>>,
    /// Whether a sticker is animated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
}

/// An emoji reaction to an earlier message (`reaction`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageReaction {
    /// The message reacted to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The emoji (message content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<Sensitive<String>>,
}

/// The message an inbound message replies to (`context`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageContext {
    /// Who sent the replied-to message (a phone number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Sensitive<String>>,
    /// The replied-to message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A template quick-reply button the user pressed (`button`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageButton {
    /// The button's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Sensitive<String>>,
    /// The payload attached to the button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Sensitive<String>>,
}

/// The user's answer to an interactive message (`interactive`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageInteractive {
    /// Which reply field is set (`type` on the wire; the SDKs call it `replyKind`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub reply_type: Option<InteractiveReplyType>,
    /// The reply button chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_reply: Option<AdvancedMessageButtonReply>,
    /// The list item chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_reply: Option<AdvancedMessageListReply>,
}

/// A reply button of an interactive message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageButtonReply {
    /// The id we gave the button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The button's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Sensitive<String>>,
}

/// A list item of an interactive message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageListReply {
    /// The id we gave the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Sensitive<String>>,
    /// The item's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `Microsoft.Communication.AdvancedMessageReceived`: a WhatsApp user wrote to us.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageReceivedEventData {
    /// The sender's phone number. Empty when the user hides their number (since 2026-03 the
    /// event may carry only `fromBSUID`); `null` and absent read as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub from: Sensitive<String>,
    /// Our channel registration id.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub to: Sensitive<String>,
    /// When the message was received (TypeSpec: `receivedTimeStamp`).
    #[serde(
        default,
        alias = "receivedTimeStamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub received_timestamp: Option<Timestamp>,
    /// A channel error, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AdvancedMessageChannelError>,
    /// The text of a `text` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Sensitive<String>>,
    /// The message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The channel (the SDKs call it `channelKind`).
    pub channel_type: AdvancedMessageChannelType,
    /// What kind of message this is; tells which field below is set.
    pub message_type: AdvancedMessageType,
    /// Attached media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<AdvancedMessageMedia>,
    /// A reaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaction: Option<AdvancedMessageReaction>,
    /// The message this one replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<AdvancedMessageContext>,
    /// A quick-reply button press.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<AdvancedMessageButton>,
    /// An interactive reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interactive: Option<AdvancedMessageInteractive>,
    /// The sender's business-scoped user id (BSUID, e.g. `US.13491208655302741918`; 2026
    /// addition). The docs' JSON key is `fromBSUID`, Java's getter `getFromBSUId`: every
    /// spelling seen is accepted.
    #[serde(
        default,
        rename = "fromBSUID",
        alias = "fromBSUId",
        alias = "fromBsuId",
        alias = "fromBsuid",
        alias = "frombsuid",
        skip_serializing_if = "Option::is_none"
    )]
    pub from_bsu_id: Option<Sensitive<String>>,
}

/// `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`: news about a message we sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageDeliveryStatusUpdatedEventData {
    /// Our channel registration id (or business number).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub from: Sensitive<String>,
    /// The recipient's phone number; empty (or `null`) when only `toBSUID` identifies them.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub to: Sensitive<String>,
    /// When the status was received (TypeSpec: `receivedTimeStamp`).
    #[serde(
        default,
        alias = "receivedTimeStamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub received_timestamp: Option<Timestamp>,
    /// Why delivery failed, for `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<AdvancedMessageChannelError>,
    /// The id of the message we sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The new status.
    pub status: AdvancedMessageDeliveryStatus,
    /// The channel (the SDKs call it `channelKind`).
    pub channel_type: AdvancedMessageChannelType,
    /// The recipient's business-scoped user id (BSUID; 2026 addition), spelt like `fromBSUID`.
    #[serde(
        default,
        rename = "toBSUID",
        alias = "toBSUId",
        alias = "toBsuId",
        alias = "toBsuid",
        alias = "tobsuid",
        skip_serializing_if = "Option::is_none"
    )]
    pub to_bsu_id: Option<Sensitive<String>>,
}

/// The detected language of an analysed message (`languageDetection`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageLanguageDetection {
    /// The language, e.g. `English`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Confidence from 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence_score: Option<f64>,
    /// The message translated (message content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<Sensitive<String>>,
}

/// The sentiment of an analysed message (`sentiment`; only in the spec example, not in the docs
/// table).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageSentiment {
    /// The sentiment score (an integer in the spec example; a numeric string is accepted too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Int64>,
    /// The sentiment in words (derived from the message, so personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Sensitive<String>>,
}

/// `Microsoft.Communication.AdvancedMessageAnalysisCompleted` (preview): AI analysis of an
/// inbound message. No SDK model exists; every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedMessageAnalysisCompletedEventData {
    /// The channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<AdvancedMessageChannelType>,
    /// The sender's phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Sensitive<String>>,
    /// Our channel registration id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Sensitive<String>>,
    /// When the analysed message was received.
    #[serde(
        default,
        alias = "receivedTimeStamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub received_timestamp: Option<Timestamp>,
    /// The analysed message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_message: Option<Sensitive<String>>,
    /// The detected intent, in words (quotes the message, so personal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_analysis: Option<Sensitive<String>>,
    /// The detected language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_detection: Option<AdvancedMessageLanguageDetection>,
    /// Key phrases of the message (spec example: `keyphraseExtraction`).
    #[serde(
        default,
        alias = "keyphraseExtraction",
        skip_serializing_if = "Option::is_none"
    )]
    pub extracted_key_phrases: Option<Vec<Sensitive<String>>>,
    /// The message's sentiment (spec example only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<AdvancedMessageSentiment>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{only_event, round_trips};
    use crate::AcsEvent;

    fn received(body: &[u8]) -> AdvancedMessageReceivedEventData {
        match only_event(body) {
            AcsEvent::AdvancedMessageReceived(data) => {
                assert_eq!(data.channel_type, AdvancedMessageChannelType::WhatsApp);
                round_trips(&*data);
                *data
            }
            other => panic!("not AdvancedMessageReceived: {}", other.kind()),
        }
    }

    fn status(body: &[u8]) -> AdvancedMessageDeliveryStatusUpdatedEventData {
        match only_event(body) {
            AcsEvent::AdvancedMessageDeliveryStatusUpdated(data) => {
                assert_eq!(data.channel_type, AdvancedMessageChannelType::WhatsApp);
                round_trips(&*data);
                *data
            }
            other => panic!("not AdvancedMessageDeliveryStatusUpdated: {}", other.kind()),
        }
    }

    fn rfc3339(ts: Option<Timestamp>) -> Option<String> {
        ts.map(|t| t.to_rfc3339())
    }

    #[test]
    fn text_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__text.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Text);
        assert_eq!(data.content.as_ref().map(|c| c.as_str()), Some("Hello"));
        assert_eq!(data.from.as_str(), "{sender@id}");
        assert_eq!(data.to.as_str(), "{channel-id}");
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2023-07-06T18:30:19Z")
        );
        assert_eq!(data.media, None);
        let debug = format!("{data:?}");
        assert!(
            !debug.contains("Hello") && !debug.contains("{sender@id}"),
            "{debug}"
        );
    }

    #[test]
    fn image_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__image.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Image);
        let media = data.media.as_ref().expect("media");
        assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
        assert_eq!(
            media.id.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            media.caption.as_ref().map(|c| c.as_str()),
            Some("This is a media caption")
        );
        assert!(!format!("{data:?}").contains("media caption"));
    }

    #[test]
    fn document_sample_is_a_bare_object() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__document.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Document);
        assert_eq!(data.from.as_str(), "14254360097");
        let media = data.media.as_ref().expect("media");
        assert_eq!(media.mime_type.as_deref(), Some("application/pdf"));
        assert_eq!(
            media.file_name.as_ref().map(|f| f.as_str()),
            Some("UTSAV Mela 2024  India's Independence Day  Kids Out and About Seattle.pdf")
        );
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2024-12-24T06:41:56Z")
        );
        assert!(!format!("{data:?}").contains("14254360097"));
    }

    #[test]
    fn sticker_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__sticker.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Sticker);
        let media = data.media.as_ref().expect("media");
        assert_eq!(media.mime_type.as_deref(), Some("image/webp"));
        assert_eq!(media.animated, Some(false));
    }

    #[test]
    fn reaction_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__reaction.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Reaction);
        let reaction = data.reaction.as_ref().expect("reaction");
        assert_eq!(reaction.message_id.as_deref(), Some("{reply-message-id}"));
        assert_eq!(reaction.emoji.as_ref().map(|e| e.as_str()), Some("👍"));
    }

    #[test]
    fn button_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__button.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Button);
        let context = data.context.as_ref().expect("context");
        assert_eq!(
            context.from.as_ref().map(|f| f.as_str()),
            Some("{receiverphonenumber@id}")
        );
        assert_eq!(context.id.as_deref(), Some("{reply-message-id}"));
        let button = data.button.as_ref().expect("button");
        assert_eq!(button.text.as_ref().map(|t| t.as_str()), Some("Yes"));
        assert_eq!(
            button.payload.as_ref().map(|p| p.as_str()),
            Some("Kat said yes")
        );
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2024-12-20T04:03:22Z")
        );
        assert!(!format!("{data:?}").contains("Kat said yes"));
    }

    #[test]
    fn button_reply_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__buttonReply.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Interactive);
        let interactive = data.interactive.as_ref().expect("interactive");
        assert_eq!(
            interactive.reply_type,
            Some(InteractiveReplyType::ButtonReply)
        );
        let reply = interactive.button_reply.as_ref().expect("buttonReply");
        assert_eq!(reply.id.as_deref(), Some("agree"));
        assert_eq!(reply.title.as_deref().map(String::as_str), Some("Agree"));
        assert_eq!(interactive.list_reply, None);
        assert_eq!(
            data.context.as_ref().and_then(|c| c.id.as_deref()),
            Some("{reply-message-id}")
        );
        let json = serde_json::to_value(&data).expect("serializes");
        assert_eq!(json["interactive"]["type"], "buttonReply");
    }

    #[test]
    fn list_reply_sample() {
        let data = received(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageReceived__listReply.json"
        ));
        assert_eq!(data.message_type, AdvancedMessageType::Interactive);
        let interactive = data.interactive.as_ref().expect("interactive");
        assert_eq!(
            interactive.reply_type,
            Some(InteractiveReplyType::ListReply)
        );
        let reply = interactive.list_reply.as_ref().expect("listReply");
        assert_eq!(reply.id.as_deref(), Some("priority_mail"));
        assert_eq!(
            reply.title.as_deref().map(String::as_str),
            Some("Priority Mail")
        );
        assert_eq!(reply.description.as_deref(), Some("1–3 Days"));
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2024-12-04T23:53:28Z")
        );
    }

    #[test]
    fn delivery_status_sent_sample() {
        let data = status(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageDeliveryStatusUpdated__sent.json"
        ));
        assert_eq!(data.status, AdvancedMessageDeliveryStatus::Sent);
        assert_eq!(
            data.message_id.as_deref(),
            Some("22222222-2222-2222-2222-222222222222")
        );
        assert_eq!(data.from.as_str(), "{sender@id}");
        assert_eq!(data.to.as_str(), "{receiver@id}");
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2023-07-06T18:42:28Z")
        );
        assert_eq!(data.error, None);
        let json = serde_json::to_value(&data).expect("serializes");
        assert_eq!(json["status"], "sent");
    }

    #[test]
    fn delivery_status_failed_sample() {
        let data = status(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageDeliveryStatusUpdated__failed.json"
        ));
        assert_eq!(data.status, AdvancedMessageDeliveryStatus::Failed);
        let error = data.error.as_ref().expect("error");
        assert_eq!(error.channel_code.as_deref(), Some("131026"));
        assert_eq!(
            error.channel_message.as_deref(),
            Some("Message Undeliverable.")
        );
        assert!(!format!("{data:?}").contains("{receiver@id}"));
    }

    #[test]
    fn analysis_completed_sample() {
        let AcsEvent::AdvancedMessageAnalysisCompleted(data) = only_event(include_bytes!(
            "../samples/docs-advmsg__AdvancedMessageAnalysisCompleted.json"
        )) else {
            panic!("not AdvancedMessageAnalysisCompleted")
        };
        assert_eq!(
            data.channel_type,
            Some(AdvancedMessageChannelType::WhatsApp)
        );
        assert_eq!(
            data.original_message.as_ref().map(|m| m.as_str()),
            Some("Hello, could u help me order some flowers for Mother’s Day?")
        );
        let language = data.language_detection.as_ref().expect("languageDetection");
        assert_eq!(language.language.as_deref(), Some("English"));
        assert_eq!(language.confidence_score, Some(0.99));
        assert_eq!(language.translation, None);
        assert!(data
            .intent_analysis
            .as_ref()
            .is_some_and(|i| i.starts_with("Order request")));
        let phrases: Vec<&str> = data
            .extracted_key_phrases
            .iter()
            .flatten()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(phrases, ["order", "flowers", "Mother's Day"]);
        assert_eq!(
            data.to.as_ref().map(|t| t.as_str()),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            rfc3339(data.received_timestamp).as_deref(),
            Some("2024-07-05T19:10:35.28Z")
        );
        round_trips(&*data);
        let debug = format!("{data:?}");
        assert!(
            !debug.contains("flowers") && !debug.contains("Mother"),
            "{debug}"
        );
    }

    #[test]
    fn analysis_spec_example_uses_keyphrase_extraction() {
        let body = r#"{"id":"daa5be3b","eventType":"Microsoft.Communication.AdvancedMessageAnalysisCompleted",
            "subject":"advanceMessageAnalysis/sender/{sender@id}/recipient/{recipient@id}",
            "data":{"originalMessage":"Where is my package?","channelType":"whatsapp","from":"{sender@id}","to":"{recipient@id}",
              "languageDetection":{"language":"English","confidenceScore":0.99,"translation":"Where is my package?"},
              "intentAnalysis":"Track a package.","keyphraseExtraction":["Sara Parker","package","Kalamazoo"],
              "sentiment":{"score":1,"description":"Neutral"}}}"#;
        let AcsEvent::AdvancedMessageAnalysisCompleted(data) = only_event(body.as_bytes()) else {
            panic!("not AdvancedMessageAnalysisCompleted")
        };
        let phrases: Vec<&str> = data
            .extracted_key_phrases
            .iter()
            .flatten()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(phrases, ["Sara Parker", "package", "Kalamazoo"]);
        assert_eq!(
            data.language_detection
                .as_ref()
                .and_then(|l| l.translation.as_ref())
                .map(|t| t.as_str()),
            Some("Where is my package?")
        );
        assert_eq!(data.received_timestamp, None);
        let sentiment = data.sentiment.as_ref().expect("sentiment");
        assert_eq!(sentiment.score, Some(Int64(1)));
        assert_eq!(
            sentiment.description.as_ref().map(|d| d.as_str()),
            Some("Neutral")
        );
        round_trips(&*data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert!(
            json.get("extractedKeyPhrases").is_some() && json.get("keyphraseExtraction").is_none()
        );
        assert_eq!(
            json["sentiment"],
            serde_json::json!({"score": 1, "description": "Neutral"})
        );
        assert!(!format!("{data:?}").contains("Sara Parker"));
    }

    #[test]
    fn a_bsuid_only_sender_parses_in_every_spelling() {
        for (from, key) in [
            ("null", "fromBSUID"),
            ("\"\"", "fromBSUId"),
            ("null", "fromBsuId"),
        ] {
            let data: AdvancedMessageReceivedEventData = serde_json::from_str(&format!(
                r#"{{"from":{from},"to":"c","channelType":"whatsapp","messageType":"text","{key}":"US.13491208655302741918"}}"#
            ))
            .expect("bsuid");
            assert_eq!(data.from.as_str(), "");
            assert_eq!(
                data.from_bsu_id.as_ref().map(|b| b.as_str()),
                Some("US.13491208655302741918")
            );
        }
        let status: AdvancedMessageDeliveryStatusUpdatedEventData = serde_json::from_str(
            r#"{"from":"c","channelType":"whatsapp","status":"read","toBSUID":"US.1"}"#,
        )
        .expect("status");
        assert_eq!(status.to.as_str(), "");
        assert_eq!(status.to_bsu_id.as_ref().map(|b| b.as_str()), Some("US.1"));
    }

    #[test]
    fn both_received_timestamp_spellings_agree() {
        let sample =
            r#"{"from":"1","to":"c","channelType":"whatsapp","messageType":"text","content":"hi","#;
        let typespec: AdvancedMessageReceivedEventData = serde_json::from_str(&format!(
            r#"{sample}"receivedTimeStamp":"2023-07-06T18:30:19+00:00"}}"#
        ))
        .expect("typespec");
        let service: AdvancedMessageReceivedEventData = serde_json::from_str(&format!(
            r#"{sample}"receivedTimestamp":"2023-07-06T18:30:19Z"}}"#
        ))
        .expect("service");
        assert_eq!(typespec, service);
    }

    #[test]
    fn unknown_enum_values_land_in_other() {
        let statuses: Vec<AdvancedMessageDeliveryStatus> =
            serde_json::from_str(r#"["Sent","delivered","READ","Failed","Pending"]"#)
                .expect("statuses");
        assert_eq!(
            statuses,
            vec![
                AdvancedMessageDeliveryStatus::Sent,
                AdvancedMessageDeliveryStatus::Delivered,
                AdvancedMessageDeliveryStatus::Read,
                AdvancedMessageDeliveryStatus::Failed,
                AdvancedMessageDeliveryStatus::UnknownValue("Pending".into()),
            ]
        );
        let message_type: AdvancedMessageType =
            serde_json::from_str(r#""location""#).expect("type");
        assert_eq!(
            message_type,
            AdvancedMessageType::UnknownValue("location".into())
        );
        let channel: AdvancedMessageChannelType =
            serde_json::from_str(r#""rcs""#).expect("channel");
        assert_eq!(
            channel,
            AdvancedMessageChannelType::UnknownValue("rcs".into())
        );
        let reply: InteractiveReplyType = serde_json::from_str(r#""nfmReply""#).expect("reply");
        assert_eq!(reply, InteractiveReplyType::UnknownValue("nfmReply".into()));

        let unknown_type: AdvancedMessageReceivedEventData = serde_json::from_str(
            r#"{"from":"1","to":"c","channelType":"WhatsApp","messageType":"location","location":{"lat":1}}"#,
        )
        .expect("unknown message type");
        assert_eq!(
            unknown_type.channel_type,
            AdvancedMessageChannelType::WhatsApp
        );
        assert_eq!(
            unknown_type.message_type,
            AdvancedMessageType::UnknownValue("location".into())
        );
    }
}
