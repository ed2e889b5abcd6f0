//! Event Grid event subscription filters, evaluated the way Event Grid evaluates them
//! (`event-grid.md` §4): `includedEventTypes`, `subjectBeginsWith` / `subjectEndsWith`
//! (`isSubjectCaseSensitive`), and the advanced filters (every operator, arrays, limits and the
//! missing-key rules).
//!
//! Why: a subscription filter that matches nothing looks exactly like "ACS sent nothing". The ACS
//! docs' own example (`subjectBeginsWith: "phonenumber/1555"`) is such a filter, because SMS
//! subjects start with `/phonenumber/`. [`Filter::evaluate`] says which clause rejected an event,
//! and [`Filter::warnings`] flags clauses that can never match the ACS subjects of the types named.
//!
//! A [`Filter`] is parsed once (values pre-lowercased, keys pre-split) and is cheap to evaluate:
//! [`Filter::matches`] allocates nothing; [`Filter::evaluate`] allocates only its reason text.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::events::{canonical_event_type, Schema};

/// Most advanced filters a subscription may hold (`event-grid.md` §4.3).
pub const MAX_ADVANCED_FILTERS: usize = 25;
/// Most filter values across all advanced filters of a subscription (a `value` counts one, a
/// `[low, high]` range counts one).
pub const MAX_FILTER_VALUES: usize = 25;
/// Longest string filter value, in characters.
pub const MAX_STRING_VALUE_CHARS: usize = 512;

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

/// Envelope field names an advanced filter key may address without `data.`: the Event Grid
/// schema's, CloudEvents 1.0 attributes, and the legacy CloudEvents names of the 2023 docs.
const ENVELOPE_KEYS: [&str; 15] = [
    "id",
    "topic",
    "subject",
    "eventtype",
    "eventtime",
    "dataversion",
    "metadataversion",
    "source",
    "type",
    "specversion",
    "time",
    "datacontenttype",
    "dataschema",
    "eventid",
    "eventtypeversion",
];

/// An advanced filter operator, by its Event Grid `operatorType` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorType {
    NumberIn,
    NumberNotIn,
    NumberLessThan,
    NumberGreaterThan,
    NumberLessThanOrEquals,
    NumberGreaterThanOrEquals,
    NumberInRange,
    NumberNotInRange,
    BoolEquals,
    StringContains,
    StringNotContains,
    StringBeginsWith,
    StringNotBeginsWith,
    StringEndsWith,
    StringNotEndsWith,
    StringIn,
    StringNotIn,
    IsNullOrUndefined,
    IsNotNull,
}

/// What an operator takes as its operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operand {
    Numbers,
    Number,
    Ranges,
    Bool,
    Strings,
    Nothing,
}

impl OperatorType {
    /// Every operator, in the order of the Event Grid docs.
    pub const ALL: [OperatorType; 19] = [
        OperatorType::NumberIn,
        OperatorType::NumberNotIn,
        OperatorType::NumberLessThan,
        OperatorType::NumberGreaterThan,
        OperatorType::NumberLessThanOrEquals,
        OperatorType::NumberGreaterThanOrEquals,
        OperatorType::NumberInRange,
        OperatorType::NumberNotInRange,
        OperatorType::BoolEquals,
        OperatorType::StringContains,
        OperatorType::StringNotContains,
        OperatorType::StringBeginsWith,
        OperatorType::StringNotBeginsWith,
        OperatorType::StringEndsWith,
        OperatorType::StringNotEndsWith,
        OperatorType::StringIn,
        OperatorType::StringNotIn,
        OperatorType::IsNullOrUndefined,
        OperatorType::IsNotNull,
    ];

    /// The `operatorType` string.
    pub fn as_str(self) -> &'static str {
        match self {
            OperatorType::NumberIn => "NumberIn",
            OperatorType::NumberNotIn => "NumberNotIn",
            OperatorType::NumberLessThan => "NumberLessThan",
            OperatorType::NumberGreaterThan => "NumberGreaterThan",
            OperatorType::NumberLessThanOrEquals => "NumberLessThanOrEquals",
            OperatorType::NumberGreaterThanOrEquals => "NumberGreaterThanOrEquals",
            OperatorType::NumberInRange => "NumberInRange",
            OperatorType::NumberNotInRange => "NumberNotInRange",
            OperatorType::BoolEquals => "BoolEquals",
            OperatorType::StringContains => "StringContains",
            OperatorType::StringNotContains => "StringNotContains",
            OperatorType::StringBeginsWith => "StringBeginsWith",
            OperatorType::StringNotBeginsWith => "StringNotBeginsWith",
            OperatorType::StringEndsWith => "StringEndsWith",
            OperatorType::StringNotEndsWith => "StringNotEndsWith",
            OperatorType::StringIn => "StringIn",
            OperatorType::StringNotIn => "StringNotIn",
            OperatorType::IsNullOrUndefined => "IsNullOrUndefined",
            OperatorType::IsNotNull => "IsNotNull",
        }
    }

    /// The operator named exactly `name` (Event Grid's spelling; case matters).
    pub fn from_name(name: &str) -> Option<OperatorType> {
        OperatorType::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether the operator matches an event whose key is missing or `null`. The docs list
    /// NumberNotIn and StringNotIn as matching and every other value operator, the negated
    /// string ones included, as not matching; NumberInRange / NumberNotInRange are not listed
    /// and follow NumberIn / NumberNotIn.
    pub fn matches_missing_key(self) -> bool {
        matches!(
            self,
            OperatorType::NumberNotIn
                | OperatorType::NumberNotInRange
                | OperatorType::StringNotIn
                | OperatorType::IsNullOrUndefined
        )
    }

    /// Negated operators pass when no value of the key hits any filter value.
    fn is_negated(self) -> bool {
        matches!(
            self,
            OperatorType::NumberNotIn
                | OperatorType::NumberNotInRange
                | OperatorType::StringNotContains
                | OperatorType::StringNotBeginsWith
                | OperatorType::StringNotEndsWith
                | OperatorType::StringNotIn
        )
    }

    fn operand(self) -> Operand {
        match self {
            OperatorType::NumberIn | OperatorType::NumberNotIn => Operand::Numbers,
            OperatorType::NumberLessThan
            | OperatorType::NumberGreaterThan
            | OperatorType::NumberLessThanOrEquals
            | OperatorType::NumberGreaterThanOrEquals => Operand::Number,
            OperatorType::NumberInRange | OperatorType::NumberNotInRange => Operand::Ranges,
            OperatorType::BoolEquals => Operand::Bool,
            OperatorType::StringContains
            | OperatorType::StringNotContains
            | OperatorType::StringBeginsWith
            | OperatorType::StringNotBeginsWith
            | OperatorType::StringEndsWith
            | OperatorType::StringNotEndsWith
            | OperatorType::StringIn
            | OperatorType::StringNotIn => Operand::Strings,
            OperatorType::IsNullOrUndefined | OperatorType::IsNotNull => Operand::Nothing,
        }
    }
}

