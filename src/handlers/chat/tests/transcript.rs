use std::collections::HashSet;

use super::*;

#[test]
fn per_user_copies_and_the_per_thread_copy_write_one_identical_row() {
    let mut rows = Vec::new();
    let mut notifications = Vec::new();
    for n in 2..=6 {
        let out = run(&eg(
            "ChatMessageReceived",
            &format!("e-{n}"),
            received_for(&user(n), BODY),
        ));
        rows.extend(raw(&out, "chatMessages"));
        notifications.extend(values(&out, "chatNotifications"));
    }
    // A 2020-style copy: plain-string ids only.
    let mut legacy = received_for(&user(7), BODY);
    let data = legacy.as_object_mut().unwrap();
    data.remove("senderCommunicationIdentifier");
    data.remove("recipientCommunicationIdentifier");
    let out = run(&eg("ChatMessageReceived", "e-legacy", legacy));
    rows.extend(raw(&out, "chatMessages"));
    notifications.extend(values(&out, "chatNotifications"));

    let out = run(&eg(
        "ChatMessageReceivedInThread",
        "e-thread",
        received_in_thread(),
    ));
    assert!(
        values(&out, "chatNotifications").is_empty(),
        "per-thread events notify nobody"
    );
    rows.extend(raw(&out, "chatMessages"));

    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r == &rows[0]), "{rows:#?}");
    let row: Value = serde_json::from_str(&rows[0]).unwrap();
    assert_eq!(row["RowKey"], "1613694358927_00000001613694358927");
    assert_eq!(
        row["Type"], "Text",
        "canonical spelling whatever the copy sent"
    );
    assert_eq!(row["ComposeTime"], "2021-02-19T00:25:58.927Z");

    // One notification per recipient, each with its own deterministic id.
    let ids: HashSet<String> = notifications
        .iter()
        .map(|n| n["notificationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(notifications.len(), 6);
    assert_eq!(ids.len(), 6);
    assert!(ids.contains(&format!("{THREAD}/1613694358927/{}", user(7))));
}

fn edited(per_thread: bool) -> Value {
    let mut data = json!({
        "editTime": "2021-02-19T00:28:20.784Z",
        "messageBody": "Let's chat about something else.",
        "messageId": "1613694358927",
        "senderCommunicationIdentifier": ident(&user(1)),
        "senderDisplayName": "Bob(Admin)",
        "composeTime": "2021-02-19T00:25:58.927Z",
        "type": "Text",
        "version": 1613694500784_i64,
        "threadId": THREAD
    });
    if per_thread {
        data["version"] = json!("1613694500784");
    } else {
        data["recipientCommunicationIdentifier"] = ident(&user(2));
    }
    data
}

fn deleted(per_thread: bool) -> Value {
    let mut data = json!({
        "deleteTime": "2021-02-19T00:43:10.14+00:00",
        "messageId": "1613694358927",
        "senderCommunicationIdentifier": ident(&user(1)),
        "senderDisplayName": "Bob(Admin)",
        "composeTime": "2021-02-19T00:25:58.927Z",
        "type": "Text",
        "version": 1613695390361_i64,
        "threadId": THREAD
    });
    if !per_thread {
        data["recipientCommunicationIdentifier"] = ident(&user(3));
    }
    data
}

#[test]
fn edits_before_messages_and_deletes_before_edits_leave_every_version() {
    let events = [
        eg("ChatMessageReceived", "r", received_for(&user(2), BODY)),
        eg("ChatMessageEditedInThread", "e", edited(true)),
        eg("ChatMessageDeleted", "d", deleted(false)),
        eg("ChatMessageEdited", "e2", edited(false)),
        eg("ChatMessageDeletedInThread", "d2", deleted(true)),
        eg("ChatMessageReceivedInThread", "r2", received_in_thread()),
    ];
    let orders: [[usize; 6]; 5] = [
        [0, 1, 2, 3, 4, 5],
        [2, 1, 0, 5, 4, 3],
        [4, 2, 3, 1, 5, 0],
        [1, 3, 0, 2, 4, 5],
        [5, 4, 3, 2, 1, 0],
    ];
    let mut finals = Vec::new();
    for order in orders {
        let mut tables = Tables::default();
        for i in order {
            tables.apply(&run(&events[i]));
        }
        finals.push(tables.0.clone());
        let rows = tables.rows("chatMessages");
        let states: Vec<&str> = rows.iter().map(|r| r["State"].as_str().unwrap()).collect();
        assert_eq!(
            states,
            ["received", "edited", "deleted"],
            "RowKey order is version order"
        );
        assert_eq!(rows[0]["Body"], BODY);
        assert_eq!(rows[1]["Body"], "Let's chat about something else.");
        assert_eq!(rows[1]["EditTime"], "2021-02-19T00:28:20.784Z");
        assert!(rows[2].get("Body").is_none(), "{}", rows[2]);
        assert_eq!(rows[2]["DeleteTime"], "2021-02-19T00:43:10.14Z");
        assert_eq!(rows[2]["Version"], "1613695390361");
    }
    assert!(
        finals.iter().all(|f| f == &finals[0]),
        "arrival order changes nothing"
    );
}

#[test]
fn every_chat_sample_delivered_twice_yields_identical_outputs() {
    let dir = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("__Chat"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "{files:?}");
    for file in files {
        let event = sample(&file);
        let first = run(&event);
        let second = run_with(&ChatModule::default(), &event).unwrap();
        assert_eq!(first, second, "{file}");
        // Typing indicators and bot commands are not stored; everything else is.
        let stored = !file.contains("TypingIndicator") && !file.contains("BotCommand");
        assert_eq!(!first.is_empty(), stored, "{file}");
        for output in first.iter().filter(|o| o.binding() != "chatNotifications") {
            assert!(
                output.value().get().contains(r#""odata.etag":"*""#),
                "{file}"
            );
        }
    }
}

#[test]
fn the_sender_gets_no_notification() {
    let own = run(&eg(
        "ChatMessageReceived",
        "own",
        received_for(&user(1), BODY),
    ));
    assert_eq!(raw(&own, "chatMessages").len(), 1);
    assert!(values(&own, "chatNotifications").is_empty());

    // Same with 2020 plain-string ids only.
    let mut legacy = received_for(&user(1), BODY);
    let data = legacy.as_object_mut().unwrap();
    data.remove("senderCommunicationIdentifier");
    data.remove("recipientCommunicationIdentifier");
    let own = run(&eg("ChatMessageReceived", "own-2020", legacy));
    assert!(values(&own, "chatNotifications").is_empty());
}

#[test]
fn previews_count_characters_and_zero_turns_them_off() {
    assert_eq!(preview("héllo wörld", 5), Some("héllo"));
    assert_eq!(preview("日本語のテキスト", 3), Some("日本語"));
    assert_eq!(
        preview("👋🏽 hi", 1),
        Some("👋"),
        "a char, not a byte, even mid-cluster"
    );
    assert_eq!(preview("short", 100), Some("short"));
    assert_eq!(preview("", 10), Some(""));
    assert_eq!(preview("anything", 0), None);

    let body = "Grüße aus Köln 🎉🎉🎉 und mehr";
    let module = ChatModule::from_settings(&Settings::from_pairs([(
        CHAT_NOTIFICATION_PREVIEW_LENGTH,
        "16",
    )]))
    .unwrap();
    let out = run_with(
        &module,
        &eg("ChatMessageReceived", "p", received_for(&user(2), body)),
    )
    .unwrap();
    assert_eq!(
        values(&out, "chatNotifications")[0]["preview"],
        "Grüße aus Köln 🎉"
    );

    let off = ChatModule::from_settings(&Settings::from_pairs([(
        CHAT_NOTIFICATION_PREVIEW_LENGTH,
        "0",
    )]))
    .unwrap();
    let out = run_with(
        &off,
        &eg("ChatMessageReceived", "p", received_for(&user(2), body)),
    )
    .unwrap();
    let note = &values(&out, "chatNotifications")[0];
    assert!(note.get("preview").is_none(), "{note}");
    assert!(!note.to_string().contains("Grüße"), "{note}");
    // The transcript keeps the whole text either way.
    assert_eq!(values(&out, "chatMessages")[0]["Body"], body);
}

#[test]
fn the_preview_setting_is_read_and_checked() {
    assert_eq!(
        ChatModule::from_settings(&Settings::default())
            .unwrap()
            .preview_length(),
        100
    );
    let s = Settings::from_pairs([(CHAT_NOTIFICATION_PREVIEW_LENGTH, " 42 ")]);
    assert_eq!(ChatModule::from_settings(&s).unwrap().preview_length(), 42);
    let bad = Settings::from_pairs([(CHAT_NOTIFICATION_PREVIEW_LENGTH, "-1")]);
    let err = ChatModule::from_settings(&bad).unwrap_err();
    assert_eq!(err.name, CHAT_NOTIFICATION_PREVIEW_LENGTH);
}
