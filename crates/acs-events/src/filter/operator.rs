//! The advanced filter operators and the comparisons they make.

use serde_json::Value;

use super::casefold::{contains_lowered, ends_with_lowered, eq_lowered, starts_with_lowered};
use super::AdvancedFilter;

/// An advanced filter operator, by its Event Grid `operatorType` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorType {
    /// The number is one of `values`.
    NumberIn,
    /// The number is none of `values`.
    NumberNotIn,
    /// The number is less than `value`.
    NumberLessThan,
    /// The number is greater than `value`.
    NumberGreaterThan,
    /// The number is at most `value`.
    NumberLessThanOrEquals,
    /// The number is at least `value`.
    NumberGreaterThanOrEquals,
    /// The number is in one of the `[low, high]` ranges of `values` (inclusive).
    NumberInRange,
    /// The number is in none of the `[low, high]` ranges of `values`.
    NumberNotInRange,
    /// The boolean is `value`.
    BoolEquals,
    /// The string contains one of `values` (case-insensitive, as every string operator).
    StringContains,
    /// The string contains none of `values`.
    StringNotContains,
    /// The string begins with one of `values`.
    StringBeginsWith,
    /// The string begins with none of `values`.
    StringNotBeginsWith,
    /// The string ends with one of `values`.
    StringEndsWith,
    /// The string ends with none of `values`.
    StringNotEndsWith,
    /// The string is one of `values`.
    StringIn,
    /// The string is none of `values`.
    StringNotIn,
    /// The key is missing or `null`.
    IsNullOrUndefined,
    /// The key is present and not `null`.
    IsNotNull,
}

/// What an operator takes as its operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Operand {
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
    pub(super) fn is_negated(self) -> bool {
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

    pub(super) fn operand(self) -> Operand {
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

/// The comparison of an advanced filter, with string values pre-lowercased.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Test {
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
    pub(super) fn hits(&self, value: &Value) -> bool {
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
    pub(super) fn wanted(&self) -> &'static str {
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
    pub(super) fn takes(&self, value: &Value) -> bool {
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
    pub(super) fn passes(&self, value: Option<&Value>, arrays: bool) -> bool {
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
