//! SMS events (`SMSReceived`, `SMSDeliveryReportReceived`).
//!
//! The 2020 docs and the REST spec examples spell every field in PascalCase; the live service
//! sends camelCase. Both parse; the canonical (serialized) names are camelCase.

use serde::{Deserialize, Serialize};

use super::timestamp::Timestamp;
use super::wire::{extensible_enum, Sensitive};

/// `Microsoft.Communication.SMSReceived`: a text arrived at one of our numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsReceivedEventData {
    #[serde(alias = "MessageId")]
    pub message_id: String,
    /// The sender's number (as sent: with or without `+`).
    #[serde(alias = "From")]
    pub from: Sensitive<String>,
    /// Our ACS number that received the text.
    #[serde(alias = "To")]
    pub to: Sensitive<String>,
    #[serde(alias = "Message")]
    pub message: Sensitive<String>,
    #[serde(
        alias = "ReceivedTimestamp",
        alias = "ReceivedTimeStamp",
        alias = "receivedTimeStamp"
    )]
    pub received_timestamp: Timestamp,
    /// Absent from every pre-2024 payload.
    #[serde(
        default,
        alias = "SegmentCount",
        skip_serializing_if = "Option::is_none"
    )]
    pub segment_count: Option<i32>,
}

extensible_enum! {
    /// `deliveryStatus` of a delivery report (a free string in the spec; these are documented).
    pub enum SmsDeliveryStatus { Delivered => "Delivered", Failed => "Failed" }
}

/// `Microsoft.Communication.SMSDeliveryReportReceived`: the carrier's verdict on a text we sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsDeliveryReportReceivedEventData {
    #[serde(alias = "MessageId")]
    pub message_id: String,
    /// Our ACS number that sent the text.
    #[serde(alias = "From")]
    pub from: Sensitive<String>,
    /// The recipient's number.
    #[serde(alias = "To")]
    pub to: Sensitive<String>,
    #[serde(alias = "DeliveryStatus")]
    pub delivery_status: SmsDeliveryStatus,
    #[serde(
        default,
        alias = "DeliveryStatusDetails",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_status_details: Option<String>,
    #[serde(default, alias = "DeliveryAttempts")]
    pub delivery_attempts: Vec<SmsDeliveryAttempt>,
    #[serde(
        alias = "ReceivedTimestamp",
        alias = "ReceivedTimeStamp",
        alias = "receivedTimeStamp"
    )]
    pub received_timestamp: Timestamp,
    /// The tag given when sending (we send the outbox `kind`).
    #[serde(default, alias = "Tag", skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// One attempt of the carrier to deliver a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SmsDeliveryAttempt {
    #[serde(alias = "Timestamp", alias = "TimeStamp")]
    pub timestamp: Timestamp,
    #[serde(
        default,
        alias = "SegmentsSucceeded",
        skip_serializing_if = "Option::is_none"
    )]
    pub segments_succeeded: Option<i32>,
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
        assert_eq!(other, SmsDeliveryStatus::Other("Expired".into()));
    }
}
