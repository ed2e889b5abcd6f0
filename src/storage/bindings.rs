//! What the writer needs to know about the function app: the output bindings of a function
//! (`<function>/function.json`), the Queues extension's message encoding (`host.json`), and the
//! binding data that `{name}` expressions in a binding's path resolve against.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// Why `function.json` or `host.json` could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON of the expected shape: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("{path}: output binding `{name}` of type {kind} has no `{property}`")]
    MissingProperty {
        path: PathBuf,
        name: String,
        kind: &'static str,
        property: &'static str,
    },
    #[error("{path}: two bindings are named `{name}`")]
    DuplicateName { path: PathBuf, name: String },
    #[error("{path}: extensions.queues.messageEncoding must be base64 or none, found {found:?}")]
    BadMessageEncoding { path: PathBuf, found: String },
}

/// Where an output binding writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// `type: table`: `tableName`, and the optional default keys of the binding.
    Table {
        table: String,
        partition_key: Option<String>,
        row_key: Option<String>,
    },
    /// `type: queue`: `queueName`.
    Queue { queue: String },
    /// `type: blob`: `path` (`container/name`, with binding expressions).
    Blob { path: String },
    /// Any other output type (the writer refuses values for it).
    Other { kind: String },
}

/// One `direction: out` binding of function.json.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputBinding {
    pub name: String,
    pub target: OutputTarget,
    /// `dataType: binary` turns off the host's base64 attempt on a top-level string.
    pub binary: bool,
}

/// A function's bindings, in function.json order (the order the host binds them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionBindings {
    outputs: Vec<OutputBinding>,
    /// Names of the other (trigger and input) bindings: a reply value under one of them is as
    /// undeclared to the host as a made-up name.
    inputs: Vec<String>,
}

#[derive(Deserialize)]
struct FunctionJson {
    bindings: Vec<BindingJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindingJson {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    table_name: Option<String>,
    #[serde(default)]
    queue_name: Option<String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    partition_key: Option<String>,
    #[serde(default)]
    row_key: Option<String>,
    #[serde(default)]
    data_type: Option<String>,
}

impl FunctionBindings {
    /// Reads `<app_root>/<function>/function.json`.
    pub fn load(app_root: &Path, function: &str) -> Result<Self, ConfigError> {
        let path = app_root.join(function).join("function.json");
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        FunctionBindings::parse(&text, &path)
    }

    /// Parses function.json text; `path` only names the file in errors. Binding types and
    /// directions are matched case-insensitively, as the host does.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let json: FunctionJson = serde_json::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let mut outputs = Vec::new();
        let mut inputs = Vec::new();
        for binding in json.bindings {
            if outputs
                .iter()
                .any(|o: &OutputBinding| o.name == binding.name)
                || inputs.contains(&binding.name)
            {
                return Err(ConfigError::DuplicateName {
                    path: path.to_owned(),
                    name: binding.name,
                });
            }
            let out = binding
                .direction
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case("out") || d.eq_ignore_ascii_case("inout"));
            if !out {
                inputs.push(binding.name);
                continue;
            }
            let missing =
                |kind: &'static str, property: &'static str| ConfigError::MissingProperty {
                    path: path.to_owned(),
                    name: binding.name.clone(),
                    kind,
                    property,
                };
            let target = match binding.kind.to_ascii_lowercase().as_str() {
                "table" => OutputTarget::Table {
                    table: binding
                        .table_name
                        .clone()
                        .ok_or_else(|| missing("table", "tableName"))?,
                    partition_key: binding.partition_key.clone(),
                    row_key: binding.row_key.clone(),
                },
                "queue" => OutputTarget::Queue {
                    queue: binding
                        .queue_name
                        .clone()
                        .ok_or_else(|| missing("queue", "queueName"))?,
                },
                "blob" => OutputTarget::Blob {
                    path: binding
                        .path
                        .clone()
                        .ok_or_else(|| missing("blob", "path"))?,
                },
                _ => OutputTarget::Other {
                    kind: binding.kind.clone(),
                },
            };
            outputs.push(OutputBinding {
                binary: binding
                    .data_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("binary")),
                name: binding.name,
                target,
            });
        }
        Ok(FunctionBindings { outputs, inputs })
    }

    /// The output bindings in function.json order.
    pub fn outputs(&self) -> &[OutputBinding] {
        &self.outputs
    }

    /// The output binding with exactly this name (the host's lookup is case-sensitive).
    pub fn output(&self, name: &str) -> Option<&OutputBinding> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// Whether `name` is a trigger or input binding.
    pub fn is_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|n| n == name)
    }
}

/// How the Queues extension encodes message bytes: base64 by default in extension 5.x
/// (`QueuesOptions.MessageEncoding`), plain text with `messageEncoding: none` in host.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueEncoding {
    #[default]
    Base64,
    None,
}

