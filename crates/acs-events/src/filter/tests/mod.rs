use super::casefold::*;
use super::eval::schema_of;
use super::operator::Operand;
use super::*;
use crate::Schema;
use serde_json::json;
use serde_json::Value;

mod evaluation;
mod operators;
mod warnings;

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

/// A filter's warnings as their texts.
trait Texts {
    fn texts(&self) -> Vec<String>;
}

impl Texts for Filter {
    fn texts(&self) -> Vec<String> {
        self.warnings().iter().map(ToString::to_string).collect()
    }
}
