use super::*;

#[test]
fn number_operators() {
    run_table(&[
        ("NumberIn", "data.num", Some(json!([1, 5])), false, true),
        ("NumberIn", "data.num", Some(json!([1, 2])), false, false),
        ("NumberIn", "data.num", Some(json!([5.0])), false, true),
        ("NumberIn", "data.numstr", Some(json!([5])), false, false),
        ("NumberIn", "data.flag", Some(json!([1])), false, false),
        ("NumberNotIn", "data.num", Some(json!([1, 2])), false, true),
        ("NumberNotIn", "data.num", Some(json!([5])), false, false),
        ("NumberNotIn", "data.numstr", Some(json!([5])), false, true),
        ("NumberLessThan", "data.num", Some(json!(6)), false, true),
        ("NumberLessThan", "data.num", Some(json!(5)), false, false),
        ("NumberLessThan", "data.neg", Some(json!(-2)), false, true),
        (
            "NumberGreaterThan",
            "data.num",
            Some(json!(4.9)),
            false,
            true,
        ),
        (
            "NumberGreaterThan",
            "data.num",
            Some(json!(5)),
            false,
            false,
        ),
        (
            "NumberLessThanOrEquals",
            "data.num",
            Some(json!(5)),
            false,
            true,
        ),
        (
            "NumberLessThanOrEquals",
            "data.num",
            Some(json!(4)),
            false,
            false,
        ),
        (
            "NumberGreaterThanOrEquals",
            "data.num",
            Some(json!(5)),
            false,
            true,
        ),
        (
            "NumberGreaterThanOrEquals",
            "data.num",
            Some(json!(6)),
            false,
            false,
        ),
        (
            "NumberGreaterThanOrEquals",
            "data.str",
            Some(json!(0)),
            false,
            false,
        ),
        (
            "NumberInRange",
            "data.num",
            Some(json!([[0, 1], [5, 5]])),
            false,
            true,
        ),
        (
            "NumberInRange",
            "data.num",
            Some(json!([[3.5, 4.99]])),
            false,
            false,
        ),
        (
            "NumberInRange",
            "data.neg",
            Some(json!([[-3, -2]])),
            false,
            true,
        ),
        (
            "NumberNotInRange",
            "data.num",
            Some(json!([[0, 4], [6, 9]])),
            false,
            true,
        ),
        (
            "NumberNotInRange",
            "data.num",
            Some(json!([[4, 6]])),
            false,
            false,
        ),
        (
            "NumberNotInRange",
            "data.str",
            Some(json!([[4, 6]])),
            false,
            true,
        ),
    ]);
}

#[test]
fn bool_and_presence_operators() {
    run_table(&[
        ("BoolEquals", "data.flag", Some(json!(true)), false, true),
        ("BoolEquals", "data.flag", Some(json!(false)), false, false),
        ("BoolEquals", "data.num", Some(json!(true)), false, false),
        ("BoolEquals", "data.str", Some(json!(false)), false, false),
        ("IsNullOrUndefined", "data.missing", None, false, true),
        ("IsNullOrUndefined", "data.nul", None, false, true),
        ("IsNullOrUndefined", "data.num", None, false, false),
        ("IsNullOrUndefined", "data.empty", None, false, false),
        (
            "IsNullOrUndefined",
            "data.obj.inner.nope",
            None,
            false,
            true,
        ),
        ("IsNullOrUndefined", "data.str.below", None, false, true),
        ("IsNotNull", "data.missing", None, false, false),
        ("IsNotNull", "data.nul", None, false, false),
        ("IsNotNull", "data.str", None, false, true),
        ("IsNotNull", "data.obj", None, false, true),
        ("IsNotNull", "data", None, false, true),
        ("IsNotNull", "subject", None, false, true),
    ]);
}

