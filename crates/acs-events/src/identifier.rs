//! `CommunicationIdentifierModel`: who sent, received, created or joined something.
//!
//! The service sends a loose union: `rawId` is (almost) always there and is the stable key,
//! `kind` is often absent, and at most one of the typed sub-objects is set. We model it as
//! exactly that (all optional) and derive the kind and raw id, never as a strict tagged enum
//! that would reject real payloads.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::wire::{extensible_enum, Sensitive};

extensible_enum! {
    /// The identifier kinds ACS knows today.
    pub enum IdentifierKind {
        /// An ACS user created with the Identity API (`8:acs:…`).
        CommunicationUser => "communicationUser",
        /// A PSTN phone number.
        PhoneNumber => "phoneNumber",
        /// A Microsoft Teams user (Teams interop).
        MicrosoftTeamsUser => "microsoftTeamsUser",
        /// A Microsoft Teams app, e.g. a bot.
        MicrosoftTeamsApp => "microsoftTeamsApp",
        /// The service's own "unknown" kind (only `rawId` is meaningful), not a value it did not
        /// recognise, which is [`IdentifierKind::UnknownValue`].
        Unknown => "unknown",
    }
}

extensible_enum! {
    /// The Microsoft cloud a Teams identity lives in.
    pub enum CloudEnvironment {
        /// The commercial cloud.
        Public => "public",
        /// US Government DoD.
        Dod => "dod",
        /// US Government Community Cloud High.
        Gcch => "gcch",
    }
}

/// An identifier as ACS sends it (`rawId`, `kind` and the kind-specific sub-object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationIdentifier {
    /// The kind as sent; often absent, so prefer [`CommunicationIdentifier::resolved_kind`], which derives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentifierKind>,
    /// The stable, kind-prefixed key (`8:acs:…`, `4:+1555…`). Use it to compare identities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<Sensitive<String>>,
    /// Set for an ACS user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_user: Option<CommunicationUserIdentifier>,
    /// Set for a phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<PhoneNumberIdentifier>,
    /// Set for a Teams user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_user: Option<MicrosoftTeamsUserIdentifier>,
    /// Set for a Teams app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_teams_app: Option<MicrosoftTeamsAppIdentifier>,
}

/// An ACS user (`8:acs:…`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationUserIdentifier {
    /// The user id issued by the ACS Identity API.
    pub id: Sensitive<String>,
}

/// A phone number (E.164).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberIdentifier {
    /// The number, e.g. `+15555550123`.
    pub value: Sensitive<String>,
}

/// A Microsoft Teams user.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsUserIdentifier {
    /// The Entra ID object id of the user.
    pub user_id: Sensitive<String>,
    /// True for an anonymous Teams meeting guest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    /// The cloud the user lives in (absent means public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudEnvironment>,
}

/// A Microsoft Teams app (bot).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftTeamsAppIdentifier {
    /// The app's Entra ID application id (not personal data, hence not [`Sensitive`]).
    pub app_id: String,
    /// The cloud the app lives in (absent means public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudEnvironment>,
}

impl CommunicationIdentifier {
    /// An identifier that only has a raw id (2020-era events send plain strings).
    pub fn from_raw_id(raw_id: impl Into<String>) -> Self {
        CommunicationIdentifier {
            raw_id: Some(Sensitive(raw_id.into())),
            ..Default::default()
        }
    }

    /// True when no field at all is set (e.g. a flattened participant without identifier keys).
    pub fn is_empty(&self) -> bool {
        self == &CommunicationIdentifier::default()
    }

