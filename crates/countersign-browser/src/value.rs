//! Reads Rust values from the JavaScript values `JSON.parse` makes (and
//! from plain objects a caller hands over), through serde.
//!
//! serde-wasm-bindgen still writes values (its `Serializer`); reading is
//! done here because its deserializer's error type formats serde's
//! `Unexpected` with serde's default text, which links Rust's float
//! formatting (about 18 KB of wasm, in the package and the web app alike)
//! for one error message. Here a wrong type is described without it, and
//! the reader handles only what JSON can hold: `null` (and `undefined`),
//! booleans, numbers, strings, arrays and plain objects.

use std::fmt;

use js_sys::{Array, Object};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, Expected, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

/// Reads a `T` from a JavaScript value.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, Error> {
    T::deserialize(Deserializer::from(value))
}

/// Why a value could not be read, as one line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self(format!(
            "invalid type: {}, expected {expected}",
            Described(unexpected)
        ))
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self(format!(
            "invalid value: {}, expected {expected}",
            Described(unexpected)
        ))
    }
}

/// serde's `Unexpected`, described as serde describes it except for a
/// number with a fraction, whose digits are left out (writing them is what
/// links the float formatting).
struct Described<'a>(Unexpected<'a>);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Bool(b) => write!(f, "boolean `{b}`"),
            Unexpected::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexpected::Signed(n) => write!(f, "integer `{n}`"),
            Unexpected::Float(_) => f.write_str("a number with a fraction"),
            Unexpected::Char(c) => write!(f, "character `{c}`"),
            Unexpected::Str(s) => write!(f, "string {s:?}"),
            Unexpected::Bytes(_) => f.write_str("byte array"),
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Option => f.write_str("Option value"),
            Unexpected::NewtypeStruct => f.write_str("newtype struct"),
            Unexpected::Seq => f.write_str("sequence"),
            Unexpected::Map => f.write_str("map"),
            Unexpected::Enum => f.write_str("enum"),
            Unexpected::UnitVariant => f.write_str("unit variant"),
            Unexpected::NewtypeVariant => f.write_str("newtype variant"),
            Unexpected::TupleVariant => f.write_str("tuple variant"),
            Unexpected::StructVariant => f.write_str("struct variant"),
            Unexpected::Other(other) => f.write_str(other),
        }
    }
}

/// A JavaScript value to read from.
pub struct Deserializer {
    value: JsValue,
}

impl From<JsValue> for Deserializer {
    fn from(value: JsValue) -> Self {
        Self { value }
    }
}

