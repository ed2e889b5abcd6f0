//! The fields ACS added in 2025–2026 (issue 13), one test per family: each parses an inline
//! Event Grid event carrying the new fields through [`parse_delivery`](crate::parse_delivery),
//! checks that they are typed (numbers are numbers, enums are their variants, unknown enum values
//! land in `UnknownValue`, `null` and absent are `None`), and that serializing keeps them under their
//! canonical camelCase names.

use serde_json::{json, Value};

use crate::test_support::only_event;
use crate::AcsEvent;

/// One Event Grid event of type `Microsoft.Communication.{event_type}` with `data`.
fn event(event_type: &str, data: &str) -> AcsEvent {
    let body = format!(
        r#"[{{"id": "2026", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
             "subject": "s", "eventType": "Microsoft.Communication.{event_type}",
             "eventTime": "2026-04-13T12:00:01Z", "dataVersion": "1.0", "data": {data}}}]"#
    );
    only_event(body.as_bytes())
}

/// The typed data serialized again.
fn serialized(event: &AcsEvent) -> Value {
    event.data_json().expect("serializes")
}

#[cfg(feature = "chat")]
mod chat {
    use super::*;
    use crate::chat::{ChatRetentionPolicy, ChatRetentionPolicyKind, ChatThreadDeletedReason};
    use crate::Int64;

    /// Every field any chat message event requires; each type ignores what it does not know.
    const MESSAGE: &str = r#""threadId": "19:abc@thread.v2", "messageId": "1767614400000",
        "senderCommunicationIdentifier": {"rawId": "8:acs:alice", "communicationUser": {"id": "8:acs:alice"}},
        "recipientCommunicationIdentifier": {"rawId": "8:acs:bob", "communicationUser": {"id": "8:acs:bob"}},
        "composeTime": "2026-04-13T12:00:00Z", "editTime": "2026-04-13T12:00:00Z",
        "deleteTime": "2026-04-13T12:00:00Z", "type": "Text", "version": 1767614400000,
        "messageBody": "Hello""#;

    /// Every field any thread event requires.
    const THREAD: &str = r#""threadId": "19:abc@thread.v2", "createTime": "2026-04-13T11:00:00Z",
        "editTime": "2026-04-13T12:00:00Z", "deleteTime": "2026-04-13T12:00:00Z", "version": 1776081600000"#;