impl std::fmt::Display for OperatorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A filter that Event Grid would refuse, or that is not JSON; names the bad part by its path in
/// the filter object (`advancedFilters[2].values[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("the filter is not valid JSON: {0}")]
    Json(String),
    #[error("the filter must be a JSON object (or {{\"filter\": {{...}}}}), found {0}")]
    NotAnObject(&'static str),
    #[error("unknown property `{path}`; expected one of {expected}")]
    UnknownProperty {
        path: String,
        expected: &'static str,
    },
    #[error("`{path}` is given twice (property names are case-insensitive)")]
    Duplicate { path: String },
    #[error("`{path}` must be {expected}, found {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: String,
    },
    #[error("`{path}` is missing: {what}")]
    Missing { path: String, what: String },
    #[error("`{path}`: unknown operatorType `{name}`{}", match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => format!("; expected one of {}", OperatorType::ALL.map(OperatorType::as_str).join(", ")),
    })]
    UnknownOperator {
        path: String,
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("`{path}`: {operator} takes {expected}, not `{field}`")]
    UnexpectedOperand {
        path: String,
        operator: OperatorType,
        field: &'static str,
        expected: &'static str,
    },
    #[error("`{path}`: invalid key `{key}`: {reason}")]
    InvalidKey {
        path: String,
        key: String,
        reason: &'static str,
    },
    #[error("`{path}` holds {count} filters; Event Grid allows at most {MAX_ADVANCED_FILTERS} per subscription")]
    TooManyFilters { path: &'static str, count: usize },
    #[error("the advanced filters hold {count} values in all; Event Grid allows at most {MAX_FILTER_VALUES} across all filters of a subscription")]
    TooManyValues { count: usize },
    #[error("`{path}` is {chars} characters long; Event Grid allows at most {MAX_STRING_VALUE_CHARS} per string value")]
    StringTooLong { path: String, chars: usize },
}

/// Whether an event would be delivered, and why (the clause that rejected it, or that all passed).
///
/// The reason may quote event values (subjects hold phone numbers): fine for the CLI, not for logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub delivered: bool,
    pub reason: String,
}

/// An event subscription filter. `Send + Sync + Clone`: parse once, share, evaluate per event.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// `None`: every event type (no list, `"All"`, or an empty list).
    included_event_types: Option<Vec<String>>,
    /// The list was given but empty (treated as every type; flagged by `warnings`).
    empty_type_list: bool,
    subject_begins_with: Option<SubjectFilter>,
    subject_ends_with: Option<SubjectFilter>,
    subject_case_sensitive: bool,
    arrays: bool,
    advanced: Vec<AdvancedFilter>,
    /// The fields the clauses read, for [`Filter::matches_json`]; derived from the rest.
    wanted: Wanted,
}

#[derive(Debug, Clone, PartialEq)]
struct SubjectFilter {
    /// As written in the filter.
    text: String,
    /// What subjects are compared with: `text`, lowercased unless case-sensitive.
    pattern: String,
}

#[derive(Debug, Clone, PartialEq)]
struct AdvancedFilter {
    operator: OperatorType,
    key: Key,
    test: Test,
    /// The operand as written (compact JSON), for reasons.
    operand: String,
}

#[derive(Debug, Clone, PartialEq)]
struct Key {
    text: String,
    target: KeyTarget,
}

#[derive(Debug, Clone, PartialEq)]
enum KeyTarget {
    /// A top-level field of the event (`subject`, `eventType`, a CloudEvents extension …),
    /// lowercased: matched case-insensitively.
    Envelope(String),
    /// `data` followed by these segments (none: `data` itself).
    Data(Vec<String>),
}

/// The comparison of an advanced filter, with string values pre-lowercased.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    NumberIn(Vec<f64>),
    LessThan(f64),
    GreaterThan(f64),
    LessThanOrEquals(f64),
    GreaterThanOrEquals(f64),
    InRange(Vec<(f64, f64)>),
    Bool(bool),
    StringIn(Vec<String>),
    Contains(Vec<String>),
    BeginsWith(Vec<String>),
    EndsWith(Vec<String>),
    /// IsNullOrUndefined / IsNotNull: decided by presence alone.
    Presence,
}

