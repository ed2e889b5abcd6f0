//! Calling events: `IncomingCall`, `CallStarted`, `CallEnded`, `CallParticipantAdded`,
//! `CallParticipantRemoved`.
//!
//! Call participants arrive in two shapes: the current docs flatten the identifier into the
//! participant (`startedBy: {rawId, communicationUser, role}`), the REST spec and the 2022 docs
//! nest it (`startedBy: {communicationIdentifier: {…}, role}`, sometimes spelled
//! `communicationidentifier`). Both parse into one [`CallParticipant`], which serializes in the
//! nested form. `CallEnded` reports its duration as `callDurationInSeconds` (spec) or
//! `durationOfCall` (docs), and the participant events name the client `userAgent` (spec) or
//! `endpointType` (docs); the first spelling is canonical.
//!
//! # Example
//!
//! An `IncomingCall` delivered in the CloudEvents 1.0 schema (one object per request):
//!
//! ```
//! use acs_events::{parse_delivery, AcsEvent, IdentifierKind, Schema};
//!
//! let body = br#"{
//!     "id": "7dec6eed", "source": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "specversion": "1.0", "type": "Microsoft.Communication.IncomingCall",
//!     "subject": "/caller/4:+14255550123/recipient/4:+18005550100",
//!     "time": "2026-01-05T12:00:00Z",
//!     "data": {
//!         "to": {"kind": "phoneNumber", "rawId": "4:+18005550100", "phoneNumber": {"value": "+18005550100"}},
//!         "from": {"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}},
//!         "serverCallId": "aHR0cHM6Ly9hcGku", "incomingCallContext": "eyJhbGciOiJub25lIn0.e30.",
//!         "correlationId": "b5a1c7a2-3b4e-4f0a-9d2e-6f1c2a3b4c5d"
//!     }
//! }"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! assert_eq!(event.envelope.schema, Schema::CloudEvents);
//! let AcsEvent::IncomingCall(call) = event.data? else { panic!("not an incoming call") };
//! assert_eq!(call.from.resolved_kind(), IdentifierKind::PhoneNumber);
//! assert_eq!(call.from.raw_id().as_deref(), Some("4:+14255550123"));
//! // Answer with Call Automation, passing `incomingCallContext` back.
//! assert!(call.incoming_call_context.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::identifier::CommunicationIdentifier;
use super::wire::{extensible_enum, Sensitive, UserMap};

extensible_enum! {
    /// The role of a call participant (docs samples send placeholders such as `{role}`, which
    /// land in `UnknownValue`).
    pub enum CallParticipantRole {
        /// A regular participant.
        Attendee => "Attendee",
        /// A participant who may present.
        Presenter => "Presenter",
        /// The organizer of the meeting or room.
        Organizer => "Organizer",
        /// A receive-only participant.
        Consumer => "Consumer",
        /// A collaborator (Teams interop).
        Collaborator => "Collaborator",
    }
}

extensible_enum! {
    /// Who ended a call (`endedBy.type`; the SDKs call it `kind`).
    pub enum CallEndedByType {
        /// A participant hung up for everyone.
        Participant => "Participant",
        /// The service ended the call.
        MicrosoftInternal => "MicrosoftInternal",
    }
}

/// A participant of a call: who it is and the role they have in it.
///
/// Accepts the flattened and the nested wire shape; serializes as
/// `{"communicationIdentifier": {…}, "role": …}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "WireCallParticipant")]
pub struct CallParticipant {
    /// The participant's identity; `None` when the payload names nobody.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_identifier: Option<CommunicationIdentifier>,
    /// The participant's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<CallParticipantRole>,
}

/// Both wire shapes of a participant at once: the nested identifier if sent, and whatever
/// identifier keys sit beside `role`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCallParticipant {
    #[serde(default, alias = "communicationidentifier")]
    communication_identifier: Option<CommunicationIdentifier>,
    #[serde(default)]
    role: Option<CallParticipantRole>,
    #[serde(flatten)]
    flattened: CommunicationIdentifier,
}

