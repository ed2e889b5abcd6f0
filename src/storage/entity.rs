//! One table output item, as the Tables extension 1.x turns its bytes into a `TableEntity` and
//! the Azure.Data.Tables SDK sends it (`functions-outputs.md` §1–§2):
//!
//! - the bytes are parsed with `DateParseHandling.None`; the top level must be an object;
//! - `PartitionKey`/`RowKey` match case-insensitively and must be strings (or come from the
//!   binding's `partitionKey`/`rowKey`); `ETag`/`etag`/`odata.etag` pick the operation;
//! - a JSON string is `Edm.String`, an integer `Edm.Int64` (sent as a string with its
//!   annotation), any other number `Edm.Double`, and nested objects and arrays are stored as
//!   their indented JSON text;
//! - `X@odata.type` annotations the handler sends are passed through, except that the SDK's own
//!   annotation of a number wins;
//! - `Timestamp` is dropped: the service manages it and ignores a sent value.

use std::fmt::Write as _;

use super::limits::{self, Limit};
use super::newtonsoft::{self, DateParseHandling, JToken};

/// How the extension writes the entity (TableEntityWriter.AddAsync).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// No ETag: Insert; a row that exists fails with 409.
    Add,
    /// ETag `*`: Insert Or Replace, unconditionally.
    UpsertReplace,
    /// Any other ETag: Update (replace) with `If-Match`.
    UpdateReplace { etag: String },
}

impl Operation {
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::Add => "Add",
            Operation::UpsertReplace => "UpsertReplace",
            Operation::UpdateReplace { .. } => "UpdateReplace",
        }
    }
}

/// A property value as the SDK types it.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    String(String),
    Int64(i64),
    /// An integer above `Int64.MaxValue`: the SDK cannot serialize it.
    BigInteger(u64),
    Double(f64),
    Bool(bool),
    Null,
}

/// An entity ready to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub partition_key: String,
    pub row_key: String,
    pub operation: Operation,
    /// Properties other than the keys, the ETag and `Timestamp`, in document order; annotations
    /// (`X@odata.type`) included.
    pub properties: Vec<(String, PropertyValue)>,
}

/// Why an item is not an entity. Raised where the extension raises it: when the item is added,
/// so the binding stops there and the invocation fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    #[error("the item is not JSON: {0}")]
    NotJson(String),
    #[error("the item is JSON but not an object")]
    NotAnObject,
    #[error("the entity has no {0} (and the binding gives none)")]
    MissingKey(&'static str),
    #[error("the entity's {0} is not a JSON string")]
    KeyNotString(&'static str),
    #[error("the entity's {key} is not a valid key: {limit}")]
    InvalidKey { key: &'static str, limit: Limit },
    #[error("the entity's ETag is not a JSON string")]
    EtagNotString,
    #[error(
        "the entity's ETag is empty; the Tables extension's versions disagree on what that means"
    )]
    EtagEmpty,
}

const ETAG: &str = "odata.etag";
const ANNOTATION: &str = "@odata.type";