impl Test {
    /// Whether one value of the key hits the filter. A value of another type than the filter's
    /// is ignored ("Any key values with data types that don't match the filter's data type are
    /// ignored"): it never hits.
    fn hits(&self, value: &Value) -> bool {
        match self {
            Test::NumberIn(values) => value.as_f64().is_some_and(|v| values.contains(&v)),
            Test::LessThan(limit) => value.as_f64().is_some_and(|v| v < *limit),
            Test::GreaterThan(limit) => value.as_f64().is_some_and(|v| v > *limit),
            Test::LessThanOrEquals(limit) => value.as_f64().is_some_and(|v| v <= *limit),
            Test::GreaterThanOrEquals(limit) => value.as_f64().is_some_and(|v| v >= *limit),
            Test::InRange(ranges) => value
                .as_f64()
                .is_some_and(|v| ranges.iter().any(|(low, high)| v >= *low && v <= *high)),
            Test::Bool(expected) => value.as_bool() == Some(*expected),
            Test::StringIn(values) => value
                .as_str()
                .is_some_and(|s| values.iter().any(|n| eq_lowered(s, n))),
            Test::Contains(values) => value
                .as_str()
                .is_some_and(|s| values.iter().any(|n| contains_lowered(s, n))),
            Test::BeginsWith(values) => value
                .as_str()
                .is_some_and(|s| values.iter().any(|n| starts_with_lowered(s, n))),
            Test::EndsWith(values) => value
                .as_str()
                .is_some_and(|s| values.iter().any(|n| ends_with_lowered(s, n))),
            Test::Presence => false,
        }
    }

    /// The JSON type the test compares, for reasons.
    fn wanted(&self) -> &'static str {
        match self {
            Test::Bool(_) => "booleans",
            Test::StringIn(_) | Test::Contains(_) | Test::BeginsWith(_) | Test::EndsWith(_) => {
                "strings"
            }
            Test::Presence => "any value",
            _ => "numbers",
        }
    }

    /// Whether `value` has the type the test compares.
    fn takes(&self, value: &Value) -> bool {
        match self {
            Test::Bool(_) => value.is_boolean(),
            Test::StringIn(_) | Test::Contains(_) | Test::BeginsWith(_) | Test::EndsWith(_) => {
                value.is_string()
            }
            Test::Presence => true,
            _ => value.is_number(),
        }
    }
}

impl AdvancedFilter {
    /// Event Grid's rule for one advanced filter, given the key's value (`None`: missing).
    fn passes(&self, value: Option<&Value>, arrays: bool) -> bool {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return self.operator.matches_missing_key();
        };
        match self.operator {
            OperatorType::IsNullOrUndefined => false,
            OperatorType::IsNotNull => true,
            operator => {
                let hit = match value {
                    Value::Array(items) if arrays => items.iter().any(|item| self.test.hits(item)),
                    value => self.test.hits(value),
                };
                hit != operator.is_negated()
            }
        }
    }
}

