use super::*;

const SEED: &str = r#"{"includedEventTypes":["Microsoft.Communication.SMSReceived","Microsoft.Communication.SMSDeliveryReportReceived"],"subjectBeginsWith":"phonenumber/1555"}"#;

fn sms_sample_events() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut events = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.contains("SMS") || !name.ends_with(".json") {
            continue;
        }
        let value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        match value {
            Value::Array(items) => events.extend(items.into_iter().map(|e| (name.clone(), e))),
            event => events.push((name, event)),
        }
    }
    assert!(events.len() >= 5, "{events:?}");
    events
}

#[test]
fn the_docs_sms_filter_matches_no_sms_sample_and_its_fix_matches_all() {
    let seed = Filter::parse(SEED).unwrap();
    let fixed =
        Filter::parse(&SEED.replace("\"phonenumber/1555\"", "\"/phonenumber/1555\"")).unwrap();
    for (file, event) in sms_sample_events() {
        let decision = seed.evaluate(&event);
        assert!(!decision.delivered, "{file}: {}", decision.reason);
        assert!(
            decision
                .reason
                .contains("does not begin with `phonenumber/1555`"),
            "{file}: {}",
            decision.reason
        );
        let decision = fixed.evaluate(&event);
        assert!(decision.delivered, "{file}: {}", decision.reason);
    }
}