/// The host.json settings the writer applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostOptions {
    pub queue_encoding: QueueEncoding,
}

impl HostOptions {
    /// Reads `<app_root>/host.json`.
    pub fn load(app_root: &Path) -> Result<Self, ConfigError> {
        let path = app_root.join("host.json");
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        HostOptions::parse(&text, &path)
    }

    /// Parses host.json text. The host reads it through .NET configuration, where names are
    /// case-insensitive, so `extensions.queues.messageEncoding` is looked up ignoring case (which
    /// is why this walks a `Value` rather than deserializing a struct).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let json: Value = serde_json::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let field = |value: &'_ Value, name: &str| -> Option<Value> {
            value
                .as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let encoding = field(&json, "extensions")
            .and_then(|e| field(&e, "queues"))
            .and_then(|q| field(&q, "messageEncoding"));
        let queue_encoding = match encoding {
            None | Some(Value::Null) => QueueEncoding::Base64,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("base64") => QueueEncoding::Base64,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("none") => QueueEncoding::None,
            Some(other) => {
                return Err(ConfigError::BadMessageEncoding {
                    path: path.to_owned(),
                    found: other.to_string().chars().take(40).collect(),
                })
            }
        };
        Ok(HostOptions { queue_encoding })
    }
}

/// Why a binding expression could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpressionError {
    #[error("no value for binding expression {{{0}}}")]
    NoValue(String),
    #[error("a `{{` is not closed")]
    Unclosed,
    #[error("the format in {{{0}}} is not supported here")]
    UnsupportedFormat(String),
}

/// The values `{name}` expressions resolve to: the trigger's binding data (the host sends it as
/// `Metadata`), looked up case-insensitively like the host's binding data, plus the built-ins
/// `{rand-guid}` and `{DateTime}`.
#[derive(Debug, Clone)]
pub struct BindingData {
    values: HashMap<String, String>,
    utc_now: OffsetDateTime,
    rand_guid: Uuid,
}

impl Default for BindingData {
    fn default() -> Self {
        BindingData {
            values: HashMap::new(),
            utc_now: OffsetDateTime::now_utc(),
            rand_guid: Uuid::new_v4(),
        }
    }
}

impl BindingData {
    /// No trigger data; the built-ins are the current time and a new GUID.
    pub fn new() -> Self {
        BindingData::default()
    }