    #[test]
    fn sequence_id_is_a_number_on_every_message_event() {
        // Spec §2 Chat: `sequenceId?: int64` on every message event. Like `version`, a JSON
        // number in per-user events and a numeric string in `*InThread` ones: both are typed.
        for event_type in [
            "ChatMessageReceived",
            "ChatMessageEdited",
            "ChatMessageDeleted",
            "ChatMessageReceivedInThread",
            "ChatMessageEditedInThread",
            "ChatMessageDeletedInThread",
            "ChatTypingIndicatorReceivedInThread",
            "ChatAzureBotCommandReceivedInThread",
        ] {
            for wire in ["7", r#""7""#] {
                let parsed = event(
                    event_type,
                    &format!(r#"{{{MESSAGE}, "sequenceId": {wire}}}"#),
                );
                assert_eq!(parsed.kind(), event_type);
                let json = serialized(&parsed);
                assert_eq!(json["sequenceId"], json!(7), "{event_type} {wire}");
                assert!(json["sequenceId"].is_i64(), "{event_type}: not a number");
            }
            for absent in [r#", "sequenceId": null"#, ""] {
                let parsed = event(event_type, &format!("{{{MESSAGE}{absent}}}"));
                assert!(
                    serialized(&parsed).get("sequenceId").is_none(),
                    "{event_type}"
                );
            }
        }

        let AcsEvent::ChatMessageReceivedInThread(message) = event(
            "ChatMessageReceivedInThread",
            &format!(r#"{{{MESSAGE}, "sequenceId": "1767614400001"}}"#),
        ) else {
            panic!("not ChatMessageReceivedInThread")
        };
        assert_eq!(message.sequence_id, Some(Int64(1_767_614_400_001)));
        let AcsEvent::ChatMessageReceived(message) = event(
            "ChatMessageReceived",
            &format!(r#"{{{MESSAGE}, "sequenceId": null}}"#),
        ) else {
            panic!("not ChatMessageReceived")
        };
        assert_eq!(message.sequence_id, None);
    }

    #[test]
    fn retention_policy_is_typed_on_created_and_updated_threads() {
        // Spec §2 Chat: `retentionPolicy?{kind: "none"|"threadCreationDate",
        // deleteThreadAfterDays?: int32}` on these four events.
        let types = [
            "ChatThreadCreated",
            "ChatThreadCreatedWithUser",
            "ChatThreadPropertiesUpdated",
            "ChatThreadPropertiesUpdatedPerUser",
        ];
        for event_type in types {
            let parsed = event(
                event_type,
                &format!(
                    r#"{{{THREAD}, "retentionPolicy": {{"kind": "ThreadCreationDate", "deleteThreadAfterDays": 90}}}}"#
                ),
            );
            assert_eq!(parsed.kind(), event_type);
            assert_eq!(
                serialized(&parsed)["retentionPolicy"],
                json!({"kind": "threadCreationDate", "deleteThreadAfterDays": 90}),
                "{event_type}"
            );
            for absent in [r#", "retentionPolicy": null"#, ""] {
                let parsed = event(event_type, &format!("{{{THREAD}{absent}}}"));
                assert!(serialized(&parsed).get("retentionPolicy").is_none());
            }
        }

        let policy = |data: &str| -> Option<ChatRetentionPolicy> {
            match event("ChatThreadCreated", &format!("{{{THREAD}, {data}}}")) {
                AcsEvent::ChatThreadCreated(thread) => thread.retention_policy,
                other => panic!("not ChatThreadCreated: {}", other.kind()),
            }
        };
        assert_eq!(
            policy(
                r#""retentionPolicy": {"kind": "threadCreationDate", "deleteThreadAfterDays": 30}"#
            ),
            Some(ChatRetentionPolicy {
                kind: Some(ChatRetentionPolicyKind::ThreadCreationDate),
                delete_thread_after_days: Some(30),
            })
        );
        assert_eq!(
            policy(r#""retentionPolicy": {"kind": "none", "deleteThreadAfterDays": null}"#),
            Some(ChatRetentionPolicy {
                kind: Some(ChatRetentionPolicyKind::NoPolicy),
                delete_thread_after_days: None,
            })
        );
        let unknown = policy(r#""retentionPolicy": {"kind": "lastMessageDate"}"#).unwrap();
        assert_eq!(
            unknown.kind,
            Some(ChatRetentionPolicyKind::UnknownValue(
                "lastMessageDate".into()
            ))
        );
        let AcsEvent::ChatThreadPropertiesUpdatedPerUser(updated) = event(
            "ChatThreadPropertiesUpdatedPerUser",
            &format!(r#"{{{THREAD}, "retentionPolicy": {{"kind": "lastMessageDate"}}}}"#),
        ) else {
            panic!("not ChatThreadPropertiesUpdatedPerUser")
        };
        assert_eq!(
            serde_json::to_value(&updated.retention_policy).unwrap(),
            json!({"kind": "lastMessageDate"})
        );
    }

    #[test]
    fn thread_deleted_reason_is_an_extensible_enum() {
        // Spec §2 Chat: ChatThreadDeleted `reason?: "deletedByUser"|"deletedByPolicy"`.
        for (wire, typed, canonical) in [
            (
                r#""deletedByPolicy""#,
                Some(ChatThreadDeletedReason::DeletedByPolicy),
                json!("deletedByPolicy"),
            ),
            (
                r#""DeletedByUser""#,
                Some(ChatThreadDeletedReason::DeletedByUser),
                json!("deletedByUser"),
            ),
            (
                r#""deletedByAdmin""#,
                Some(ChatThreadDeletedReason::UnknownValue(
                    "deletedByAdmin".into(),
                )),
                json!("deletedByAdmin"),
            ),
            ("null", None, Value::Null),
        ] {
            let parsed = event(
                "ChatThreadDeleted",
                &format!(r#"{{{THREAD}, "reason": {wire}}}"#),
            );
            let json = serialized(&parsed);
            let AcsEvent::ChatThreadDeleted(deleted) = parsed else {
                panic!("not ChatThreadDeleted")
            };
            assert_eq!(deleted.reason, typed);
            assert_eq!(
                json.get("reason").cloned().unwrap_or(Value::Null),
                canonical
            );
        }
    }
}

#[cfg(feature = "calling")]
#[test]
fn incoming_call_on_behalf_of_is_an_identifier() {
    use crate::IdentifierKind;

    // Spec §2 Calling: IncomingCall `onBehalfOf?` (Java 1.1.0-beta.1, .NET net10).
    const CALL: &str = r#""to": {"kind": "phoneNumber", "rawId": "4:+18005550100", "phoneNumber": {"value": "+18005550100"}},
        "from": {"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}},
        "serverCallId": "aHR0cHM6Ly9hcGku", "incomingCallContext": "eyJhbGciOiJub25lIn0.e30.",
        "correlationId": "b5a1c7a2-3b4e-4f0a-9d2e-6f1c2a3b4c5d""#;
    let app = r#"{"kind": "microsoftTeamsApp", "rawId": "28:orgid:app-1",
        "microsoftTeamsApp": {"appId": "app-1", "cloud": "public"}}"#;
    let parsed = event(
        "IncomingCall",
        &format!(r#"{{{CALL}, "onBehalfOf": {app}}}"#),
    );
    let json = serialized(&parsed);
    let AcsEvent::IncomingCall(call) = parsed else {
        panic!("not IncomingCall")
    };
    let on_behalf_of = call.on_behalf_of.as_ref().expect("onBehalfOf");
    assert_eq!(
        on_behalf_of.resolved_kind(),
        IdentifierKind::MicrosoftTeamsApp
    );
    assert_eq!(on_behalf_of.raw_id().as_deref(), Some("28:orgid:app-1"));
    assert_eq!(call.on_behalf_of_callee, None);
    assert_eq!(json["onBehalfOf"]["rawId"], "28:orgid:app-1");
    assert_eq!(json["onBehalfOf"]["microsoftTeamsApp"]["appId"], "app-1");
    assert!(!format!("{call:?}").contains("+1425"));

    for absent in [r#", "onBehalfOf": null"#, ""] {
        let AcsEvent::IncomingCall(call) = event("IncomingCall", &format!("{{{CALL}{absent}}}"))
        else {
            panic!("not IncomingCall")
        };
        assert_eq!(call.on_behalf_of, None);
    }
}

#[cfg(feature = "email")]
#[test]
fn email_internet_message_id_and_recipient_mail_server() {
    use crate::email::EmailDeliveryStatus;

    // Spec §2 Email: `internetMessageId?` (absent when Suppressed) and
    // `deliveryStatusDetails{statusMessage?, recipientMailServerHostName?}`.
    let parsed = event(
        "EmailDeliveryReportReceived",
        r#"{"sender": "DoNotReply@contoso.com", "recipient": "someone@example.com",
            "internetMessageId": "<20260413.abc@contoso.com>", "messageId": "950850f5",
            "status": "Delivered",
            "deliveryStatusDetails": {"statusMessage": "No error.", "recipientMailServerHostName": "mx.example.com"},
            "deliveryAttemptTimestamp": "2026-04-13T12:00:00+00:00"}"#,
    );
    let json = serialized(&parsed);
    let AcsEvent::EmailDeliveryReportReceived(report) = parsed else {
        panic!("not EmailDeliveryReportReceived")
    };
    assert_eq!(report.status, EmailDeliveryStatus::Delivered);
    assert_eq!(
        report.internet_message_id.as_ref().map(|id| id.as_str()),
        Some("<20260413.abc@contoso.com>")
    );
    let details = report.delivery_status_details.as_ref().expect("details");
    assert_eq!(
        details.recipient_mail_server_host_name.as_deref(),
        Some("mx.example.com")
    );
    assert_eq!(json["internetMessageId"], "<20260413.abc@contoso.com>");
    assert_eq!(
        json["deliveryStatusDetails"]["recipientMailServerHostName"],
        "mx.example.com"
    );
    assert!(!format!("{report:?}").contains("20260413.abc"));

    // Suppressed: no Message-ID, no mail server; an unknown status lands in `UnknownValue`.
    for status in ["Suppressed", "Deferred"] {
        let AcsEvent::EmailDeliveryReportReceived(report) = event(
            "EmailDeliveryReportReceived",
            &format!(
                r#"{{"sender": "a@contoso.com", "recipient": "b@example.com", "internetMessageId": null,
                    "status": "{status}", "deliveryStatusDetails": {{"statusMessage": "x", "recipientMailServerHostName": null}},
                    "deliveryAttemptTimestamp": "2026-04-13T12:00:00Z"}}"#
            ),
        ) else {
            panic!("not EmailDeliveryReportReceived")
        };
        assert_eq!(report.internet_message_id, None);
        assert_eq!(
            report
                .delivery_status_details
                .as_ref()
                .and_then(|d| d.recipient_mail_server_host_name.as_deref()),
            None
        );
        assert_eq!(report.status, EmailDeliveryStatus::from_wire(status));
    }
    assert_eq!(
        EmailDeliveryStatus::from_wire("Deferred"),
        EmailDeliveryStatus::UnknownValue("Deferred".into())
    );
}

#[cfg(feature = "sms")]
#[test]
fn sms_segment_count_is_a_number() {
    // Spec §2 SMS: SMSReceived `segmentCount: int32` (SDKs Jan 2025).
    for key in ["segmentCount", "SegmentCount"] {
        let parsed = event(
            "SMSReceived",
            &format!(
                r#"{{"messageId": "m1", "from": "+15555550123", "to": "+15555550100", "message": "Hi",
                    "receivedTimestamp": "2026-04-13T12:00:00Z", "{key}": 3}}"#
            ),
        );
        let json = serialized(&parsed);
        let AcsEvent::SmsReceived(sms) = parsed else {
            panic!("not SmsReceived")
        };
        assert_eq!(sms.segment_count, Some(3));
        assert_eq!(json["segmentCount"], json!(3));
        assert!(json.get("SegmentCount").is_none());
    }
}

#[cfg(feature = "advanced-messaging")]
mod advanced_messaging {
    use super::*;
    use crate::advanced_messaging::{
        AdvancedMessageDeliveryStatus, AdvancedMessageSentiment, AdvancedMessageType,
    };
    use crate::Int64;

    #[test]
    fn bsuids_animated_stickers_and_reactions() {
        // Spec §2 Advanced Messaging: `fromBSUID?` (with `from` now empty or null),
        // `media.animated?: bool` and `reaction?{messageId, emoji?}` (Feb 2025).
        let parsed = event(
            "AdvancedMessageReceived",
            r#"{"from": null, "fromBSUID": "US.13491208655302741918", "to": "11111111-2222-3333-4444-555555555555",
                "receivedTimeStamp": "2026-04-13T12:00:00+00:00", "channelType": "whatsapp",
                "messageType": "sticker", "messageId": "wamid.1",
                "media": {"mimeType": "image/webp", "id": "media-1", "animated": true}}"#,
        );
        let json = serialized(&parsed);
        let AcsEvent::AdvancedMessageReceived(message) = parsed else {
            panic!("not AdvancedMessageReceived")
        };
        assert_eq!(message.from.as_str(), "");
        assert_eq!(
            message.from_bsu_id.as_ref().map(|b| b.as_str()),
            Some("US.13491208655302741918")
        );
        assert_eq!(message.message_type, AdvancedMessageType::Sticker);
        assert_eq!(message.media.as_ref().and_then(|m| m.animated), Some(true));
        assert_eq!(json["fromBSUID"], "US.13491208655302741918");
        assert_eq!(json["media"]["animated"], json!(true));
        assert_eq!(json["receivedTimestamp"], "2026-04-13T12:00:00Z");
        assert!(!format!("{message:?}").contains("US.1349"));

        let AcsEvent::AdvancedMessageReceived(reaction) = event(
            "AdvancedMessageReceived",
            r#"{"from": "15555550123", "fromBSUID": null, "to": "c", "channelType": "whatsapp",
                "messageType": "reaction", "reaction": {"messageId": "wamid.0", "emoji": "👍"}}"#,
        ) else {
            panic!("not AdvancedMessageReceived")
        };
        assert_eq!(reaction.message_type, AdvancedMessageType::Reaction);
        assert_eq!(reaction.from_bsu_id, None);
        let emoji = reaction.reaction.as_ref().and_then(|r| r.emoji.as_ref());
        assert_eq!(emoji.map(|e| e.as_str()), Some("👍"));

        // `toBSUID?` on delivery status updates, with `to` empty; an unknown status is `UnknownValue`.
        let parsed = event(
            "AdvancedMessageDeliveryStatusUpdated",
            r#"{"from": "11111111-2222-3333-4444-555555555555", "to": "", "toBSUID": "US.1",
                "messageId": "m", "status": "pending", "channelType": "whatsapp"}"#,
        );
        let json = serialized(&parsed);
        let AcsEvent::AdvancedMessageDeliveryStatusUpdated(status) = parsed else {
            panic!("not AdvancedMessageDeliveryStatusUpdated")
        };
        assert_eq!(status.to_bsu_id.as_ref().map(|b| b.as_str()), Some("US.1"));
        assert_eq!(
            status.status,
            AdvancedMessageDeliveryStatus::UnknownValue("pending".into())
        );
        assert_eq!(json["toBSUID"], "US.1");
        assert_eq!(json["status"], "pending");
    }

