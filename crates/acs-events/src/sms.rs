//! SMS events (`SMSReceived`, `SMSDeliveryReportReceived`).
//!
//! The 2020 docs and the REST spec examples spell every field in PascalCase; the live service
//! sends camelCase. Both parse; the canonical (serialized) names are camelCase.
//!
//! # Example
//!
//! An SMS arriving at one of your numbers, in the Event Grid schema (an array, as Event Grid
//! posts it):
//!
//! ```
//! use acs_events::{parse_delivery, sms::SmsDeliveryStatus, AcsEvent};
//!
//! let body = br#"[{
//!     "id": "b7f5c1e2", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "/phonenumber/15555550100",
//!     "eventType": "Microsoft.Communication.SMSReceived",
//!     "eventTime": "2026-01-05T12:00:01Z", "dataVersion": "1.0", "metadataVersion": "1",
//!     "data": {"messageId": "Incoming_20260105", "from": "+15555550123", "to": "+15555550100",
//!              "message": "STOP", "receivedTimestamp": "2026-01-05T12:00:00.123Z"}
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! match event.data? {
//!     AcsEvent::SmsReceived(sms) => {
//!         assert_eq!(sms.message.as_str(), "STOP");
//!         // Phone numbers and text are `Sensitive`: `{:?}` never shows them.
//!         assert_eq!(format!("{:?}", sms.from), "<redacted>");
//!         assert_eq!(sms.received_timestamp.unix_millis(), 1_767_614_400_123);
//!     }
//!     other => panic!("expected an SMS, got {}", other.kind()),
//! }
//!
//! // Enum values are matched case-insensitively; a status ACS adds later is kept as `UnknownValue`.
//! assert_eq!(SmsDeliveryStatus::from_wire("delivered"), SmsDeliveryStatus::Delivered);
//! assert_eq!(
//!     SmsDeliveryStatus::from_wire("Expired"),
//!     SmsDeliveryStatus::UnknownValue("Expired".into())
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Sensitive};

/// `Microsoft.Communication.SMSReceived`: a text arrived at one of our numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsReceivedEventData {
    /// ACS's id of the received message.
    #[serde(alias = "MessageId")]
    pub message_id: String,
    /// The sender's number (as sent: with or without `+`).
    #[serde(alias = "From")]
    pub from: Sensitive<String>,
    /// Our ACS number that received the text.
    #[serde(alias = "To")]
    pub to: Sensitive<String>,
    /// The text as the sender wrote it (personal data).
    #[serde(alias = "Message")]
    pub message: Sensitive<String>,
    /// When ACS received the text.
    #[serde(
        alias = "ReceivedTimestamp",
        alias = "ReceivedTimeStamp",
        alias = "receivedTimeStamp"
    )]
    pub received_timestamp: Timestamp,
    /// How many SMS segments the text arrived in. Absent from every pre-2024 payload.
    #[serde(
        default,
        alias = "SegmentCount",
        skip_serializing_if = "Option::is_none"
    )]
    pub segment_count: Option<i32>,
}

extensible_enum! {
    /// `deliveryStatus` of a delivery report (a free string in the spec; these are documented).
    pub enum SmsDeliveryStatus {
        /// The carrier confirmed delivery to the handset.
        Delivered => "Delivered",
        /// The carrier gave up; `deliveryStatusDetails` says why.
        Failed => "Failed",
    }
}

/// `Microsoft.Communication.SMSDeliveryReportReceived`: the carrier's verdict on a text we sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsDeliveryReportReceivedEventData {
    /// The id the send call returned: the key to match a report to its text.
    #[serde(alias = "MessageId")]
    pub message_id: String,
    /// Our ACS number that sent the text.
    #[serde(alias = "From")]
    pub from: Sensitive<String>,
    /// The recipient's number.
    #[serde(alias = "To")]
    pub to: Sensitive<String>,
    /// The outcome; matched case-insensitively, and a new value is kept as `UnknownValue`.
    #[serde(alias = "DeliveryStatus")]
    pub delivery_status: SmsDeliveryStatus,
    /// The carrier's explanation, e.g. `No error.`
    #[serde(
        default,
        alias = "DeliveryStatusDetails",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_status_details: Option<String>,
    /// Each attempt the carrier made (empty when the report has none).
    #[serde(default, alias = "DeliveryAttempts")]
    pub delivery_attempts: Vec<SmsDeliveryAttempt>,
    /// When ACS received the report.
    #[serde(
        alias = "ReceivedTimestamp",
        alias = "ReceivedTimeStamp",
        alias = "receivedTimeStamp"
    )]
    pub received_timestamp: Timestamp,
    /// The `tag` given in the send request, echoed back so a report can be routed without a
    /// lookup.
    #[serde(default, alias = "Tag", skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// One attempt of the carrier to deliver a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsDeliveryAttempt {
    /// When the attempt was made.
    #[serde(alias = "Timestamp", alias = "TimeStamp")]
    pub timestamp: Timestamp,
    /// Segments delivered in this attempt.
    #[serde(
        default,
        alias = "SegmentsSucceeded",
        skip_serializing_if = "Option::is_none"
    )]
    pub segments_succeeded: Option<i32>,
    /// Segments that failed in this attempt.
    #[serde(
        default,
        alias = "SegmentsFailed",
        skip_serializing_if = "Option::is_none"
    )]
    pub segments_failed: Option<i32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_and_camel_case_parse_to_the_same_value() {
        let pascal: SmsReceivedEventData = serde_json::from_str(
            r#"{"MessageId":"m1","From":"15555555555","To":"15555555556","Message":"hi ","ReceivedTimestamp":"2020-09-18T00:27:45.32Z"}"#,
        )
        .unwrap();
        let camel: SmsReceivedEventData = serde_json::from_str(
            r#"{"messageId":"m1","from":"15555555555","to":"15555555556","message":"hi ","receivedTimestamp":"2020-09-18T00:27:45.320+00:00"}"#,
        )
        .unwrap();
        assert_eq!(pascal, camel);
        assert_eq!(camel.segment_count, None);
    }

    #[test]
    fn unknown_delivery_status_is_kept() {
        let report: SmsDeliveryReportReceivedEventData = serde_json::from_str(
            r#"{"messageId":"m","from":"1","to":"2","deliveryStatus":"delivered","deliveryStatusDetails":"No error.","receivedTimestamp":"2020-09-18T00:22:20Z","deliveryAttempts":[{"timestamp":"2020-09-18T00:22:14Z","segmentsSucceeded":1,"segmentsFailed":0}],"Tag":"x"}"#,
        )
        .unwrap();
        assert_eq!(report.delivery_status, SmsDeliveryStatus::Delivered);
        assert_eq!(report.tag.as_deref(), Some("x"));
        let other: SmsDeliveryStatus = serde_json::from_str(r#""Expired""#).unwrap();
        assert_eq!(other, SmsDeliveryStatus::UnknownValue("Expired".into()));
    }
}
