use super::*;

#[test]
fn current_message_samples_produce_the_expected_rows() {
    let sender = "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7caf-07fd-084822001724";
    let recipient =
        "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-578d-7d05-83fe-084822000f6d";
    let out = run(&sample("docs-chat__ChatMessageReceived.json"));
    assert_eq!(
        values(&out, "chatMessages"),
        [json!({
            "PartitionKey": THREAD,
            "RowKey": "1613694358927_00000001613694358927",
            "odata.etag": "*",
            "MessageId": "1613694358927",
            "Version": "1613694358927",
            "State": "received",
            "SenderId": sender,
            "SenderDisplayName": "Bob(Admin)",
            "Type": "Text",
            "Body": BODY,
            "Metadata": r#"{"description":"A map of data associated with the message","key":"value"}"#,
            "ComposeTime": "2021-02-19T00:25:58.927Z"
        })]
    );
    assert_eq!(
        values(&out, "chatNotifications"),
        [json!({
            "notificationId": format!("{THREAD}/1613694358927/{recipient}"),
            "threadId": THREAD,
            "messageId": "1613694358927",
            "recipientId": recipient,
            "senderId": sender,
            "senderDisplayName": "Bob(Admin)",
            "composeTime": "2021-02-19T00:25:58.927Z",
            "preview": BODY
        })]
    );
    // The CloudEvents spec sample is the same message (only the display name differs).
    let ce = run(&sample("spec-ce__ChatMessageReceived.json"));
    let mut expected = values(&out, "chatMessages");
    expected[0]["SenderDisplayName"] = json!("Jhon");
    assert_eq!(values(&ce, "chatMessages"), expected);
    assert_eq!(values(&ce, "chatNotifications").len(), 1);

    let edited = values(
        &run(&sample("docs-chat__ChatMessageEdited.json")),
        "chatMessages",
    );
    assert_eq!(edited[0]["RowKey"], "1613694357917_00000001613694500784");
    assert_eq!(edited[0]["State"], "edited");
    assert_eq!(
        edited[0]["Body"],
        "Let's Chat about new communication services."
    );
    assert_eq!(edited[0]["EditTime"], "2021-02-19T00:28:20.784Z");

    let out = run(&sample("docs-chat__ChatMessageDeletedInThread.json"));
    let deleted = values(&out, "chatMessages");
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        deleted[0]["PartitionKey"],
        "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2"
    );
    assert_eq!(deleted[0]["RowKey"], "1613782685440_00000001613782814333");
    assert_eq!(deleted[0]["State"], "deleted");
    assert_eq!(deleted[0]["DeleteTime"], "2021-02-20T00:59:10.464Z");
    assert_eq!(deleted[0]["ComposeTime"], "2021-02-20T00:58:05.44Z");
    assert!(deleted[0].get("Body").is_none() && deleted[0].get("Metadata").is_none());

    let in_thread = run(&sample("docs-chat__ChatMessageReceivedInThread.json"));
    assert_eq!(
        values(&in_thread, "chatMessages")[0]["Version"],
        "1613783230064"
    );
    assert!(values(&in_thread, "chatNotifications").is_empty());
}

#[test]
fn samples_from_2020_produce_the_expected_rows() {
    let out = run(&sample("docs2020__ChatMessageReceived.json"));
    let row = &values(&out, "chatMessages")[0];
    assert_eq!(
        row["PartitionKey"],
        "19:46df844a4c064bfaa2b3b30e385d1018@thread.v2"
    );
    assert_eq!(row["RowKey"], "1600389507167_00000001600389507167");
    assert_eq!(
        row["SenderId"],
        "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e0d-e5aa-0e04-343a0d00037c"
    );
    assert!(row.get("Metadata").is_none());
    let note = &values(&out, "chatNotifications")[0];
    assert_eq!(
        note["recipientId"],
        "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e1a-3090-6a0b-343a0d000409"
    );

    let deleted = values(
        &run(&sample("docs2020__ChatMessageDeleted.json")),
        "chatMessages",
    );
    assert_eq!(deleted[0]["RowKey"], "1600390099195_00000001600390152154");
    assert_eq!(deleted[0]["State"], "deleted");

    let p2020 = "8:acs:5354158b-17b7-489c-9380-95d8821ff76b_00000005-3e5f-1bc6-f40f-343a0d0003";
    let added = values(
        &run(&sample("docs2020__ChatMemberAddedToThreadWithUser.json")),
        "chatMembers",
    );
    assert_eq!(
        added,
        [json!({
            "PartitionKey": "19:6d20c2f921cd402ead7d1b31b0d030cd@thread.v2",
            "RowKey": format!("{p2020}fe_00000001600390033176_added"),
            "odata.etag": "*",
            "MemberId": format!("{p2020}fe"),
            "DisplayName": "John Smith",
            "State": "added",
            "Version": "1600390033176",
            "ChangedBy": format!("{p2020}f1"),
            "ChangedAt": "2020-09-18T00:47:13.1867087Z"
        })]
    );
    let removed = values(
        &run(&sample(
            "docs2020__ChatMemberRemovedFromThreadWithUser.json",
        )),
        "chatMembers",
    );
    assert_eq!(
        removed[0]["RowKey"],
        format!("{p2020}fe_00000001600390071131_removed")
    );
    assert_eq!(removed[0]["State"], "removed");

    let created = run(&sample("docs2020__ChatThreadCreatedWithUser.json"));
    let thread = &values(&created, "chatThreads")[0];
    assert_eq!(thread["RowKey"], "00000001600380369988_created");
    assert_eq!(thread["Topic"], "Chat about new commuication services");
    assert_eq!(
        thread["ChangedBy"],
        "8:acs:73551687-f8c8-48a7-bf06-d8263f15b02a_06014f-6001fc107f"
    );
    let members = values(&created, "chatMembers");
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["DisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Bob", "John"],
        "initial members from the legacy `members` list"
    );
    assert!(members
        .iter()
        .all(|m| m["State"] == "added" && m["ChangedAt"] == "2020-09-17T22:06:09.988Z"));

    let updated = values(
        &run(&sample("docs2020__ChatThreadPropertiesUpdatedPerUser.json")),
        "chatThreads",
    );
    assert_eq!(updated[0]["State"], "updated");
    assert_eq!(
        updated[0]["Properties"],
        r#"{"topic":"Communication in Azure"}"#
    );
    assert_eq!(
        updated[0]["ChangedBy"],
        "8:acs:fac4607d-d2d0-40e5-84df-6f32ebd1251a_00000005-3e88-2b7f-ac00-343a0d0005a8"
    );

    let deleted = values(
        &run(&sample("docs2020__ChatThreadWithUserDeleted.json")),
        "chatThreads",
    );
    assert_eq!(deleted[0]["RowKey"], "00000001600390071625_deleted");
    assert_eq!(deleted[0]["ChangedAt"], "2020-09-18T00:49:26.3694459Z");
    assert!(deleted[0].get("Topic").is_none());
}