    #[test]
    fn analysis_accepts_both_key_phrase_spellings() {
        // Spec §1 finding 1: the docs table says `extractedKeyPhrases`, the spec example
        // `keyphraseExtraction` and adds `sentiment{score: int, description}`; accept both keys.
        let mut typed = Vec::new();
        for key in ["extractedKeyPhrases", "keyphraseExtraction"] {
            let parsed = event(
                "AdvancedMessageAnalysisCompleted",
                &format!(
                    r#"{{"originalMessage": "Where is my package?", "channelType": "whatsapp",
                        "from": "15555550123", "to": "c", "receivedTimestamp": "2026-04-13T12:00:00Z",
                        "languageDetection": {{"language": "English", "confidenceScore": 0.99}},
                        "intentAnalysis": "Track a package.", "{key}": ["package", "Kalamazoo"],
                        "sentiment": {{"score": 2, "description": "Neutral"}}}}"#
                ),
            );
            let json = serialized(&parsed);
            let AcsEvent::AdvancedMessageAnalysisCompleted(analysis) = parsed else {
                panic!("not AdvancedMessageAnalysisCompleted")
            };
            let phrases: Vec<&str> = analysis
                .extracted_key_phrases
                .iter()
                .flatten()
                .map(|p| p.as_str())
                .collect();
            assert_eq!(phrases, ["package", "Kalamazoo"], "{key}");
            assert_eq!(
                analysis.sentiment,
                Some(AdvancedMessageSentiment {
                    score: Some(Int64(2)),
                    description: Some("Neutral".to_owned().into()),
                })
            );
            assert_eq!(
                analysis
                    .language_detection
                    .as_ref()
                    .and_then(|l| l.confidence_score),
                Some(0.99)
            );
            assert_eq!(json["extractedKeyPhrases"], json!(["package", "Kalamazoo"]));
            assert!(json.get("keyphraseExtraction").is_none());
            assert_eq!(
                json["sentiment"],
                json!({"score": 2, "description": "Neutral"})
            );
            typed.push(analysis);
        }
        assert_eq!(typed[0], typed[1]);
    }
}