impl From<WireCallParticipant> for CallParticipant {
    fn from(wire: WireCallParticipant) -> Self {
        CallParticipant {
            communication_identifier: nested_or_flattened(
                wire.communication_identifier,
                wire.flattened,
            ),
            role: wire.role,
        }
    }
}

/// The nested identifier when it says something, else the flattened one, else `None` (an
/// identifier with no field set names nobody).
fn nested_or_flattened(
    nested: Option<CommunicationIdentifier>,
    flattened: CommunicationIdentifier,
) -> Option<CommunicationIdentifier> {
    nested
        .filter(|id| !id.is_empty())
        .or_else(|| (!flattened.is_empty()).then_some(flattened))
}

/// A group call's id (`group.id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallGroup {
    /// The group id (a GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A Rooms call's room (`room.id`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRoom {
    /// The room id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// Why a call ended or a participant left (`reason`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEndReason {
    /// The result code (SIP-like, e.g. 0 or 487).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// The detailed sub-code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<i32>,
    /// A human-readable explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phrase: Option<String>,
}

/// Who ended a call (`endedBy`). The identifier may be nested (`communicationIdentifier`, also
/// spelled `communicationidentifier`) or flattened, like a [`CallParticipant`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "WireCallEndedBy")]
pub struct CallEndedBy {
    /// The identity that ended the call, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_identifier: Option<CommunicationIdentifier>,
    /// Participant or the service (`type` on the wire).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CallEndedByType>,
    /// The display name of who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Both wire shapes of `endedBy`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCallEndedBy {
    #[serde(default, alias = "communicationidentifier")]
    communication_identifier: Option<CommunicationIdentifier>,
    #[serde(default, rename = "type")]
    kind: Option<CallEndedByType>,
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    flattened: CommunicationIdentifier,
}

impl From<WireCallEndedBy> for CallEndedBy {
    fn from(wire: WireCallEndedBy) -> Self {
        CallEndedBy {
            communication_identifier: nested_or_flattened(
                wire.communication_identifier,
                wire.flattened,
            ),
            kind: wire.kind,
            name: wire.name,
        }
    }
}

/// Custom headers the caller attached (`customContext`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallCustomContext {
    /// SIP headers (PSTN / direct routing), e.g. `userToUser`, `X-MS-Custom-*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_headers: Option<UserMap>,
    /// VoIP headers set by an ACS caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voip_headers: Option<UserMap>,
}

/// `Microsoft.Communication.IncomingCall`: someone is calling one of our users or numbers;
/// answer it through Call Automation with `incomingCallContext`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCallEventData {
    /// Who is being called (the SDKs call it `toCommunicationIdentifier`).
    pub to: CommunicationIdentifier,
    /// Who is calling (the SDKs call it `fromCommunicationIdentifier`).
    pub from: CommunicationIdentifier,
    /// The server call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The caller's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_display_name: Option<Sensitive<String>>,
    /// Custom SIP / VoIP headers of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_context: Option<IncomingCallCustomContext>,
    /// Opaque token needed to answer, reject or redirect the call; redacted in `Debug`
    /// because it grants control over the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_call_context: Option<Sensitive<String>>,
    /// The callee a delegate answers for (call queues, auto attendants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of_callee: Option<CommunicationIdentifier>,
    /// The identity the call was placed on behalf of (2026 addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<CommunicationIdentifier>,
    /// The call's correlation id (for support requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// `Microsoft.Communication.CallStarted`: an ACS VoIP call began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallStartedEventData {
    /// Who started the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<CallParticipant>,
    /// The server call id (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The group, for group calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<CallGroup>,
    /// The room, for Rooms calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<CallRoom>,
    /// Whether it is a 1:1 call (spec examples send `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_two_party: Option<bool>,
    /// The call's correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whether it is a Rooms call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rooms_call: Option<bool>,
}

