//! Email events: `EmailDeliveryReportReceived`, `EmailEngagementTrackingReportReceived`.
//!
//! The docs and several spec examples spell the timestamps `deliveryAttemptTimeStamp` and
//! `userActionTimeStamp`; the live service sends `…Timestamp` (azure-docs#111889). Both parse,
//! the lower-case `s` is canonical. Addresses, clicked links, user agents, the `Message-ID` (it
//! often carries an address or a host's name for a person) and the status message (mail servers
//! quote the rejected address in it) are personal data and are redacted in `Debug`.
//!
//! # Example
//!
//! ```
//! use acs_events::{email::EmailDeliveryStatus, parse_delivery, AcsEvent};
//!
//! // The docs' spelling `deliveryAttemptTimeStamp` and a lower-case status both parse.
//! let body = br#"[{
//!     "id": "e4f1a2b3", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "sender/senderid@contoso.com/message/9f8e7d6c",
//!     "eventType": "Microsoft.Communication.EmailDeliveryReportReceived",
//!     "eventTime": "2026-01-05T12:00:01Z", "dataVersion": "1.0",
//!     "data": {"sender": "senderid@contoso.com", "recipient": "someone@example.com",
//!              "messageId": "9f8e7d6c", "status": "delivered",
//!              "deliveryAttemptTimeStamp": "2026-01-05T12:00:00Z"}
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::EmailDeliveryReportReceived(report) = event.data? else {
//!     panic!("not an e-mail report");
//! };
//! assert_eq!(report.status, EmailDeliveryStatus::Delivered);
//! assert_eq!(report.message_id.as_deref(), Some("9f8e7d6c"));
//! assert_eq!(format!("{:?}", report.recipient), "<redacted>");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Sensitive};

extensible_enum! {
    /// The outcome of an e-mail delivery (samples send both `Delivered` and `delivered`).
    pub enum EmailDeliveryStatus {
        /// Hard bounce: the recipient's server rejected the message.
        Bounced => "Bounced",
        /// Accepted by the recipient's mail server.
        Delivered => "Delivered",
        /// Could not be delivered.
        Failed => "Failed",
        /// Identified as spam and rejected or blocked.
        FilteredSpam => "FilteredSpam",
        /// Quarantined (spam, bulk, phishing).
        Quarantined => "Quarantined",
        /// The recipient is on the suppression list.
        Suppressed => "Suppressed",
        /// Expanded to a distribution list's members (older docs).
        Expanded => "Expanded",
    }
}

extensible_enum! {
    /// What the recipient did with the e-mail (docs prose writes `View`/`Click`).
    pub enum EmailEngagementType {
        /// The e-mail was opened.
        View => "view",
        /// A link in the e-mail was clicked.
        Click => "click",
    }
}

/// `Microsoft.Communication.EmailDeliveryReportReceived`: the fate of one e-mail we sent, for one
/// recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailDeliveryReportReceivedEventData {
    /// Our sender address.
    pub sender: Sensitive<String>,
    /// The recipient's address.
    pub recipient: Sensitive<String>,
    /// The RFC 5322 `Message-ID` (absent for `Suppressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_message_id: Option<Sensitive<String>>,
    /// The ACS operation id returned when sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The delivery outcome.
    pub status: EmailDeliveryStatus,
    /// Details of the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_status_details: Option<EmailDeliveryStatusDetails>,
    /// When delivery was attempted (docs: `deliveryAttemptTimeStamp`).
    #[serde(alias = "deliveryAttemptTimeStamp")]
    pub delivery_attempt_timestamp: Timestamp,
}

/// Why a delivery report has its status (`deliveryStatusDetails`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailDeliveryStatusDetails {
    /// The status in words, e.g. `DestinationMailboxFull`, or the server's reply, which may quote
    /// the recipient's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<Sensitive<String>>,
    /// The recipient's mail server (absent for `Suppressed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_mail_server_host_name: Option<String>,
}

