//! Event Grid event subscription filters, evaluated the way Event Grid evaluates them:
//! `includedEventTypes`, `subjectBeginsWith` / `subjectEndsWith` (`isSubjectCaseSensitive`), and
//! the advanced filters (every operator, arrays, limits and the missing-key rules). Behind the
//! `filter` cargo feature (on by default).
//!
//! Why: a subscription filter that matches nothing looks exactly like "ACS sent nothing". The ACS
//! docs' own example (`subjectBeginsWith: "phonenumber/1555"`) is such a filter, because SMS
//! subjects start with `/phonenumber/`. [`Filter::evaluate`] says which clause rejected an event,
//! and [`Filter::warnings`] flags clauses that can never match the ACS subjects of the types named.
//!
//! A [`Filter`] is parsed once (values pre-lowercased, keys pre-split) and is cheap to evaluate:
//! [`Filter::matches`] allocates nothing; [`Filter::evaluate`] allocates only its reason text.
//!
//! ```
//! use acs_events::filter::Filter;
//! use serde_json::json;
//!
//! // The ACS docs' example: SMS subjects have a leading slash, so this filter drops every SMS.
//! let filter = Filter::parse(r#"{
//!     "includedEventTypes": ["Microsoft.Communication.SMSReceived"],
//!     "subjectBeginsWith": "phonenumber/1555"
//! }"#)?;
//! let event = json!({
//!     "id": "1", "subject": "/phonenumber/15555550100",
//!     "eventType": "Microsoft.Communication.SMSReceived", "data": {}
//! });
//! let decision = filter.evaluate(&event);
//! assert!(!decision.delivered);
//! assert!(decision.reason.contains("does not begin with `phonenumber/1555`"));
//! // And the filter says so before any event is lost.
//! let warnings = filter.warnings();
//! assert!(warnings[0].to_string().contains("did you mean `/phonenumber/1555`?"));
//! # Ok::<(), acs_events::filter::FilterError>(())
//! ```

mod casefold;
mod eval;
mod operator;
mod parse;
mod pruned;
mod subjects;
#[cfg(test)]
mod tests;

pub use operator::OperatorType;
pub use subjects::FilterWarning;

use operator::Test;
use pruned::Wanted;

/// Most advanced filters a subscription may hold (Event Grid's limit).
pub const MAX_ADVANCED_FILTERS: usize = 25;
/// Most filter values across all advanced filters of a subscription (a `value` counts one, a
/// `[low, high]` range counts one).
pub const MAX_FILTER_VALUES: usize = 25;
/// Longest string filter value, in characters.
pub const MAX_STRING_VALUE_CHARS: usize = 512;

/// A filter that Event Grid would refuse, or that is not JSON; names the bad part by its path in
/// the filter object (`advancedFilters[2].values[0]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The text is not JSON (the parser's message).
    #[error("the filter is not valid JSON: {0}")]
    Json(String),
    /// The JSON is not an object (the kind of value found).
    #[error("the filter must be a JSON object (or {{\"filter\": {{...}}}}), found {0}")]
    NotAnObject(&'static str),
    /// A property Event Grid does not know.
    #[error("unknown property `{path}`; expected one of {expected}")]
    UnknownProperty {
        /// Where, in the filter object.
        path: String,
        /// The properties allowed there.
        expected: &'static str,
    },
    /// A property given twice (names are case-insensitive).
    #[error("`{path}` is given twice (property names are case-insensitive)")]
    Duplicate {
        /// Where, in the filter object.
        path: String,
    },
    /// A value of the wrong JSON type.
    #[error("`{path}` must be {expected}, found {found}")]
    WrongType {
        /// Where, in the filter object.
        path: String,
        /// What the property takes.
        expected: &'static str,
        /// What it holds.
        found: String,
    },
    /// A required property is missing.
    #[error("`{path}` is missing: {what}")]
    Missing {
        /// Where, in the filter object.
        path: String,
        /// What the property would say.
        what: String,
    },
    /// An `operatorType` Event Grid does not have (names are case-sensitive).
    #[error("`{path}`: unknown operatorType `{name}`{}", match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => format!("; expected one of {}", OperatorType::ALL.map(OperatorType::as_str).join(", ")),
    })]
    UnknownOperator {
        /// Where, in the filter object.
        path: String,
        /// The name given.
        name: String,
        /// The operator it differs from only in case, if any.
        suggestion: Option<&'static str>,
    },
    /// `value` where the operator takes `values`, or the other way round, or an operand for an
    /// operator that takes none.
    #[error("`{path}`: {operator} takes {expected}, not `{field}`")]
    UnexpectedOperand {
        /// Where, in the filter object.
        path: String,
        /// The filter's operator.
        operator: OperatorType,
        /// The operand property given.
        field: &'static str,
        /// What the operator takes.
        expected: &'static str,
    },
    /// A key that addresses nothing (empty, an empty segment, nested outside `data`).
    #[error("`{path}`: invalid key `{key}`: {reason}")]
    InvalidKey {
        /// Where, in the filter object.
        path: String,
        /// The key given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than [`MAX_ADVANCED_FILTERS`] advanced filters.
    #[error("`{path}` holds {count} filters; Event Grid allows at most {MAX_ADVANCED_FILTERS} per subscription")]
    TooManyFilters {
        /// `advancedFilters`.
        path: &'static str,
        /// How many there are.
        count: usize,
    },
    /// More than [`MAX_FILTER_VALUES`] values across the advanced filters.
    #[error("the advanced filters hold {count} values in all; Event Grid allows at most {MAX_FILTER_VALUES} across all filters of a subscription")]
    TooManyValues {
        /// How many there are.
        count: usize,
    },
    /// A string value longer than [`MAX_STRING_VALUE_CHARS`].
    #[error("`{path}` is {chars} characters long; Event Grid allows at most {MAX_STRING_VALUE_CHARS} per string value")]
    StringTooLong {
        /// Where, in the filter object.
        path: String,
        /// Its length, in characters.
        chars: usize,
    },
}

/// Whether an event would be delivered, and why (the clause that rejected it, or that all passed).
///
/// The reason may quote event values (subjects hold phone numbers): fine for the CLI, not for logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Whether Event Grid would deliver the event.
    pub delivered: bool,
    /// The clause that rejected it, or the clauses that all passed.
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

/// `subjectBeginsWith` or `subjectEndsWith`.
#[derive(Debug, Clone, PartialEq)]
struct SubjectFilter {
    /// As written in the filter.
    text: String,
    /// What subjects are compared with: `text`, lowercased unless case-sensitive.
    pattern: String,
}

/// One of `advancedFilters`.
#[derive(Debug, Clone, PartialEq)]
struct AdvancedFilter {
    operator: OperatorType,
    key: Key,
    test: Test,
    /// The operand as written (compact JSON), for reasons.
    operand: String,
}

/// An advanced filter's `key`, as written and as resolved.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    text: String,
    target: KeyTarget,
}

/// What a key addresses.
#[derive(Debug, Clone, PartialEq)]
enum KeyTarget {
    /// A top-level field of the event (`subject`, `eventType`, a CloudEvents extension …),
    /// lowercased: matched case-insensitively.
    Envelope(String),
    /// `data` followed by these segments (none: `data` itself).
    Data(Vec<String>),
}

/// A raw event the filter could not be evaluated on (a compared value nested deeper than the
/// JSON reader's limit, or text that is not JSON). Process such an event rather than drop it:
/// Event Grid did deliver it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event cannot be evaluated against the filter: {0}")]
pub struct Unevaluable(String);