/// JavaScript numbers are whole and exact up to 2^53 - 1.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl<'de> de::Deserializer<'de> for Deserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let value = self.value;
        if value.is_null() || value.is_undefined() {
            visitor.visit_unit()
        } else if let Some(b) = value.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = whole_number(&value) {
            visitor.visit_i64(n)
        } else if let Some(n) = value.as_f64() {
            visitor.visit_f64(n)
        } else if let Some(text) = value.as_string() {
            visitor.visit_string(text)
        } else if Array::is_array(&value) {
            visitor.visit_seq(Elements {
                array: value.unchecked_into(),
                index: 0,
            })
        } else if value.is_object() {
            visitor.visit_map(Entries {
                entries: Object::entries(value.unchecked_ref()),
                index: 0,
                value: None,
            })
        } else {
            Err(de::Error::custom(
                "a JavaScript value that JSON cannot hold (a function, symbol or bigint)",
            ))
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value.is_null() || self.value.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant is its name as a string; a variant with data is an
    /// object with one key, its name (serde's external tagging, as JSON
    /// writes it).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if let Some(name) = self.value.as_string() {
            return visitor.visit_enum(IntoDeserializer::<'de, Error>::into_deserializer(name));
        }
        if self.value.is_object() && !Array::is_array(&self.value) {
            let entries = Object::entries(self.value.unchecked_ref());
            if entries.length() == 1 {
                let pair: Array = entries.get(0).unchecked_into();
                return visitor.visit_enum(Variant {
                    name: pair.get(0),
                    value: pair.get(1),
                });
            }
        }
        Err(wrong_type(&self.value, &visitor))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    // The typed readers below call only the visitor method their type
    // takes, so that each type's reader carries one path, not all of them.

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value.as_bool() {
            Some(b) => visitor.visit_bool(b),
            None => Err(wrong_type(&self.value, &visitor)),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match whole_number(&self.value) {
            Some(n) => visitor.visit_i64(n),
            None => Err(wrong_type(&self.value, &visitor)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value.as_f64() {
            Some(n) => visitor.visit_f64(n),
            None => Err(wrong_type(&self.value, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value.as_string() {
            Some(text) => visitor.visit_string(text),
            None => Err(wrong_type(&self.value, &visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value.is_null() || self.value.is_undefined() {
            visitor.visit_unit()
        } else {
            Err(wrong_type(&self.value, &visitor))
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if Array::is_array(&self.value) {
            visitor.visit_seq(Elements {
                array: self.value.unchecked_into(),
                index: 0,
            })
        } else {
            Err(wrong_type(&self.value, &visitor))
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.value.is_object() && !Array::is_array(&self.value) {
            visitor.visit_map(Entries {
                entries: Object::entries(self.value.unchecked_ref()),
                index: 0,
                value: None,
            })
        } else {
            Err(wrong_type(&self.value, &visitor))
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    serde::forward_to_deserialize_any! { i128 u128 char bytes byte_buf }
}

/// A whole number JavaScript holds exactly, if `value` is one.
fn whole_number(value: &JsValue) -> Option<i64> {
    let n = value.as_f64()?;
    // Checked: a whole number within 2^53, so it fits in i64 exactly.
    #[allow(clippy::cast_possible_truncation)]
    (n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER).then_some(n as i64)
}

/// The error for a value of the wrong type: one function for every type
/// read, which names what was expected.
fn wrong_type(value: &JsValue, expected: &dyn Expected) -> Error {
    let text;
    let unexpected = if value.is_null() || value.is_undefined() {
        Unexpected::Unit
    } else if let Some(b) = value.as_bool() {
        Unexpected::Bool(b)
    } else if let Some(n) = whole_number(value) {
        Unexpected::Signed(n)
    } else if value.as_f64().is_some() {
        Unexpected::Float(0.0)
    } else if let Some(string) = value.as_string() {
        text = string;
        Unexpected::Str(&text)
    } else if Array::is_array(value) {
        Unexpected::Seq
    } else {
        Unexpected::Map
    };
    de::Error::invalid_type(unexpected, expected)
}

/// An array's elements, in order.
struct Elements {
    array: Array,
    index: u32,
}

impl<'de> SeqAccess<'de> for Elements {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.index >= self.array.length() {
            return Ok(None);
        }
        let element = self.array.get(self.index);
        self.index += 1;
        seed.deserialize(Deserializer::from(element)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.array.length().saturating_sub(self.index)).ok()
    }
}

/// An object's own enumerable properties (`Object.entries`), in order.
struct Entries {
    entries: Array,
    index: u32,
    value: Option<JsValue>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.index >= self.entries.length() {
            return Ok(None);
        }
        let pair: Array = self.entries.get(self.index).unchecked_into();
        self.index += 1;
        self.value = Some(pair.get(1));
        seed.deserialize(Deserializer::from(pair.get(0))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().unwrap_or(JsValue::UNDEFINED);
        seed.deserialize(Deserializer::from(value))
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.entries.length().saturating_sub(self.index)).ok()
    }
}

/// An enum variant with data: `{ name: value }`.
struct Variant {
    name: JsValue,
    value: JsValue,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = Error;
    type Variant = Deserializer;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Deserializer), Error> {
        let name = seed.deserialize(Deserializer::from(self.name))?;
        Ok((name, Deserializer::from(self.value)))
    }
}

impl<'de> VariantAccess<'de> for Deserializer {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}
