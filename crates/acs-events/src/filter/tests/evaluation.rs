use super::*;

#[test]
fn rejection_reasons_say_why() {
    let event = event();
    let reason = |f: Filter| f.evaluate(&event).reason;
    assert!(
        reason(advanced("NumberIn", "data.nums", Some(json!([5])), false))
            .contains("enableAdvancedFilteringOnArrays")
    );
    assert!(
        reason(advanced("NumberIn", "data.numstr", Some(json!([5])), false))
            .contains("compares numbers only")
    );
    assert!(
        reason(advanced("StringIn", "data.str", Some(json!(["x"])), false))
            .contains("\"Hello World\" does not match")
    );
    assert!(reason(advanced(
        "StringNotIn",
        "data.str",
        Some(json!(["hello world"])),
        false
    ))
    .contains("matches one of the values"));
    assert!(reason(advanced("IsNullOrUndefined", "data.num", None, false)).contains("present: 5"));
    assert!(reason(advanced(
        "BoolEquals",
        "data.missing",
        Some(json!(true)),
        false
    ))
    .contains("the key is missing"));
    assert!(
        reason(advanced("BoolEquals", "data.nul", Some(json!(true)), false))
            .contains("the key is null")
    );
    let two = filter(json!({"advancedFilters": [
        {"operatorType": "IsNotNull", "key": "data.num"},
        {"operatorType": "NumberLessThan", "key": "data.num", "value": 1}
    ]}));
    let decision = two.evaluate(&event);
    assert!(!decision.delivered);
    assert!(
        decision
            .reason
            .starts_with("advancedFilters[1] (NumberLessThan 1 on `data.num`)"),
        "{}",
        decision.reason
    );
    let long = json!({"eventType": "T", "data": {"s": "x".repeat(500)}});
    let r = advanced("StringIn", "data.s", Some(json!(["y"])), false)
        .evaluate(&long)
        .reason;
    assert!(r.len() < 300 && r.contains('…'), "{r}");
    let all = filter(
        json!({"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "/phone", "subjectEndsWith": "55", "advancedFilters": [{"operatorType": "IsNotNull", "key": "id"}, {"operatorType": "IsNotNull", "key": "topic"}]}),
    );
    assert_eq!(
            all.evaluate(&event),
            Decision {
                delivered: true,
                reason: "every clause passed: includedEventTypes, subjectBeginsWith, subjectEndsWith, 2 advanced filters".to_owned()
            }
        );
    let none = filter(json!({}));
    assert!(none.evaluate(&event).delivered);
    assert!(none.evaluate(&event).reason.contains("no clauses"));
    let rejected = none.evaluate(&json!([1]));
    assert!(!rejected.delivered && rejected.reason.contains("not a JSON object"));
}

#[test]
fn event_types_are_matched_case_insensitively_and_all_means_all() {
    let event = event();
    let types = |t: Value| filter(json!({ "includedEventTypes": t }));
    assert!(types(json!(["microsoft.communication.smsreceived"])).matches(&event));
    assert!(types(json!([
        "Microsoft.Communication.ChatMessageReceived",
        "Microsoft.Communication.SMSReceived"
    ]))
    .matches(&event));
    assert!(types(json!(["All"])).matches(&event));
    assert!(types(json!(null)).matches(&event));
    assert!(types(json!([])).matches(&event));
    let chat = types(json!(["Microsoft.Communication.ChatMessageReceived"]));
    let decision = chat.evaluate(&event);
    assert!(!decision.delivered);
    assert!(
        decision.reason.contains(
            "eventType `Microsoft.Communication.SMSReceived` is not in includedEventTypes"
        ),
        "{}",
        decision.reason
    );
    let untyped = chat.evaluate(&json!({"id": "x"}));
    assert!(!untyped.delivered && untyped.reason.contains("no event type"));
    // CloudEvents: `type`.
    let ce = json!({"id": "c", "source": "/s", "type": "Microsoft.Communication.ChatMessageReceived", "specversion": "1.0"});
    assert!(chat.matches(&ce));
}

#[test]
fn subject_filters_are_case_insensitive_unless_asked() {
    let event = event();
    let rows: &[(Value, bool)] = &[
        (json!({"subjectBeginsWith": "/phonenumber/1555"}), true),
        (json!({"subjectBeginsWith": "/PhoneNumber/1555"}), true),
        (
            json!({"subjectBeginsWith": "/PhoneNumber/1555", "isSubjectCaseSensitive": true}),
            false,
        ),
        (
            json!({"subjectBeginsWith": "/phonenumber/1555", "isSubjectCaseSensitive": true}),
            true,
        ),
        (json!({"subjectBeginsWith": "phonenumber/1555"}), false),
        (json!({"subjectBeginsWith": "/phonenumber/1556"}), false),
        (json!({"subjectBeginsWith": ""}), true),
        (json!({"subjectBeginsWith": null}), true),
        (json!({"subjectEndsWith": "5555"}), true),
        (json!({"subjectEndsWith": "/15555555555"}), true),
        (
            json!({"subjectEndsWith": "NUMBER/15555555555", "isSubjectCaseSensitive": false}),
            true,
        ),
        (
            json!({"subjectEndsWith": "NUMBER/15555555555", "isSubjectCaseSensitive": true}),
            false,
        ),
        (json!({"subjectEndsWith": "4"}), false),
        (
            json!({"subjectBeginsWith": "/phonenumber/", "subjectEndsWith": "55"}),
            true,
        ),
        (
            json!({"subjectBeginsWith": "/phonenumber/", "subjectEndsWith": "54"}),
            false,
        ),
        // Literal: no wildcards.
        (json!({"subjectBeginsWith": "/phonenumber/*"}), false),
    ];
    for (json, expected) in rows {
        let decision = filter(json.clone()).evaluate(&event);
        assert_eq!(decision.delivered, *expected, "{json}: {}", decision.reason);
    }
    let decision = filter(json!({"subjectBeginsWith": "phonenumber/1555"})).evaluate(&event);
    assert_eq!(
            decision.reason,
            "subject `/phonenumber/15555555555` does not begin with `phonenumber/1555` (subjectBeginsWith, case-insensitive)"
        );
    let unicode = json!({"eventType": "T", "subject": "Straße/ÄBC"});
    assert!(filter(json!({"subjectBeginsWith": "STRASSE"}))
        .evaluate(&unicode)
        .reason
        .contains("does not begin"));
    assert!(filter(json!({"subjectBeginsWith": "straße/äb"})).matches(&unicode));
    assert!(filter(json!({"subjectEndsWith": "/äBc"})).matches(&unicode));
    let no_subject = filter(json!({"subjectEndsWith": "x"})).evaluate(&json!({"eventType": "T"}));
    assert!(!no_subject.delivered && no_subject.reason.contains("no subject"));
}

/// The filter reads an event with the schema the parser gives it, for every shape, so a
/// clause never looks up `type` in an event the parser calls Event Grid or refuses.
#[test]
fn the_filter_and_the_parser_agree_on_the_schema() {
    let shapes = [
        json!({"id": "1", "eventType": "T", "data": {}}),
        json!({"id": "2", "eventType": "T", "type": "U", "source": "/s", "data": {}}),
        json!({"id": "3", "type": "T", "source": "/s", "data": {}}),
        json!({"id": "4", "type": "T", "specversion": "1.0", "data": {}}),
        json!({"id": "5", "type": "T", "data": {}}),
        json!({"id": "6", "data": {}}),
    ];
    for shape in shapes {
        let Value::Object(object) = &shape else {
            unreachable!()
        };
        let parsed = crate::parse_delivery(shape.to_string().as_bytes()).unwrap();
        match &parsed[0] {
            Ok(event) => assert_eq!(schema_of(object), event.envelope.schema, "{shape}"),
            // Refused by the parser: read with Event Grid's names, so `type` never matches.
            Err(_) => assert_eq!(schema_of(object), Schema::EventGrid, "{shape}"),
        }
    }
}

#[test]
fn envelope_keys_for_both_schemas() {
    let eg = event();
    let ce = json!({
        "id": "c1",
        "source": "/subscriptions/x/providers/Microsoft.Communication/communicationServices/acs",
        "subject": "thread/19:abc@thread.v2/sender/8:acs:1",
        "type": "Microsoft.Communication.ChatMessageReceived",
        "time": "2021-02-19T00:25:58.6171017Z",
        "specVersion": "1.0",
        "comexampleothervalue": 5,
        "data": {"MessageBody": "Hi", "Metadata": {"Key": "v"}}
    });
    let rows: &[(&Value, &str, &str, Value, bool)] = &[
        (&eg, "StringIn", "ID", json!(["E1"]), true),
        (&eg, "StringIn", "id", json!(["e1"]), true),
        (
            &eg,
            "StringContains",
            "Topic",
            json!(["microsoft.communication"]),
            true,
        ),
        (
            &eg,
            "StringBeginsWith",
            "Subject",
            json!(["/phonenumber/"]),
            true,
        ),
        (
            &eg,
            "StringBeginsWith",
            "subject",
            json!(["phonenumber/"]),
            false,
        ),
        (
            &eg,
            "StringIn",
            "EventType",
            json!(["Microsoft.Communication.SMSReceived"]),
            true,
        ),
        (&eg, "StringIn", "DataVersion", json!(["1.0"]), true),
        (
            &eg,
            "StringIn",
            "type",
            json!(["Microsoft.Communication.SMSReceived"]),
            false,
        ),
        (
            &ce,
            "StringIn",
            "type",
            json!(["microsoft.communication.chatmessagereceived"]),
            true,
        ),
        (
            &ce,
            "StringIn",
            "eventtype",
            json!(["Microsoft.Communication.ChatMessageReceived"]),
            true,
        ),
        (&ce, "StringIn", "eventid", json!(["c1"]), true),
        (&ce, "StringIn", "id", json!(["c1"]), true),
        (
            &ce,
            "StringContains",
            "source",
            json!(["communicationServices/acs"]),
            true,
        ),
        (&ce, "StringIn", "specversion", json!(["1.0"]), true),
        (
            &ce,
            "StringBeginsWith",
            "subject",
            json!(["thread/19:"]),
            true,
        ),
        (&ce, "StringIn", "topic", json!(["x"]), false),
        (&ce, "NumberIn", "comexampleothervalue", json!([5]), true),
        // data keys: exact first, else case-insensitive (PascalCase and camelCase SMS data).
        (&ce, "StringIn", "data.messageBody", json!(["hi"]), true),
        (&ce, "StringIn", "Data.MessageBody", json!(["hi"]), true),
        (&ce, "StringIn", "data.metadata.key", json!(["V"]), true),
        (
            &eg,
            "StringIn",
            "data.OBJ.Inner.Deep",
            json!(["value"]),
            true,
        ),
        (&eg, "NumberIn", "data.Num", json!([5]), true),
    ];
    for (event, op, key, values, expected) in rows {
        let f = advanced(op, key, Some(values.clone()), false);
        let decision = f.evaluate(event);
        assert_eq!(
            decision.delivered, *expected,
            "{op} {key}: {}",
            decision.reason
        );
    }
}

#[test]
fn several_values_or_several_filters_and() {
    let event = event();
    let two = |a: &str, b: &str| {
        filter(json!({"advancedFilters": [
            {"operatorType": "StringContains", "key": "data.str", "values": [a]},
            {"operatorType": "StringContains", "key": "data.str", "values": [b]}
        ]}))
    };
    assert!(two("hello", "world").matches(&event));
    assert!(!two("hello", "azure").matches(&event));
    assert!(advanced(
        "StringContains",
        "data.str",
        Some(json!(["azure", "world"])),
        false
    )
    .matches(&event));
}

#[test]
fn limits() {
    let filters = |n: usize| {
        let list: Vec<Value> = (0..n)
            .map(|_| json!({"operatorType": "IsNotNull", "key": "id"}))
            .collect();
        Filter::from_value(&json!({ "advancedFilters": list }))
    };
    assert!(filters(MAX_ADVANCED_FILTERS).is_ok());
    assert_eq!(
        filters(26).unwrap_err(),
        FilterError::TooManyFilters {
            path: "advancedFilters",
            count: 26
        }
    );
    let values = |a: usize, b: usize| {
        let numbers: Vec<usize> = (0..a).collect();
        let strings: Vec<String> = (0..b).map(|i| i.to_string()).collect();
        Filter::from_value(&json!({ "advancedFilters": [
            {"operatorType": "NumberIn", "key": "data.n", "values": numbers},
            {"operatorType": "StringIn", "key": "data.s", "values": strings},
            {"operatorType": "NumberLessThan", "key": "data.n", "value": 1},
            {"operatorType": "IsNullOrUndefined", "key": "data.n"}
        ]}))
    };
    assert!(values(12, 12).is_ok());
    assert_eq!(
        values(12, 13).unwrap_err(),
        FilterError::TooManyValues { count: 26 }
    );
    assert_eq!(
        values(1, 24).unwrap_err(),
        FilterError::TooManyValues { count: 26 }
    );
    let ranges: Vec<[i32; 2]> = (0..26).map(|i| [i, i]).collect();
    let range_filter = json!({"advancedFilters": [{"operatorType": "NumberInRange", "key": "data.n", "values": ranges}]});
    assert_eq!(
        Filter::from_value(&range_filter).unwrap_err(),
        FilterError::TooManyValues { count: 26 }
    );
    let long = |n: usize| {
        Filter::from_value(
            &json!({"advancedFilters": [{"operatorType": "StringIn", "key": "data.s", "values": ["ok", "é".repeat(n)]}]}),
        )
    };
    assert!(long(MAX_STRING_VALUE_CHARS).is_ok());
    let err = long(513).unwrap_err();
    assert_eq!(
        err,
        FilterError::StringTooLong {
            path: "advancedFilters[0].values[1]".to_owned(),
            chars: 513
        }
    );
    assert!(err.to_string().contains("at most 512"), "{err}");
    // Keys may nest deeper than the two levels of the 2018 docs; the current docs set no limit.
    assert!(Filter::from_value(
        &json!({"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.a.b.c.d"}]})
    )
    .is_ok());
}

