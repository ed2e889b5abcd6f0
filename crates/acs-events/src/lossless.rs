//! Lossless re-serialization: an event's typed data as JSON, plus whatever it does not model.
//!
//! The typed structs read the fields ACS documents and ignore the rest, which is what keeps
//! them fast and a new field harmless. A user who re-serializes an event (to store it, forward
//! it, or look at it with `inspect`) should still get every field that arrived, including one
//! the service added after this version of the crate. So instead of a catch-all map in every
//! struct (a `#[serde(flatten)]` member makes serde buffer each object before reading it, on
//! every event), the catch-all is computed on demand, from the raw JSON the [`Event`] keeps
//! anyway: [`Event::data_json`] walks the received `data` beside the typed data and adds back
//! each member the typed data lacks, as sent.
//!
//! A member counts as modelled when the typed data has it under the same name in any ASCII
//! case (`MessageId`, `receivedTimeStamp`), under its canonical name ([`RENAMED`]), or, for the
//! flattened identifiers of the docs' calling samples (`startedBy: {rawId, communicationUser,
//! role}`), inside the canonical nested `communicationIdentifier`. A `null` member is the same
//! as an absent one (the structs read both as `None`).

use serde_json::{Map, Value};

use crate::envelope::Event;

/// The members the structs read under another name than the one they write, as
/// `(received, canonical)`: the docs' and REST spec examples' spellings. Renames that differ
/// only in ASCII case are not listed: members are matched case-insensitively.
pub const RENAMED: &[(&str, &str)] = &[
    ("durationOfCall", "callDurationInSeconds"),
    ("endpointType", "userAgent"),
    ("keyphraseExtraction", "extractedKeyPhrases"),
    (
        "requestedWorkerSelectorsExpired",
        "expiredRequestedWorkerSelectors",
    ),
    (
        "attachedWorkerSelectorsExpired",
        "expiredAttachedWorkerSelectors",
    ),
    ("propertiesUpdated", "updatedWorkerProperties"),
];

/// The members of a communication identifier, which the docs' calling samples write beside
/// `role` instead of inside `communicationIdentifier`.
const IDENTIFIER_MEMBERS: &[&str] = &[
    "rawId",
    "kind",
    "communicationUser",
    "phoneNumber",
    "microsoftTeamsUser",
    "microsoftTeamsApp",
    "teamsExtensionUser",
];

impl Event {
    /// The typed data as JSON (canonical camelCase names, RFC 3339 UTC times, numbers as
    /// numbers), with every member of the received `data` that the typed data does not model
    /// added back as sent (see the [module docs](crate::lossless)). `None` when the data does
    /// not fit its type (see [`Event::data`]); the raw JSON is then in [`Event::raw`].
    ///
    /// ```
    /// let body = br#"{"id":"1","eventType":"Microsoft.Communication.SMSReceived",
    ///   "subject":"/phonenumber/15555555555","eventTime":"2026-01-01T00:00:00Z",
    ///   "data":{"MessageId":"m1","from":"+15555555555","to":"+15555555556","message":"hi",
    ///           "receivedTimestamp":"2026-01-01T00:00:00Z","futureField":{"a":1}}}"#;
    /// let event = acs_events::parse_delivery(body).unwrap().remove(0).unwrap();
    /// let data = event.data_json().unwrap();
    /// assert_eq!(data["messageId"], "m1"); // canonical name
    /// assert_eq!(data["futureField"]["a"], 1); // not modelled, kept as sent
    /// ```
    pub fn data_json(&self) -> Option<Value> {
        let data = self.data.as_ref().ok()?;
        let mut typed = serde_json::to_value(data).ok()?;
        let received: Value = serde_json::from_str(self.raw.get()).ok()?;
        if let Some(received) = received.get("data") {
            keep_unmodelled(&mut typed, received);
        }
        Some(typed)
    }
}

/// Adds to `typed` what `received` has and `typed` does not model.
fn keep_unmodelled(typed: &mut Value, received: &Value) {
    match (typed, received) {
        (Value::Object(typed), Value::Object(received)) => {
            for (name, value) in received {
                keep_member(typed, name, value);
            }
        }
        (Value::Array(typed), Value::Array(received)) => {
            for (typed, received) in typed.iter_mut().zip(received) {
                keep_unmodelled(typed, received);
            }
        }
        _ => {}
    }
}

