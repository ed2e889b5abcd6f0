use super::*;

#[test]
fn missing_key_ids_are_permanent_errors_without_personal_data() {
    let module = ChatModule::default();
    let mut no_thread = received_for(&user(2), BODY);
    no_thread["threadId"] = json!("");
    let err = run_with(&module, &eg("ChatMessageReceived", "x", no_thread)).unwrap_err();
    assert_eq!(
        err,
        ChatError::MissingThreadId {
            event: "ChatMessageReceived"
        }
    );
    assert!(!err.to_string().contains(BODY));

    let mut no_message = received_in_thread();
    no_message["messageId"] = json!(" ");
    let err = run_with(&module, &eg("ChatMessageReceivedInThread", "x", no_message)).unwrap_err();
    assert_eq!(
        err,
        ChatError::MissingMessageId {
            event: "ChatMessageReceivedInThread"
        }
    );

    let mut no_recipient = received_for(&user(2), BODY);
    let data = no_recipient.as_object_mut().unwrap();
    data.remove("recipientId");
    data.remove("recipientCommunicationIdentifier");
    let err = run_with(&module, &eg("ChatMessageReceived", "x", no_recipient)).unwrap_err();
    assert!(
        matches!(
            err,
            ChatError::MissingIdentity {
                role: "recipient",
                ..
            }
        ),
        "{err}"
    );

    let mut no_member = participant_event("ChatThreadParticipantAdded", "x", &user(5), false, None);
    no_member["data"]["participantAdded"] = json!({"displayName": "Nobody"});
    let err = run_with(&module, &no_member).unwrap_err();
    assert!(
        matches!(
            err,
            ChatError::MissingIdentity {
                role: "participant",
                ..
            }
        ),
        "{err}"
    );
    assert!(!err.to_string().contains("Nobody"));

    let mut created = sample("docs-chat__ChatThreadCreated.json");
    created["data"]["participants"][2]["participantCommunicationIdentifier"] = json!({});
    let err = run_with(&module, &created).unwrap_err();
    assert!(
        matches!(err, ChatError::MissingIdentity { .. }),
        "one bad participant fails the event"
    );

    let mut negative = received_in_thread();
    negative["version"] = json!("-5");
    let err = run_with(&module, &eg("ChatMessageReceivedInThread", "x", negative)).unwrap_err();
    assert!(
        matches!(err, ChatError::NegativeOrdinal { value: -5, .. }),
        "{err}"
    );

    let mut long = received_in_thread();
    long["threadId"] = json!("/".repeat(300));
    let err = run_with(&module, &eg("ChatMessageReceivedInThread", "x", long)).unwrap_err();
    assert!(
        matches!(
            err,
            ChatError::Output {
                source: OutputError::KeyTooLong { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn events_that_are_not_stored_yield_nothing() {
    let typing = json!({
        "id": "t", "source": "/s", "specversion": "1.0",
        "type": "Microsoft.Communication.ChatTypingIndicatorReceivedInThread",
        "data": {"threadId": THREAD, "senderCommunicationIdentifier": ident(&user(1))}
    });
    assert!(run(&typing).is_empty());
    assert!(run(&sample("docs-sms__SMSReceived.json")).is_empty());
}

#[test]
fn duplicate_initial_participants_are_one_membership() {
    let mut created = sample("docs-chat__ChatThreadCreated.json");
    let first = created["data"]["participants"][0].clone();
    created["data"]["participants"]
        .as_array_mut()
        .unwrap()
        .push(first);
    assert_eq!(values(&run(&created), "chatMembers").len(), 4);
}

#[test]
fn json_text_properties_are_canonical() {
    let a: Map<String, Value> =
        serde_json::from_str(r#"{"topic":"t","b":{"y":1,"x":[{"d":1,"c":2}]}}"#).unwrap();
    let b: Map<String, Value> =
        serde_json::from_str(r#"{"b":{"x":[{"c":2,"d":1}],"y":1},"topic":"t"}"#).unwrap();
    assert_eq!(object_text(&a), object_text(&b));
    assert_eq!(
        object_text(&a),
        r#"{"b":{"x":[{"c":2,"d":1}],"y":1},"topic":"t"}"#
    );
    let policy = ChatRetentionPolicy {
        kind: Some(crate::events::chat::ChatRetentionPolicyKind::ThreadCreationDate),
        delete_thread_after_days: Some(90),
    };
    assert_eq!(
        retention_text(&policy),
        r#"{"deleteThreadAfterDays":90,"kind":"threadCreationDate"}"#
    );
    assert_eq!(metadata_text(Some(&UserMap::default())), None);
}
