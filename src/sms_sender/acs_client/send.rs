//! One SMS send: the request body, the response, and what each answer means.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;

/// One text to send.
#[derive(Debug, Clone)]
pub struct SmsSend<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub message: &'a str,
    /// The same on every attempt and every redelivery of this text.
    pub repeatability_request_id: Uuid,
    /// When the text was first meant to be sent (the same on every attempt).
    pub first_sent: OffsetDateTime,
    /// Echoed back in the delivery report.
    pub tag: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SendMessageRequest<'a> {
    pub(super) from: &'a str,
    pub(super) sms_recipients: [SmsRecipient<'a>; 1],
    pub(super) message: &'a str,
    pub(super) sms_send_options: SmsSendOptions<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SmsRecipient<'a> {
    pub(super) to: &'a str,
    pub(super) repeatability_request_id: String,
    pub(super) repeatability_first_sent: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SmsSendOptions<'a> {
    pub(super) enable_delivery_report: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tag: Option<&'a str>,
}

/// The JSON body of a send request, delivery reports enabled.
pub fn request_body(send: &SmsSend<'_>) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&SendMessageRequest {
        from: send.from,
        sms_recipients: [SmsRecipient {
            to: send.to,
            repeatability_request_id: send.repeatability_request_id.hyphenated().to_string(),
            repeatability_first_sent: http_date(send.first_sent),
        }],
        message: send.message,
        sms_send_options: SmsSendOptions {
            enable_delivery_report: true,
            tag: send.tag,
        },
    })
}

#[derive(Deserialize)]
pub(super) struct SendResponse {
    #[serde(default)]
    pub(super) value: Vec<SendResponseItem>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SendResponseItem {
    #[serde(default)]
    pub(super) message_id: Option<String>,
    #[serde(default)]
    pub(super) http_status_code: Option<u16>,
    #[serde(default)]
    pub(super) repeatability_result: Option<String>,
    #[serde(default)]
    pub(super) successful: bool,
    #[serde(default)]
    pub(super) error_message: Option<String>,
}

/// How a send ended, when it ended for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// ACS took the text (or had taken it before: a repeat of the same repeatability id).
    Accepted {
        /// The id delivery reports will carry (absent only if ACS did not return one).
        message_id: Option<String>,
        /// `accepted` or `rejected` (a repeat ACS did not send again).
        repeatability_result: Option<String>,
        http_status: u16,
        attempts: u32,
    },
    /// ACS refused this text for good (a 400, or a failed recipient): sending again cannot help.
    Rejected {
        http_status: u16,
        /// ACS's error code and message (may quote the number: store it, never log it).
        error: String,
        attempts: u32,
    },
}