fn keep_member(typed: &mut Map<String, Value>, name: &str, value: &Value) {
    if value.is_null() {
        return;
    }
    if let Some(existing) = get_mut_ci(typed, name) {
        keep_unmodelled(existing, value);
        return;
    }
    let renamed = RENAMED
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(name))
        .map(|(_, to)| *to);
    if let Some(existing) = renamed.and_then(|to| get_mut_ci(typed, to)) {
        keep_unmodelled(existing, value);
        return;
    }
    if IDENTIFIER_MEMBERS
        .iter()
        .any(|m| m.eq_ignore_ascii_case(name))
    {
        if let Some(Value::Object(identifier)) = get_mut_ci(typed, "communicationIdentifier") {
            keep_member(identifier, name, value);
            return;
        }
    }
    typed.insert(name.to_owned(), value.clone());
}

fn get_mut_ci<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    if map.contains_key(name) {
        return map.get_mut(name);
    }
    let key = map.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
    map.get_mut(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every leaf of `value` as a path of lower-cased member names and indexes (`null`s left
    /// out: they read as absent).
    fn leaves(value: &Value, path: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    leaves(v, format!("{path}.{}", k.to_ascii_lowercase()), out);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    leaves(v, format!("{path}.{i}"), out);
                }
            }
            Value::Null => {}
            _ => out.push(path),
        }
    }

    /// A received leaf's path under the canonical names: renamed members, and flattened
    /// identifier members moved into `communicationIdentifier` when the typed data has it.
    fn canonical(path: &str, typed_paths: &[String]) -> String {
        let mut out = String::new();
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let renamed = RENAMED
                .iter()
                .find(|(from, _)| from.eq_ignore_ascii_case(part))
                .map_or(part.to_owned(), |(_, to)| to.to_ascii_lowercase());
            let nested = format!("{out}.communicationidentifier");
            if IDENTIFIER_MEMBERS
                .iter()
                .any(|m| m.eq_ignore_ascii_case(part))
                && typed_paths.iter().any(|p| p.starts_with(&nested))
            {
                out = nested;
            }
            out = format!("{out}.{renamed}");
        }
        out
    }

    /// For every sample, every leaf of the received `data` is in `data_json()` (100 %), under
    /// its canonical name.
    #[test]
    fn every_sample_keeps_every_leaf() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
        let (mut total, mut events) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let body = std::fs::read(&path).unwrap();
            for event in crate::parse_delivery(&body).into_iter().flatten().flatten() {
                let Some(out) = event.data_json() else {
                    panic!("{}: the data does not fit", path.display());
                };
                let raw: Value = serde_json::from_str(event.raw.get()).unwrap();
                let mut received = Vec::new();
                leaves(&raw["data"], String::new(), &mut received);
                let mut kept = Vec::new();
                leaves(&out, String::new(), &mut kept);
                // An unknown type (or a disabled family's) is its data as sent: no renames.
                let unknown = matches!(event.data, Ok(crate::AcsEvent::Unknown { .. }));
                for leaf in &received {
                    let leaf = if unknown {
                        leaf.clone()
                    } else {
                        canonical(leaf, &kept)
                    };
                    assert!(
                        kept.contains(&leaf),
                        "{}: {leaf} is lost (kept: {kept:?})",
                        path.display()
                    );
                }
                total += received.len();
                events += 1;
            }
        }
        assert!(
            events > 80 && total > 800,
            "{events} events, {total} leaves"
        );
    }

    #[cfg(feature = "calling")]
    #[test]
    fn members_the_structs_do_not_model_are_kept_as_sent() {
        let body = br#"{"id":"1","eventType":"Microsoft.Communication.CallEnded","subject":"call/x",
            "eventTime":"2026-01-01T00:00:00Z","data":{"serverCallId":"x","durationOfCall":3.5,
            "startedBy":{"rawId":"8:acs:1","communicationUser":{"id":"8:acs:1"},"role":"r","newRole":2},
            "brandNew":[{"a":null,"b":[1,2]}],"gone":null}}"#;
        let event = crate::parse_delivery(body).unwrap().remove(0).unwrap();
        let out = event.data_json().unwrap();
        assert_eq!(out["callDurationInSeconds"], 3.5);
        assert!(out.get("durationOfCall").is_none(), "renamed, not copied");
        assert_eq!(
            out["startedBy"]["communicationIdentifier"]["rawId"],
            "8:acs:1"
        );
        assert!(out["startedBy"].get("rawId").is_none(), "moved, not copied");
        assert_eq!(out["startedBy"]["newRole"], 2);
        assert_eq!(
            out["brandNew"],
            serde_json::json!([{"a": null, "b": [1, 2]}])
        );
        assert!(out.get("gone").is_none(), "null is absent");
    }
}
