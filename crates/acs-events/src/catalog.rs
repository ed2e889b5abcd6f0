//! The catalog of every `Microsoft.Communication.*` Event Grid event type: one constant per type
//! string, one [`AcsEvent`] variant per type with its typed data, and an `Unknown` variant that
//! keeps what a newer service sends us.
//!
//! The list below is the only place that ties a type string to a data struct.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

#[cfg(feature = "advanced-messaging")]
use super::advanced_messaging;
#[cfg(feature = "calling")]
use super::calling;
#[cfg(feature = "chat")]
use super::chat;
#[cfg(feature = "email")]
use super::email;
#[cfg(feature = "job-router")]
use super::job_router;
#[cfg(feature = "presence")]
use super::presence;
#[cfg(feature = "recording")]
use super::recording;
#[cfg(feature = "sms")]
use super::sms;

/// Why typed data could not be read: the JSON path inside the event and serde's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFault {
    /// JSON path from the event root, e.g. `data.deliveryAttempts[0].timestamp`.
    pub path: String,
    /// serde's explanation with the offending value left out (see [`safe_message`]): the fault
    /// is meant for log lines and dead-letter reasons, which must not carry personal data.
    ///
    /// [`safe_message`]: crate::safe_message
    pub message: String,
}

// Unused only when every family is disabled.
#[cfg_attr(
    not(any(
        feature = "sms",
        feature = "chat",
        feature = "calling",
        feature = "recording",
        feature = "presence",
        feature = "email",
        feature = "advanced-messaging",
        feature = "job-router"
    )),
    allow(dead_code)
)]
fn decode<T: DeserializeOwned>(data: Option<&RawValue>) -> Result<T, DataFault> {
    let text = data.map(RawValue::get).unwrap_or("null");
    // Fast path without path tracking; only a failure pays for finding where it failed.
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
                Ok(value) => Ok(value),
                Err(err) => {
                    // Neither the path nor the message may quote a value or a user's map key:
                    // both reach the dead-letter log line.
                    let path = super::wire::safe_path(err.path());
                    Err(DataFault {
                        path: if path == "." {
                            "data".to_owned()
                        } else {
                            format!("data.{path}")
                        },
                        message: super::wire::safe_message(&err.into_inner().to_string()),
                    })
                }
            }
        }
    }
}

