//! Reading a filter document: properties (case-insensitive, as ARM reads them), operands,
//! keys and Event Grid's limits, each error naming the bad part by its path.

use serde_json::Value;

use super::casefold::lowercase;
use super::operator::Operand;
use super::*;

/// The properties of an Event Grid `filter` object, matched case-insensitively as ARM does.
const PROPERTIES: [&str; 6] = [
    "includedEventTypes",
    "subjectBeginsWith",
    "subjectEndsWith",
    "isSubjectCaseSensitive",
    "enableAdvancedFilteringOnArrays",
    "advancedFilters",
];
const PROPERTY_LIST: &str = "includedEventTypes, subjectBeginsWith, subjectEndsWith, \
                             isSubjectCaseSensitive, enableAdvancedFilteringOnArrays, advancedFilters";
const ADVANCED_PROPERTIES: [&str; 4] = ["operatorType", "key", "value", "values"];
const ADVANCED_PROPERTY_LIST: &str = "operatorType, key, value, values";

impl Filter {
    /// Parses a filter: the bare `filter` object of an event subscription, or any object holding
    /// it as `filter` (`{"filter": {...}}`, or `az eventgrid event-subscription show` output).
    pub fn parse(json: &str) -> Result<Filter, FilterError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| FilterError::Json(e.to_string()))?;
        Filter::from_value(&value)
    }

    /// [`Filter::parse`] for JSON already read.
    pub fn from_value(value: &Value) -> Result<Filter, FilterError> {
        let Value::Object(object) = value else {
            return Err(FilterError::NotAnObject(json_kind(value)));
        };
        let names_a_property = object
            .keys()
            .any(|k| PROPERTIES.iter().any(|p| p.eq_ignore_ascii_case(k)));
        let object = match object.get("filter") {
            Some(Value::Object(inner)) if !names_a_property => inner,
            Some(other) if !names_a_property => {
                return Err(wrong_type("filter", "an object", other));
            }
            _ => object,
        };

        let mut slots: [Option<&Value>; 6] = [None; 6];
        for (name, value) in object {
            let Some(slot) = PROPERTIES.iter().position(|p| p.eq_ignore_ascii_case(name)) else {
                return Err(FilterError::UnknownProperty {
                    path: name.clone(),
                    expected: PROPERTY_LIST,
                });
            };
            if slots[slot].replace(value).is_some() {
                return Err(FilterError::Duplicate { path: name.clone() });
            }
        }
        let [types, begins, ends, case_sensitive, arrays, advanced] =
            slots.map(|v| v.filter(|v| !v.is_null()));

        let subject_case_sensitive = parse_bool(case_sensitive, PROPERTIES[3])?;
        let arrays = parse_bool(arrays, PROPERTIES[4])?;
        let (included_event_types, empty_type_list) = parse_event_types(types)?;
        let subject = |value: Option<&Value>,
                       path: &'static str|
         -> Result<Option<SubjectFilter>, FilterError> {
            match value {
                None => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(SubjectFilter {
                    text: s.clone(),
                    pattern: if subject_case_sensitive {
                        s.clone()
                    } else {
                        lowercase(s)
                    },
                })),
                Some(other) => Err(wrong_type(path, "a string", other)),
            }
        };
        let subject_begins_with = subject(begins, PROPERTIES[1])?;
        let subject_ends_with = subject(ends, PROPERTIES[2])?;
        let advanced = parse_advanced_filters(advanced)?;
        let mut filter = Filter {
            included_event_types,
            empty_type_list,
            subject_begins_with,
            subject_ends_with,
            subject_case_sensitive,
            arrays,
            advanced,
            wanted: Wanted::default(),
        };
        filter.wanted = filter.wanted_fields();
        Ok(filter)
    }
}

fn parse_bool(value: Option<&Value>, path: &'static str) -> Result<bool, FilterError> {
    match value {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(wrong_type(path, "true or false", other)),
    }
}

/// `None` for every type: no list, `"All"` in it, or an empty list (also reported).
fn parse_event_types(value: Option<&Value>) -> Result<(Option<Vec<String>>, bool), FilterError> {
    let Some(value) = value else {
        return Ok((None, false));
    };
    let Value::Array(items) = value else {
        return Err(wrong_type(
            PROPERTIES[0],
            "an array of event type strings",
            value,
        ));
    };
    let mut types = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) if !s.trim().is_empty() => types.push(s.clone()),
            Value::String(_) => {
                return Err(FilterError::WrongType {
                    path: format!("includedEventTypes[{i}]"),
                    expected: "an event type",
                    found: "an empty string".to_owned(),
                })
            }
            other => {
                return Err(wrong_type(
                    format!("includedEventTypes[{i}]"),
                    "a string",
                    other,
                ))
            }
        }
    }
    if types.is_empty() {
        return Ok((None, true));
    }
    if types.iter().any(|t| t.eq_ignore_ascii_case("All")) {
        return Ok((None, false));
    }
    Ok((Some(types), false))
}

