//! Tests of the [`super`] module: every sample of the family and the shapes the docs disagree on.

use serde_json::Value;

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::*;
use crate::{parse_delivery, AcsEvent};

/// Typed data of the only event in a delivery body.
fn data_of(body: &[u8]) -> AcsEvent {
    let mut delivery = parse_delivery(body).expect("a delivery");
    assert_eq!(delivery.len(), 1, "one event per sample");
    let event = delivery.remove(0).expect("a valid event");
    match event.data {
        Ok(data) => data,
        Err(err) => panic!("data does not fit: {err}"),
    }
}

/// Parses `samples/<file>` through the real entry point and unwraps the expected variant.
macro_rules! sample {
    ($file:literal, $variant:ident) => {
        match data_of(include_bytes!(concat!("../../samples/", $file))) {
            AcsEvent::$variant(data) => *data,
            other => panic!(
                "{}: expected {}, got {}",
                $file,
                stringify!($variant),
                other.kind()
            ),
        }
    };
}

/// Re-serializing and re-parsing gives the same struct.
fn assert_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &T) {
    let value = serde_json::to_value(data).expect("serializes");
    let back: T = serde_json::from_value(value).expect("re-parses");
    assert_eq!(&back, data);
}

fn ts(t: &Timestamp) -> String {
    t.to_rfc3339()
}

fn raw(id: Option<Cow<'_, str>>) -> Option<String> {
    id.map(Cow::into_owned)
}

const ACS_109: &str = "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-";

