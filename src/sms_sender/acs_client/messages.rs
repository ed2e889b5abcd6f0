//! One WhatsApp text through ACS Advanced Messaging: the request body, the response, and what
//! each answer means.
//!
//! `POST {endpoint}/messages/notifications:send?api-version=2024-11-15` with
//! `{"channelRegistrationId", "to": [..], "kind": "text", "content"}` (read in code:
//! azure-rest-api-specs `Messages/stable/2024-11-15/communicationservicesmessages.json`,
//! operation `NotificationMessagesOperations_Send`, and its `NotificationMessages_SendText`
//! example). Repeatability travels in the `Repeatability-Request-ID` / `Repeatability-First-Sent`
//! headers (the spec's `Azure.Core.RepeatabilityRequestHeaders`), not in the body as for SMS;
//! the answer is `202 {"receipts": [{"messageId", "to"}]}` with a `Repeatability-Result` header.
//! The signature is the same HMAC-SHA256 as SMS (`x-ms-date;host;x-ms-content-sha256`).

use std::time::Duration;

use azure_core::http::headers::{HeaderName, Headers};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

pub(super) const REPEATABILITY_REQUEST_ID: HeaderName =
    HeaderName::from_static("repeatability-request-id");
pub(super) const REPEATABILITY_FIRST_SENT: HeaderName =
    HeaderName::from_static("repeatability-first-sent");
const REPEATABILITY_RESULT: HeaderName = HeaderName::from_static("repeatability-result");

/// One WhatsApp text to send.
#[derive(Debug, Clone)]
pub struct WhatsAppSend<'a> {
    /// Our channel registration id (a GUID).
    pub channel_registration_id: &'a str,
    /// The recipient: a canonical E.164 number or a BSUID.
    pub to: &'a str,
    pub content: &'a str,
    /// The same on every attempt and every redelivery of this text.
    pub repeatability_request_id: Uuid,
    /// When the text was first meant to be sent (the same on every attempt).
    pub first_sent: OffsetDateTime,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TextNotification<'a> {
    channel_registration_id: &'a str,
    to: [&'a str; 1],
    kind: &'static str,
    content: &'a str,
}

/// The JSON body of a text notification.
pub fn messages_body(send: &WhatsAppSend<'_>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&TextNotification {
        channel_registration_id: send.channel_registration_id,
        to: [send.to],
        kind: "text",
        content: send.content,
    })
}

#[derive(Deserialize)]
struct SendMessageResult {
    #[serde(default)]
    receipts: Vec<Receipt>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Receipt {
    #[serde(default)]
    message_id: Option<String>,
}

/// Judges one answer of `notifications:send`: 2xx is accepted (the receipt's message id is the
/// id delivery statuses will carry); everything else as for SMS ([`judge_failure`]).
pub(super) fn judge_messages(
    status: u16,
    headers: &Headers,
    retry_after: Option<Duration>,
    body: &[u8],
    attempts: u32,
) -> Verdict<SendOutcome> {
    match status {
        200..=299 => {
            let message_id = serde_json::from_slice::<SendMessageResult>(body)
                .ok()
                .and_then(|r| r.receipts.into_iter().next())
                .and_then(|r| r.message_id);
            Verdict::Done(SendOutcome::Accepted {
                message_id,
                repeatability_result: headers
                    .get_optional_str(&REPEATABILITY_RESULT)
                    .map(str::to_owned),
                http_status: status,
                attempts,
            })
        }
        _ => judge_failure(
            status,
            retry_after,
            body,
            attempts,
            |http_status, error, attempts| SendOutcome::Rejected {
                http_status,
                error,
                attempts,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_a_text_notification_and_answers_are_judged_like_sms() {
        let send = WhatsAppSend {
            channel_registration_id: "0f0eb78e-a576-1dfc-b414-0f0756de3338",
            to: "+14250000000",
            content: "hi",
            repeatability_request_id: Uuid::nil(),
            first_sent: time::macros::datetime!(2026-11-27 05:59:58 UTC),
        };
        assert_eq!(
            String::from_utf8(messages_body(&send).unwrap()).unwrap(),
            r#"{"channelRegistrationId":"0f0eb78e-a576-1dfc-b414-0f0756de3338","to":["+14250000000"],"kind":"text","content":"hi"}"#
        );
        let mut headers = Headers::new();
        headers.insert(REPEATABILITY_RESULT, "accepted");
        let ok = br#"{"receipts":[{"messageId":"320fc2a1","to":"+14250000000"}]}"#;
        assert_eq!(
            judge_messages(202, &headers, None, ok, 2),
            Verdict::Done(SendOutcome::Accepted {
                message_id: Some("320fc2a1".into()),
                repeatability_result: Some("accepted".into()),
                http_status: 202,
                attempts: 2
            })
        );
        let bad = br#"{"error":{"code":"BadRequest","message":"Invalid channel"}}"#;
        assert!(matches!(
            judge_messages(400, &Headers::new(), None, bad, 1),
            Verdict::Done(SendOutcome::Rejected { http_status: 400, ref error, .. }) if error == "BadRequest: Invalid channel"
        ));
        assert!(matches!(
            judge_messages(429, &Headers::new(), None, b"", 1),
            Verdict::Retry { .. }
        ));
        assert_eq!(
            judge_messages(401, &Headers::new(), None, b"", 1),
            Verdict::Fail(SendError::Unauthorized { status: 401 })
        );
    }
}