macro_rules! catalog {
    ($($feature:literal, $variant:ident, $constant:ident, $suffix:literal, $data:ty;)+) => {
        /// The event type strings, exactly as ACS sends them.
        ///
        /// These constants (and [`ALL`](crate::event_types::ALL)) cover every type whatever the
        /// cargo features: they are plain strings, useful for subscription filters even when a
        /// family's structs are left out, in which case its events parse as
        /// [`AcsEvent::Unknown`](crate::AcsEvent::Unknown).
        pub mod event_types {
            $(
                #[doc = concat!("`Microsoft.Communication.", $suffix, "`")]
                pub const $constant: &str = concat!("Microsoft.Communication.", $suffix);
            )+
            /// Every known type, in catalog order.
            pub const ALL: &[&str] = &[$($constant),+];
        }

        /// A typed ACS event payload (`data`), one variant per known event type.
        ///
        /// Each variant exists only with its family's cargo feature (all are on by default); with
        /// a family disabled, its events parse as `Unknown`, exactly like a type that is newer
        /// than this crate. Data is boxed because the structs differ widely in size.
        #[derive(Debug, Clone)]
        pub enum AcsEvent {
            $(
                #[doc = concat!("`Microsoft.Communication.", $suffix, "` (feature `", $feature, "`)")]
                #[cfg(feature = $feature)]
                $variant(Box<$data>),
            )+
            /// A type this version does not know (Event Grid sends new types to subscriptions
            /// without a type filter), or one whose family's feature is disabled: kept as sent,
            /// never an error.
            Unknown {
                /// The type string exactly as sent (not normalized, since it is not in the
                /// catalog).
                event_type: String,
                /// The `data` member as sent, unparsed (`None` when the event has no `data`), so
                /// a consumer that knows the type can still read it with its own struct.
                data: Option<Box<RawValue>>,
            },
        }

        impl PartialEq for AcsEvent {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    $(
                        #[cfg(feature = $feature)]
                        (AcsEvent::$variant(a), AcsEvent::$variant(b)) => a == b,
                    )+
                    (
                        AcsEvent::Unknown { event_type: a, data: da },
                        AcsEvent::Unknown { event_type: b, data: db },
                    ) => a == b && da.as_ref().map(|r| r.get()) == db.as_ref().map(|r| r.get()),
                    #[allow(unreachable_patterns)] // when every family is disabled
                    _ => false,
                }
            }
        }

        impl AcsEvent {
            /// Reads `data` as the struct of `event_type` (matched case-insensitively, as Event
            /// Grid does). An unknown type is not an error; data that does not fit is.
            pub fn from_data(event_type: &str, data: Option<&RawValue>) -> Result<AcsEvent, DataFault> {
                $(
                    #[cfg(feature = $feature)]
                    if event_type.eq_ignore_ascii_case(event_types::$constant) {
                        return decode::<$data>(data).map(|d| AcsEvent::$variant(Box::new(d)));
                    }
                )+
                Ok(AcsEvent::Unknown {
                    event_type: event_type.to_owned(),
                    data: data.map(ToOwned::to_owned),
                })
            }

            /// The variant name (`"SmsReceived"`, …, `"Unknown"`): what `inspect` prints as `kind`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        AcsEvent::$variant(_) => stringify!($variant),
                    )+
                    AcsEvent::Unknown { .. } => "Unknown",
                }
            }

            /// The canonical type string (as sent, for `Unknown`).
            pub fn event_type(&self) -> &str {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        AcsEvent::$variant(_) => event_types::$constant,
                    )+
                    AcsEvent::Unknown { event_type, .. } => event_type,
                }
            }

            /// The typed data re-serialized with canonical camelCase names and UTC timestamps
            /// (raw data for `Unknown`).
            pub fn data_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        AcsEvent::$variant(data) => serde_json::to_value(data),
                    )+
                    AcsEvent::Unknown { data: Some(raw), .. } => serde_json::from_str(raw.get()),
                    AcsEvent::Unknown { data: None, .. } => Ok(serde_json::Value::Null),
                }
            }
        }

        /// Serializes the event's data only: typed data with canonical names and UTC timestamps,
        /// or the raw data of an `Unknown` event.
        impl serde::Serialize for AcsEvent {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(
                        #[cfg(feature = $feature)]
                        AcsEvent::$variant(data) => data.serialize(serializer),
                    )+
                    AcsEvent::Unknown { data: Some(raw), .. } => raw.serialize(serializer),
                    AcsEvent::Unknown { data: None, .. } => serializer.serialize_unit(),
                }
            }
        }

        /// The canonical spelling of a known type string, matched case-insensitively.
        pub fn canonical_event_type(event_type: &str) -> Option<&'static str> {
            event_types::ALL.iter().copied().find(|t| t.eq_ignore_ascii_case(event_type))
        }
    };
}