#[test]
fn string_operators_are_case_insensitive() {
    run_table(&[
        (
            "StringIn",
            "data.str",
            Some(json!(["hello world"])),
            false,
            true,
        ),
        (
            "StringIn",
            "data.str",
            Some(json!(["HELLO WORLD", "x"])),
            false,
            true,
        ),
        ("StringIn", "data.str", Some(json!(["hello"])), false, false),
        ("StringIn", "data.num", Some(json!(["5"])), false, false),
        ("StringIn", "data.numstr", Some(json!(["5"])), false, true),
        (
            "StringNotIn",
            "data.str",
            Some(json!(["hello"])),
            false,
            true,
        ),
        (
            "StringNotIn",
            "data.str",
            Some(json!(["HELLO world"])),
            false,
            false,
        ),
        (
            "StringContains",
            "data.str",
            Some(json!(["LO WO"])),
            false,
            true,
        ),
        (
            "StringContains",
            "data.str",
            Some(json!(["azure", "orl"])),
            false,
            true,
        ),
        (
            "StringContains",
            "data.str",
            Some(json!(["azure"])),
            false,
            false,
        ),
        ("StringContains", "data.str", Some(json!([""])), false, true),
        (
            "StringNotContains",
            "data.str",
            Some(json!(["contoso", "fabrikam"])),
            false,
            true,
        ),
        (
            "StringNotContains",
            "data.str",
            Some(json!(["contoso", "WORLD"])),
            false,
            false,
        ),
        (
            "StringBeginsWith",
            "data.str",
            Some(json!(["hELLO"])),
            false,
            true,
        ),
        (
            "StringBeginsWith",
            "data.str",
            Some(json!(["world"])),
            false,
            false,
        ),
        (
            "StringNotBeginsWith",
            "data.str",
            Some(json!(["world"])),
            false,
            true,
        ),
        (
            "StringNotBeginsWith",
            "data.str",
            Some(json!(["HELLO"])),
            false,
            false,
        ),
        (
            "StringEndsWith",
            "data.str",
            Some(json!(["jpg", "WORLD"])),
            false,
            true,
        ),
        (
            "StringEndsWith",
            "data.str",
            Some(json!(["hello"])),
            false,
            false,
        ),
        (
            "StringNotEndsWith",
            "data.str",
            Some(json!(["hello"])),
            false,
            true,
        ),
        (
            "StringNotEndsWith",
            "data.str",
            Some(json!(["rld"])),
            false,
            false,
        ),
        // Non-ASCII case folding on both sides.
        (
            "StringIn",
            "data.unicode",
            Some(json!(["ärger ÜBER σ"])),
            false,
            true,
        ),
        (
            "StringBeginsWith",
            "data.unicode",
            Some(json!(["ärger"])),
            false,
            true,
        ),
        (
            "StringEndsWith",
            "data.unicode",
            Some(json!(["ÜBER Σ"])),
            false,
            true,
        ),
        (
            "StringContains",
            "data.unicode",
            Some(json!(["GER ü"])),
            false,
            true,
        ),
        (
            "StringContains",
            "data.unicode",
            Some(json!(["ä ü"])),
            false,
            false,
        ),
        // A number is not a string: ignored, so the negated operators pass.
        (
            "StringNotContains",
            "data.num",
            Some(json!(["5"])),
            false,
            true,
        ),
    ]);
}

#[test]
fn every_operator_on_a_missing_or_null_key() {
    let operand = |op: OperatorType| match op.operand() {
        Operand::Numbers => Some(json!([5])),
        Operand::Number => Some(json!(5)),
        Operand::Ranges => Some(json!([[4, 6]])),
        Operand::Bool => Some(json!(false)),
        Operand::Strings => Some(json!(["x"])),
        Operand::Nothing => None,
    };
    let matched = [
        OperatorType::NumberNotIn,
        OperatorType::NumberNotInRange,
        OperatorType::StringNotIn,
        OperatorType::IsNullOrUndefined,
    ];
    let event = event();
    for op in OperatorType::ALL {
        for key in [
            "data.missing",
            "data.nul",
            "data.obj.missing.deeper",
            "nosuchfield",
        ] {
            let f = advanced(op.as_str(), key, operand(op), false);
            let decision = f.evaluate(&event);
            assert_eq!(
                decision.delivered,
                matched.contains(&op),
                "{op} on {key}: {}",
                decision.reason
            );
            assert_eq!(op.matches_missing_key(), matched.contains(&op));
            if !decision.delivered && op != OperatorType::IsNullOrUndefined {
                assert!(
                    decision.reason.contains("missing") || decision.reason.contains("null"),
                    "{}",
                    decision.reason
                );
            }
        }
    }
}