/// `Microsoft.Communication.EmailEngagementTrackingReportReceived`: a recipient opened an e-mail
/// or clicked a link in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailEngagementTrackingReportReceivedEventData {
    /// Our sender address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Sensitive<String>>,
    /// The recipient's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Sensitive<String>>,
    /// The ACS operation id returned when sending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// When the recipient acted (docs: `userActionTimeStamp`).
    #[serde(
        default,
        alias = "userActionTimeStamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_action_timestamp: Option<Timestamp>,
    /// The clicked URL for clicks (empty for views).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_context: Option<Sensitive<String>>,
    /// The recipient's mail client (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Sensitive<String>>,
    /// View or click (the SDKs call it `engagement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_type: Option<EmailEngagementType>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{only_event, round_trips};
    use crate::AcsEvent;

    #[test]
    fn delivery_report_sample() {
        let AcsEvent::EmailDeliveryReportReceived(data) = only_event(include_bytes!(
            "../samples/docs-email__EmailDeliveryReportReceived.json"
        )) else {
            panic!("not EmailDeliveryReportReceived")
        };
        assert_eq!(data.sender.as_str(), "senderid@azure.com");
        assert_eq!(data.recipient.as_str(), "receiver@azure.com");
        assert_eq!(
            data.message_id.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(data.status, EmailDeliveryStatus::Delivered);
        assert_eq!(
            data.delivery_attempt_timestamp.to_rfc3339(),
            "2020-09-18T00:22:20.2855749Z"
        );
        assert_eq!(data.internet_message_id, None);
        assert_eq!(data.delivery_status_details, None);
        round_trips(&*data);

        let json = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(
            json["deliveryAttemptTimestamp"],
            "2020-09-18T00:22:20.2855749Z"
        );
        assert!(json.get("deliveryAttemptTimeStamp").is_none());

        let debug = format!("{data:?}");
        assert!(
            !debug.contains("senderid@azure.com") && !debug.contains("receiver@azure.com"),
            "{debug}"
        );
    }

    #[test]
    fn delivery_report_as_the_service_sends_it() {
        // Lower-case status and `…Timestamp` with an escaped offset, as in azure-sdk-for-net#44379.
        let body = r#"{"id":"e","eventType":"Microsoft.Communication.EmailDeliveryReportReceived","data":{
            "sender":"DoNotReply@contoso.com","recipient":"a@b.com","internetMessageId":"<xyz.abc.123@contoso.com>",
            "messageId":"950850f5","status":"delivered",
            "deliveryStatusDetails":{"statusMessage":"DestinationMailboxFull","recipientMailServerHostName":"mx.b.com"},
            "deliveryAttemptTimestamp":"2024-06-04T00:13:45.905\u002B00:00"}}"#;
        let AcsEvent::EmailDeliveryReportReceived(data) = only_event(body.as_bytes()) else {
            panic!("not EmailDeliveryReportReceived")
        };
        assert_eq!(data.status, EmailDeliveryStatus::Delivered);
        assert_eq!(
            data.delivery_attempt_timestamp.to_rfc3339(),
            "2024-06-04T00:13:45.905Z"
        );
        assert_eq!(
            data.internet_message_id.as_deref().map(String::as_str),
            Some("<xyz.abc.123@contoso.com>")
        );
        let details = data.delivery_status_details.as_ref().expect("details");
        assert_eq!(
            details.status_message.as_deref().map(String::as_str),
            Some("DestinationMailboxFull")
        );
        let debug = format!("{data:?}");
        assert!(
            !debug.contains('@') && !debug.contains("DestinationMailboxFull"),
            "{debug}"
        );
        assert_eq!(
            details.recipient_mail_server_host_name.as_deref(),
            Some("mx.b.com")
        );
        round_trips(&*data);
    }

    #[test]
    fn both_timestamp_spellings_agree() {
        let docs: EmailDeliveryReportReceivedEventData = serde_json::from_str(
            r#"{"sender":"s","recipient":"r","status":"Failed","deliveryAttemptTimeStamp":"2023-02-09T19:46:12.2480265+00:00"}"#,
        )
        .expect("docs");
        let service: EmailDeliveryReportReceivedEventData = serde_json::from_str(
            r#"{"sender":"s","recipient":"r","status":"FAILED","deliveryAttemptTimestamp":"2023-02-09T19:46:12.2480265Z"}"#,
        )
        .expect("service");
        assert_eq!(docs, service);
        assert_eq!(docs.status, EmailDeliveryStatus::Failed);

        let docs: EmailEngagementTrackingReportReceivedEventData =
            serde_json::from_str(r#"{"userActionTimeStamp":"2022-09-06T22:34:52Z"}"#)
                .expect("docs");
        let service: EmailEngagementTrackingReportReceivedEventData =
            serde_json::from_str(r#"{"userActionTimestamp":"2022-09-06T22:34:52Z"}"#)
                .expect("service");
        assert_eq!(docs, service);
    }

    #[test]
    fn engagement_report_sample() {
        let AcsEvent::EmailEngagementTrackingReportReceived(data) = only_event(include_bytes!(
            "../samples/docs-email__EmailEngagementTrackingReportReceived.json"
        )) else {
            panic!("not EmailEngagementTrackingReportReceived")
        };
        assert_eq!(
            data.sender.as_ref().map(|s| s.as_str()),
            Some("senderid@azure.com")
        );
        assert_eq!(data.recipient, None);
        assert_eq!(
            data.message_id.as_deref(),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            data.user_action_timestamp
                .map(|t| t.to_rfc3339())
                .as_deref(),
            Some("2022-09-06T22:34:52.1303595Z")
        );
        assert_eq!(
            data.engagement_context.as_deref().map(String::as_str),
            Some("")
        );
        assert_eq!(data.user_agent.as_deref().map(String::as_str), Some(""));
        assert_eq!(data.engagement_type, Some(EmailEngagementType::View));
        round_trips(&*data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(json["userActionTimestamp"], "2022-09-06T22:34:52.1303595Z");
        assert_eq!(json["engagementType"], "view");
    }

    #[test]
    fn unknown_enum_values_land_in_other() {
        let status: EmailDeliveryStatus = serde_json::from_str(r#""Deferred""#).expect("status");
        assert_eq!(status, EmailDeliveryStatus::UnknownValue("Deferred".into()));
        let known: EmailDeliveryStatus = serde_json::from_str(r#""filteredspam""#).expect("known");
        assert_eq!(known, EmailDeliveryStatus::FilteredSpam);
        let engagement: EmailEngagementType = serde_json::from_str(r#""Click""#).expect("click");
        assert_eq!(engagement, EmailEngagementType::Click);
        let other: EmailEngagementType = serde_json::from_str(r#""unsubscribe""#).expect("other");
        assert_eq!(
            other,
            EmailEngagementType::UnknownValue("unsubscribe".into())
        );
    }
}
