//! Evaluating a filter on one event: the clauses in Event Grid's order, and the reason given.

use serde_json::{Map, Value};

use super::casefold::{ends_with_lowered, eq_ignore_case, lowercase, starts_with_lowered};
use super::parse::json_kind;
use super::pruned::Pruned;
use super::*;
use crate::Schema;

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
    pub(super) fn wanted_fields(&self) -> Wanted {
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
}

/// The schema of a raw event by the envelope parser's own rule ([`Schema::detect`]). An object
/// that is neither is read with Event Grid's names: the parser refuses it, so no subscription
/// ever sees it, and its keys simply do not match.
pub(super) fn schema_of(object: &Map<String, Value>) -> Schema {
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

fn preview(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