/// Why [`Filter::check`] rejected an event; borrowed, so that [`Filter::matches`] allocates
/// nothing.
enum Rejection<'a> {
    NotAnObject,
    EventType(Option<&'a str>),
    SubjectBeginsWith(Option<&'a str>),
    SubjectEndsWith(Option<&'a str>),
    Advanced(usize, Option<&'a Value>),
}

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

    /// Whether Event Grid would deliver `event` (one raw event, Event Grid or CloudEvents
    /// schema) to a subscription with this filter, and why.
    pub fn evaluate(&self, event: &Value) -> Decision {
        match self.check(event) {
            Ok(()) => Decision {
                delivered: true,
                reason: self.pass_reason(),
            },
            Err(rejection) => Decision {
                delivered: false,
                reason: self.rejection_reason(&rejection),
            },
        }
    }

    /// [`Filter::evaluate`] without the reason: allocation-free, for the hot path.
    pub fn matches(&self, event: &Value) -> bool {
        self.check(event).is_ok()
    }

    /// [`Filter::matches`] on one raw event's JSON text, reading only the fields the filter
    /// names (the type and subject fields, the envelope keys and `data` paths of the advanced
    /// filters); everything else is skipped without being built, at any depth. So an event
    /// nested deeper than serde_json's limit of 128 levels is evaluated like any other, unless
    /// a value the filter compares is itself that deep: then the answer is
    /// [`Unevaluable`], and the caller must process the event rather than drop it.
    pub fn matches_json(&self, raw: &str) -> Result<bool, Unevaluable> {
        let mut de = serde_json::Deserializer::from_str(raw);
        let pruned = serde::de::DeserializeSeed::deserialize(Pruned(&self.wanted), &mut de)
            .map_err(|e| Unevaluable(e.to_string()))?;
        Ok(self.matches(&pruned))
    }

    /// The tree of fields [`Filter::check`] may read, with names lowercased.
    fn wanted_fields(&self) -> Wanted {
        let mut top = Wanted::default();
        for name in ["eventtype", "type", "subject", "id"] {
            top.child(name).whole = true;
        }
        for filter in &self.advanced {
            match &filter.key.target {
                KeyTarget::Envelope(name) => top.child(name).whole = true,
                KeyTarget::Data(path) => {
                    let mut node = top.child("data");
                    for segment in path {
                        node = node.child(&lowercase(segment));
                    }
                    node.whole = true;
                }
            }
        }
        top
    }

    /// Clauses in Event Grid's order: event type, subject prefix, subject suffix, advanced
    /// filters (all ANDed; the values of one advanced filter are ORed).
    fn check<'a>(&self, event: &'a Value) -> Result<(), Rejection<'a>> {
        let Value::Object(object) = event else {
            return Err(Rejection::NotAnObject);
        };
        let schema = schema_of(object);
        if let Some(types) = &self.included_event_types {
            let type_field = match schema {
                Schema::EventGrid => "eventType",
                Schema::CloudEvents => "type",
            };
            let event_type = object.get(type_field).and_then(Value::as_str);
            // Event types are ASCII names, matched case-insensitively (`acs-events.md` §1).
            if !event_type.is_some_and(|t| types.iter().any(|i| i.eq_ignore_ascii_case(t))) {
                return Err(Rejection::EventType(event_type));
            }
        }
        let subject = object.get("subject").and_then(Value::as_str);
        if let Some(filter) = &self.subject_begins_with {
            let ok = subject.is_some_and(|s| {
                if self.subject_case_sensitive {
                    s.starts_with(&filter.pattern)
                } else {
                    starts_with_lowered(s, &filter.pattern)
                }
            });
            if !ok {
                return Err(Rejection::SubjectBeginsWith(subject));
            }
        }
        if let Some(filter) = &self.subject_ends_with {
            let ok = subject.is_some_and(|s| {
                if self.subject_case_sensitive {
                    s.ends_with(&filter.pattern)
                } else {
                    ends_with_lowered(s, &filter.pattern)
                }
            });
            if !ok {
                return Err(Rejection::SubjectEndsWith(subject));
            }
        }
        for (index, filter) in self.advanced.iter().enumerate() {
            let value = lookup(object, schema, &filter.key.target);
            if !filter.passes(value, self.arrays) {
                return Err(Rejection::Advanced(index, value));
            }
        }
        Ok(())
    }

    fn pass_reason(&self) -> String {
        let mut clauses = Vec::new();
        if self.included_event_types.is_some() {
            clauses.push("includedEventTypes".to_owned());
        }
        if self.subject_begins_with.is_some() {
            clauses.push("subjectBeginsWith".to_owned());
        }
        if self.subject_ends_with.is_some() {
            clauses.push("subjectEndsWith".to_owned());
        }
        match self.advanced.len() {
            0 => {}
            1 => clauses.push("1 advanced filter".to_owned()),
            n => clauses.push(format!("{n} advanced filters")),
        }
        if clauses.is_empty() {
            "the filter has no clauses: every event is delivered".to_owned()
        } else {
            format!("every clause passed: {}", clauses.join(", "))
        }
    }

    fn rejection_reason(&self, rejection: &Rejection<'_>) -> String {
        let case = if self.subject_case_sensitive {
            "case-sensitive"
        } else {
            "case-insensitive"
        };
        match rejection {
            Rejection::NotAnObject => "the event is not a JSON object".to_owned(),
            Rejection::EventType(event_type) => {
                let types = self
                    .included_event_types
                    .as_deref()
                    .unwrap_or_default()
                    .join(", ");
                match event_type {
                    Some(t) => format!("eventType `{t}` is not in includedEventTypes [{types}]"),
                    None => format!(
                        "the event has no event type (`eventType` / `type`), so includedEventTypes [{types}] cannot match"
                    ),
                }
            }
            Rejection::SubjectBeginsWith(subject) | Rejection::SubjectEndsWith(subject) => {
                let (clause, filter, verb) = match rejection {
                    Rejection::SubjectBeginsWith(_) => {
                        ("subjectBeginsWith", &self.subject_begins_with, "begin")
                    }
                    _ => ("subjectEndsWith", &self.subject_ends_with, "end"),
                };
                let text = filter.as_ref().map(|f| f.text.as_str()).unwrap_or_default();
                match subject {
                    Some(s) => {
                        format!("subject `{s}` does not {verb} with `{text}` ({clause}, {case})")
                    }
                    None => format!("the event has no subject, so {clause} `{text}` cannot match"),
                }
            }
            Rejection::Advanced(index, value) => {
                let Some(filter) = self.advanced.get(*index) else {
                    return format!("advancedFilters[{index}] rejected the event");
                };
                let head = if filter.operand.is_empty() {
                    format!(
                        "advancedFilters[{index}] ({} on `{}`)",
                        filter.operator, filter.key.text
                    )
                } else {
                    format!(
                        "advancedFilters[{index}] ({} {} on `{}`)",
                        filter.operator, filter.operand, filter.key.text
                    )
                };
                let state = if value.is_some() { "null" } else { "missing" };
                let detail = match value.filter(|v| !v.is_null()) {
                    None => format!(
                        "the key is {state}, and {} does not match a missing or null key",
                        filter.operator
                    ),
                    Some(v) if filter.operator == OperatorType::IsNullOrUndefined => {
                        format!("the key is present: {}", preview(v))
                    }
                    Some(v) if filter.operator.is_negated() => match v {
                        Value::Array(_) if self.arrays => {
                            format!("an element of {} matches one of the values", preview(v))
                        }
                        _ => format!("{} matches one of the values", preview(v)),
                    },
                    Some(v @ Value::Array(_)) if !self.arrays => format!(
                        "the value is an array ({}); set enableAdvancedFilteringOnArrays to test its elements",
                        preview(v)
                    ),
                    Some(v @ Value::Array(_)) => format!(
                        "no element of {} matches ({} compares {} only)",
                        preview(v),
                        filter.operator,
                        filter.test.wanted()
                    ),
                    Some(v) if !filter.test.takes(v) => format!(
                        "the value {} is {}, and {} compares {} only",
                        preview(v),
                        json_kind(v),
                        filter.operator,
                        filter.test.wanted()
                    ),
                    Some(v) => format!("the value {} does not match", preview(v)),
                };
                format!("{head} rejected the event: {detail}")
            }
        }
    }

    /// Clauses that can never match what ACS sends: subject prefixes no ACS subject of the named
    /// types can have (`acs-events.md` §5, above all `phonenumber/…` without the leading slash),
    /// types ACS does not send, empty ranges, keys that address nothing.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.empty_type_list {
            warnings.push(
                "includedEventTypes is an empty list; it is read as every event type (leave it out to say so)"
                    .to_owned(),
            );
        }
        let mut named: Vec<&'static str> = Vec::new();
        let mut names_unknown_type = false;
        for t in self.included_event_types.iter().flatten() {
            match canonical_event_type(t) {
                Some(canonical) => {
                    if !named.contains(&canonical) {
                        named.push(canonical);
                    }
                }
                None => {
                    names_unknown_type = true;
                    let acs = t
                        .get(..ACS_TYPE_PREFIX.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(ACS_TYPE_PREFIX));
                    warnings.push(if acs {
                        format!("includedEventTypes: `{t}` is not an ACS event type (misspelt?); no event has it{}", crate::suggest::did_you_mean(t))
                    } else {
                        format!("includedEventTypes: `{t}` is not an ACS event type; an ACS system topic never sends it")
                    });
                }
            }
        }
        if let Some(filter) = &self.subject_begins_with {
            let patterns = [filter.text.as_str()];
            Filter::prefix_warnings(
                &mut warnings,
                &format!("subjectBeginsWith `{}`", filter.text),
                &patterns,
                self.subject_case_sensitive,
                &named,
                names_unknown_type,
            );
        }
        for (index, filter) in self.advanced.iter().enumerate() {
            let path = format!("advancedFilters[{index}]");
            if let (
                OperatorType::StringBeginsWith,
                KeyTarget::Envelope(name),
                Test::BeginsWith(values),
            ) = (filter.operator, &filter.key.target, &filter.test)
            {
                if name == "subject" {
                    let patterns: Vec<&str> = values.iter().map(String::as_str).collect();
                    let clause = format!(
                        "{path} (StringBeginsWith {} on `{}`)",
                        filter.operand, filter.key.text
                    );
                    Filter::prefix_warnings(
                        &mut warnings,
                        &clause,
                        &patterns,
                        false,
                        &named,
                        names_unknown_type,
                    );
                }
            }
            if let Test::InRange(ranges) = &filter.test {
                for (low, high) in ranges.iter().filter(|(low, high)| low > high) {
                    let effect = if filter.operator == OperatorType::NumberInRange {
                        "it never matches"
                    } else {
                        "it excludes nothing"
                    };
                    warnings.push(format!(
                        "{path}: the range [{low}, {high}] is empty (low > high), so {effect}"
                    ));
                }
            }
            if let KeyTarget::Envelope(name) = &filter.key.target {
                if !ENVELOPE_KEYS.contains(&name.as_str()) {
                    warnings.push(format!(
                        "{path}: key `{}` is no envelope field (data fields need the `data.` prefix: `data.{}`?); it can only address a CloudEvents extension attribute, and ACS sends none",
                        filter.key.text, filter.key.text
                    ));
                }
            }
        }
        warnings
    }

    /// Warns when no prefix of `patterns` (ORed) is compatible with the subjects of a family of
    /// the named types (of every ACS family, when no type is named).
    fn prefix_warnings(
        warnings: &mut Vec<String>,
        clause: &str,
        patterns: &[&str],
        case_sensitive: bool,
        named: &[&'static str],
        names_unknown_type: bool,
    ) {
        let fits = |format: &SubjectFormat, sensitive: bool| {
            patterns.iter().any(|p| {
                format
                    .prefixes
                    .iter()
                    .any(|prefix| prefix_compatible(p, prefix, sensitive))
            })
        };
        let suggestion = |format: &SubjectFormat| -> String {
            let fixed = patterns.iter().find_map(|p| {
                let candidate = match p.strip_prefix('/') {
                    Some(rest) => rest.to_owned(),
                    None => format!("/{p}"),
                };
                let ok = format
                    .prefixes
                    .iter()
                    .any(|prefix| prefix_compatible(&candidate, prefix, case_sensitive));
                ok.then_some(candidate)
            });
            match fixed {
                Some(fixed) => format!("; did you mean `{fixed}`?"),
                None if case_sensitive && fits(format, false) => {
                    "; the case differs and isSubjectCaseSensitive is true".to_owned()
                }
                None => String::new(),
            }
        };
        let slash = |format: &SubjectFormat| {
            if format.example.starts_with('/') {
                "with a leading slash"
            } else {
                "no leading slash"
            }
        };
        if named.is_empty() {
            if names_unknown_type || FORMATS.iter().any(|f| fits(f, case_sensitive)) {
                return;
            }
            let suggestion = FORMATS
                .iter()
                .map(|f| suggestion(f))
                .find(|s| s.starts_with("; did"))
                .unwrap_or_default();
            warnings.push(format!(
                "{clause} matches no ACS subject format ({}), so no ACS event is delivered{suggestion}",
                FORMATS.iter().map(|f| format!("`{}`", f.example)).collect::<Vec<_>>().join(", ")
            ));
            return;
        }
        let mut families: Vec<(&SubjectFormat, Vec<&str>)> = Vec::new();
        for t in named {
            let Some(format) = subject_format(t) else {
                continue;
            };
            match families.iter_mut().find(|(f, _)| std::ptr::eq(*f, format)) {
                Some((_, types)) => types.push(t),
                None => families.push((format, vec![t])),
            }
        }
        let mut blocked = 0;
        for (format, types) in &families {
            if fits(format, case_sensitive) {
                continue;
            }
            blocked += 1;
            warnings.push(format!(
                "{clause} can never match {}: their subjects look like `{}` ({}){}",
                types.join(", "),
                format.example,
                slash(format),
                suggestion(format)
            ));
        }
        if blocked > 0 && blocked == families.len() && !names_unknown_type {
            warnings.push(format!(
                "{clause} excludes every event type the filter names: the subscription would receive no event at all"
            ));
        }
    }
}