/// `Microsoft.Communication.CallEnded`: an ACS VoIP call ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallEndedEventData {
    /// Who started the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<CallParticipant>,
    /// The server call id (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The group, for group calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<CallGroup>,
    /// The room, for Rooms calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<CallRoom>,
    /// Whether it was a 1:1 call (spec examples send `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_two_party: Option<bool>,
    /// The call's correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whether it was a Rooms call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rooms_call: Option<bool>,
    /// Who ended the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<CallEndedBy>,
    /// Why the call ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CallEndReason>,
    /// How long the call lasted, in seconds (docs spell it `durationOfCall`).
    #[serde(
        default,
        alias = "durationOfCall",
        skip_serializing_if = "Option::is_none"
    )]
    pub call_duration_in_seconds: Option<f64>,
}

/// `Microsoft.Communication.CallParticipantAdded`: someone joined an ACS VoIP call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallParticipantAddedEventData {
    /// Who started the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<CallParticipant>,
    /// The server call id (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The group, for group calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<CallGroup>,
    /// The room, for Rooms calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<CallRoom>,
    /// Whether it is a 1:1 call (spec examples send `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_two_party: Option<bool>,
    /// The call's correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whether it is a Rooms call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rooms_call: Option<bool>,
    /// The participant who joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<CallParticipant>,
    /// The participant's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sensitive<String>>,
    /// The participant id within the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// The participant's client (docs spell it `endpointType`).
    #[serde(
        default,
        alias = "endpointType",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_agent: Option<Sensitive<String>>,
}