    /// Adds or replaces one value.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.values.insert(name.to_lowercase(), value.into());
        self
    }

    /// Fixes the built-ins (`{DateTime}`, `{rand-guid}`), e.g. to the invocation's `sys` values.
    pub fn with_builtins(mut self, utc_now: OffsetDateTime, rand_guid: Uuid) -> Self {
        self.utc_now = utc_now;
        self.rand_guid = rand_guid;
        self
    }

    /// Binding data from a JSON object: every property by name, and nested properties by dotted
    /// path (`data.messageId`). Strings resolve to their text, other values to their JSON.
    pub fn from_json(object: &Value) -> Self {
        let mut data = BindingData::new();
        if let Value::Object(map) = object {
            for (name, value) in map {
                data.flatten(name, value, 0);
            }
        }
        data
    }

    /// What the Event Grid trigger offers a binding expression: the event's properties (`id`,
    /// `subject`, `eventType`, …) and, through `data.`, its payload.
    pub fn from_event(event: &Value) -> Self {
        BindingData::from_json(event)
    }

    /// From a host invocation body: its `Metadata` (the trigger's binding data), with the
    /// built-ins taken from `Metadata.sys` (`UtcNow`, `RandGuid`) when present. The host shows a
    /// handler each string of the binding data JSON-encoded once more (`"id": "\"e1\""`,
    /// functions-custom-handler §1.3) while it resolves `{id}` with the string itself, so a
    /// top-level string that holds a JSON string is taken as that string.
    pub fn from_invocation(body: &[u8]) -> Self {
        let parsed: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let mut metadata = parsed.get("Metadata").cloned().unwrap_or(Value::Null);
        if let Value::Object(map) = &mut metadata {
            for value in map.values_mut() {
                let inner = match value {
                    Value::String(text) if text.starts_with('"') => {
                        serde_json::from_str::<String>(text).ok()
                    }
                    _ => None,
                };
                if let Some(inner) = inner {
                    *value = Value::String(inner);
                }
            }
        }
        let mut data = BindingData::from_json(&metadata);
        if let Some(sys) = metadata.get("sys") {
            if let Some(now) = sys.get("UtcNow").and_then(Value::as_str).and_then(|s| {
                OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
            }) {
                data.utc_now = now;
            }
            if let Some(guid) = sys
                .get("RandGuid")
                .and_then(Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
            {
                data.rand_guid = guid;
            }
        }
        data
    }

    fn flatten(&mut self, name: &str, value: &Value, depth: usize) {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.values.insert(name.to_lowercase(), text);
        if let (Value::Object(map), true) = (value, depth < 8) {
            for (child, value) in map {
                self.flatten(&format!("{name}.{child}"), value, depth + 1);
            }
        }
    }

    /// Resolves every `{name}` in `template`.
    pub fn resolve(&self, template: &str) -> Result<String, ExpressionError> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(ExpressionError::Unclosed)?;
            let expression = after[..close].trim();
            out.push_str(&self.value(expression)?);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn value(&self, expression: &str) -> Result<String, ExpressionError> {
        if expression.eq_ignore_ascii_case("rand-guid") {
            return Ok(self.rand_guid.hyphenated().to_string());
        }
        if expression.eq_ignore_ascii_case("DateTime") {
            // The WebJobs SDK's default `{DateTime}` format: `yyyy-MM-ddTHH-mm-ssZ`.
            let t = self.utc_now.to_offset(time::UtcOffset::UTC);
            return Ok(format!(
                "{:04}-{:02}-{:02}T{:02}-{:02}-{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ));
        }
        if expression.contains(':') {
            return Err(ExpressionError::UnsupportedFormat(clip(expression)));
        }
        self.values
            .get(&expression.to_lowercase())
            .cloned()
            .ok_or_else(|| ExpressionError::NoValue(clip(expression)))
    }
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION_JSON: &str = r#"{"bindings":[
        {"type":"eventGridTrigger","name":"eventGridEvent","direction":"in"},
        {"type":"table","name":"rows","direction":"out","tableName":"Rows"},
        {"type":"Queue","name":"q","direction":"OUT","queueName":"q-out"},
        {"type":"blob","name":"raw","direction":"out","path":"raw/{id}.json","dataType":"binary"},
        {"type":"http","name":"$return","direction":"out"}
    ]}"#;

    #[test]
    fn function_json_lists_outputs_in_order() {
        let b = FunctionBindings::parse(FUNCTION_JSON, Path::new("f/function.json")).unwrap();
        let names: Vec<&str> = b.outputs().iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["rows", "q", "raw", "$return"]);
        assert_eq!(
            b.output("q").unwrap().target,
            OutputTarget::Queue {
                queue: "q-out".into()
            }
        );
        assert!(b.output("raw").unwrap().binary);
        assert!(b.output("Rows").is_none(), "names are case-sensitive");
        assert!(b.is_input("eventGridEvent"));
        let missing = FunctionBindings::parse(
            r#"{"bindings":[{"type":"table","name":"t","direction":"out"}]}"#,
            Path::new("x/function.json"),
        )
        .unwrap_err();
        assert!(missing.to_string().contains("tableName"), "{missing}");
    }

    #[test]
    fn host_json_message_encoding_ignores_case() {
        let p = Path::new("host.json");
        assert_eq!(
            HostOptions::parse("{}", p).unwrap().queue_encoding,
            QueueEncoding::Base64
        );
        assert_eq!(
            HostOptions::parse(r#"{"Extensions":{"queues":{"MessageEncoding":"None"}}}"#, p)
                .unwrap()
                .queue_encoding,
            QueueEncoding::None
        );
        assert!(
            HostOptions::parse(r#"{"extensions":{"queues":{"messageEncoding":"utf8"}}}"#, p)
                .is_err()
        );
    }

    #[test]
    fn expressions_resolve_against_binding_data() {
        let event = serde_json::json!({"id": "abc", "data": {"messageId": "m1", "n": 3}});
        let now = time::macros::datetime!(2026-11-27 07:00:05 UTC);
        let guid = Uuid::parse_str("0f8fad5b-d9cb-469f-a165-70867728950e").unwrap();
        let data = BindingData::from_event(&event).with_builtins(now, guid);
        assert_eq!(
            data.resolve("raw/{ID}/{data.messageId}-{data.n}").unwrap(),
            "raw/abc/m1-3"
        );
        assert_eq!(
            data.resolve("c/{DateTime}/{rand-guid}").unwrap(),
            "c/2026-11-27T07-00-05Z/0f8fad5b-d9cb-469f-a165-70867728950e"
        );
        assert_eq!(
            data.resolve("c/{nope}"),
            Err(ExpressionError::NoValue("nope".into()))
        );
        assert_eq!(data.resolve("c/{id"), Err(ExpressionError::Unclosed));
        assert!(data.resolve("c/{DateTime:yyyy}").is_err());
    }

    #[test]
    fn invocation_metadata_supplies_data_and_builtins() {
        let body = br#"{"Data":{},"Metadata":{"id":"e1","sys":{"UtcNow":"2026-11-27T07:00:00.1234567Z","RandGuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}}}"#;
        let data = BindingData::from_invocation(body);
        assert_eq!(
            data.resolve("{id}/{rand-guid}/{DateTime}").unwrap(),
            "e1/0f8fad5b-d9cb-469f-a165-70867728950e/2026-11-27T07-00-00Z"
        );
    }
}