const ACS_TYPE_PREFIX: &str = "Microsoft.Communication.";

/// How the subjects of one ACS family begin (`acs-events.md` §5).
#[derive(Debug)]
struct SubjectFormat {
    prefixes: &'static [&'static str],
    example: &'static str,
}

static SMS: SubjectFormat = SubjectFormat {
    prefixes: &["/phonenumber/"],
    example: "/phonenumber/{number}",
};
static CHAT: SubjectFormat = SubjectFormat {
    prefixes: &["thread/"],
    example: "thread/{threadId}/…",
};
static USER: SubjectFormat = SubjectFormat {
    prefixes: &["user/"],
    example: "user/{rawId}",
};
static INCOMING_CALL: SubjectFormat = SubjectFormat {
    prefixes: &["/caller/"],
    example: "/caller/{rawId}/recipient/{rawId}",
};
static CALL: SubjectFormat = SubjectFormat {
    prefixes: &["call/"],
    example: "call/{serverCallId}/…",
};
static RECORDING: SubjectFormat = SubjectFormat {
    prefixes: &["/recording/call/"],
    example: "/recording/call/{callId}/…",
};
static EMAIL: SubjectFormat = SubjectFormat {
    prefixes: &["sender/"],
    example: "sender/{senderAddress}/message/{messageId}",
};
static ADVANCED_MESSAGE: SubjectFormat = SubjectFormat {
    prefixes: &["advancedMessage/"],
    example: "advancedMessage/…",
};
/// The REST spec example writes `advanceMessageAnalysis/`, the docs `advancedMessage/`.
static MESSAGE_ANALYSIS: SubjectFormat = SubjectFormat {
    prefixes: &["advancedMessage/", "advanceMessageAnalysis/"],
    example: "advancedMessage/sender/…",
};
static JOB: SubjectFormat = SubjectFormat {
    prefixes: &["job/"],
    example: "job/{jobId}/channel/{channelId}/…",
};
static WORKER: SubjectFormat = SubjectFormat {
    prefixes: &["worker/"],
    example: "worker/{workerId}/…",
};
static FORMATS: [&SubjectFormat; 11] = [
    &SMS,
    &CHAT,
    &USER,
    &INCOMING_CALL,
    &CALL,
    &RECORDING,
    &EMAIL,
    &MESSAGE_ANALYSIS,
    &JOB,
    &WORKER,
    &ADVANCED_MESSAGE,
];

