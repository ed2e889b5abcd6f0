//! Reading only the fields a filter names from an event's JSON text.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::casefold::eq_ignore_case;

/// The fields of an event the filter reads: a member is kept when its name matches a child
/// case-insensitively; a child marked `whole` is read entirely, the others only for their own
/// children. Everything else is skipped with `IgnoredAny`, which serde_json walks without
/// recursion, so depth costs nothing there.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Wanted {
    pub(super) whole: bool,
    children: Vec<(String, Wanted)>,
}

impl Wanted {
    pub(super) fn child(&mut self, lowered_name: &str) -> &mut Wanted {
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
pub(super) struct Pruned<'w>(pub(super) &'w Wanted);

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