#[test]
fn malformed_filters_name_the_bad_part() {
    let rows: &[(&str, &str)] = &[
        // The ACS docs' example, trailing comma included.
        (
            r#"{"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "phonenumber/1555",}"#,
            "not valid JSON: trailing comma",
        ),
        ("[]", "must be a JSON object"),
        (
            r#"{"subjectBeginWith": "/x"}"#,
            "unknown property `subjectBeginWith`",
        ),
        (
            r#"{"subjectBeginsWith": "/x", "SubjectBeginsWith": "/y"}"#,
            "BeginsWith` is given twice",
        ),
        (
            r#"{"subjectBeginsWith": 5}"#,
            "`subjectBeginsWith` must be a string, found a number",
        ),
        (
            r#"{"isSubjectCaseSensitive": "true"}"#,
            "`isSubjectCaseSensitive` must be true or false, found a string",
        ),
        (
            r#"{"includedEventTypes": "Microsoft.Communication.SMSReceived"}"#,
            "`includedEventTypes` must be an array",
        ),
        (
            r#"{"includedEventTypes": ["a", 1]}"#,
            "`includedEventTypes[1]` must be a string, found a number",
        ),
        (
            r#"{"includedEventTypes": [""]}"#,
            "`includedEventTypes[0]` must be an event type",
        ),
        (
            r#"{"advancedFilters": {}}"#,
            "`advancedFilters` must be an array",
        ),
        (
            r#"{"advancedFilters": [5]}"#,
            "`advancedFilters[0]` must be an object, found a number",
        ),
        (
            r#"{"advancedFilters": [{"key": "data.a", "values": [1]}]}"#,
            "`advancedFilters[0].operatorType` is missing",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberIn", "values": [1]}]}"#,
            "`advancedFilters[0].key` is missing",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "numberin", "key": "data.a", "values": [1]}]}"#,
            "unknown operatorType `numberin` (did you mean `NumberIn`?)",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberBetween", "key": "data.a", "values": [1]}]}"#,
            "unknown operatorType `NumberBetween`; expected one of NumberIn, ",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "value": 1}]}"#,
            "`advancedFilters[0].value`: NumberIn takes `values`: an array of numbers, not `value`",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a", "values": [1]}]}"#,
            "NumberLessThan takes `value`: a number, not `values`",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a"}]}"#,
            "`advancedFilters[0].value` is missing: NumberLessThan takes `value`: a number",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a", "value": "1"}]}"#,
            "`advancedFilters[0].value` must be a number, found a string",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "BoolEquals", "key": "data.a", "value": "true"}]}"#,
            "`advancedFilters[0].value` must be true or false",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "BoolEquals", "key": "data.a", "values": [true]}]}"#,
            "BoolEquals takes `value`: true or false, not `values`",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "values": []}]}"#,
            "`advancedFilters[0].values` must be a non-empty array, found an empty array",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "values": [1, "2"]}]}"#,
            "`advancedFilters[0].values[1]` must be a number",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "StringIn", "key": "data.a", "values": "x"}]}"#,
            "`advancedFilters[0].values` must be an array",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "StringIn", "key": "data.a", "values": ["x", 1]}]}"#,
            "`advancedFilters[0].values[1]` must be a string",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberInRange", "key": "data.a", "values": [1, 2]}]}"#,
            "`advancedFilters[0].values[0]` must be a [low, high] pair",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberInRange", "key": "data.a", "values": [[1, 2, 3]]}]}"#,
            "`advancedFilters[0].values[0]` must be a [low, high] pair",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "NumberNotInRange", "key": "data.a", "values": [[1, "2"]]}]}"#,
            "`advancedFilters[0].values[0][1]` must be a number",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.a", "value": 1}]}"#,
            "IsNotNull takes no value, not `value`",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNullOrUndefined", "key": "data.a", "values": [1]}]}"#,
            "IsNullOrUndefined takes no value, not `values`",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data..a"}]}"#,
            "invalid key `data..a`: a key segment is empty",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": ""}]}"#,
            "invalid key ``: the key is empty",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.a."}]}"#,
            "a key segment is empty",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "subject.x"}]}"#,
            "only `data.…` keys have nested segments",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": 5}]}"#,
            "`advancedFilters[0].key` must be a string",
        ),
        (
            r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "id", "valeus": [1]}]}"#,
            "unknown property `advancedFilters[0].valeus`",
        ),
        (r#"{"filter": 5}"#, "`filter` must be an object"),
    ];
    for (json, expected) in rows {
        let err = Filter::parse(json).expect_err(json).to_string();
        assert!(
            err.contains(expected),
            "{json}\n  got: {err}\n  want: {expected}"
        );
    }
}