    /// The stable key of this identity: `rawId` when sent, else derived from the sub-object the
    /// way the ACS SDKs do (`4:+1…`, `8:orgid:…`, `28:orgid:…`).
    pub fn raw_id(&self) -> Option<Cow<'_, str>> {
        if let Some(raw) = self.raw_id.as_ref().filter(|r| !r.is_empty()) {
            return Some(Cow::Borrowed(raw.as_str()));
        }
        if let Some(user) = &self.communication_user {
            return Some(Cow::Borrowed(user.id.as_str()));
        }
        if let Some(phone) = &self.phone_number {
            return Some(Cow::Owned(format!("4:{}", phone.value.as_str())));
        }
        if let Some(teams) = &self.microsoft_teams_user {
            let prefix = if teams.is_anonymous == Some(true) {
                "8:teamsvisitor:"
            } else {
                match teams.cloud {
                    Some(CloudEnvironment::Dod) => "8:dod:",
                    Some(CloudEnvironment::Gcch) => "8:gcch:",
                    _ => "8:orgid:",
                }
            };
            return Some(Cow::Owned(format!("{prefix}{}", teams.user_id.as_str())));
        }
        if let Some(app) = &self.microsoft_teams_app {
            let prefix = match app.cloud {
                Some(CloudEnvironment::Dod) => "28:dod:",
                Some(CloudEnvironment::Gcch) => "28:gcch:",
                _ => "28:orgid:",
            };
            return Some(Cow::Owned(format!("{prefix}{}", app.app_id)));
        }
        None
    }

    /// The kind: as sent, else from the sub-object, else from the raw id prefix.
    pub fn resolved_kind(&self) -> IdentifierKind {
        if let Some(kind) = &self.kind {
            return kind.clone();
        }
        if self.communication_user.is_some() {
            return IdentifierKind::CommunicationUser;
        }
        if self.phone_number.is_some() {
            return IdentifierKind::PhoneNumber;
        }
        if self.microsoft_teams_user.is_some() {
            return IdentifierKind::MicrosoftTeamsUser;
        }
        if self.microsoft_teams_app.is_some() {
            return IdentifierKind::MicrosoftTeamsApp;
        }
        match self.raw_id.as_deref().map(String::as_str) {
            Some(raw) if raw.starts_with("8:acs:") || raw.starts_with("8:spool:") => {
                IdentifierKind::CommunicationUser
            }
            Some(raw) if raw.starts_with("4:") => IdentifierKind::PhoneNumber,
            Some(raw)
                if ["8:orgid:", "8:dod:", "8:gcch:", "8:teamsvisitor:"]
                    .iter()
                    .any(|p| raw.starts_with(p)) =>
            {
                IdentifierKind::MicrosoftTeamsUser
            }
            Some(raw) if raw.starts_with("28:") => IdentifierKind::MicrosoftTeamsApp,
            _ => IdentifierKind::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_sample_without_kind() {
        let id: CommunicationIdentifier = serde_json::from_str(
            r#"{"rawId":"8:acs:109f0644_00000008","communicationUser":{"id":"8:acs:109f0644_00000008"}}"#,
        )
        .unwrap();
        assert_eq!(id.raw_id().as_deref(), Some("8:acs:109f0644_00000008"));
        assert_eq!(id.resolved_kind(), IdentifierKind::CommunicationUser);
    }

    #[test]
    fn derives_raw_id_from_sub_objects() {
        let phone: CommunicationIdentifier = serde_json::from_str(
            r#"{"kind":"phoneNumber","phoneNumber":{"value":"+14255550123"}}"#,
        )
        .unwrap();
        assert_eq!(phone.raw_id().as_deref(), Some("4:+14255550123"));
        assert_eq!(phone.resolved_kind(), IdentifierKind::PhoneNumber);

        let teams: CommunicationIdentifier = serde_json::from_str(
            r#"{"microsoftTeamsUser":{"userId":"abc","isAnonymous":false,"cloud":"GCCH"}}"#,
        )
        .unwrap();
        assert_eq!(teams.raw_id().as_deref(), Some("8:gcch:abc"));
        assert_eq!(teams.resolved_kind(), IdentifierKind::MicrosoftTeamsUser);
    }

    #[test]
    fn kind_from_raw_id_prefix_and_unknown_kinds() {
        assert_eq!(
            CommunicationIdentifier::from_raw_id("4:+1425").resolved_kind(),
            IdentifierKind::PhoneNumber
        );
        assert_eq!(
            CommunicationIdentifier::from_raw_id("28:orgid:x").resolved_kind(),
            IdentifierKind::MicrosoftTeamsApp
        );
        let id: CommunicationIdentifier =
            serde_json::from_str(r#"{"kind":"somethingNew","rawId":"99:x"}"#).unwrap();
        assert_eq!(
            id.resolved_kind(),
            IdentifierKind::UnknownValue("somethingNew".into())
        );
        assert!(CommunicationIdentifier::default().raw_id().is_none());
    }
}