/// The subject format of a canonical ACS event type.
fn subject_format(event_type: &str) -> Option<&'static SubjectFormat> {
    let name = event_type.strip_prefix(ACS_TYPE_PREFIX)?;
    Some(match name {
        "SMSReceived" | "SMSDeliveryReportReceived" => &SMS,
        "UserDisconnected" => &USER,
        "IncomingCall" => &INCOMING_CALL,
        "CallStarted" | "CallEnded" | "CallParticipantAdded" | "CallParticipantRemoved" => &CALL,
        "RecordingFileStatusUpdated" => &RECORDING,
        "AdvancedMessageAnalysisCompleted" => &MESSAGE_ANALYSIS,
        n if n.starts_with("Chat") => &CHAT,
        n if n.starts_with("Email") => &EMAIL,
        n if n.starts_with("AdvancedMessage") => &ADVANCED_MESSAGE,
        n if n.starts_with("RouterJob") => &JOB,
        n if n.starts_with("RouterWorker") => &WORKER,
        _ => return None,
    })
}

/// Whether a subject starting with `prefix` (and going on with anything) can begin with
/// `pattern`: one of the two must begin with the other.
fn prefix_compatible(pattern: &str, prefix: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        pattern.starts_with(prefix) || prefix.starts_with(pattern)
    } else {
        let (pattern, prefix) = (lowercase(pattern), lowercase(prefix));
        pattern.starts_with(&prefix) || prefix.starts_with(&pattern)
    }
}

/// A raw event the filter could not be evaluated on (a compared value nested deeper than the
/// JSON reader's limit, or text that is not JSON). The dispatcher processes such an event: dropping
/// it would lose an event Event Grid did deliver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event cannot be evaluated against the filter: {0}")]
pub struct Unevaluable(String);

/// The fields of an event the filter reads: a member is kept when its name matches a child
/// case-insensitively; a child marked `whole` is read entirely, the others only for their own
/// children. Everything else is skipped with `IgnoredAny`, which serde_json walks without
/// recursion, so depth costs nothing there.
#[derive(Debug, Default, Clone, PartialEq)]
struct Wanted {
    whole: bool,
    children: Vec<(String, Wanted)>,
}

impl Wanted {
    fn child(&mut self, lowered_name: &str) -> &mut Wanted {
        let at = match self.children.iter().position(|(n, _)| n == lowered_name) {
            Some(at) => at,
            None => {
                self.children
                    .push((lowered_name.to_owned(), Wanted::default()));
                self.children.len() - 1
            }
        };
        &mut self.children[at].1
    }

    fn find(&self, name: &str) -> Option<&Wanted> {
        self.children
            .iter()
            .find(|(wanted, _)| eq_ignore_case(name, wanted))
            .map(|(_, node)| node)
    }
}

/// Reads one JSON value keeping only the [`Wanted`] members (see there).
struct Pruned<'w>(&'w Wanted);