impl Entity {
    /// The Tables extension's `CreateTableEntityFromJsonBytes` plus the key checks of
    /// `TableEntityWriter.AddAsync`. `default_keys` are the binding's `partitionKey`/`rowKey`.
    pub fn from_item(
        bytes: &[u8],
        default_keys: (Option<&str>, Option<&str>),
    ) -> Result<Entity, EntityError> {
        let text = String::from_utf8_lossy(bytes);
        let token = JToken::parse(&text, DateParseHandling::None)
            .map_err(|e| EntityError::NotJson(e.to_string()))?;
        let JToken::Object(props) = token else {
            return Err(EntityError::NotAnObject);
        };
        // The TableEntity dictionary: later assignments to a key replace the value in place.
        let mut dictionary: Vec<(String, JToken)> = Vec::with_capacity(props.len());
        for (name, value) in props {
            let key = if name.eq_ignore_ascii_case("ETag") {
                ETAG.to_owned()
            } else if name.eq_ignore_ascii_case("PartitionKey") {
                "PartitionKey".to_owned()
            } else if name.eq_ignore_ascii_case("RowKey") {
                "RowKey".to_owned()
            } else {
                name
            };
            match dictionary.iter_mut().find(|(n, _)| *n == key) {
                Some(slot) => slot.1 = value,
                None => dictionary.push((key, value)),
            }
        }
        let mut take = |name: &str| {
            dictionary
                .iter()
                .position(|(n, _)| n == name)
                .map(|i| dictionary.remove(i).1)
        };
        let key = |which: &'static str, value: Option<JToken>, default: Option<&str>| {
            let text = match value {
                Some(JToken::String(s)) => s,
                Some(JToken::Null) | None => default
                    .map(str::to_owned)
                    .ok_or(EntityError::MissingKey(which))?,
                Some(_) => return Err(EntityError::KeyNotString(which)),
            };
            // TableClientHelpers.ValidateAzureTableKeyValue: characters, on the client.
            if let Some(ch) = text.chars().find(|c| limits::forbidden_in_key(*c)) {
                return Err(EntityError::InvalidKey {
                    key: which,
                    limit: Limit::KeyCharacter {
                        key: which,
                        code: ch as u32,
                    },
                });
            }
            Ok(text)
        };
        let partition_key = key("PartitionKey", take("PartitionKey"), default_keys.0)?;
        let row_key = key("RowKey", take("RowKey"), default_keys.1)?;
        let operation = match take(ETAG) {
            None | Some(JToken::Null) => Operation::Add,
            Some(JToken::String(s)) if s == "*" => Operation::UpsertReplace,
            Some(JToken::String(s)) if s.is_empty() => return Err(EntityError::EtagEmpty),
            Some(JToken::String(etag)) => Operation::UpdateReplace { etag },
            Some(_) => return Err(EntityError::EtagNotString),
        };
        let _ = take("Timestamp");
        let properties = dictionary
            .into_iter()
            .map(|(name, value)| {
                let value = match value {
                    JToken::Null => PropertyValue::Null,
                    JToken::Bool(b) => PropertyValue::Bool(b),
                    JToken::Integer(n) => PropertyValue::Int64(n),
                    JToken::BigInteger(n) => PropertyValue::BigInteger(n),
                    JToken::Float(f) => PropertyValue::Double(f),
                    JToken::String(s) => PropertyValue::String(s),
                    // Not produced with DateParseHandling.None, but keep its text if it were.
                    JToken::Date(d) => PropertyValue::String(d.iso()),
                    nested @ (JToken::Array(_) | JToken::Object(_)) => {
                        PropertyValue::String(nested.to_host_string())
                    }
                };
                (name, value)
            })
            .collect();
        Ok(Entity {
            partition_key,
            row_key,
            operation,
            properties,
        })
    }

    /// The service-side limits (checked when the transaction holding the entity is sent).
    pub fn check_limits(&self) -> Result<(), Limit> {
        limits::check_key("PartitionKey", &self.partition_key)?;
        limits::check_key("RowKey", &self.row_key)?;
        let mut count = 0;
        for (name, value) in &self.properties {
            let base = name.strip_suffix(ANNOTATION).unwrap_or(name);
            limits::check_property_name(base)?;
            if name.ends_with(ANNOTATION) {
                continue;
            }
            count += 1;
            match (value, self.annotation(name)) {
                (PropertyValue::String(s), Some("Edm.Binary")) => {
                    let bytes = azure_core::base64::decode(s).map(|b| b.len()).unwrap_or(0);
                    if bytes > limits::MAX_BINARY_BYTES {
                        return Err(Limit::BinaryProperty {
                            property: name.clone(),
                            bytes,
                        });
                    }
                }
                (PropertyValue::String(s), _) => {
                    let units = limits::utf16_units(s);
                    if units > limits::MAX_STRING_UTF16_UNITS {
                        return Err(Limit::StringProperty {
                            property: name.clone(),
                            units,
                        });
                    }
                }
                _ => {}
            }
        }
        if count > limits::MAX_CUSTOM_PROPERTIES {
            return Err(Limit::PropertyCount { count });
        }
        let bytes = self.size();
        if bytes > limits::MAX_ENTITY_BYTES {
            return Err(Limit::EntitySize { bytes });
        }
        Ok(())
    }

    /// The entity's size by the formula Microsoft publishes for the 1 MiB limit ("Estimate the
    /// size of an entity", Azure Table storage design guide; the Azure Storage team's "How the
    /// size of an entity is calculated"): 4 + 2 × len(PartitionKey + RowKey) + Σ per property
    /// (8 + 2 × len(name) + the value's size: a string 4 + 2 × len, Int64/Double/DateTime 8,
    /// Int32 4, Guid 16, Boolean 1, Binary 4 + bytes). Lengths in UTF-16 code units.
    pub fn size(&self) -> usize {
        let mut size =
            4 + 2 * (limits::utf16_units(&self.partition_key) + limits::utf16_units(&self.row_key));
        for (name, value) in &self.properties {
            if name.ends_with(ANNOTATION) {
                continue;
            }
            let value_size = match (value, self.annotation(name)) {
                (PropertyValue::String(s), Some("Edm.Binary")) => {
                    4 + azure_core::base64::decode(s).map(|b| b.len()).unwrap_or(0)
                }
                (PropertyValue::String(_), Some("Edm.Int64" | "Edm.Double" | "Edm.DateTime")) => 8,
                (PropertyValue::String(_), Some("Edm.Int32")) => 4,
                (PropertyValue::String(_), Some("Edm.Guid")) => 16,
                (PropertyValue::String(_), Some("Edm.Boolean")) => 1,
                (PropertyValue::String(s), _) => 4 + 2 * limits::utf16_units(s),
                (
                    PropertyValue::Int64(_)
                    | PropertyValue::BigInteger(_)
                    | PropertyValue::Double(_),
                    _,
                ) => 8,
                (PropertyValue::Bool(_), _) => 1,
                (PropertyValue::Null, _) => 0,
            };
            size += 8 + 2 * limits::utf16_units(name) + value_size;
        }
        size
    }

    /// The annotation the handler sent for `name`, if any.
    fn annotation(&self, name: &str) -> Option<&str> {
        let wanted = format!("{name}{ANNOTATION}");
        self.properties.iter().find_map(|(n, v)| match v {
            PropertyValue::String(s) if *n == wanted => Some(s.as_str()),
            _ => None,
        })
    }

    /// The OData JSON body the SDK sends (`ToOdataAnnotatedDictionary`): keys first, numbers
    /// annotated, the handler's own annotation of a number dropped in favour of the SDK's.
    /// Fails only for an integer the SDK cannot serialize.
    pub fn odata_json(&self) -> Result<String, BigIntegerProperty> {
        let mut out = String::with_capacity(256);
        out.push('{');
        push_member(&mut out, "PartitionKey", &json_string(&self.partition_key));
        out.push(',');
        push_member(&mut out, "RowKey", &json_string(&self.row_key));
        let typed_by_sdk = |name: &str| {
            self.properties.iter().any(|(n, v)| {
                n == name && matches!(v, PropertyValue::Int64(_) | PropertyValue::Double(_))
            })
        };
        for (name, value) in &self.properties {
            if let Some(base) = name.strip_suffix(ANNOTATION) {
                if typed_by_sdk(base) {
                    continue;
                }
            }
            out.push(',');
            match value {
                PropertyValue::String(s) => push_member(&mut out, name, &json_string(s)),
                PropertyValue::Int64(n) => {
                    push_member(&mut out, name, &json_string(&n.to_string()));
                    out.push(',');
                    push_member(&mut out, &format!("{name}{ANNOTATION}"), "\"Edm.Int64\"");
                }
                PropertyValue::BigInteger(_) => {
                    return Err(BigIntegerProperty {
                        property: name.clone(),
                    })
                }
                PropertyValue::Double(f) => {
                    let text = if f.is_finite() {
                        serde_json::Number::from_f64(*f)
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "0".to_owned())
                    } else {
                        json_string(&newtonsoft::dotnet_double(*f))
                    };
                    push_member(&mut out, name, &text);
                    out.push(',');
                    push_member(&mut out, &format!("{name}{ANNOTATION}"), "\"Edm.Double\"");
                }
                PropertyValue::Bool(b) => {
                    push_member(&mut out, name, if *b { "true" } else { "false" })
                }
                PropertyValue::Null => push_member(&mut out, name, "null"),
            }
        }
        out.push('}');
        Ok(out)
    }
}