#[test]
fn warnings_flag_the_docs_sms_filter_and_not_its_fix() {
    let warnings = Filter::parse(SEED).unwrap().texts();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].contains("subjectBeginsWith `phonenumber/1555` can never match Microsoft.Communication.SMSReceived, Microsoft.Communication.SMSDeliveryReportReceived"), "{}", warnings[0]);
    assert!(
        warnings[0].contains(
            "`/phonenumber/{number}` (with a leading slash); did you mean `/phonenumber/1555`?"
        ),
        "{}",
        warnings[0]
    );
    assert!(warnings[1].contains("no event at all"), "{}", warnings[1]);
    let fixed =
        Filter::parse(&SEED.replace("\"phonenumber/1555\"", "\"/phonenumber/1555\"")).unwrap();
    assert_eq!(fixed.texts(), Vec::<String>::new());
    // Case matters only when asked.
    let upper = Filter::parse(r#"{"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "/PhoneNumber/"}"#).unwrap();
    assert!(upper.texts().is_empty());
    let sensitive = Filter::parse(r#"{"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "/PhoneNumber/", "isSubjectCaseSensitive": true}"#).unwrap();
    let warnings = sensitive.texts();
    assert!(warnings[0].contains("the case differs"), "{warnings:?}");
}

#[test]
fn warnings_know_every_family_subject_format() {
    let warned = |types: &[&str], prefix: &str| {
        let types: Vec<String> = types
            .iter()
            .map(|t| format!("Microsoft.Communication.{t}"))
            .collect();
        filter(json!({"includedEventTypes": types, "subjectBeginsWith": prefix})).texts()
    };
    // (types, prefix, warned)
    let rows: &[(&[&str], &str, bool)] = &[
        (&["ChatMessageReceived"], "thread/19:abc", false),
        (&["ChatMessageReceived"], "/thread/", true),
        (
            &["ChatThreadParticipantAdded", "ChatMessageReceivedInThread"],
            "thread",
            false,
        ),
        (&["UserDisconnected"], "user/8:acs:", false),
        (&["UserDisconnected"], "/user/", true),
        (&["IncomingCall"], "/caller/4:+1555", false),
        (&["IncomingCall"], "caller/", true),
        (&["CallStarted", "CallEnded"], "call/", false),
        (&["CallParticipantAdded"], "/call/", true),
        (&["RecordingFileStatusUpdated"], "/recording/call/", false),
        (&["RecordingFileStatusUpdated"], "recording/", true),
        (&["EmailDeliveryReportReceived"], "sender/noreply@", false),
        (&["EmailEngagementTrackingReportReceived"], "/sender/", true),
        (
            &["AdvancedMessageReceived"],
            "advancedMessage/sender/",
            false,
        ),
        (
            &["AdvancedMessageAnalysisCompleted"],
            "advanceMessageAnalysis/",
            false,
        ),
        (
            &["AdvancedMessageDeliveryStatusUpdated"],
            "advanceMessageAnalysis/",
            true,
        ),
        (&["RouterJobQueued", "RouterJobClassified"], "job/", false),
        (&["RouterWorkerOfferIssued"], "job/", true),
        (&["RouterWorkerRegistered"], "worker/w1", false),
        (&["SMSReceived"], "/", false),
        (
            &["SMSReceived", "ChatMessageReceived"],
            "/phonenumber/",
            true,
        ),
    ];
    for (types, prefix, expected) in rows {
        let warnings = warned(types, prefix);
        assert_eq!(
            !warnings.is_empty(),
            *expected,
            "{types:?} {prefix}: {warnings:#?}"
        );
    }
    // Only the blocked family is named, and the filter still receives SMS events.
    let mixed = warned(&["SMSReceived", "ChatMessageReceived"], "/phonenumber/");
    assert_eq!(mixed.len(), 1, "{mixed:#?}");
    assert!(mixed[0].ends_with("can never match Microsoft.Communication.ChatMessageReceived: their subjects look like `thread/{threadId}/…` (no leading slash)"), "{}", mixed[0]);
    // Without a type list: every family is checked.
    assert!(filter(json!({"subjectBeginsWith": "thread/"}))
        .texts()
        .is_empty());
    let nowhere = filter(json!({"subjectBeginsWith": "phonenumber/1555"})).texts();
    assert_eq!(nowhere.len(), 1, "{nowhere:#?}");
    assert!(
        nowhere[0].contains("matches no ACS subject format")
            && nowhere[0].contains("did you mean `/phonenumber/1555`?"),
        "{}",
        nowhere[0]
    );
}

#[test]
fn other_warnings() {
    let warnings = filter(json!({
            "includedEventTypes": ["Microsoft.Communication.SMSRecieved", "Microsoft.Storage.BlobCreated", "microsoft.communication.smsreceived"],
            "advancedFilters": [
                {"operatorType": "NumberInRange", "key": "data.n", "values": [[5, 1], [1, 5]]},
                {"operatorType": "NumberNotInRange", "key": "data.n", "values": [[9, 1]]},
                {"operatorType": "StringIn", "key": "to", "values": ["15555555555"]},
                {"operatorType": "StringBeginsWith", "key": "Subject", "values": ["phonenumber/1555", "x"]},
                {"operatorType": "IsNotNull", "key": "eventTime"}
            ]
        }))
        .texts();
    let expected = [
            "`Microsoft.Communication.SMSRecieved` is not an ACS event type (misspelt?)",
            "`Microsoft.Storage.BlobCreated` is not an ACS event type; an ACS system topic never sends it",
            "advancedFilters[0]: the range [5, 1] is empty (low > high), so it never matches",
            "advancedFilters[1]: the range [9, 1] is empty (low > high), so it excludes nothing",
            "advancedFilters[2]: key `to` is no envelope field (data fields need the `data.` prefix: `data.to`?)",
            "advancedFilters[3] (StringBeginsWith [\"phonenumber/1555\",\"x\"] on `Subject`) can never match Microsoft.Communication.SMSReceived",
        ];
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");
    for (warning, expected) in warnings.iter().zip(expected) {
        assert!(warning.contains(expected), "{warning}\n  want: {expected}");
    }
    // The misspelt ACS type is named, for the caller's own "did you mean".
    let typed = filter(json!({"includedEventTypes": ["Microsoft.Communication.SMSRecieved", "Microsoft.Storage.BlobCreated"]})).warnings();
    assert_eq!(
        typed[0].misspelt_event_type(),
        Some("Microsoft.Communication.SMSRecieved")
    );
    assert_eq!(typed[0].message(), typed[0].to_string());
    assert_eq!(typed[1].misspelt_event_type(), None);
    // The spec's belt-and-braces subject filter is fine: one of its values fits.
    let belt = filter(json!({
        "includedEventTypes": ["Microsoft.Communication.SMSReceived"],
        "advancedFilters": [{"operatorType": "StringBeginsWith", "key": "subject", "values": ["/phonenumber/1555", "/phonenumber/+1555", "phonenumber/1555"]}]
    }));
    assert!(belt.texts().is_empty(), "{:?}", belt.texts());
    assert!(belt.matches(&event()));
    let empty = filter(json!({"includedEventTypes": []})).texts();
    assert_eq!(empty.len(), 1);
    assert!(empty[0].contains("empty list"));
}

#[test]
fn case_insensitive_helpers() {
    assert!(starts_with_lowered("ÄBC", "äb"));
    assert!(!starts_with_lowered("ÄBC", "äc"));
    assert!(ends_with_lowered("xÄBC", "äbc"));
    assert!(ends_with_lowered("x", ""));
    assert!(!ends_with_lowered("bc", "abc"));
    assert!(!starts_with_lowered("ab", "abc"));
    assert!(contains_lowered("xxÄBCxx", "äbc"));
    assert!(!contains_lowered("xx", "xxx"));
    assert!(eq_lowered("İ", &lowercase("İ")));
    assert!(eq_ignore_case("MessageBody", "messagebody"));
    assert!(!eq_ignore_case("MessageBody", "messagebodies"));
    assert_eq!(lowercase("ΟΔΟΣ"), "οδοσ");
}

#[test]
fn raw_events_are_evaluated_on_the_named_fields_at_any_depth() {
    let f = filter(json!({
        "includedEventTypes": ["Microsoft.Communication.SMSReceived"],
        "subjectBeginsWith": "/phonenumber/",
        "advancedFilters": [
            {"operatorType": "StringContains", "key": "data.Message", "values": ["hello"]},
            {"operatorType": "IsNotNull", "key": "Id"}
        ]
    }));
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let raw = |message: &str, extra: &str| {
        format!(
            r#"{{"id":"e1","eventType":"Microsoft.Communication.SMSReceived","subject":"/phonenumber/15555555555","extra":{extra},"data":{{"message":"{message}","deep":{extra}}}}}"#
        )
    };
    // 5 000 levels outside the named fields: read like any event, both ways.
    assert_eq!(f.matches_json(&raw("Hello there", &deep)), Ok(true));
    assert_eq!(f.matches_json(&raw("bye", &deep)), Ok(false));
    // The same answer as the Value-based evaluation on an ordinary event.
    for message in ["hello", "nope"] {
        let text = raw(message, "[1]");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(f.matches_json(&text), Ok(f.matches(&value)), "{message}");
    }
    // A compared value that is itself too deep cannot be evaluated: the caller must process.
    let too_deep = filter(json!({
        "advancedFilters": [{"operatorType": "IsNotNull", "key": "data.deep"}]
    }));
    assert!(too_deep.matches_json(&raw("x", &deep)).is_err());
}