impl<'de> serde::de::DeserializeSeed<'de> for Pruned<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        if self.0.whole {
            return Value::deserialize(deserializer);
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pruned<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Value, M::Error> {
        let mut kept = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.0.find(&key) {
                Some(node) => {
                    let value = map.next_value_seed(Pruned(node))?;
                    kept.insert(key.into_owned(), value);
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }

    // A container that is not an object cannot be stepped into by a key: its content is never
    // read, so it is skipped; scalars stand for themselves.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Value::Array(Vec::new()))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// The schema of a raw event by the envelope parser's own rule ([`Schema::detect`]). An object
/// that is neither is read with Event Grid's names: the parser refuses it, so no subscription
/// ever sees it, and its keys simply do not match.
fn schema_of(object: &Map<String, Value>) -> Schema {
    Schema::detect(
        object.contains_key("eventType"),
        object.contains_key("type"),
        object.contains_key("source") || object.contains_key("specversion"),
    )
    .unwrap_or(Schema::EventGrid)
}

/// The value an advanced filter key addresses (`None`: missing). Names are matched exactly, else
/// case-insensitively (the docs write `Subject`, `ID`, `EventType`; ACS SMS data has been sent
/// in PascalCase and camelCase). A key cannot step into an array.
fn lookup<'a>(
    object: &'a Map<String, Value>,
    schema: Schema,
    target: &KeyTarget,
) -> Option<&'a Value> {
    match target {
        KeyTarget::Envelope(name) => get_ci(object, name).or_else(|| {
            // The 2023 docs' CloudEvents key names.
            let alias = match (schema, name.as_str()) {
                (Schema::CloudEvents, "eventid") => "id",
                (Schema::CloudEvents, "eventtype") => "type",
                _ => return None,
            };
            get_ci(object, alias)
        }),
        KeyTarget::Data(path) => {
            let mut current = get_ci(object, "data")?;
            for segment in path {
                current = match current {
                    Value::Object(members) => get_ci(members, segment)?,
                    _ => return None,
                };
            }
            Some(current)
        }
    }
}

fn get_ci<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(k, _)| eq_ignore_case(k, name))
            .map(|(_, v)| v)
    })
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

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as compact JSON, cut at 80 characters, for reasons.
fn preview(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

// Case-insensitive comparison without allocating: the event side is lowercased char by char and
// compared with a filter value lowercased the same way at parse time (`lowercase`). Plain
// `str::to_lowercase` is not used because its final-sigma rule would differ from the per-char
// mapping.

fn lowercase(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn lowered(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lowered(a).eq(lowered(b))
    }
}

fn eq_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        haystack.eq_ignore_ascii_case(needle)
    } else {
        lowered(haystack).eq(needle.chars())
    }
}

fn starts_with_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n)
    } else {
        let mut chars = lowered(haystack);
        needle.chars().all(|n| chars.next() == Some(n))
    }
}

fn ends_with_lowered(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        h.len() >= n.len() && h[h.len() - n.len()..].eq_ignore_ascii_case(n)
    } else {
        let mut chars = haystack.chars().rev().flat_map(|c| c.to_lowercase().rev());
        needle.chars().rev().all(|n| chars.next() == Some(n))
    }
}

