//! Decoding request bodies the way API.md reads them: JSON objects, with JSON objects inside.
//!
//! serde's derived `Deserialize` also builds a struct from an array of its fields in order, so
//! `[null, null]` was an enrolment and `{"amount": [100, "EUR"]}` a purchase of 1.00 EUR; and
//! its messages name the Rust type ("expected struct MoneyDocument"), an internal name no error
//! may show. This deserializer over a [`serde_json::Value`] builds a struct only from an object
//! and says "a JSON object" when it gets something else; everything else is serde_json's.

use serde::de::value::StringDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Error, Map, Value};

/// [`serde_json::from_value`], except that structs must be JSON objects at every depth.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(Strict(value))
}

struct Strict(Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Unexpected::Unsigned(u),
            (None, Some(i), _) => Unexpected::Signed(i),
            (None, None, Some(f)) => Unexpected::Float(f),
            (None, None, None) => Unexpected::Other("number"),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn visit_object<'de, V: Visitor<'de>>(
    map: Map<String, Value>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = StrictMap {
        entries: map.into_iter(),
        value: None,
    };
    let out = visitor.visit_map(&mut access)?;
    match access.entries.len() {
        0 => Ok(out),
        left => Err(de::Error::invalid_length(left, &"fewer fields")),
    }
}

fn visit_array<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, Error> {
    let len = items.len();
    let mut access = StrictSeq(items.into_iter());
    let out = visitor.visit_seq(&mut access)?;
    match access.0.len() {
        0 => Ok(out),
        _ => Err(de::Error::invalid_length(
            len,
            &"fewer elements in the array",
        )),
    }
}

impl<'de> Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(Strict(value)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visit_object(map, visitor),
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a JSON object",
            )),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            // A unit variant: the message lists the variants, not the type.
            Value::String(variant) => {
                let variant: StringDeserializer<Error> = variant.into_deserializer();
                visitor.visit_enum(variant)
            }
            Value::Object(map) => Value::Object(map).deserialize_enum(name, variants, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &"a string")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct StrictSeq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for StrictSeq {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Strict(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct StrictMap {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for StrictMap {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: StringDeserializer<Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(de::Error::custom("a field without a value")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Inner {
        amount: i64,
        currency: String,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Status {
        Active,
        Suspended,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Outer {
        id: String,
        amount: Inner,
        note: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
        #[serde(default)]
        status: Option<Status>,
        #[serde(default)]
        extra: BTreeMap<String, f64>,
        #[serde(default)]
        raw: Option<Value>,
    }

    fn decode(value: Value) -> Result<Outer, String> {
        from_value(value).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_decode_as_with_serde_json() {
        let value = json!({
            "id": "a", "amount": {"amount": 5, "currency": "EUR"}, "note": null,
            "tags": ["x", "y"], "status": "suspended", "extra": {"k": 1.5},
            "raw": [1, {"a": [true]}]
        });
        let strict = decode(value.clone()).unwrap();
        let loose: Outer = serde_json::from_value(value).unwrap();
        assert_eq!(strict, loose);
        assert_eq!(strict.tags, ["x", "y"]);
        assert_eq!(strict.raw, Some(json!([1, {"a": [true]}])));
    }

    #[test]
    fn structs_written_as_arrays_are_refused() {
        let top = json!(["a", {"amount": 5, "currency": "EUR"}, null]);
        assert!(
            serde_json::from_value::<Outer>(top.clone()).is_ok(),
            "serde accepts it"
        );
        let error = decode(top).unwrap_err();
        assert!(error.contains("expected a JSON object"), "{error}");

        let nested = json!({"id": "a", "amount": [5, "EUR"]});
        assert!(
            serde_json::from_value::<Outer>(nested.clone()).is_ok(),
            "serde accepts it"
        );
        let error = decode(nested).unwrap_err();
        assert!(error.contains("expected a JSON object"), "{error}");
    }

    #[test]
    fn messages_do_not_name_rust_types() {
        for value in [
            json!(5),
            json!("text"),
            json!({"id": "a", "amount": 5}),
            json!({"id": "a", "amount": {"amount": 5, "currency": "EUR"}, "status": 1}),
            json!({"id": "a", "amount": {"amount": 5, "currency": "EUR"}, "status": "gone"}),
        ] {
            let error = decode(value.clone()).unwrap_err();
            assert!(
                !error.contains("Outer") && !error.contains("Inner") && !error.contains("Status"),
                "{value}: {error}"
            );
        }
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_still_refused() {
        for value in [
            json!({"id": 5, "amount": {"amount": 5, "currency": "EUR"}}),
            json!({"id": "a", "amount": {"amount": 5.5, "currency": "EUR"}}),
            json!({"id": "a", "amount": {"amount": 5, "currency": "EUR", "x": 1}}),
            json!({"id": "a", "amount": {"amount": 5, "currency": "EUR"}, "tags": "x"}),
            json!({"id": "a"}),
            json!(null),
        ] {
            assert!(decode(value.clone()).is_err(), "{value}");
        }
    }
}