catalog! {
    "sms", SmsReceived, SMS_RECEIVED, "SMSReceived", sms::SmsReceivedEventData;
    "sms", SmsDeliveryReportReceived, SMS_DELIVERY_REPORT_RECEIVED, "SMSDeliveryReportReceived", sms::SmsDeliveryReportReceivedEventData;
    "chat", ChatMessageReceived, CHAT_MESSAGE_RECEIVED, "ChatMessageReceived", chat::ChatMessageReceivedEventData;
    "chat", ChatMessageEdited, CHAT_MESSAGE_EDITED, "ChatMessageEdited", chat::ChatMessageEditedEventData;
    "chat", ChatMessageDeleted, CHAT_MESSAGE_DELETED, "ChatMessageDeleted", chat::ChatMessageDeletedEventData;
    "chat", ChatThreadCreatedWithUser, CHAT_THREAD_CREATED_WITH_USER, "ChatThreadCreatedWithUser", chat::ChatThreadCreatedWithUserEventData;
    "chat", ChatThreadWithUserDeleted, CHAT_THREAD_WITH_USER_DELETED, "ChatThreadWithUserDeleted", chat::ChatThreadWithUserDeletedEventData;
    "chat", ChatThreadPropertiesUpdatedPerUser, CHAT_THREAD_PROPERTIES_UPDATED_PER_USER, "ChatThreadPropertiesUpdatedPerUser", chat::ChatThreadPropertiesUpdatedPerUserEventData;
    "chat", ChatMemberAddedToThreadWithUser, CHAT_MEMBER_ADDED_TO_THREAD_WITH_USER, "ChatMemberAddedToThreadWithUser", chat::ChatMemberAddedToThreadWithUserEventData;
    "chat", ChatMemberRemovedFromThreadWithUser, CHAT_MEMBER_REMOVED_FROM_THREAD_WITH_USER, "ChatMemberRemovedFromThreadWithUser", chat::ChatMemberRemovedFromThreadWithUserEventData;
    "chat", ChatParticipantAddedToThreadWithUser, CHAT_PARTICIPANT_ADDED_TO_THREAD_WITH_USER, "ChatParticipantAddedToThreadWithUser", chat::ChatParticipantAddedToThreadWithUserEventData;
    "chat", ChatParticipantRemovedFromThreadWithUser, CHAT_PARTICIPANT_REMOVED_FROM_THREAD_WITH_USER, "ChatParticipantRemovedFromThreadWithUser", chat::ChatParticipantRemovedFromThreadWithUserEventData;
    "chat", ChatThreadCreated, CHAT_THREAD_CREATED, "ChatThreadCreated", chat::ChatThreadCreatedEventData;
    "chat", ChatThreadDeleted, CHAT_THREAD_DELETED, "ChatThreadDeleted", chat::ChatThreadDeletedEventData;
    "chat", ChatThreadParticipantAdded, CHAT_THREAD_PARTICIPANT_ADDED, "ChatThreadParticipantAdded", chat::ChatParticipantAddedToThreadEventData;
    "chat", ChatThreadParticipantRemoved, CHAT_THREAD_PARTICIPANT_REMOVED, "ChatThreadParticipantRemoved", chat::ChatParticipantRemovedFromThreadEventData;
    "chat", ChatMessageReceivedInThread, CHAT_MESSAGE_RECEIVED_IN_THREAD, "ChatMessageReceivedInThread", chat::ChatMessageReceivedInThreadEventData;
    "chat", ChatThreadPropertiesUpdated, CHAT_THREAD_PROPERTIES_UPDATED, "ChatThreadPropertiesUpdated", chat::ChatThreadPropertiesUpdatedEventData;
    "chat", ChatMessageEditedInThread, CHAT_MESSAGE_EDITED_IN_THREAD, "ChatMessageEditedInThread", chat::ChatMessageEditedInThreadEventData;
    "chat", ChatMessageDeletedInThread, CHAT_MESSAGE_DELETED_IN_THREAD, "ChatMessageDeletedInThread", chat::ChatMessageDeletedInThreadEventData;
    "chat", ChatTypingIndicatorReceivedInThread, CHAT_TYPING_INDICATOR_RECEIVED_IN_THREAD, "ChatTypingIndicatorReceivedInThread", chat::ChatTypingIndicatorReceivedInThreadEventData;
    "chat", ChatAzureBotCommandReceivedInThread, CHAT_AZURE_BOT_COMMAND_RECEIVED_IN_THREAD, "ChatAzureBotCommandReceivedInThread", chat::ChatAzureBotCommandReceivedInThreadEventData;
    "presence", UserDisconnected, USER_DISCONNECTED, "UserDisconnected", presence::UserDisconnectedEventData;
    "calling", IncomingCall, INCOMING_CALL, "IncomingCall", calling::IncomingCallEventData;
    "calling", CallStarted, CALL_STARTED, "CallStarted", calling::CallStartedEventData;
    "calling", CallEnded, CALL_ENDED, "CallEnded", calling::CallEndedEventData;
    "calling", CallParticipantAdded, CALL_PARTICIPANT_ADDED, "CallParticipantAdded", calling::CallParticipantAddedEventData;
    "calling", CallParticipantRemoved, CALL_PARTICIPANT_REMOVED, "CallParticipantRemoved", calling::CallParticipantRemovedEventData;
    "recording", RecordingFileStatusUpdated, RECORDING_FILE_STATUS_UPDATED, "RecordingFileStatusUpdated", recording::RecordingFileStatusUpdatedEventData;
    "email", EmailDeliveryReportReceived, EMAIL_DELIVERY_REPORT_RECEIVED, "EmailDeliveryReportReceived", email::EmailDeliveryReportReceivedEventData;
    "email", EmailEngagementTrackingReportReceived, EMAIL_ENGAGEMENT_TRACKING_REPORT_RECEIVED, "EmailEngagementTrackingReportReceived", email::EmailEngagementTrackingReportReceivedEventData;
    "advanced-messaging", AdvancedMessageReceived, ADVANCED_MESSAGE_RECEIVED, "AdvancedMessageReceived", advanced_messaging::AdvancedMessageReceivedEventData;
    "advanced-messaging", AdvancedMessageDeliveryStatusUpdated, ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED, "AdvancedMessageDeliveryStatusUpdated", advanced_messaging::AdvancedMessageDeliveryStatusUpdatedEventData;
    "advanced-messaging", AdvancedMessageAnalysisCompleted, ADVANCED_MESSAGE_ANALYSIS_COMPLETED, "AdvancedMessageAnalysisCompleted", advanced_messaging::AdvancedMessageAnalysisCompletedEventData;
    "job-router", RouterJobReceived, ROUTER_JOB_RECEIVED, "RouterJobReceived", job_router::RouterJobReceivedEventData;
    "job-router", RouterJobClassified, ROUTER_JOB_CLASSIFIED, "RouterJobClassified", job_router::RouterJobClassifiedEventData;
    "job-router", RouterJobQueued, ROUTER_JOB_QUEUED, "RouterJobQueued", job_router::RouterJobQueuedEventData;
    "job-router", RouterJobClassificationFailed, ROUTER_JOB_CLASSIFICATION_FAILED, "RouterJobClassificationFailed", job_router::RouterJobClassificationFailedEventData;
    "job-router", RouterJobCompleted, ROUTER_JOB_COMPLETED, "RouterJobCompleted", job_router::RouterJobCompletedEventData;
    "job-router", RouterJobClosed, ROUTER_JOB_CLOSED, "RouterJobClosed", job_router::RouterJobClosedEventData;
    "job-router", RouterJobCancelled, ROUTER_JOB_CANCELLED, "RouterJobCancelled", job_router::RouterJobCancelledEventData;
    "job-router", RouterJobExceptionTriggered, ROUTER_JOB_EXCEPTION_TRIGGERED, "RouterJobExceptionTriggered", job_router::RouterJobExceptionTriggeredEventData;
    "job-router", RouterJobWorkerSelectorsExpired, ROUTER_JOB_WORKER_SELECTORS_EXPIRED, "RouterJobWorkerSelectorsExpired", job_router::RouterJobWorkerSelectorsExpiredEventData;
    "job-router", RouterJobUnassigned, ROUTER_JOB_UNASSIGNED, "RouterJobUnassigned", job_router::RouterJobUnassignedEventData;
    "job-router", RouterJobWaitingForActivation, ROUTER_JOB_WAITING_FOR_ACTIVATION, "RouterJobWaitingForActivation", job_router::RouterJobWaitingForActivationEventData;
    "job-router", RouterJobSchedulingFailed, ROUTER_JOB_SCHEDULING_FAILED, "RouterJobSchedulingFailed", job_router::RouterJobSchedulingFailedEventData;
    "job-router", RouterJobDeleted, ROUTER_JOB_DELETED, "RouterJobDeleted", job_router::RouterJobDeletedEventData;
    "job-router", RouterWorkerOfferIssued, ROUTER_WORKER_OFFER_ISSUED, "RouterWorkerOfferIssued", job_router::RouterWorkerOfferIssuedEventData;
    "job-router", RouterWorkerOfferAccepted, ROUTER_WORKER_OFFER_ACCEPTED, "RouterWorkerOfferAccepted", job_router::RouterWorkerOfferAcceptedEventData;
    "job-router", RouterWorkerOfferDeclined, ROUTER_WORKER_OFFER_DECLINED, "RouterWorkerOfferDeclined", job_router::RouterWorkerOfferDeclinedEventData;
    "job-router", RouterWorkerOfferRevoked, ROUTER_WORKER_OFFER_REVOKED, "RouterWorkerOfferRevoked", job_router::RouterWorkerOfferRevokedEventData;
    "job-router", RouterWorkerOfferExpired, ROUTER_WORKER_OFFER_EXPIRED, "RouterWorkerOfferExpired", job_router::RouterWorkerOfferExpiredEventData;
    "job-router", RouterWorkerRegistered, ROUTER_WORKER_REGISTERED, "RouterWorkerRegistered", job_router::RouterWorkerRegisteredEventData;
    "job-router", RouterWorkerDeregistered, ROUTER_WORKER_DEREGISTERED, "RouterWorkerDeregistered", job_router::RouterWorkerDeregisteredEventData;
    "job-router", RouterWorkerDeleted, ROUTER_WORKER_DELETED, "RouterWorkerDeleted", job_router::RouterWorkerDeletedEventData;
    "job-router", RouterWorkerUpdated, ROUTER_WORKER_UPDATED, "RouterWorkerUpdated", job_router::RouterWorkerUpdatedEventData;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_56_distinct_types() {
        assert_eq!(event_types::ALL.len(), 56);
        let mut sorted: Vec<_> = event_types::ALL
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 56);
    }

    #[test]
    fn type_strings_match_case_insensitively() {
        assert_eq!(
            canonical_event_type("microsoft.communication.smsreceived"),
            Some(event_types::SMS_RECEIVED)
        );
        assert_eq!(
            canonical_event_type("Microsoft.Communication.CallConnected"),
            None
        );
    }

    #[test]
    fn unknown_types_keep_their_data() {
        let raw = RawValue::from_string(r#"{"a":1}"#.to_owned()).unwrap();
        let event =
            AcsEvent::from_data("Microsoft.Communication.CallConnected", Some(&raw)).unwrap();
        assert_eq!(event.kind(), "Unknown");
        assert_eq!(event.event_type(), "Microsoft.Communication.CallConnected");
        assert_eq!(event.data_json().unwrap(), serde_json::json!({"a":1}));
    }

    #[cfg(feature = "sms")]
    #[test]
    fn data_faults_name_the_json_path() {
        let raw = RawValue::from_string(
            r#"{"messageId":"m","from":"1","to":"2","deliveryStatus":"Delivered","receivedTimestamp":"2020-09-18T00:22:20Z","deliveryAttempts":[{"timestamp":"soon"}]}"#.to_owned(),
        )
        .unwrap();
        let fault =
            AcsEvent::from_data(event_types::SMS_DELIVERY_REPORT_RECEIVED, Some(&raw)).unwrap_err();
        assert_eq!(fault.path, "data.deliveryAttempts[0].timestamp");
        assert!(!fault.message.contains("soon"), "{}", fault.message);
        assert!(fault.message.contains("RFC 3339"), "{}", fault.message);

        let missing = AcsEvent::from_data(event_types::SMS_RECEIVED, None).unwrap_err();
        assert_eq!(missing.path, "data");
    }

    /// `cargo test -p acs-events --no-default-features --features sms` (CI): the SMS family is
    /// typed, a disabled family's event is `Unknown` with its data kept, never an error.
    #[cfg(all(feature = "sms", not(feature = "chat")))]
    #[test]
    fn a_disabled_family_parses_as_unknown() {
        let body = br#"[
          {"id":"s","eventType":"Microsoft.Communication.SMSReceived","eventTime":"2026-01-05T12:00:01Z",
           "data":{"messageId":"m","from":"1","to":"2","message":"hi","receivedTimestamp":"2026-01-05T12:00:00Z"}},
          {"id":"c","eventType":"Microsoft.Communication.ChatMessageReceived","eventTime":"2026-01-05T12:00:01Z",
           "data":{"threadId":"t","messageId":"1","composeTime":"2026-01-05T12:00:00Z","type":"Text","version":1,"messageBody":"hi"}}
        ]"#;
        let delivery = crate::parse_delivery(body).unwrap();
        let kinds: Vec<&AcsEvent> = delivery
            .iter()
            .map(|e| e.as_ref().unwrap().data.as_ref().unwrap())
            .collect();
        assert!(matches!(kinds[0], AcsEvent::SmsReceived(sms) if sms.message.as_str() == "hi"));
        let AcsEvent::Unknown { event_type, data } = kinds[1] else {
            panic!("chat is disabled, yet {} is typed", kinds[1].kind());
        };
        assert_eq!(event_type, event_types::CHAT_MESSAGE_RECEIVED);
        assert!(data.as_ref().unwrap().get().contains("messageBody"));
        // The type strings stay, so filters and lookups still name it.
        assert_eq!(
            canonical_event_type("microsoft.communication.chatmessagereceived"),
            Some(event_types::CHAT_MESSAGE_RECEIVED)
        );
    }
}