#[test]
fn thread_samples_produce_thread_versions_and_initial_members() {
    let out = run(&sample("docs-chat__ChatThreadCreated.json"));
    let threads = values(&out, "chatThreads");
    assert_eq!(
        threads,
        [json!({
            "PartitionKey": "19:e07c8ddc5bab4c059ea9f11d29b544b6@thread.v2",
            "RowKey": "00000001613781114365_created",
            "odata.etag": "*",
            "State": "created",
            "Version": "1613781114365",
            "ChangedBy": "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-5cbb-38a0-88f7-084822002453",
            "ChangedAt": "2021-02-20T00:31:54.365Z",
            "CreateTime": "2021-02-20T00:31:54.365Z",
            "Topic": "Talk about new Thread Events in communication services",
            "Properties": r#"{"topic":"Talk about new Thread Events in communication services"}"#
        })]
    );
    let members = values(&out, "chatMembers");
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["DisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob", "Scott", "Shawn", "Anthony"]);
    for m in &members {
        let id = m["MemberId"].as_str().unwrap();
        assert_eq!(m["RowKey"], format!("{id}_00000001613781114365_added"));
        assert_eq!(m["ChangedBy"], threads[0]["ChangedBy"]);
    }

    // Per-user copies (one per member) of a creation collapse like message copies.
    let mut a = sample("docs-chat__ChatThreadCreatedWithUser.json");
    let mut b = a.clone();
    a["data"]["recipientCommunicationIdentifier"] = ident(&user(8));
    b["data"]["recipientCommunicationIdentifier"] = ident(&user(9));
    b["id"] = json!("another-copy");
    assert_eq!(run(&a), run(&b));
    assert_eq!(values(&run(&a), "chatMembers").len(), 2);

    let updated = values(
        &run(&sample("docs-chat__ChatThreadPropertiesUpdated.json")),
        "chatThreads",
    );
    assert_eq!(updated[0]["RowKey"], "00000001613779447695_updated");
    assert_eq!(updated[0]["ChangedAt"], "2021-02-20T00:04:07.7152073Z");
    let deleted = values(
        &run(&sample("docs-chat__ChatThreadDeleted.json")),
        "chatThreads",
    );
    assert_eq!(deleted[0]["RowKey"], "00000001613779241389_deleted");
    assert_eq!(
        deleted[0]["ChangedBy"],
        "8:acs:109f0644-b956-4cd9-87b1-71024f6e2f44_00000008-5c9e-a300-07fd-084822002266"
    );
}

#[test]
fn per_user_and_per_thread_copies_of_thread_changes_are_identical() {
    let per_user = sample("docs-chat__ChatThreadPropertiesUpdatedPerUser.json");
    let mut per_thread = per_user.clone();
    per_thread["eventType"] = json!("Microsoft.Communication.ChatThreadPropertiesUpdated");
    let data = per_thread["data"].as_object_mut().unwrap();
    for legacy in [
        "recipientId",
        "recipientCommunicationIdentifier",
        "editedBy",
    ] {
        data.remove(legacy);
    }
    data.insert(
        "editTime".into(),
        json!("2021-02-19T00:28:28.7390282+00:00"),
    );
    data.insert("metadata".into(), json!({}));
    assert_eq!(run(&per_user), run(&per_thread));

    let deleted = sample("docs-chat__ChatThreadWithUserDeleted.json");
    let mut in_thread = deleted.clone();
    in_thread["eventType"] = json!("Microsoft.Communication.ChatThreadDeleted");
    in_thread["data"]["reason"] = json!("DeletedByUser");
    in_thread["data"]
        .as_object_mut()
        .unwrap()
        .remove("recipientCommunicationIdentifier");
    assert_eq!(run(&deleted), run(&in_thread));
}