#[test]
fn chat_message_received_2021() {
    let d = sample!("docs-chat__ChatMessageReceived.json", ChatMessageReceived);
    assert_eq!(d.thread_id, "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2");
    assert_eq!(d.message_id, "1613694358927");
    assert_eq!(
        d.message_body.as_str(),
        "Welcome to Azure Communication Services"
    );
    assert_eq!(d.version, Int64(1613694358927));
    assert_eq!(ts(&d.compose_time), "2021-02-19T00:25:58.927Z");
    assert_eq!(d.message_type, ChatMessageType::Text);
    assert_eq!(
        d.sender_display_name.as_deref().map(String::as_str),
        Some("Bob(Admin)")
    );
    let sender = format!("{ACS_109}578d-7caf-07fd-084822001724");
    assert_eq!(raw(d.sender_raw_id()), Some(sender.clone()));
    assert_eq!(d.sender_id.as_deref(), Some(&sender));
    assert_eq!(
        raw(d.recipient_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7d05-83fe-084822000f6d"))
    );
    let metadata = d.metadata.as_ref().expect("metadata");
    assert_eq!(metadata.get("key").and_then(Value::as_str), Some("value"));
    assert_eq!(
        d.transaction_id.as_deref(),
        Some("oh+LGB2dUUadMcTAdRWQxQ.1.1.1.1.1827536918.1.7")
    );
    assert_eq!(d.sequence_id, None);
    assert_round_trip(&d);
}

#[test]
fn chat_message_received_cloud_event_matches_event_grid() {
    let ce = sample!("spec-ce__ChatMessageReceived.json", ChatMessageReceived);
    let eg = sample!("docs-chat__ChatMessageReceived.json", ChatMessageReceived);
    assert_eq!(
        ce.sender_display_name.as_deref().map(String::as_str),
        Some("Jhon")
    );
    assert_eq!(ce.message_id, eg.message_id);
    assert_eq!(ce.compose_time, eg.compose_time);
    assert_eq!(ce.sender_raw_id(), eg.sender_raw_id());
    assert_eq!(ce.message_body, eg.message_body);
    assert_round_trip(&ce);
}

#[test]
fn chat_message_received_2020_has_only_plain_string_ids() {
    let d = sample!("docs2020__ChatMessageReceived.json", ChatMessageReceived);
    assert!(d.sender_communication_identifier.is_none());
    assert!(d.recipient_communication_identifier.is_none());
    assert_eq!(
        raw(d.sender_raw_id()).as_deref(),
        Some("8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e0d-e5aa-0e04-343a0d00037c")
    );
    assert_eq!(
        raw(d.recipient_raw_id()).as_deref(),
        Some("8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e1a-3090-6a0b-343a0d000409")
    );
    assert_eq!(d.version, Int64(1600389507167));
    assert_eq!(ts(&d.compose_time), "2020-09-18T00:38:27.167Z");
    assert_eq!(
        d.message_body.as_str(),
        "Welcome to Azure Communication Services"
    );
    assert_eq!(d.metadata, None);
    assert_round_trip(&d);
}

#[test]
fn chat_message_edited() {
    let d = sample!("docs-chat__ChatMessageEdited.json", ChatMessageEdited);
    assert_eq!(d.message_id, "1613694357917");
    assert_eq!(ts(&d.edit_time), "2021-02-19T00:28:20.784Z");
    assert_eq!(ts(&d.compose_time), "2021-02-19T00:25:57.917Z");
    assert_eq!(d.version.0, d.edit_time.unix_millis());
    assert_eq!(
        d.message_body.as_deref().map(String::as_str),
        Some("Let's Chat about new communication services.")
    );
    assert_eq!(
        raw(d.sender_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7caf-07fd-084822001724"))
    );
    assert_eq!(
        raw(d.recipient_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7d60-83fe-084822000f6f"))
    );
    assert_round_trip(&d);

    let old = sample!("docs2020__ChatMessageEdited.json", ChatMessageEdited);
    assert_eq!(old.message_id, "1600390097873");
    assert_eq!(old.version, Int64(1600390127361));
    assert_eq!(ts(&old.edit_time), "2020-09-18T00:48:47.361Z");
    assert_eq!(
        raw(old.sender_raw_id()).as_deref(),
        Some("8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d0003fe")
    );
    assert_round_trip(&old);
}

#[test]
fn chat_message_deleted() {
    let d = sample!("docs-chat__ChatMessageDeleted.json", ChatMessageDeleted);
    assert_eq!(d.message_id, "1613695388152");
    assert_eq!(ts(&d.delete_time), "2021-02-19T00:43:10.14Z");
    assert_eq!(d.version, Int64(1613695390361));
    assert_eq!(
        raw(d.sender_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7d07-83fe-084822000f6e"))
    );
    assert_eq!(d.thread_id, "19:48899258eec941e7a281e03edc8f4964@thread.v2");
    assert_round_trip(&d);

    let old = sample!("docs2020__ChatMessageDeleted.json", ChatMessageDeleted);
    assert_eq!(ts(&old.delete_time), "2020-09-18T00:48:47.361Z");
    assert_eq!(old.version, Int64(1600390152154));
    assert_eq!(
        raw(old.recipient_raw_id()).as_deref(),
        Some("8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d0003f0")
    );
    assert_round_trip(&old);
}

#[test]
fn chat_message_received_in_thread_has_a_string_version() {
    let d = sample!(
        "docs-chat__ChatMessageReceivedInThread.json",
        ChatMessageReceivedInThread
    );
    assert_eq!(d.version, Int64(1613783230064));
    assert_eq!(d.message_id, "1613783230064");
    assert_eq!(ts(&d.compose_time), "2021-02-20T01:07:10.064Z");
    assert_eq!(
        d.message_body.as_str(),
        "Talk about new Thread Events in communication services"
    );
    assert_eq!(
        d.sender_display_name.as_deref().map(String::as_str),
        Some("Bob")
    );
    assert_eq!(
        raw(d.sender_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cdb-4916-07fd-084822002624"))
    );
    assert_eq!(d.thread_id, "19:5b3809e80e4a439d92c3316e273f4a2b@thread.v2");
    assert_round_trip(&d);
}

#[test]
fn chat_message_edited_and_deleted_in_thread() {
    let e = sample!(
        "docs-chat__ChatMessageEditedInThread.json",
        ChatMessageEditedInThread
    );
    assert_eq!(e.version, Int64(1613782750464));
    assert_eq!(ts(&e.edit_time), "2021-02-20T00:59:10.464Z");
    assert_eq!(ts(&e.compose_time), "2021-02-20T00:58:05.964Z");
    assert_eq!(
        e.message_body.as_deref().map(String::as_str),
        Some("8effb181-1eb2-4a58-9d03-ed48a461b19b")
    );
    assert_eq!(
        raw(e.sender_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38a0-88f7-084822002453"))
    );
    assert_round_trip(&e);

    let d = sample!(
        "docs-chat__ChatMessageDeletedInThread.json",
        ChatMessageDeletedInThread
    );
    assert_eq!(d.version, Int64(1613782814333));
    assert_eq!(d.message_id, "1613782685440");
    assert_eq!(ts(&d.delete_time), "2021-02-20T00:59:10.464Z");
    assert_eq!(ts(&d.compose_time), "2021-02-20T00:58:05.44Z");
    assert_eq!(
        d.sender_display_name.as_deref().map(String::as_str),
        Some("Scott")
    );
    assert_round_trip(&d);
}

#[test]
fn chat_thread_created_with_user_2021_has_participants_and_members() {
    let d = sample!(
        "docs-chat__ChatThreadCreatedWithUser.json",
        ChatThreadCreatedWithUser
    );
    let acs = "8:acs:3d703c91-9657-4b3f-b19c-ef9d53f99710_00000008-";
    assert_eq!(d.topic(), Some("Chat about new communication services"));
    assert_eq!(ts(&d.create_time), "2021-02-18T23:47:26.91Z");
    assert_eq!(d.version, Some(Int64(1613692046910)));
    assert_eq!(
        raw(d.created_by_raw_id()).as_deref(),
        Some(&*format!("{acs}576c-286d-e1fe-0848220013b9"))
    );
    assert_eq!(
        d.created_by.as_deref(),
        Some(&format!("{acs}576c-286d-e1fe-0848220013b9"))
    );
    assert_eq!(
        raw(d.recipient_raw_id()).as_deref(),
        Some(&*format!("{acs}576c-286e-84f5-08482200181c"))
    );
    assert_eq!(d.participants.len(), 2);
    assert_eq!(
        d.participants[1]
            .display_name
            .as_deref()
            .map(String::as_str),
        Some("John")
    );
    assert_eq!(
        raw(d.participants[1].raw_id()).as_deref(),
        Some(&*format!("{acs}576c-289b-07fd-0848220015ea"))
    );
    assert_eq!(d.members.len(), 2);
    assert_eq!(
        raw(d.members[1].raw_id()).as_deref(),
        Some(&*format!("{acs}576c-289b-07fd-0848220015ea"))
    );
    let from_participants = d.participant_raw_ids();
    let from_members: Vec<_> = d.members.iter().filter_map(ChatMember::raw_id).collect();
    assert_eq!(from_participants, from_members);
    assert_round_trip(&d);
}

#[test]
fn chat_thread_created_with_user_2020_has_only_members() {
    let d = sample!(
        "docs2020__ChatThreadCreatedWithUser.json",
        ChatThreadCreatedWithUser
    );
    let acs = "8:acs:73551687-f8c8-48a7-bf06-d8263f15b02a_";
    assert_eq!(d.topic(), Some("Chat about new commuication services"));
    assert!(d.created_by_communication_identifier.is_none());
    assert_eq!(
        raw(d.created_by_raw_id()).as_deref(),
        Some(&*format!("{acs}06014f-6001fc107f"))
    );
    assert!(d.participants.is_empty());
    assert_eq!(
        d.members[0].display_name.as_deref().map(String::as_str),
        Some("Bob")
    );
    assert_eq!(
        d.participant_raw_ids(),
        vec![
            format!("{acs}00000005-3e5f-1bc6-f40f-343a0d0003f0"),
            format!("{acs}00000005-3e5f-1bc6-f40f-343a0d0003f1")
        ]
    );
    assert_eq!(ts(&d.create_time), "2020-09-17T22:06:09.988Z");
    assert_eq!(d.version, Some(Int64(1600380369988)));
    assert_eq!(
        raw(d.recipient_raw_id()).as_deref(),
        Some(&*format!("{acs}00000005-3e5f-1bc6-f40f-343a0d0003f0"))
    );
    assert_round_trip(&d);
}

#[test]
fn chat_thread_created() {
    let d = sample!("docs-chat__ChatThreadCreated.json", ChatThreadCreated);
    assert_eq!(
        d.topic(),
        Some("Talk about new Thread Events in communication services")
    );
    assert_eq!(ts(&d.create_time), "2021-02-20T00:31:54.365Z");
    assert_eq!(d.version, Some(Int64(1613781114365)));
    assert_eq!(
        raw(d.created_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38a0-88f7-084822002453"))
    );
    let names: Vec<_> = d
        .participants
        .iter()
        .filter_map(|p| p.display_name.as_deref().map(String::as_str))
        .collect();
    assert_eq!(names, ["Bob", "Scott", "Shawn", "Anthony"]);
    assert_eq!(
        d.participant_raw_ids()[3],
        format!("{ACS_109}5cbb-38e3-e1fe-084822002c35")
    );
    assert!(d.members.is_empty() && d.retention_policy.is_none());
    assert_round_trip(&d);
}

#[test]
fn chat_thread_deleted() {
    let u = sample!(
        "docs-chat__ChatThreadWithUserDeleted.json",
        ChatThreadWithUserDeleted
    );
    let acs = "8:acs:3d703c91-9657-4b3f-b19c-ef9d53f99710_00000008-";
    assert_eq!(
        raw(u.deleted_by_raw_id()).as_deref(),
        Some(&*format!("{acs}5772-6473-83fe-084822000e21"))
    );
    assert_eq!(ts(&u.delete_time), "2021-02-18T23:57:51.5987591Z");
    assert_eq!(ts(&u.create_time), "2021-02-18T23:54:15.683Z");
    assert_eq!(u.version, Some(Int64(1613692578672)));
    assert_eq!(
        raw(u.recipient_raw_id()).as_deref(),
        Some(&*format!("{acs}5772-647b-e1fe-084822001416"))
    );
    assert_round_trip(&u);

    let old = sample!(
        "docs2020__ChatThreadWithUserDeleted.json",
        ChatThreadWithUserDeleted
    );
    assert!(old.deleted_by_communication_identifier.is_none());
    assert_eq!(
        raw(old.deleted_by_raw_id()).as_deref(),
        Some("8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d0003fe")
    );
    assert_eq!(ts(&old.delete_time), "2020-09-18T00:49:26.3694459Z");
    assert_round_trip(&old);

    let t = sample!("docs-chat__ChatThreadDeleted.json", ChatThreadDeleted);
    assert_eq!(
        raw(t.deleted_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5c9e-a300-07fd-084822002266"))
    );
    assert_eq!(ts(&t.delete_time), "2021-02-20T00:00:42.109802Z");
    assert_eq!(ts(&t.create_time), "2021-02-20T00:00:39.947Z");
    assert_eq!(t.version, Some(Int64(1613779241389)));
    assert_eq!(t.reason, None);
    assert_round_trip(&t);
}

#[test]
fn chat_thread_properties_updated() {
    let u = sample!(
        "docs-chat__ChatThreadPropertiesUpdatedPerUser.json",
        ChatThreadPropertiesUpdatedPerUser
    );
    assert_eq!(u.topic(), Some("Communication in Azure"));
    assert_eq!(
        raw(u.edited_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7d07-83fe-084822000f6e"))
    );
    assert_eq!(ts(&u.edit_time), "2021-02-19T00:28:28.7390282Z");
    assert_eq!(u.version, Some(Int64(1613694508719)));
    assert_eq!(
        raw(u.recipient_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7caf-07fd-084822001724"))
    );
    assert_round_trip(&u);

    let old = sample!(
        "docs2020__ChatThreadPropertiesUpdatedPerUser.json",
        ChatThreadPropertiesUpdatedPerUser
    );
    assert_eq!(old.topic(), Some("Communication in Azure"));
    assert_eq!(
        raw(old.edited_by_raw_id()).as_deref(),
        Some("8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e88-2b7f-ac00-343a0d0005a8")
    );
    assert_eq!(ts(&old.edit_time), "2020-09-18T00:40:38.4914428Z");
    assert_eq!(old.version, Some(Int64(1600389638481)));
    assert_round_trip(&old);

    let t = sample!(
        "docs-chat__ChatThreadPropertiesUpdated.json",
        ChatThreadPropertiesUpdated
    );
    assert_eq!(
        t.topic(),
        Some("Talk about new Thread Events in communication services")
    );
    assert_eq!(
        raw(t.edited_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5c9e-9e35-07fd-084822002264"))
    );
    assert_eq!(ts(&t.edit_time), "2021-02-20T00:04:07.7152073Z");
    assert_eq!(ts(&t.create_time), "2021-02-20T00:00:40.126Z");
    assert_round_trip(&t);
}

#[test]
fn chat_participant_added_and_removed_with_user() {
    let acs = "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-";
    let a = sample!(
        "docs-chat__ChatParticipantAddedToThreadWithUser.json",
        ChatParticipantAddedToThreadWithUser
    );
    assert_eq!(ts(&a.time), "2021-02-25T06:37:29.9232485Z");
    assert_eq!(
        a.create_time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2021-02-25T06:37:17.371Z")
    );
    assert_eq!(a.version, Some(Int64(1614235049907)));
    assert_eq!(
        raw(a.added_by_raw_id()).as_deref(),
        Some(&*format!("{acs}77c9-8767-1655-373a0d00885d"))
    );
    let added = a.participant_added.as_ref().expect("participantAdded");
    assert_eq!(
        added.display_name.as_deref().map(String::as_str),
        Some("John Smith")
    );
    assert_eq!(
        raw(added.raw_id()).as_deref(),
        Some(&*format!("{acs}77c9-8785-1655-373a0d00885f"))
    );
    assert_eq!(
        raw(a.recipient_raw_id()).as_deref(),
        Some(&*format!("{acs}77c9-8781-1655-373a0d00885e"))
    );
    assert!(a.recipient_id.is_none());
    assert_round_trip(&a);

    let r = sample!(
        "docs-chat__ChatParticipantRemovedFromThreadWithUser.json",
        ChatParticipantRemovedFromThreadWithUser
    );
    assert_eq!(ts(&r.time), "2021-02-25T06:40:20.3564556Z");
    assert_eq!(r.version, Some(Int64(1614235220325)));
    assert_eq!(
        raw(r.removed_by_raw_id()).as_deref(),
        Some(&*format!("{acs}77c9-8767-1655-373a0d00885d"))
    );
    let removed = r.participant_removed.as_ref().expect("participantRemoved");
    assert_eq!(
        removed.display_name.as_deref().map(String::as_str),
        Some("Bob")
    );
    assert_eq!(
        raw(removed.raw_id()).as_deref(),
        Some(&*format!("{acs}77c9-8785-1655-373a0d00885f"))
    );
    assert_round_trip(&r);
}

#[test]
fn chat_thread_participant_added_and_removed() {
    let a = sample!(
        "docs-chat__ChatThreadParticipantAdded.json",
        ChatThreadParticipantAdded
    );
    assert_eq!(ts(&a.time), "2021-02-20T00:54:42.8622646Z");
    assert_eq!(a.version, Some(Int64(1613782482822)));
    assert_eq!(
        raw(a.added_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38a0-88f7-084822002453"))
    );
    let added = a.participant_added.as_ref().expect("participantAdded");
    assert_eq!(
        raw(added.raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38f3-88f7-084822002454"))
    );
    assert_eq!(
        a.create_time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2021-02-20T00:31:54.365Z")
    );
    assert_round_trip(&a);

    let r = sample!(
        "docs-chat__ChatThreadParticipantRemoved.json",
        ChatThreadParticipantRemoved
    );
    assert_eq!(ts(&r.time), "2021-02-20T00:56:18.1118825Z");
    assert_eq!(r.version, Some(Int64(1613782578096)));
    assert_eq!(
        raw(r.removed_by_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38a0-88f7-084822002453"))
    );
    let removed = r.participant_removed.as_ref().expect("participantRemoved");
    assert_eq!(
        removed.display_name.as_deref().map(String::as_str),
        Some("Shawn")
    );
    assert_eq!(
        raw(removed.raw_id()).as_deref(),
        Some(&*format!("{ACS_109}5cbb-38e6-07fd-084822002467"))
    );
    assert_round_trip(&r);
}

#[test]
fn chat_member_added_and_removed_2020() {
    let acs = "8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d000";
    let a = sample!(
        "docs2020__ChatMemberAddedToThreadWithUser.json",
        ChatMemberAddedToThreadWithUser
    );
    assert_eq!(
        a.time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2020-09-18T00:47:13.1867087Z")
    );
    assert_eq!(
        raw(a.added_by_raw_id()).as_deref(),
        Some(&*format!("{acs}3f1"))
    );
    let member = a.member_added.as_ref().expect("memberAdded");
    assert_eq!(
        member.display_name.as_deref().map(String::as_str),
        Some("John Smith")
    );
    assert_eq!(raw(member.raw_id()).as_deref(), Some(&*format!("{acs}3fe")));
    assert_eq!(
        raw(a.recipient_raw_id()).as_deref(),
        Some(&*format!("{acs}3f0"))
    );
    assert_eq!(a.version, Some(Int64(1600390033176)));
    assert_eq!(a.thread_id, "19:6d20c2f921cd402ead7d1b31b0d030cd@thread.v2");
    assert_round_trip(&a);

    let r = sample!(
        "docs2020__ChatMemberRemovedFromThreadWithUser.json",
        ChatMemberRemovedFromThreadWithUser
    );
    assert_eq!(
        r.time.map(|t| t.to_rfc3339()).as_deref(),
        Some("2020-09-18T00:47:51.1461742Z")
    );
    assert_eq!(
        raw(r.removed_by_raw_id()).as_deref(),
        Some(&*format!("{acs}3f1"))
    );
    let member = r.member_removed.as_ref().expect("memberRemoved");
    assert_eq!(
        member.display_name.as_deref().map(String::as_str),
        Some("John")
    );
    assert_eq!(raw(member.raw_id()).as_deref(), Some(&*format!("{acs}3fe")));
    assert_eq!(r.version, Some(Int64(1600390071131)));
    assert_round_trip(&r);
}

/// REST spec example `cloud-events-schema/chat_typing_indicator_received_in_thread.json`.
const TYPING_CE: &str = r#"{
  "source": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
  "subject": "thread/{thread-id}/sender/{rawId}/recipient/{rawId}",
  "type": "Microsoft.Communication.ChatTypingIndicatorReceivedInThread",
  "time": "2021-02-19T00:25:59.9436666Z",
  "id": "02272459-badb-4e2e-b538-4cb8a2f71da6",
  "data": {
    "senderCommunicationIdentifier": {
      "rawId": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724",
      "communicationUser": { "id": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724" }
    },
    "senderDisplayName": "Jhon",
    "transactionId": "oh+LGB2dUUadMcTAdRWQxQ.1.1.1.1.1827536918.1.7",
    "threadId": "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2"
  },
  "specversion": "1.0"
}"#;

/// REST spec example `cloud-events-schema/chat_azure_bot_command_received_in_thread.json`.
const BOT_COMMAND_CE: &str = r#"{
  "source": "/subscriptions/{subscription-id}/resourceGroups/{group-name}/providers/Microsoft.Communication/communicationServices/{communication-services-resource-name}",
  "subject": "thread/{thread-id}/sender/{rawId}/recipient/{rawId}",
  "type": "Microsoft.Communication.ChatAzureBotCommandReceivedInThread",
  "time": "2021-02-19T00:25:59.9436666Z",
  "id": "02272459-badb-4e2e-b538-4cb8a2f71da6",
  "data": {
    "messageBody": "Welcome to Azure Communication Services",
    "messageId": "1613694358927",
    "senderCommunicationIdentifier": {
      "rawId": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724",
      "communicationUser": { "id": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724" }
    },
    "senderDisplayName": "John",
    "composeTime": "2021-02-19T00:25:58.927Z",
    "type": "Text",
    "version": 1613694358927,
    "transactionId": "oh+LGB2dUUadMcTAdRWQxQ.1.1.1.1.1827536918.1.7",
    "threadId": "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2"
  },
  "specversion": "1.0"
}"#;

#[test]
fn typing_indicator_with_only_sender_and_thread() {
    let AcsEvent::ChatTypingIndicatorReceivedInThread(d) = data_of(TYPING_CE.as_bytes()) else {
        panic!("wrong variant");
    };
    assert_eq!(d.thread_id, "19:6e5d6ca1d75044a49a36a7965ec4a906@thread.v2");
    assert_eq!(
        d.sender_display_name.as_deref().map(String::as_str),
        Some("Jhon")
    );
    assert_eq!(
        raw(d.sender_raw_id()).as_deref(),
        Some(&*format!("{ACS_109}578d-7caf-07fd-084822001724"))
    );
    assert!(d.message_id.is_none() && d.version.is_none() && d.message_body.is_none());
    assert_round_trip(&*d);
}

#[test]
fn azure_bot_command_in_thread_with_a_numeric_version() {
    let AcsEvent::ChatAzureBotCommandReceivedInThread(d) = data_of(BOT_COMMAND_CE.as_bytes())
    else {
        panic!("wrong variant");
    };
    assert_eq!(d.version, Int64(1613694358927));
    assert_eq!(
        d.message_body.as_str(),
        "Welcome to Azure Communication Services"
    );
    assert_eq!(ts(&d.compose_time), "2021-02-19T00:25:58.927Z");
    assert_eq!(
        d.sender_display_name.as_deref().map(String::as_str),
        Some("John")
    );
    assert_round_trip(&*d);
}

/// `(file, bytes, variant)` for each `samples/<file>`, read at compile time.
macro_rules! sample_table {
    ($($file:literal => $kind:literal),+ $(,)?) => {
        &[$(($file, include_bytes!(concat!("../../samples/", $file)), $kind)),+]
    };
}

/// Every chat sample, with the variant it must parse into.
const SAMPLES: &[(&str, &[u8], &str)] = sample_table! {
    "docs-chat__ChatMessageDeleted.json"                       => "ChatMessageDeleted",
    "docs-chat__ChatMessageDeletedInThread.json"               => "ChatMessageDeletedInThread",
    "docs-chat__ChatMessageEdited.json"                        => "ChatMessageEdited",
    "docs-chat__ChatMessageEditedInThread.json"                => "ChatMessageEditedInThread",
    "docs-chat__ChatMessageReceived.json"                      => "ChatMessageReceived",
    "docs-chat__ChatMessageReceivedInThread.json"              => "ChatMessageReceivedInThread",
    "docs-chat__ChatParticipantAddedToThreadWithUser.json"     => "ChatParticipantAddedToThreadWithUser",
    "docs-chat__ChatParticipantRemovedFromThreadWithUser.json" => "ChatParticipantRemovedFromThreadWithUser",
    "docs-chat__ChatThreadCreated.json"                        => "ChatThreadCreated",
    "docs-chat__ChatThreadCreatedWithUser.json"                => "ChatThreadCreatedWithUser",
    "docs-chat__ChatThreadDeleted.json"                        => "ChatThreadDeleted",
    "docs-chat__ChatThreadParticipantAdded.json"               => "ChatThreadParticipantAdded",
    "docs-chat__ChatThreadParticipantRemoved.json"             => "ChatThreadParticipantRemoved",
    "docs-chat__ChatThreadPropertiesUpdated.json"              => "ChatThreadPropertiesUpdated",
    "docs-chat__ChatThreadPropertiesUpdatedPerUser.json"       => "ChatThreadPropertiesUpdatedPerUser",
    "docs-chat__ChatThreadWithUserDeleted.json"                => "ChatThreadWithUserDeleted",
    "docs2020__ChatMemberAddedToThreadWithUser.json"           => "ChatMemberAddedToThreadWithUser",
    "docs2020__ChatMemberRemovedFromThreadWithUser.json"       => "ChatMemberRemovedFromThreadWithUser",
    "docs2020__ChatMessageDeleted.json"                        => "ChatMessageDeleted",
    "docs2020__ChatMessageEdited.json"                         => "ChatMessageEdited",
    "docs2020__ChatMessageReceived.json"                       => "ChatMessageReceived",
    "docs2020__ChatThreadCreatedWithUser.json"                 => "ChatThreadCreatedWithUser",
    "docs2020__ChatThreadPropertiesUpdatedPerUser.json"        => "ChatThreadPropertiesUpdatedPerUser",
    "docs2020__ChatThreadWithUserDeleted.json"                 => "ChatThreadWithUserDeleted",
    "spec-ce__ChatMessageReceived.json"                        => "ChatMessageReceived",
};

/// Object keys present in `input` but missing from `output`, as JSON paths.
fn missing_keys(input: &Value, output: &Value, path: &str, missing: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(i), Value::Object(o)) => {
            for (key, value) in i {
                let here = format!("{path}.{key}");
                match o.get(key) {
                    Some(out) => missing_keys(value, out, &here, missing),
                    None => missing.push(here),
                }
            }
        }
        (Value::Array(i), Value::Array(o)) => {
            for (n, value) in i.iter().enumerate() {
                match o.get(n) {
                    Some(out) => missing_keys(value, out, &format!("{path}[{n}]"), missing),
                    None => missing.push(format!("{path}[{n}]")),
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_chat_sample_parses_round_trips_and_keeps_every_field() {
    for (file, body, kind) in SAMPLES {
        let mut delivery = parse_delivery(body).unwrap_or_else(|e| panic!("{file}: {e}"));
        let event = delivery.remove(0).unwrap_or_else(|e| panic!("{file}: {e}"));
        let data = event
            .data
            .as_ref()
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(data.kind(), *kind, "{file}");

        // Typed → JSON → typed, through the catalog, gives the same value.
        let json = data.data_json().unwrap_or_else(|e| panic!("{file}: {e}"));
        let reraw =
            RawValue::from_string(json.to_string()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let again = AcsEvent::from_data(data.event_type(), Some(&reraw))
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(&again, data, "{file}");

        // Nothing the sample carries is dropped by the model.
        let original: Value =
            serde_json::from_str(event.raw.get()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut missing = Vec::new();
        missing_keys(&original["data"], &json, "data", &mut missing);
        assert!(missing.is_empty(), "{file}: not modelled: {missing:?}");
    }
}

#[test]
fn the_sample_table_lists_every_chat_sample() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples");
    let entries = std::fs::read_dir(dir).expect("samples dir");
    for entry in entries {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let chat = name.starts_with("docs-chat__")
            || name.starts_with("docs2020__Chat")
            || name.starts_with("spec-ce__Chat");
        if chat {
            assert!(
                SAMPLES.iter().any(|(file, _, _)| *file == name),
                "{name} has no test"
            );
        }
    }
}

const RECEIVED_IN_THREAD: &str = r#"{"messageBody":"hi","messageId":"1","type":"Text","version":"1613783230064","composeTime":"2021-02-20T01:07:10.064+00:00","threadId":"19:x@thread.v2"}"#;

#[test]
fn version_as_number_or_string_is_the_same_value() {
    let string: ChatMessageReceivedInThreadEventData =
        serde_json::from_str(RECEIVED_IN_THREAD).unwrap();
    let number: ChatMessageReceivedInThreadEventData =
        serde_json::from_str(&RECEIVED_IN_THREAD.replace(r#""1613783230064""#, "1613783230064"))
            .unwrap();
    assert_eq!(string.version, Int64(1613783230064));
    assert_eq!(string, number);
    assert_eq!(
        serde_json::to_value(&string).unwrap()["version"],
        serde_json::json!(1613783230064_i64)
    );

    let seq: ChatMessageReceivedInThreadEventData = serde_json::from_str(
        &RECEIVED_IN_THREAD.replace(r#""threadId""#, r#""sequenceId":"42","threadId""#),
    )
    .unwrap();
    assert_eq!(seq.sequence_id, Some(Int64(42)));
}

#[test]
fn unknown_message_types_are_kept() {
    let json = RECEIVED_IN_THREAD.replace(r#""type":"Text""#, r#""type":"Custom/Card""#);
    let d: ChatMessageReceivedInThreadEventData = serde_json::from_str(&json).unwrap();
    assert_eq!(
        d.message_type,
        ChatMessageType::UnknownValue("Custom/Card".into())
    );
    assert_eq!(serde_json::to_value(&d).unwrap()["type"], "Custom/Card");

    let html: ChatMessageReceivedInThreadEventData = serde_json::from_str(
        &RECEIVED_IN_THREAD.replace(r#""type":"Text""#, r#""type":"richtext/html""#),
    )
    .unwrap();
    assert_eq!(html.message_type, ChatMessageType::RichTextHtml);
    assert_eq!(html.message_type.as_str(), "RichText/Html");
}

#[test]
fn a_wrong_type_names_the_json_path() {
    let body = include_str!("../../samples/docs-chat__ChatMessageReceived.json").replace(
        r#""composeTime": "2021-02-19T00:25:58.927Z""#,
        r#""composeTime": 5"#,
    );
    assert!(body.contains(r#""composeTime": 5"#));
    let delivery = parse_delivery(body.as_bytes()).unwrap();
    let err = delivery[0].as_ref().unwrap().data.as_ref().unwrap_err();
    assert_eq!(err.path, "data.composeTime");
    assert_eq!(
        err.event_type,
        "Microsoft.Communication.ChatMessageReceived"
    );

    let missing = include_str!("../../samples/docs-chat__ChatThreadCreated.json")
        .replace(r#""createTime": "2021-02-20T00:31:54.365+00:00","#, "");
    let delivery = parse_delivery(missing.as_bytes()).unwrap();
    let err = delivery[0].as_ref().unwrap().data.as_ref().unwrap_err();
    assert_eq!(err.path, "data");
    assert!(err.message.contains("createTime"), "{}", err.message);
}

#[test]
fn message_text_never_reaches_debug_output() {
    let d = sample!("docs-chat__ChatMessageReceived.json", ChatMessageReceived);
    let debug = format!("{d:?}");
    assert!(!debug.contains("Welcome"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn newer_fields_retention_policy_reason_and_participant_metadata() {
    let created: ChatThreadCreatedEventData = serde_json::from_value(serde_json::json!({
        "threadId": "19:x@thread.v2",
        "createTime": "2026-01-02T03:04:05.1234567Z",
        "version": "1767323045123",
        "createdByCommunicationIdentifier": {"kind": "phoneNumber", "phoneNumber": {"value": "+14255550123"}},
        "properties": {"topic": 7, "other": {"nested": true}},
        "metadata": {"ticket": "T-1"},
        "participants": [{
            "participantCommunicationIdentifier": {"microsoftTeamsUser": {"userId": "abc"}},
            "metadata": {"role": "agent"}
        }],
        "retentionPolicy": {"kind": "ThreadCreationDate", "deleteThreadAfterDays": 90}
    }))
    .unwrap();
    assert_eq!(
        raw(created.created_by_raw_id()).as_deref(),
        Some("4:+14255550123")
    );
    assert_eq!(created.topic(), None, "a non-string topic is not a topic");
    assert_eq!(created.participant_raw_ids(), vec!["8:orgid:abc"]);
    assert_eq!(
        created.participants[0].metadata.as_ref().unwrap()["role"],
        "agent"
    );
    let policy = created.retention_policy.as_ref().unwrap();
    assert_eq!(
        policy.kind,
        Some(ChatRetentionPolicyKind::ThreadCreationDate)
    );
    assert_eq!(policy.delete_thread_after_days, Some(90));
    assert_round_trip(&created);

    let deleted: ChatThreadDeletedEventData = serde_json::from_value(serde_json::json!({
        "threadId": "19:x@thread.v2",
        "createTime": "2026-01-02T03:04:05Z",
        "deleteTime": "2026-04-02T03:04:05Z",
        "reason": "DeletedByPolicy",
        "deletedBy": ""
    }))
    .unwrap();
    assert_eq!(
        deleted.reason,
        Some(ChatThreadDeletedReason::DeletedByPolicy)
    );
    assert_eq!(
        deleted.deleted_by_raw_id(),
        None,
        "empty legacy ids are no ids"
    );
    assert_round_trip(&deleted);
}