/// An integer property above `Int64.MaxValue` (the SDK throws `NotSupportedException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "property `{property}` is an integer above Int64.MaxValue, which the Tables SDK cannot send"
)]
pub struct BigIntegerProperty {
    pub property: String,
}

fn json_string(text: &str) -> String {
    // serde_json's string escaping cannot fail.
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

fn push_member(out: &mut String, name: &str, value_json: &str) {
    let _ = write!(out, "{}:{value_json}", json_string(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(text: &str) -> Result<Entity, EntityError> {
        Entity::from_item(text.as_bytes(), (None, None))
    }

    #[test]
    fn keys_and_etag_are_found_ignoring_case() {
        let e = entity(r#"{"partitionkey":"p","ROWKEY":"r","etag":"*","A":1}"#).unwrap();
        assert_eq!((e.partition_key.as_str(), e.row_key.as_str()), ("p", "r"));
        assert_eq!(e.operation, Operation::UpsertReplace);
        assert_eq!(
            e.properties,
            vec![("A".to_owned(), PropertyValue::Int64(1))]
        );
        assert_eq!(
            entity(r#"{"PartitionKey":"p","RowKey":"r"}"#)
                .unwrap()
                .operation,
            Operation::Add
        );
        assert_eq!(
            entity(r#"{"PartitionKey":"p","RowKey":"r","odata.etag":"W/\"x\""}"#)
                .unwrap()
                .operation,
            Operation::UpdateReplace {
                etag: "W/\"x\"".into()
            }
        );
    }

    #[test]
    fn bad_items_are_refused_when_added() {
        assert!(matches!(entity("not json"), Err(EntityError::NotJson(_))));
        assert_eq!(entity("[1]"), Err(EntityError::NotAnObject));
        assert_eq!(
            entity(r#"{"RowKey":"r"}"#),
            Err(EntityError::MissingKey("PartitionKey"))
        );
        assert_eq!(
            entity(r#"{"PartitionKey":1,"RowKey":"r"}"#),
            Err(EntityError::KeyNotString("PartitionKey"))
        );
        assert_eq!(
            entity(r#"{"PartitionKey":"p","RowKey":"r","ETag":5}"#),
            Err(EntityError::EtagNotString)
        );
        assert!(matches!(
            entity(r#"{"PartitionKey":"a/b","RowKey":"r"}"#),
            Err(EntityError::InvalidKey {
                key: "PartitionKey",
                ..
            })
        ));
        // The binding's default keys fill in.
        let e = Entity::from_item(br#"{"A":true}"#, (Some("p"), Some("r"))).unwrap();
        assert_eq!(e.row_key, "r");
    }

    #[test]
    fn values_are_typed_like_the_sdk_types_them() {
        let e = entity(
            r#"{"PartitionKey":"p","RowKey":"r","S":"x","I":3,"F":1.5,"B":false,"N":null,
                "O":{"a":[1]},"Timestamp":"2026-01-01T00:00:00Z","D":"2026-11-27T07:00:00.1000000Z",
                "G":"g","G@odata.type":"Edm.Guid","I@odata.type":"Edm.Int32"}"#,
        )
        .unwrap();
        let body = e.odata_json().unwrap();
        assert_eq!(
            body,
            r#"{"PartitionKey":"p","RowKey":"r","S":"x","I":"3","I@odata.type":"Edm.Int64","F":1.5,"F@odata.type":"Edm.Double","B":false,"N":null,"O":"{\n  \"a\": [\n    1\n  ]\n}","D":"2026-11-27T07:00:00.1000000Z","G":"g","G@odata.type":"Edm.Guid"}"#
        );
        let big = entity(r#"{"PartitionKey":"p","RowKey":"r","X":9223372036854775808}"#).unwrap();
        assert!(big.odata_json().is_err());
    }

    #[test]
    fn limits_and_size() {
        let e =
            entity(r#"{"PartitionKey":"pk","RowKey":"rk","Name":"abc","N":1,"B":true}"#).unwrap();
        // 4 + 2*4 + (8+8+10) + (8+2+8) + (8+2+1)
        assert_eq!(e.size(), 4 + 8 + 26 + 18 + 11);
        assert!(e.check_limits().is_ok());
        let long = format!(
            r#"{{"PartitionKey":"p","RowKey":"r","Body":"{}"}}"#,
            "x".repeat(32 * 1024 + 1)
        );
        assert_eq!(
            entity(&long).unwrap().check_limits(),
            Err(Limit::StringProperty {
                property: "Body".into(),
                units: 32769
            })
        );
        let named = entity(r#"{"PartitionKey":"p","RowKey":"r","a-b":1}"#).unwrap();
        assert!(matches!(
            named.check_limits(),
            Err(Limit::PropertyName { .. })
        ));
        let many: String = (0..253).map(|i| format!(r#","P{i}":1"#)).collect();
        let many = entity(&format!(r#"{{"PartitionKey":"p","RowKey":"r"{many}}}"#)).unwrap();
        assert_eq!(
            many.check_limits(),
            Err(Limit::PropertyCount { count: 253 })
        );
    }
}