/// `Microsoft.Communication.CallParticipantRemoved`: someone left an ACS VoIP call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallParticipantRemovedEventData {
    /// Who started the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<CallParticipant>,
    /// The server call id (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_call_id: Option<String>,
    /// The group, for group calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<CallGroup>,
    /// The room, for Rooms calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<CallRoom>,
    /// Whether it is a 1:1 call (spec examples send `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_two_party: Option<bool>,
    /// The call's correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Whether it is a Rooms call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rooms_call: Option<bool>,
    /// The participant who left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<CallParticipant>,
    /// The participant's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Sensitive<String>>,
    /// The participant id within the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_id: Option<String>,
    /// The participant's client (docs spell it `endpointType`).
    #[serde(
        default,
        alias = "endpointType",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_agent: Option<Sensitive<String>>,
    /// Why the participant left (spec example only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CallEndReason>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{only_event, round_trips};
    use crate::{AcsEvent, IdentifierKind};

    const STARTER: &str =
        "8:acs:bc360ba8-d29b-4ef2-b698-769ebef85521_0000000c-1fb9-4878-07fd-0848220077e1";
    const SPEC_USER: &str =
        "8:acs:d9ff4983-39e7-4420-8d54-f6354ed06ccd_7a668e62-08f4-4ac1-b29e-f01010f57475";

    /// The typed data of the only event of a delivery, through the real entry point.
    fn raw_id(participant: &Option<CallParticipant>) -> Option<String> {
        participant
            .as_ref()
            .and_then(|p| p.communication_identifier.as_ref())
            .and_then(|id| id.raw_id())
            .map(|raw| raw.into_owned())
    }

    #[test]
    fn call_started_sample() {
        let AcsEvent::CallStarted(data) =
            only_event(include_bytes!("../samples/docs-calling__CallStarted.json"))
        else {
            panic!("not CallStarted")
        };
        assert_eq!(raw_id(&data.started_by).as_deref(), Some(STARTER));
        let starter = data
            .started_by
            .as_ref()
            .and_then(|p| p.communication_identifier.as_ref());
        assert_eq!(
            starter.map(|id| id.resolved_kind()),
            Some(IdentifierKind::CommunicationUser)
        );
        assert_eq!(data.server_call_id.as_deref(), Some("{serverCallId}"));
        assert_eq!(
            data.group.as_ref().and_then(|g| g.id.as_deref()),
            Some("00000000-0000-0000-0000-000000000000")
        );
        assert_eq!(
            data.room.as_ref().and_then(|r| r.id.as_deref()),
            Some("{roomId}")
        );
        assert_eq!(data.is_two_party, Some(false));
        assert_eq!(data.is_rooms_call, Some(true));
        assert_eq!(data.correlation_id.as_deref(), Some("{correlationId}"));
        round_trips(&*data);
    }

    #[test]
    fn call_ended_sample_uses_duration_of_call() {
        let AcsEvent::CallEnded(data) =
            only_event(include_bytes!("../samples/docs-calling__CallEnded.json"))
        else {
            panic!("not CallEnded")
        };
        assert_eq!(data.call_duration_in_seconds, Some(49.728617199999995));
        assert_eq!(raw_id(&data.started_by).as_deref(), Some(STARTER));
        assert_eq!(data.server_call_id.as_deref(), Some("{serverCallId}"));
        assert_eq!(data.ended_by, None);
        assert_eq!(data.reason, None);
        round_trips(&*data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(
            json["callDurationInSeconds"],
            serde_json::json!(49.728617199999995)
        );
        assert!(json.get("durationOfCall").is_none());
        assert_eq!(
            json["startedBy"]["communicationIdentifier"]["rawId"],
            STARTER
        );
    }

    #[test]
    fn call_participant_added_sample() {
        let AcsEvent::CallParticipantAdded(data) = only_event(include_bytes!(
            "../samples/docs-calling__CallParticipantAdded.json"
        )) else {
            panic!("not CallParticipantAdded")
        };
        assert_eq!(raw_id(&data.user).as_deref(), Some(STARTER));
        assert_eq!(raw_id(&data.started_by).as_deref(), Some(STARTER));
        assert_eq!(
            data.display_name.as_deref().map(String::as_str),
            Some("Sharif Edge")
        );
        assert_eq!(
            data.participant_id.as_deref(),
            Some("041e3b8a-1cce-4ebf-b587-131312c39410")
        );
        assert!(data
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with("acs-web-test-client-ACSWeb(3617")));
        assert_eq!(
            data.user.as_ref().and_then(|u| u.role.clone()),
            Some(CallParticipantRole::UnknownValue("{role}".into()))
        );
        round_trips(&*data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert!(json.get("userAgent").is_some() && json.get("endpointType").is_none());
    }

    #[test]
    fn call_participant_removed_sample() {
        let AcsEvent::CallParticipantRemoved(data) = only_event(include_bytes!(
            "../samples/docs-calling__CallParticipantRemoved.json"
        )) else {
            panic!("not CallParticipantRemoved")
        };
        assert_eq!(
            raw_id(&data.user).as_deref(),
            Some("8:acs:bc360ba8-d29b-4ef2-b698-769ebef85521_0000000c-1fb9-27cc-07fd-0848220077d8")
        );
        assert_eq!(raw_id(&data.started_by).as_deref(), Some(STARTER));
        assert_eq!(
            data.display_name.as_deref().map(String::as_str),
            Some("Sharif Chrome")
        );
        assert_eq!(
            data.participant_id.as_deref(),
            Some("750a1442-3156-4914-94d2-62cf73796833")
        );
        assert!(data
            .server_call_id
            .as_deref()
            .is_some_and(|id| id.starts_with("aHR0cHM6Ly9jb252")));
        assert!(data.user_agent.is_some());
        round_trips(&*data);
    }

    /// The REST spec's CloudEvents example (nested identifiers, lower-case
    /// `communicationidentifier`, `isTwoParty: null`, non-standard `operationId`/`title`).
    const SPEC_CALL_ENDED: &str = r#"{
      "source": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
      "subject": "call/Y3NVcmw",
      "type": "Microsoft.Communication.CallEnded",
      "time": "2021-02-19T00:25:59.9436666Z",
      "id": "02272459-badb-4e2e-b538-4cb8a2f71da6",
      "data": {
        "reason": {"code": 1, "subCode": 1, "phrase": "ReasonCode"},
        "callDurationInSeconds": 10,
        "endedBy": {
          "communicationidentifier": {
            "kind": "communicationUser",
            "rawId": "8:acs:d9ff4983-39e7-4420-8d54-f6354ed06ccd_7a668e62-08f4-4ac1-b29e-f01010f57475",
            "communicationUser": {"id": "8:acs:d9ff4983-39e7-4420-8d54-f6354ed06ccd_7a668e62-08f4-4ac1-b29e-f01010f57475"}
          },
          "type": "TestCallEndedBy",
          "name": "TestCallEndedBy"
        },
        "startedBy": {
          "communicationIdentifier": {
            "kind": "communicationUser",
            "rawId": "8:acs:d9ff4983-39e7-4420-8d54-f6354ed06ccd_7a668e62-08f4-4ac1-b29e-f01010f57475",
            "communicationUser": {"id": "8:acs:d9ff4983-39e7-4420-8d54-f6354ed06ccd_7a668e62-08f4-4ac1-b29e-f01010f57475"}
          },
          "role": "UserRole"
        },
        "serverCallId": "Y3NVcmw",
        "group": {"id": "055d13d6-8161-43c8-af88-2110373e1e4a"},
        "room": {"id": "055d13d6-8161-43c8-af88-2110373e1e4a"},
        "isTwoParty": null,
        "correlationId": "CallIdGuid",
        "isRoomsCall": false
      },
      "specversion": "1.0",
      "operationId": "CallEndedEventName",
      "title": "CallEnded"
    }"#;

    #[test]
    fn call_ended_spec_example_nested_with_reason() {
        let AcsEvent::CallEnded(data) = only_event(SPEC_CALL_ENDED.as_bytes()) else {
            panic!("not CallEnded")
        };
        assert_eq!(data.call_duration_in_seconds, Some(10.0));
        assert_eq!(data.is_two_party, None);
        assert_eq!(data.is_rooms_call, Some(false));
        assert_eq!(raw_id(&data.started_by).as_deref(), Some(SPEC_USER));
        assert_eq!(
            data.started_by.as_ref().and_then(|p| p.role.clone()),
            Some(CallParticipantRole::UnknownValue("UserRole".into()))
        );
        let ended_by = data.ended_by.clone().expect("endedBy");
        assert_eq!(
            ended_by
                .communication_identifier
                .and_then(|id| id.raw_id().map(|r| r.into_owned()))
                .as_deref(),
            Some(SPEC_USER)
        );
        assert_eq!(
            ended_by.kind,
            Some(CallEndedByType::UnknownValue("TestCallEndedBy".into()))
        );
        assert_eq!(ended_by.name.as_deref(), Some("TestCallEndedBy"));
        assert_eq!(
            data.reason,
            Some(CallEndReason {
                code: Some(1),
                sub_code: Some(1),
                phrase: Some("ReasonCode".into())
            })
        );
        round_trips(&*data);
        let json = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(
            json["endedBy"]["communicationIdentifier"]["rawId"],
            SPEC_USER
        );
        assert_eq!(json["endedBy"]["type"], "TestCallEndedBy");
    }

    #[test]
    fn call_participant_removed_spec_example_nested() {
        let body = r#"{"id":"02272459","source":"/subscriptions/x","specversion":"1.0",
            "type":"Microsoft.Communication.CallParticipantRemoved","time":"2021-02-19T00:25:59.9436666Z",
            "data":{"reason":{"code":1,"subCode":1,"phrase":"Reason Code"},
              "user":{"communicationIdentifier":{"kind":"communicationUser","rawId":"8:acs:u1","communicationUser":{"id":"8:acs:u1"}},"role":"Attendee"},
              "displayName":"displayName1","participantId":"participant1","userAgent":"endpointType",
              "startedBy":{"communicationIdentifier":{"kind":"communicationUser","rawId":"8:acs:s1","communicationUser":{"id":"8:acs:s1"}}},
              "serverCallId":"Y3NVcmw","group":{"id":"g"},"room":{"id":"r"},"isTwoParty":null,
              "correlationId":"CallIdGuid","isRoomsCall":false}}"#;
        let AcsEvent::CallParticipantRemoved(data) = only_event(body.as_bytes()) else {
            panic!("not CallParticipantRemoved")
        };
        assert_eq!(raw_id(&data.user).as_deref(), Some("8:acs:u1"));
        assert_eq!(
            data.user.as_ref().and_then(|u| u.role.clone()),
            Some(CallParticipantRole::Attendee)
        );
        assert_eq!(raw_id(&data.started_by).as_deref(), Some("8:acs:s1"));
        assert_eq!(data.started_by.as_ref().and_then(|p| p.role.clone()), None);
        assert_eq!(
            data.user_agent.as_deref().map(String::as_str),
            Some("endpointType")
        );
        assert_eq!(
            data.reason.as_ref().and_then(|r| r.phrase.as_deref()),
            Some("Reason Code")
        );
        round_trips(&*data);
    }

    #[test]
    fn flattened_and_nested_participants_are_the_same_value() {
        let flattened: CallParticipant = serde_json::from_str(
            r#"{"rawId":"8:acs:u1","communicationUser":{"id":"8:acs:u1"},"role":"Presenter"}"#,
        )
        .expect("flattened");
        let nested: CallParticipant = serde_json::from_str(
            r#"{"communicationIdentifier":{"rawId":"8:acs:u1","communicationUser":{"id":"8:acs:u1"}},"role":"presenter"}"#,
        )
        .expect("nested");
        let lower_i: CallParticipant = serde_json::from_str(
            r#"{"communicationidentifier":{"rawId":"8:acs:u1","communicationUser":{"id":"8:acs:u1"}},"role":"PRESENTER"}"#,
        )
        .expect("lower-case i");
        assert_eq!(flattened, nested);
        assert_eq!(flattened, lower_i);
        assert_eq!(flattened.role, Some(CallParticipantRole::Presenter));
        assert_eq!(
            serde_json::to_value(&flattened).expect("serializes"),
            serde_json::json!({"communicationIdentifier":{"rawId":"8:acs:u1","communicationUser":{"id":"8:acs:u1"}},"role":"Presenter"})
        );
    }

    #[test]
    fn participant_without_identifier_keys_names_nobody() {
        let role_only: CallParticipant =
            serde_json::from_str(r#"{"role":"Attendee"}"#).expect("parses");
        assert_eq!(role_only.communication_identifier, None);
        let empty_nested: CallParticipant =
            serde_json::from_str(r#"{"communicationIdentifier":{},"extra":1}"#).expect("parses");
        assert_eq!(empty_nested, CallParticipant::default());
        round_trips(&role_only);
    }

    #[test]
    fn duration_of_call_and_call_duration_in_seconds_agree() {
        let docs: CallEndedEventData =
            serde_json::from_str(r#"{"durationOfCall":49.7,"serverCallId":"c"}"#).expect("docs");
        let spec: CallEndedEventData =
            serde_json::from_str(r#"{"callDurationInSeconds":49.7,"serverCallId":"c"}"#)
                .expect("spec");
        assert_eq!(docs, spec);
        assert_eq!(docs.call_duration_in_seconds, Some(49.7));
    }

    #[test]
    fn endpoint_type_and_user_agent_agree() {
        let docs: CallParticipantAddedEventData =
            serde_json::from_str(r#"{"endpointType":"ua"}"#).expect("docs");
        let spec: CallParticipantAddedEventData =
            serde_json::from_str(r#"{"userAgent":"ua"}"#).expect("spec");
        assert_eq!(docs, spec);
    }

    #[test]
    fn unknown_enum_values_land_in_other() {
        let role: CallParticipantRole = serde_json::from_str(r#""Moderator""#).expect("role");
        assert_eq!(role, CallParticipantRole::UnknownValue("Moderator".into()));
        let ended: CallEndedByType = serde_json::from_str(r#""participant""#).expect("known");
        assert_eq!(ended, CallEndedByType::Participant);
        let other: CallEndedByType = serde_json::from_str(r#""Timeout""#).expect("unknown");
        assert_eq!(other, CallEndedByType::UnknownValue("Timeout".into()));
    }

    /// Written from §3.5 of the catalog and the REST spec example: there is no docs sample.
    const INCOMING_CALL: &str = r#"[{
      "id": "e80026e7-e298-46ba-bc42-dab0eda92581",
      "topic": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
      "subject": "/caller/4:+14255550123/recipient/4:+18005550100",
      "data": {
        "to": {"kind": "phoneNumber", "rawId": "4:+18005550100", "phoneNumber": {"value": "+18005550100"}},
        "from": {"kind": "phoneNumber", "rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}},
        "serverCallId": "aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t",
        "callerDisplayName": "VOIP Caller",
        "customContext": {
          "sipHeaders": {"userToUser": "616d617a6f6e5f6368696;encoding=hex", "X-MS-Custom-myheader1": "35567842"},
          "voipHeaders": {"customHeader": "customValue"}
        },
        "incomingCallContext": "eyJhbGciOiJub25lIn0.eyJjYyI6IkgzNHNJQUFBIn0.",
        "onBehalfOfCallee": {"kind": "communicationUser", "rawId": "8:acs:callee", "communicationUser": {"id": "8:acs:callee"}},
        "correlationId": "b5a1c7a2-3b4e-4f0a-9d2e-6f1c2a3b4c5d"
      },
      "eventType": "Microsoft.Communication.IncomingCall",
      "dataVersion": "1.0",
      "metadataVersion": "1",
      "eventTime": "2023-04-04T17:18:42.5542219Z"
    }]"#;

    #[test]
    fn incoming_call_from_the_spec() {
        let AcsEvent::IncomingCall(data) = only_event(INCOMING_CALL.as_bytes()) else {
            panic!("not IncomingCall")
        };
        assert_eq!(data.to.raw_id().as_deref(), Some("4:+18005550100"));
        assert_eq!(data.to.resolved_kind(), IdentifierKind::PhoneNumber);
        assert_eq!(data.from.raw_id().as_deref(), Some("4:+14255550123"));
        assert_eq!(
            data.from.phone_number.as_ref().map(|p| p.value.as_str()),
            Some("+14255550123")
        );
        assert_eq!(
            data.server_call_id.as_deref(),
            Some("aHR0cHM6Ly9hcGkuZmxpZ2h0cHJveHkuc2t5cGUuY29t")
        );
        assert_eq!(
            data.caller_display_name.as_deref().map(String::as_str),
            Some("VOIP Caller")
        );
        let context = data.custom_context.as_ref().expect("customContext");
        assert_eq!(
            context
                .sip_headers
                .as_ref()
                .and_then(|h| h.get("X-MS-Custom-myheader1"))
                .and_then(|v| v.as_str()),
            Some("35567842")
        );
        assert_eq!(
            context
                .voip_headers
                .as_ref()
                .and_then(|h| h.get("customHeader"))
                .and_then(|v| v.as_str()),
            Some("customValue")
        );
        assert_eq!(
            data.incoming_call_context.as_ref().map(|c| c.as_str()),
            Some("eyJhbGciOiJub25lIn0.eyJjYyI6IkgzNHNJQUFBIn0.")
        );
        assert_eq!(
            data.on_behalf_of_callee
                .as_ref()
                .and_then(|id| id.raw_id())
                .as_deref(),
            Some("8:acs:callee")
        );
        assert_eq!(data.on_behalf_of, None);
        assert_eq!(
            data.correlation_id.as_deref(),
            Some("b5a1c7a2-3b4e-4f0a-9d2e-6f1c2a3b4c5d")
        );
        round_trips(&*data);

        let debug = format!("{data:?}");
        assert!(!debug.contains("eyJhbGciOiJub25lIn0"), "{debug}");
        assert!(!debug.contains("+14255550123"), "{debug}");
    }
}