fn contains_lowered(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() {
        let n = needle.as_bytes();
        haystack
            .as_bytes()
            .windows(n.len())
            .any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack
            .char_indices()
            .any(|(i, _)| starts_with_lowered(&haystack[i..], needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(json: Value) -> Filter {
        Filter::from_value(&json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    fn advanced(op: &str, key: &str, operand: Option<Value>, arrays: bool) -> Filter {
        let mut f = json!({"operatorType": op, "key": key});
        if let Some(operand) = operand {
            let field = match OperatorType::from_name(op).unwrap().operand() {
                Operand::Number | Operand::Bool => "value",
                _ => "values",
            };
            f[field] = operand;
        }
        filter(json!({"advancedFilters": [f], "enableAdvancedFilteringOnArrays": arrays}))
    }

    /// One Event Grid event with data of every shape.
    fn event() -> Value {
        json!({
            "id": "e1",
            "topic": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
            "subject": "/phonenumber/15555555555",
            "eventType": "Microsoft.Communication.SMSReceived",
            "eventTime": "2020-09-18T00:27:47Z",
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": {
                "num": 5,
                "neg": -2.5,
                "str": "Hello World",
                "numstr": "5",
                "flag": true,
                "nul": null,
                "nums": [1, 5],
                "strs": ["Hello", "World"],
                "mixed": [7, "seven", true],
                "empty": [],
                "objs": [{"a": 1}],
                "obj": {"inner": {"deep": "Value"}},
                "unicode": "ÄRGER über Σ"
            }
        })
    }

    /// (operator, key, operand, enableAdvancedFilteringOnArrays, delivered)
    type Row = (&'static str, &'static str, Option<Value>, bool, bool);

    fn run_table(rows: &[Row]) {
        let event = event();
        for (op, key, operand, arrays, expected) in rows {
            let f = advanced(op, key, operand.clone(), *arrays);
            let decision = f.evaluate(&event);
            assert_eq!(
                decision.delivered, *expected,
                "{op} {key} {operand:?} arrays={arrays}: {}",
                decision.reason
            );
            assert_eq!(f.matches(&event), *expected);
            if !expected {
                assert!(
                    decision
                        .reason
                        .contains(&format!("advancedFilters[0] ({op}")),
                    "{}",
                    decision.reason
                );
            }
        }
    }

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
        assert!(
            reason(advanced("IsNullOrUndefined", "data.num", None, false)).contains("present: 5")
        );
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
        let no_subject =
            filter(json!({"subjectEndsWith": "x"})).evaluate(&json!({"eventType": "T"}));
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
            let parsed = crate::events::parse_delivery(shape.to_string().as_bytes()).unwrap();
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
            (r#"{"subjectBeginWith": "/x"}"#, "unknown property `subjectBeginWith`"),
            (r#"{"subjectBeginsWith": "/x", "SubjectBeginsWith": "/y"}"#, "BeginsWith` is given twice"),
            (r#"{"subjectBeginsWith": 5}"#, "`subjectBeginsWith` must be a string, found a number"),
            (r#"{"isSubjectCaseSensitive": "true"}"#, "`isSubjectCaseSensitive` must be true or false, found a string"),
            (r#"{"includedEventTypes": "Microsoft.Communication.SMSReceived"}"#, "`includedEventTypes` must be an array"),
            (r#"{"includedEventTypes": ["a", 1]}"#, "`includedEventTypes[1]` must be a string, found a number"),
            (r#"{"includedEventTypes": [""]}"#, "`includedEventTypes[0]` must be an event type"),
            (r#"{"advancedFilters": {}}"#, "`advancedFilters` must be an array"),
            (r#"{"advancedFilters": [5]}"#, "`advancedFilters[0]` must be an object, found a number"),
            (r#"{"advancedFilters": [{"key": "data.a", "values": [1]}]}"#, "`advancedFilters[0].operatorType` is missing"),
            (r#"{"advancedFilters": [{"operatorType": "NumberIn", "values": [1]}]}"#, "`advancedFilters[0].key` is missing"),
            (r#"{"advancedFilters": [{"operatorType": "numberin", "key": "data.a", "values": [1]}]}"#, "unknown operatorType `numberin` (did you mean `NumberIn`?)"),
            (r#"{"advancedFilters": [{"operatorType": "NumberBetween", "key": "data.a", "values": [1]}]}"#, "unknown operatorType `NumberBetween`; expected one of NumberIn, "),
            (r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "value": 1}]}"#, "`advancedFilters[0].value`: NumberIn takes `values`: an array of numbers, not `value`"),
            (r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a", "values": [1]}]}"#, "NumberLessThan takes `value`: a number, not `values`"),
            (r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a"}]}"#, "`advancedFilters[0].value` is missing: NumberLessThan takes `value`: a number"),
            (r#"{"advancedFilters": [{"operatorType": "NumberLessThan", "key": "data.a", "value": "1"}]}"#, "`advancedFilters[0].value` must be a number, found a string"),
            (r#"{"advancedFilters": [{"operatorType": "BoolEquals", "key": "data.a", "value": "true"}]}"#, "`advancedFilters[0].value` must be true or false"),
            (r#"{"advancedFilters": [{"operatorType": "BoolEquals", "key": "data.a", "values": [true]}]}"#, "BoolEquals takes `value`: true or false, not `values`"),
            (r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "values": []}]}"#, "`advancedFilters[0].values` must be a non-empty array, found an empty array"),
            (r#"{"advancedFilters": [{"operatorType": "NumberIn", "key": "data.a", "values": [1, "2"]}]}"#, "`advancedFilters[0].values[1]` must be a number"),
            (r#"{"advancedFilters": [{"operatorType": "StringIn", "key": "data.a", "values": "x"}]}"#, "`advancedFilters[0].values` must be an array"),
            (r#"{"advancedFilters": [{"operatorType": "StringIn", "key": "data.a", "values": ["x", 1]}]}"#, "`advancedFilters[0].values[1]` must be a string"),
            (r#"{"advancedFilters": [{"operatorType": "NumberInRange", "key": "data.a", "values": [1, 2]}]}"#, "`advancedFilters[0].values[0]` must be a [low, high] pair"),
            (r#"{"advancedFilters": [{"operatorType": "NumberInRange", "key": "data.a", "values": [[1, 2, 3]]}]}"#, "`advancedFilters[0].values[0]` must be a [low, high] pair"),
            (r#"{"advancedFilters": [{"operatorType": "NumberNotInRange", "key": "data.a", "values": [[1, "2"]]}]}"#, "`advancedFilters[0].values[0][1]` must be a number"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.a", "value": 1}]}"#, "IsNotNull takes no value, not `value`"),
            (r#"{"advancedFilters": [{"operatorType": "IsNullOrUndefined", "key": "data.a", "values": [1]}]}"#, "IsNullOrUndefined takes no value, not `values`"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data..a"}]}"#, "invalid key `data..a`: a key segment is empty"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": ""}]}"#, "invalid key ``: the key is empty"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "data.a."}]}"#, "a key segment is empty"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "subject.x"}]}"#, "only `data.…` keys have nested segments"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": 5}]}"#, "`advancedFilters[0].key` must be a string"),
            (r#"{"advancedFilters": [{"operatorType": "IsNotNull", "key": "id", "valeus": [1]}]}"#, "unknown property `advancedFilters[0].valeus`"),
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
        let warnings = Filter::parse(SEED).unwrap().warnings();
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
        assert_eq!(fixed.warnings(), Vec::<String>::new());
        // Case matters only when asked.
        let upper = Filter::parse(r#"{"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "/PhoneNumber/"}"#).unwrap();
        assert!(upper.warnings().is_empty());
        let sensitive = Filter::parse(r#"{"includedEventTypes": ["Microsoft.Communication.SMSReceived"], "subjectBeginsWith": "/PhoneNumber/", "isSubjectCaseSensitive": true}"#).unwrap();
        let warnings = sensitive.warnings();
        assert!(warnings[0].contains("the case differs"), "{warnings:?}");
    }

    #[test]
    fn warnings_know_every_family_subject_format() {
        let warned = |types: &[&str], prefix: &str| {
            let types: Vec<String> = types
                .iter()
                .map(|t| format!("Microsoft.Communication.{t}"))
                .collect();
            filter(json!({"includedEventTypes": types, "subjectBeginsWith": prefix})).warnings()
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
            .warnings()
            .is_empty());
        let nowhere = filter(json!({"subjectBeginsWith": "phonenumber/1555"})).warnings();
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
        .warnings();
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
        // The spec's belt-and-braces subject filter is fine: one of its values fits.
        let belt = filter(json!({
            "includedEventTypes": ["Microsoft.Communication.SMSReceived"],
            "advancedFilters": [{"operatorType": "StringBeginsWith", "key": "subject", "values": ["/phonenumber/1555", "/phonenumber/+1555", "phonenumber/1555"]}]
        }));
        assert!(belt.warnings().is_empty(), "{:?}", belt.warnings());
        assert!(belt.matches(&event()));
        let empty = filter(json!({"includedEventTypes": []})).warnings();
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
}
