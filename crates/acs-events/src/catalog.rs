//! The catalog of every `Microsoft.Communication.*` Event Grid event type: one constant per type
//! string, one [`AcsEvent`] variant per type with its typed data, and an `Unknown` variant that
//! keeps what a newer service sends us.
//!
//! The list below is the only place that ties a type string to a data struct.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{advanced_messaging, calling, chat, email, presence, recording, router, sms};

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
    ($($variant:ident, $constant:ident, $suffix:literal, $data:ty;)+) => {
        /// The event type strings, exactly as ACS sends them.
        pub mod event_types {
            $(
                #[doc = concat!("`Microsoft.Communication.", $suffix, "`")]
                pub const $constant: &str = concat!("Microsoft.Communication.", $suffix);
            )+
            /// Every known type, in catalog order.
            pub const ALL: &[&str] = &[$($constant),+];
        }

        /// A typed ACS event payload (`data`), one variant per known event type.
        #[derive(Debug, Clone)]
        pub enum AcsEvent {
            $(
                #[doc = concat!("`Microsoft.Communication.", $suffix, "`")]
                $variant(Box<$data>),
            )+
            /// A type this version does not know (Event Grid sends new types to subscriptions
            /// without a type filter): kept as sent, never an error.
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
                    $((AcsEvent::$variant(a), AcsEvent::$variant(b)) => a == b,)+
                    (
                        AcsEvent::Unknown { event_type: a, data: da },
                        AcsEvent::Unknown { event_type: b, data: db },
                    ) => a == b && da.as_ref().map(|r| r.get()) == db.as_ref().map(|r| r.get()),
                    _ => false,
                }
            }
        }

        impl AcsEvent {
            /// Reads `data` as the struct of `event_type` (matched case-insensitively, as Event
            /// Grid does). An unknown type is not an error; data that does not fit is.
            pub fn from_data(event_type: &str, data: Option<&RawValue>) -> Result<AcsEvent, DataFault> {
                $(
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
                    $(AcsEvent::$variant(_) => stringify!($variant),)+
                    AcsEvent::Unknown { .. } => "Unknown",
                }
            }

            /// The canonical type string (as sent, for `Unknown`).
            pub fn event_type(&self) -> &str {
                match self {
                    $(AcsEvent::$variant(_) => event_types::$constant,)+
                    AcsEvent::Unknown { event_type, .. } => event_type,
                }
            }

            /// The typed data re-serialized with canonical camelCase names and UTC timestamps
            /// (raw data for `Unknown`).
            pub fn data_json(&self) -> Result<serde_json::Value, serde_json::Error> {
                match self {
                    $(AcsEvent::$variant(data) => serde_json::to_value(data),)+
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
                    $(AcsEvent::$variant(data) => data.serialize(serializer),)+
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
    SmsReceived, SMS_RECEIVED, "SMSReceived", sms::SmsReceivedEventData;
    SmsDeliveryReportReceived, SMS_DELIVERY_REPORT_RECEIVED, "SMSDeliveryReportReceived", sms::SmsDeliveryReportReceivedEventData;
    ChatMessageReceived, CHAT_MESSAGE_RECEIVED, "ChatMessageReceived", chat::ChatMessageReceivedEventData;
    ChatMessageEdited, CHAT_MESSAGE_EDITED, "ChatMessageEdited", chat::ChatMessageEditedEventData;
    ChatMessageDeleted, CHAT_MESSAGE_DELETED, "ChatMessageDeleted", chat::ChatMessageDeletedEventData;
    ChatThreadCreatedWithUser, CHAT_THREAD_CREATED_WITH_USER, "ChatThreadCreatedWithUser", chat::ChatThreadCreatedWithUserEventData;
    ChatThreadWithUserDeleted, CHAT_THREAD_WITH_USER_DELETED, "ChatThreadWithUserDeleted", chat::ChatThreadWithUserDeletedEventData;
    ChatThreadPropertiesUpdatedPerUser, CHAT_THREAD_PROPERTIES_UPDATED_PER_USER, "ChatThreadPropertiesUpdatedPerUser", chat::ChatThreadPropertiesUpdatedPerUserEventData;
    ChatMemberAddedToThreadWithUser, CHAT_MEMBER_ADDED_TO_THREAD_WITH_USER, "ChatMemberAddedToThreadWithUser", chat::ChatMemberAddedToThreadWithUserEventData;
    ChatMemberRemovedFromThreadWithUser, CHAT_MEMBER_REMOVED_FROM_THREAD_WITH_USER, "ChatMemberRemovedFromThreadWithUser", chat::ChatMemberRemovedFromThreadWithUserEventData;
    ChatParticipantAddedToThreadWithUser, CHAT_PARTICIPANT_ADDED_TO_THREAD_WITH_USER, "ChatParticipantAddedToThreadWithUser", chat::ChatParticipantAddedToThreadWithUserEventData;
    ChatParticipantRemovedFromThreadWithUser, CHAT_PARTICIPANT_REMOVED_FROM_THREAD_WITH_USER, "ChatParticipantRemovedFromThreadWithUser", chat::ChatParticipantRemovedFromThreadWithUserEventData;
    ChatThreadCreated, CHAT_THREAD_CREATED, "ChatThreadCreated", chat::ChatThreadCreatedEventData;
    ChatThreadDeleted, CHAT_THREAD_DELETED, "ChatThreadDeleted", chat::ChatThreadDeletedEventData;
    ChatThreadParticipantAdded, CHAT_THREAD_PARTICIPANT_ADDED, "ChatThreadParticipantAdded", chat::ChatParticipantAddedToThreadEventData;
    ChatThreadParticipantRemoved, CHAT_THREAD_PARTICIPANT_REMOVED, "ChatThreadParticipantRemoved", chat::ChatParticipantRemovedFromThreadEventData;
    ChatMessageReceivedInThread, CHAT_MESSAGE_RECEIVED_IN_THREAD, "ChatMessageReceivedInThread", chat::ChatMessageReceivedInThreadEventData;
    ChatThreadPropertiesUpdated, CHAT_THREAD_PROPERTIES_UPDATED, "ChatThreadPropertiesUpdated", chat::ChatThreadPropertiesUpdatedEventData;
    ChatMessageEditedInThread, CHAT_MESSAGE_EDITED_IN_THREAD, "ChatMessageEditedInThread", chat::ChatMessageEditedInThreadEventData;
    ChatMessageDeletedInThread, CHAT_MESSAGE_DELETED_IN_THREAD, "ChatMessageDeletedInThread", chat::ChatMessageDeletedInThreadEventData;
    ChatTypingIndicatorReceivedInThread, CHAT_TYPING_INDICATOR_RECEIVED_IN_THREAD, "ChatTypingIndicatorReceivedInThread", chat::ChatTypingIndicatorReceivedInThreadEventData;
    ChatAzureBotCommandReceivedInThread, CHAT_AZURE_BOT_COMMAND_RECEIVED_IN_THREAD, "ChatAzureBotCommandReceivedInThread", chat::ChatAzureBotCommandReceivedInThreadEventData;
    UserDisconnected, USER_DISCONNECTED, "UserDisconnected", presence::UserDisconnectedEventData;
    IncomingCall, INCOMING_CALL, "IncomingCall", calling::IncomingCallEventData;
    CallStarted, CALL_STARTED, "CallStarted", calling::CallStartedEventData;
    CallEnded, CALL_ENDED, "CallEnded", calling::CallEndedEventData;
    CallParticipantAdded, CALL_PARTICIPANT_ADDED, "CallParticipantAdded", calling::CallParticipantAddedEventData;
    CallParticipantRemoved, CALL_PARTICIPANT_REMOVED, "CallParticipantRemoved", calling::CallParticipantRemovedEventData;
    RecordingFileStatusUpdated, RECORDING_FILE_STATUS_UPDATED, "RecordingFileStatusUpdated", recording::RecordingFileStatusUpdatedEventData;
    EmailDeliveryReportReceived, EMAIL_DELIVERY_REPORT_RECEIVED, "EmailDeliveryReportReceived", email::EmailDeliveryReportReceivedEventData;
    EmailEngagementTrackingReportReceived, EMAIL_ENGAGEMENT_TRACKING_REPORT_RECEIVED, "EmailEngagementTrackingReportReceived", email::EmailEngagementTrackingReportReceivedEventData;
    AdvancedMessageReceived, ADVANCED_MESSAGE_RECEIVED, "AdvancedMessageReceived", advanced_messaging::AdvancedMessageReceivedEventData;
    AdvancedMessageDeliveryStatusUpdated, ADVANCED_MESSAGE_DELIVERY_STATUS_UPDATED, "AdvancedMessageDeliveryStatusUpdated", advanced_messaging::AdvancedMessageDeliveryStatusUpdatedEventData;
    AdvancedMessageAnalysisCompleted, ADVANCED_MESSAGE_ANALYSIS_COMPLETED, "AdvancedMessageAnalysisCompleted", advanced_messaging::AdvancedMessageAnalysisCompletedEventData;
    RouterJobReceived, ROUTER_JOB_RECEIVED, "RouterJobReceived", router::RouterJobReceivedEventData;
    RouterJobClassified, ROUTER_JOB_CLASSIFIED, "RouterJobClassified", router::RouterJobClassifiedEventData;
    RouterJobQueued, ROUTER_JOB_QUEUED, "RouterJobQueued", router::RouterJobQueuedEventData;
    RouterJobClassificationFailed, ROUTER_JOB_CLASSIFICATION_FAILED, "RouterJobClassificationFailed", router::RouterJobClassificationFailedEventData;
    RouterJobCompleted, ROUTER_JOB_COMPLETED, "RouterJobCompleted", router::RouterJobCompletedEventData;
    RouterJobClosed, ROUTER_JOB_CLOSED, "RouterJobClosed", router::RouterJobClosedEventData;
    RouterJobCancelled, ROUTER_JOB_CANCELLED, "RouterJobCancelled", router::RouterJobCancelledEventData;
    RouterJobExceptionTriggered, ROUTER_JOB_EXCEPTION_TRIGGERED, "RouterJobExceptionTriggered", router::RouterJobExceptionTriggeredEventData;
    RouterJobWorkerSelectorsExpired, ROUTER_JOB_WORKER_SELECTORS_EXPIRED, "RouterJobWorkerSelectorsExpired", router::RouterJobWorkerSelectorsExpiredEventData;
    RouterJobUnassigned, ROUTER_JOB_UNASSIGNED, "RouterJobUnassigned", router::RouterJobUnassignedEventData;
    RouterJobWaitingForActivation, ROUTER_JOB_WAITING_FOR_ACTIVATION, "RouterJobWaitingForActivation", router::RouterJobWaitingForActivationEventData;
    RouterJobSchedulingFailed, ROUTER_JOB_SCHEDULING_FAILED, "RouterJobSchedulingFailed", router::RouterJobSchedulingFailedEventData;
    RouterJobDeleted, ROUTER_JOB_DELETED, "RouterJobDeleted", router::RouterJobDeletedEventData;
    RouterWorkerOfferIssued, ROUTER_WORKER_OFFER_ISSUED, "RouterWorkerOfferIssued", router::RouterWorkerOfferIssuedEventData;
    RouterWorkerOfferAccepted, ROUTER_WORKER_OFFER_ACCEPTED, "RouterWorkerOfferAccepted", router::RouterWorkerOfferAcceptedEventData;
    RouterWorkerOfferDeclined, ROUTER_WORKER_OFFER_DECLINED, "RouterWorkerOfferDeclined", router::RouterWorkerOfferDeclinedEventData;
    RouterWorkerOfferRevoked, ROUTER_WORKER_OFFER_REVOKED, "RouterWorkerOfferRevoked", router::RouterWorkerOfferRevokedEventData;
    RouterWorkerOfferExpired, ROUTER_WORKER_OFFER_EXPIRED, "RouterWorkerOfferExpired", router::RouterWorkerOfferExpiredEventData;
    RouterWorkerRegistered, ROUTER_WORKER_REGISTERED, "RouterWorkerRegistered", router::RouterWorkerRegisteredEventData;
    RouterWorkerDeregistered, ROUTER_WORKER_DEREGISTERED, "RouterWorkerDeregistered", router::RouterWorkerDeregisteredEventData;
    RouterWorkerDeleted, ROUTER_WORKER_DELETED, "RouterWorkerDeleted", router::RouterWorkerDeletedEventData;
    RouterWorkerUpdated, ROUTER_WORKER_UPDATED, "RouterWorkerUpdated", router::RouterWorkerUpdatedEventData;
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
}