fn parse_advanced_filters(value: Option<&Value>) -> Result<Vec<AdvancedFilter>, FilterError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = value else {
        return Err(wrong_type(
            PROPERTIES[5],
            "an array of advanced filters",
            value,
        ));
    };
    if items.len() > MAX_ADVANCED_FILTERS {
        return Err(FilterError::TooManyFilters {
            path: PROPERTIES[5],
            count: items.len(),
        });
    }
    let mut filters = Vec::with_capacity(items.len());
    let mut values = 0;
    for (index, item) in items.iter().enumerate() {
        let (filter, count) = parse_advanced_filter(index, item)?;
        values += count;
        filters.push(filter);
    }
    if values > MAX_FILTER_VALUES {
        return Err(FilterError::TooManyValues { count: values });
    }
    Ok(filters)
}

/// One advanced filter and how many filter values it holds.
fn parse_advanced_filter(
    index: usize,
    item: &Value,
) -> Result<(AdvancedFilter, usize), FilterError> {
    let path = format!("advancedFilters[{index}]");
    let Value::Object(object) = item else {
        return Err(wrong_type(path, "an object", item));
    };
    let mut slots: [Option<&Value>; 4] = [None; 4];
    for (name, value) in object {
        let Some(slot) = ADVANCED_PROPERTIES
            .iter()
            .position(|p| p.eq_ignore_ascii_case(name))
        else {
            return Err(FilterError::UnknownProperty {
                path: format!("{path}.{name}"),
                expected: ADVANCED_PROPERTY_LIST,
            });
        };
        if slots[slot].replace(value).is_some() {
            return Err(FilterError::Duplicate {
                path: format!("{path}.{name}"),
            });
        }
    }
    let [operator, key, value, values] = slots.map(|v| v.filter(|v| !v.is_null()));

    let operator = match operator {
        None => {
            return Err(FilterError::Missing {
                path: format!("{path}.operatorType"),
                what: "every advanced filter needs an operatorType".to_owned(),
            })
        }
        Some(Value::String(name)) => {
            OperatorType::from_name(name).ok_or_else(|| FilterError::UnknownOperator {
                path: format!("{path}.operatorType"),
                name: name.clone(),
                suggestion: OperatorType::ALL
                    .into_iter()
                    .find(|op| op.as_str().eq_ignore_ascii_case(name))
                    .map(OperatorType::as_str),
            })?
        }
        Some(other) => {
            return Err(wrong_type(
                format!("{path}.operatorType"),
                "a string",
                other,
            ))
        }
    };
    let key = match key {
        None => {
            return Err(FilterError::Missing {
                path: format!("{path}.key"),
                what: format!(
                    "{operator} needs the key of the field it tests (`data.…`, `subject`, …)"
                ),
            })
        }
        Some(Value::String(text)) => parse_key(&format!("{path}.key"), text)?,
        Some(other) => return Err(wrong_type(format!("{path}.key"), "a string", other)),
    };

    let shape = operator.operand();
    let expected = match shape {
        Operand::Numbers => "`values`: an array of numbers",
        Operand::Ranges => "`values`: an array of [low, high] number pairs",
        Operand::Strings => "`values`: an array of strings",
        Operand::Number => "`value`: a number",
        Operand::Bool => "`value`: true or false",
        Operand::Nothing => "no value",
    };
    let (operand_field, wanted, unwanted) = match shape {
        Operand::Number | Operand::Bool => ("value", value, [("values", values), ("value", None)]),
        Operand::Nothing => ("", None, [("value", value), ("values", values)]),
        _ => ("values", values, [("value", value), ("values", None)]),
    };
    if let Some((field, _)) = unwanted.into_iter().find(|(_, v)| v.is_some()) {
        return Err(FilterError::UnexpectedOperand {
            path: format!("{path}.{field}"),
            operator,
            field,
            expected,
        });
    }
    let operand_path = format!("{path}.{operand_field}");
    if shape != Operand::Nothing && wanted.is_none() {
        return Err(FilterError::Missing {
            path: operand_path,
            what: format!("{operator} takes {expected}"),
        });
    }
    let operand = wanted
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .unwrap_or_default();
    let number = |v: &Value, at: String| -> Result<f64, FilterError> {
        v.as_f64().ok_or_else(|| wrong_type(at, "a number", v))
    };

    let (test, count) = match (shape, wanted) {
        (Operand::Nothing, _) | (_, None) => (Test::Presence, 0),
        (Operand::Number, Some(v)) => {
            let limit = number(v, operand_path.clone())?;
            let test = match operator {
                OperatorType::NumberLessThan => Test::LessThan(limit),
                OperatorType::NumberGreaterThan => Test::GreaterThan(limit),
                OperatorType::NumberLessThanOrEquals => Test::LessThanOrEquals(limit),
                _ => Test::GreaterThanOrEquals(limit),
            };
            (test, 1)
        }
        (Operand::Bool, Some(v)) => match v {
            Value::Bool(b) => (Test::Bool(*b), 1),
            other => return Err(wrong_type(operand_path, "true or false", other)),
        },
        (Operand::Numbers, Some(v)) => {
            let items = non_empty_list(v, &operand_path)?;
            let numbers = items
                .iter()
                .enumerate()
                .map(|(i, item)| number(item, format!("{operand_path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            let count = numbers.len();
            (Test::NumberIn(numbers), count)
        }
        (Operand::Ranges, Some(v)) => {
            let items = non_empty_list(v, &operand_path)?;
            let mut ranges = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let at = format!("{operand_path}[{i}]");
                match item {
                    Value::Array(pair) if pair.len() == 2 => {
                        ranges.push((
                            number(&pair[0], format!("{at}[0]"))?,
                            number(&pair[1], format!("{at}[1]"))?,
                        ));
                    }
                    other => return Err(wrong_type(at, "a [low, high] pair of numbers", other)),
                }
            }
            let count = ranges.len();
            (Test::InRange(ranges), count)
        }
        (Operand::Strings, Some(v)) => {
            let items = non_empty_list(v, &operand_path)?;
            let mut strings = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let at = format!("{operand_path}[{i}]");
                let Value::String(s) = item else {
                    return Err(wrong_type(at, "a string", item));
                };
                let chars = s.chars().count();
                if chars > MAX_STRING_VALUE_CHARS {
                    return Err(FilterError::StringTooLong { path: at, chars });
                }
                // "All string comparisons aren't case-sensitive."
                strings.push(lowercase(s));
            }
            let count = strings.len();
            let test = match operator {
                OperatorType::StringIn | OperatorType::StringNotIn => Test::StringIn(strings),
                OperatorType::StringContains | OperatorType::StringNotContains => {
                    Test::Contains(strings)
                }
                OperatorType::StringBeginsWith | OperatorType::StringNotBeginsWith => {
                    Test::BeginsWith(strings)
                }
                _ => Test::EndsWith(strings),
            };
            (test, count)
        }
    };
    Ok((
        AdvancedFilter {
            operator,
            key,
            test,
            operand,
        },
        count,
    ))
}

fn non_empty_list<'a>(value: &'a Value, path: &str) -> Result<&'a [Value], FilterError> {
    match value {
        Value::Array(items) if items.is_empty() => Err(FilterError::WrongType {
            path: path.to_owned(),
            expected: "a non-empty array",
            found: "an empty array".to_owned(),
        }),
        Value::Array(items) => Ok(items),
        other => Err(wrong_type(path, "an array", other)),
    }
}

