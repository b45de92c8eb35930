//! A checker for the parts of JSON Schema the document uses, so that real
//! bodies can be held against the schemas it lists.

use serde_json::Value;
use uuid::Uuid;

use super::lookup;

/// Checks `value` against the parts of JSON Schema the document uses:
/// `$ref`, `type`, `const`, `enum`, `required`, `properties`,
/// `additionalProperties: false`, `items`, lengths, bounds, `anyOf`,
/// `oneOf`, and the formats `uuid` and `date-time`. `pattern` is not checked.
pub(super) fn validate(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = lookup(doc, reference).unwrap_or_else(|| panic!("unresolved {reference}"));
        validate(doc, target, value, at, errors);
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            other => panic!("bad type {other}"),
        };
        let fits = |kind: &str| match kind {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "number" => value.is_number(),
            "integer" => value.is_i64() || value.is_u64(),
            other => panic!("unknown type {other}"),
        };
        if !types.iter().any(|kind| fits(kind)) {
            errors.push(format!("{at}: {value} is not of type {types:?}"));
            return;
        }
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        errors.push(format!("{at}: {value} is not {constant}"));
    }
    if let Some(choices) = schema.get("enum").and_then(Value::as_array)
        && !choices.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {choices:?}"));
    }
    let limit = |key: &str| schema.get(key).and_then(Value::as_u64);
    match value {
        Value::String(text) => {
            let chars = u64::try_from(text.chars().count()).unwrap();
            if limit("minLength").is_some_and(|min| chars < min)
                || limit("maxLength").is_some_and(|max| chars > max)
            {
                errors.push(format!("{at}: {value} has a length out of bounds"));
            }
            let formed = match schema.get("format").and_then(Value::as_str) {
                Some("uuid") => {
                    Uuid::parse_str(text).is_ok_and(|uid| uid.hyphenated().to_string() == *text)
                }
                Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                _ => true,
            };
            if !formed {
                errors.push(format!("{at}: {value} does not have the format"));
            }
        }
        Value::Number(number) => {
            let number = number.as_f64().unwrap();
            let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
            if bound("minimum").is_some_and(|min| number < min)
                || bound("maximum").is_some_and(|max| number > max)
            {
                errors.push(format!("{at}: {value} is out of bounds"));
            }
        }
        Value::Array(items) => {
            let count = u64::try_from(items.len()).unwrap();
            if limit("minItems").is_some_and(|min| count < min)
                || limit("maxItems").is_some_and(|max| count > max)
            {
                errors.push(format!("{at}: {count} items is out of bounds"));
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    validate(doc, item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        Value::Object(fields) => {
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                if !fields.contains_key(name) {
                    errors.push(format!("{at}: {name} is missing"));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, field) in fields {
                match properties.and_then(|p| p.get(name)) {
                    Some(field_schema) => {
                        validate(doc, field_schema, field, &format!("{at}.{name}"), errors);
                    }
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        errors.push(format!("{at}: {name} is not allowed"));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
    let fitting = |options: &Vec<Value>| {
        options
            .iter()
            .filter(|option| {
                let mut scratch = Vec::new();
                validate(doc, option, value, at, &mut scratch);
                scratch.is_empty()
            })
            .count()
    };
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array)
        && fitting(options) == 0
    {
        errors.push(format!("{at}: {value} fits none of anyOf"));
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let count = fitting(options);
        if count != 1 {
            errors.push(format!("{at}: {value} fits {count} of oneOf, not 1"));
        }
    }
}

pub(super) fn assert_valid(doc: &Value, schema: &Value, value: &Value, context: &str) {
    let mut errors = Vec::new();
    validate(doc, schema, value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{context}: the body does not fit the document:\n{}\n{value:#}",
        errors.join("\n")
    );
}