#[test]
fn accepts_the_wrapper_nulls_and_any_property_case() {
    let bare = Filter::parse(r#"{"subjectBeginsWith": "/phonenumber/1555"}"#).unwrap();
    let wrapped =
        Filter::parse(r#"{"filter": {"subjectBeginsWith": "/phonenumber/1555"}}"#).unwrap();
    assert_eq!(bare, wrapped);
    let subscription = Filter::parse(r#"{"name": "sms", "destination": {"endpointType": "AzureFunction"}, "filter": {"subjectBeginsWith": "/phonenumber/1555"}}"#).unwrap();
    assert_eq!(bare, subscription);
    let cased = Filter::parse(r#"{"SubjectBeginsWith": "/phonenumber/1555", "includedEventTypes": null, "advancedFilters": null, "isSubjectCaseSensitive": null, "enableAdvancedFilteringOnArrays": null, "subjectEndsWith": null}"#).unwrap();
    assert_eq!(bare, cased);
    let filter = Filter::parse(r#"{"advancedFilters": [{"OperatorType": "IsNotNull", "Key": "id", "value": null, "values": null}]}"#).unwrap();
    assert!(filter.matches(&event()));
}

#[test]
fn filter_is_send_sync_clone_debug() {
    fn assert_traits<T: Send + Sync + Clone + std::fmt::Debug + 'static>() {}
    assert_traits::<Filter>();
    assert_traits::<Decision>();
    assert_traits::<FilterError>();
}
