use super::*;

#[test]
fn participant_events_from_every_level_and_era_write_the_same_membership_rows() {
    let member = user(5);
    let added = [
        participant_event(
            "ChatParticipantAddedToThreadWithUser",
            "a1",
            &member,
            false,
            Some(&user(2)),
        ),
        participant_event(
            "ChatParticipantAddedToThreadWithUser",
            "a2",
            &member,
            false,
            Some(&user(3)),
        ),
        participant_event("ChatThreadParticipantAdded", "a3", &member, false, None),
        eg(
            "ChatMemberAddedToThreadWithUser",
            "a4",
            json!({
                "time": "2021-02-25T06:37:29.9232485Z",
                "addedBy": user(1),
                "memberAdded": {"displayName": "John Smith", "memberId": member},
                "createTime": "2021-02-25T06:37:17.371Z",
                "version": 1614235049907_i64,
                "recipientId": user(4),
                "threadId": THREAD
            }),
        ),
    ];
    let rows: Vec<String> = added
        .iter()
        .flat_map(|e| raw(&run(e), "chatMembers"))
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r == &rows[0]), "{rows:#?}");

    let removed = [
        participant_event("ChatThreadParticipantRemoved", "r1", &member, true, None),
        participant_event(
            "ChatParticipantRemovedFromThreadWithUser",
            "r2",
            &member,
            true,
            Some(&user(2)),
        ),
    ];
    // Removal first, then the additions, each twice: two rows, removal last by RowKey.
    let mut tables = Tables::default();
    for event in removed.iter().chain(&added).chain(&removed).chain(&added) {
        tables.apply(&run(event));
    }
    let rows = tables.rows("chatMembers");
    assert_eq!(rows.len(), 2);
    let prefix = format!("{member}_");
    assert!(rows
        .iter()
        .all(|r| r["RowKey"].as_str().unwrap().starts_with(&prefix)));
    assert_eq!(rows[0]["State"], "added");
    assert_eq!(
        rows[1]["State"], "removed",
        "the latest state is the last row of the range"
    );
    assert_eq!(rows[1]["ChangedAt"], "2021-02-25T06:40:20.3564556Z");
    assert_eq!(rows[1]["ChangedBy"], user(1));
    assert_eq!(rows[1]["MemberId"], member);
}

#[test]
fn participant_sample_rows() {
    let out = values(
        &run(&sample(
            "docs-chat__ChatParticipantAddedToThreadWithUser.json",
        )),
        "chatMembers",
    );
    assert_eq!(
        out,
        [json!({
            "PartitionKey": "19:f1400e1c542f4086a606b52ad20cd0bd@thread.v2",
            "RowKey": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8785-1655-373a0d00885f_00000001614235049907_added",
            "odata.etag": "*",
            "MemberId": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8785-1655-373a0d00885f",
            "DisplayName": "John Smith",
            "State": "added",
            "Version": "1614235049907",
            "ChangedBy": "8:acs:0a420b29-555c-4f6b-841e-de8059893bb9_00000008-77c9-8767-1655-373a0d00885d",
            "ChangedAt": "2021-02-25T06:37:29.9232485Z"
        })]
    );
    let removed = values(
        &run(&sample("docs-chat__ChatThreadParticipantRemoved.json")),
        "chatMembers",
    );
    assert_eq!(removed[0]["DisplayName"], "Shawn");
    assert_eq!(removed[0]["State"], "removed");
    assert_eq!(removed[0]["ChangedAt"], "2021-02-20T00:56:18.1118825Z");
}

#[test]
fn member_ids_are_escaped_in_keys_and_kept_raw_in_properties() {
    let odd = "8:acs:res/with#odd?chars%";
    let out = run(&participant_event(
        "ChatThreadParticipantAdded",
        "x",
        odd,
        false,
        None,
    ));
    let row = &values(&out, "chatMembers")[0];
    assert_eq!(row["MemberId"], odd);
    assert_eq!(
        row["RowKey"],
        "8:acs:res%2Fwith%23odd%3Fchars%25_00000001614235049907_added"
    );

    // A phone participant (Teams interop) gets its derived raw id.
    let mut phone = participant_event("ChatThreadParticipantAdded", "p", "x", false, None);
    phone["data"]["participantAdded"]["participantCommunicationIdentifier"] =
        json!({"kind": "phoneNumber", "phoneNumber": {"value": "+14255550123"}});
    let row = &values(&run(&phone), "chatMembers")[0];
    assert_eq!(row["MemberId"], "4:+14255550123");
}

#[test]
fn a_change_without_version_is_ordered_by_its_time() {
    let mut event = participant_event("ChatThreadParticipantAdded", "x", &user(5), false, None);
    event["data"].as_object_mut().unwrap().remove("version");
    let row = &values(&run(&event), "chatMembers")[0];
    // 2021-02-25T06:37:29.9232485Z = 1614235049923 ms.
    assert_eq!(
        row["RowKey"],
        format!("{}_00000001614235049923_added", user(5))
    );
    assert!(row.get("Version").is_none());

    let mut legacy = sample("docs2020__ChatMemberAddedToThreadWithUser.json");
    let data = legacy["data"].as_object_mut().unwrap();
    data.remove("version");
    data.remove("time");
    let err = run_with(&ChatModule::default(), &legacy).unwrap_err();
    assert_eq!(
        err,
        ChatError::MissingChangeTime {
            event: "ChatMemberAddedToThreadWithUser"
        }
    );
}