/// `data` or `data.a.b` (the data path), or one top-level field name. `.` always separates:
/// Event Grid has no escape for keys containing dots.
fn parse_key(path: &str, text: &str) -> Result<Key, FilterError> {
    let invalid = |reason| FilterError::InvalidKey {
        path: path.to_owned(),
        key: text.to_owned(),
        reason,
    };
    if text.is_empty() {
        return Err(invalid("the key is empty"));
    }
    if text.split('.').any(str::is_empty) {
        return Err(invalid(
            "a key segment is empty (a leading, trailing or doubled `.`)",
        ));
    }
    let mut segments = text.split('.');
    let first = segments.next().unwrap_or_default();
    let target = if first.eq_ignore_ascii_case("data") {
        KeyTarget::Data(segments.map(str::to_owned).collect())
    } else if segments.next().is_some() {
        return Err(invalid("only `data.…` keys have nested segments"));
    } else {
        KeyTarget::Envelope(first.to_ascii_lowercase())
    };
    Ok(Key {
        text: text.to_owned(),
        target,
    })
}

fn wrong_type(path: impl Into<String>, expected: &'static str, found: &Value) -> FilterError {
    FilterError::WrongType {
        path: path.into(),
        expected,
        found: json_kind(found).to_owned(),
    }
}

pub(super) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
