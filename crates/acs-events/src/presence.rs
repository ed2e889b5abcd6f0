//! Presence events: `UserDisconnected` (an ACS chat user lost their connection).
//!
//! # Example
//!
//! ```
//! use acs_events::{parse_delivery, AcsEvent, IdentifierKind};
//!
//! let body = br#"[{
//!     "id": "d8c3a1f0", "topic": "/subscriptions/s/resourceGroups/g/providers/Microsoft.Communication/communicationServices/acs",
//!     "subject": "user/8:acs:carol",
//!     "eventType": "Microsoft.Communication.UserDisconnected",
//!     "eventTime": "2026-01-05T12:00:00Z", "dataVersion": "1.0",
//!     "data": {"userCommunicationIdentifier": {"rawId": "8:acs:carol", "communicationUser": {"id": "8:acs:carol"}}}
//! }]"#;
//! let event = parse_delivery(body)?.remove(0)?;
//! let AcsEvent::UserDisconnected(gone) = event.data? else { panic!("not UserDisconnected") };
//! let user = &gone.user_communication_identifier;
//! // `kind` is absent on the wire; it is derived from the sub-object that is set.
//! assert_eq!(user.resolved_kind(), IdentifierKind::CommunicationUser);
//! assert_eq!(user.raw_id().as_deref(), Some("8:acs:carol"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::identifier::CommunicationIdentifier;

/// `Microsoft.Communication.UserDisconnected`: a user's chat connection dropped (docs say it is
/// raised for chat users only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDisconnectedEventData {
    /// The user who disconnected (also in the subject, `user/{rawId}`).
    pub user_communication_identifier: CommunicationIdentifier,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_delivery, AcsEvent, IdentifierKind};

    #[test]
    fn user_disconnected_sample() {
        let mut delivery = parse_delivery(include_bytes!(
            "../samples/docs-presence__UserDisconnected.json"
        ))
        .expect("a delivery");
        assert_eq!(delivery.len(), 1);
        let event = delivery.remove(0).expect("an event");
        assert_eq!(
            event.envelope.time.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-08-10T20:25:38Z")
        );
        let Ok(AcsEvent::UserDisconnected(data)) = event.data else {
            panic!("not UserDisconnected: {:?}", event.data)
        };
        let user = &data.user_communication_identifier;
        let raw = "8:acs:3d703c91-9657-4b3f-b19c-ef9d53f99710_0000000b-d198-0d50-84f5-084822008d40";
        assert_eq!(user.raw_id().as_deref(), Some(raw));
        assert_eq!(
            user.communication_user.as_ref().map(|u| u.id.as_str()),
            Some(raw)
        );
        assert_eq!(user.kind, None);
        assert_eq!(user.resolved_kind(), IdentifierKind::CommunicationUser);

        let value = serde_json::to_value(&*data).expect("serializes");
        assert_eq!(value["userCommunicationIdentifier"]["rawId"], raw);
        let again: UserDisconnectedEventData = serde_json::from_value(value).expect("re-parses");
        assert_eq!(again, *data);
    }

    #[test]
    fn missing_identifier_is_a_data_error() {
        let body = r#"{"id":"e","eventType":"Microsoft.Communication.UserDisconnected","data":{}}"#;
        let delivery = parse_delivery(body.as_bytes()).expect("a delivery");
        let event = delivery[0].as_ref().expect("an event");
        let err = event.data.as_ref().expect_err("no identifier");
        assert_eq!(err.path, "data");
        assert!(
            err.message.contains("userCommunicationIdentifier"),
            "{}",
            err.message
        );
    }
}