#[test]
fn arrays_only_with_enable_advanced_filtering_on_arrays() {
    run_table(&[
        // Without the flag an array is one value of another type: ignored.
        ("NumberIn", "data.nums", Some(json!([5])), false, false),
        ("NumberNotIn", "data.nums", Some(json!([5])), false, true),
        (
            "StringIn",
            "data.strs",
            Some(json!(["world"])),
            false,
            false,
        ),
        (
            "StringNotContains",
            "data.strs",
            Some(json!(["o"])),
            false,
            true,
        ),
        ("IsNotNull", "data.nums", None, false, true),
        // With it, any element hits (positive) / no element may hit (negated).
        ("NumberIn", "data.nums", Some(json!([5])), true, true),
        ("NumberIn", "data.nums", Some(json!([2, 3])), true, false),
        ("NumberNotIn", "data.nums", Some(json!([5])), true, false),
        ("NumberNotIn", "data.nums", Some(json!([2, 3])), true, true),
        ("NumberLessThan", "data.nums", Some(json!(2)), true, true),
        ("NumberGreaterThan", "data.nums", Some(json!(4)), true, true),
        (
            "NumberGreaterThan",
            "data.nums",
            Some(json!(5)),
            true,
            false,
        ),
        (
            "NumberInRange",
            "data.nums",
            Some(json!([[2, 4], [5, 6]])),
            true,
            true,
        ),
        (
            "NumberNotInRange",
            "data.nums",
            Some(json!([[0, 1]])),
            true,
            false,
        ),
        (
            "NumberNotInRange",
            "data.nums",
            Some(json!([[2, 4]])),
            true,
            true,
        ),
        ("StringIn", "data.strs", Some(json!(["WORLD"])), true, true),
        (
            "StringNotIn",
            "data.strs",
            Some(json!(["world"])),
            true,
            false,
        ),
        (
            "StringBeginsWith",
            "data.strs",
            Some(json!(["wor"])),
            true,
            true,
        ),
        (
            "StringEndsWith",
            "data.strs",
            Some(json!(["x"])),
            true,
            false,
        ),
        (
            "StringNotEndsWith",
            "data.strs",
            Some(json!(["x"])),
            true,
            true,
        ),
        (
            "StringContains",
            "data.strs",
            Some(json!(["ell"])),
            true,
            true,
        ),
        (
            "StringNotContains",
            "data.strs",
            Some(json!(["ell"])),
            true,
            false,
        ),
        // Elements of another type are ignored.
        ("NumberIn", "data.mixed", Some(json!([7])), true, true),
        ("StringIn", "data.mixed", Some(json!(["seven"])), true, true),
        ("BoolEquals", "data.mixed", Some(json!(true)), true, true),
        ("StringIn", "data.nums", Some(json!(["5"])), true, false),
        ("StringNotIn", "data.nums", Some(json!(["5"])), true, true),
        // Arrays of objects cannot be filtered on.
        ("NumberIn", "data.objs", Some(json!([1])), true, false),
        ("IsNullOrUndefined", "data.objs.a", None, true, true),
        // An empty array is present: no element hits.
        ("NumberIn", "data.empty", Some(json!([1])), true, false),
        ("NumberNotIn", "data.empty", Some(json!([1])), true, true),
        ("IsNotNull", "data.empty", None, true, true),
        // Scalars are unaffected by the flag.
        ("NumberIn", "data.num", Some(json!([5])), true, true),
    ]);
}
