//! The `sms-outbox` message: the contract between whoever wants a text sent (the SMS module's
//! keyword replies, or any application) and the `SmsSender` function.
//!
//! `from` and `to` are top-level so that `SmsSender`'s table input binding can read the person's
//! opt-out history as `{from}|{to}`. They must be canonical (`+14255550123`): the binding looks
//! the history up with the text exactly as enqueued, so `SmsSender` refuses any other spelling
//! rather than guess it (see [`super::phone`]).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::events::{Sensitive, Timestamp};

/// Namespace of the UUID v5 repeatability ids of our replies. Changing it changes every id, so a
/// reply enqueued before the change and redelivered after it could be sent twice: never change it.
const OUTBOX_NAMESPACE: Uuid = Uuid::from_u128(0x3c1f_8a52_6d0e_4b7a_9f21_5e8c_0d47_b963);

/// Why a reply was enqueued; sent to ACS as the delivery-report tag, so reports say which reply
/// they are about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    OptOutConfirmation,
    OptInConfirmation,
    Help,
    /// A kind written by another producer of outbox messages, as sent.
    Other(String),
}

impl OutboxKind {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            OutboxKind::OptOutConfirmation => "optOutConfirmation",
            OutboxKind::OptInConfirmation => "optInConfirmation",
            OutboxKind::Help => "help",
            OutboxKind::Other(text) => text,
        }
    }

    /// The kind of the reply to a keyword of `family`.
    pub fn reply_to(family: super::keywords::KeywordFamily) -> Self {
        use super::keywords::KeywordFamily;
        match family {
            KeywordFamily::OptOut => OutboxKind::OptOutConfirmation,
            KeywordFamily::OptIn => OutboxKind::OptInConfirmation,
            KeywordFamily::Help => OutboxKind::Help,
        }
    }

    /// Case-insensitive lookup that never fails.
    pub fn from_wire(text: &str) -> Self {
        [
            OutboxKind::OptOutConfirmation,
            OutboxKind::OptInConfirmation,
            OutboxKind::Help,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(text))
        .unwrap_or_else(|| OutboxKind::Other(text.to_owned()))
    }
}

impl fmt::Display for OutboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OutboxKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OutboxKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(OutboxKind::from_wire(&text))
    }
}

/// A message on the `sms-outbox` queue: what `SmsSender` sends. The SMS module writes replies in
/// this shape; applications may enqueue their own (see the module docs for what they must hold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    /// Our ACS number, canonical: `+` E.164, a short code, or an alphanumeric sender id.
    pub from: Sensitive<String>,
    /// The recipient, canonical E.164 (`+14255550123`).
    pub to: Sensitive<String>,
    pub message: Sensitive<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<OutboxKind>,
    /// The inbound message id this replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// A UUID that is the same on every delivery of this message (ACS sends it once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeatability_request_id: Option<String>,
    /// When the message was created; sent to ACS as the repeatability first-sent time.
    pub created_at: Timestamp,
}

/// A message on the `whatsapp-outbox` queue: what `WhatsAppSender` sends. The same contract as
/// `sms-outbox` ([`OutboxMessage`], its fields at the top level) with `from` our channel
/// registration id and `to` the user's key (canonical E.164 or BSUID, see
/// [`super::whatsapp_id`]), plus the receive time of the message replied to: WhatsApp accepts
/// free-form text only within 24 hours of the user's last message (the customer-service
/// window), and that time is what the sender checks the window against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatsAppOutboxMessage {
    #[serde(flatten)]
    pub message: OutboxMessage,
    /// When ACS received the inbound message `inReplyTo` names. Without it a free-form text is
    /// refused: nobody could say whether the window is open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to_received_at: Option<Timestamp>,
}

/// The deterministic repeatability id of the reply of `kind` to the inbound message
/// `in_reply_to`: the same event delivered twice yields the same id.
pub fn repeatability_id(in_reply_to: &str, kind: &OutboxKind) -> Uuid {
    let name = format!("{in_reply_to}\n{}", kind.as_str());
    Uuid::new_v5(&OUTBOX_NAMESPACE, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeatability_ids_are_deterministic_uuid_v5() {
        let a = repeatability_id("Incoming_1", &OutboxKind::OptOutConfirmation);
        assert_eq!(
            a,
            repeatability_id("Incoming_1", &OutboxKind::OptOutConfirmation)
        );
        assert_eq!(a.get_version_num(), 5);
        assert_ne!(
            a,
            repeatability_id("Incoming_1", &OutboxKind::OptInConfirmation)
        );
        assert_ne!(
            a,
            repeatability_id("Incoming_2", &OutboxKind::OptOutConfirmation)
        );
    }

    #[test]
    fn outbox_kind_round_trips_and_keeps_unknown_kinds() {
        for kind in [
            OutboxKind::OptOutConfirmation,
            OutboxKind::OptInConfirmation,
            OutboxKind::Help,
        ] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<OutboxKind>(&json).unwrap(), kind);
        }
        assert_eq!(
            OutboxKind::from_wire("OPTOUTCONFIRMATION"),
            OutboxKind::OptOutConfirmation
        );
        assert_eq!(
            OutboxKind::from_wire("marketing"),
            OutboxKind::Other("marketing".into())
        );
    }

    #[test]
    fn outbox_message_has_the_documented_shape() {
        let message = OutboxMessage {
            from: Sensitive("+18005550100".into()),
            to: Sensitive("+14255550123".into()),
            message: Sensitive("hi".into()),
            kind: Some(OutboxKind::Help),
            in_reply_to: Some("Incoming_1".into()),
            repeatability_request_id: Some(
                repeatability_id("Incoming_1", &OutboxKind::Help).to_string(),
            ),
            created_at: Timestamp::parse("2026-11-27T05:59:58Z").unwrap(),
        };
        let text = serde_json::to_string(&message).unwrap();
        let id = repeatability_id("Incoming_1", &OutboxKind::Help);
        assert_eq!(
            text,
            format!(
                r#"{{"from":"+18005550100","to":"+14255550123","message":"hi","kind":"help","inReplyTo":"Incoming_1","repeatabilityRequestId":"{id}","createdAt":"2026-11-27T05:59:58Z"}}"#
            )
        );
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["createdAt"], "2026-11-27T05:59:58Z");
        let back: OutboxMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, message);
    }
}
