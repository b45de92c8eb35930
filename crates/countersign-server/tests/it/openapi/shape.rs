//! The document itself: an OpenAPI 3.1 document whose references all
//! resolve, whose components are all used, and whose every operation and
//! answer is described.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{document, documented_routes, lookup, operation, resolve, responses};

/// Every reference in `value`: `$ref`s and discriminator mappings.
fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(reference)) => found.push(reference),
                    ("discriminator", discriminator) => {
                        if let Some(mapping) = discriminator["mapping"].as_object() {
                            found.extend(mapping.values().filter_map(Value::as_str));
                        }
                    }
                    _ => references(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn is_openapi_3_1() {
    let doc = document();
    let version = doc["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1"), "openapi is {version}");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
}

#[test]
fn every_ref_resolves_and_every_component_is_used() {
    let doc = document();
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for reference in &found {
        assert!(
            reference.starts_with("#/components/"),
            "{reference} is not a component"
        );
        assert!(
            lookup(&doc, reference).is_some(),
            "{reference} does not resolve"
        );
    }
    let used: BTreeSet<&str> = found.into_iter().collect();
    for (section, entries) in doc["components"].as_object().expect("components") {
        for name in entries.as_object().expect("a components section").keys() {
            let reference = format!("#/components/{section}/{name}");
            assert!(
                used.contains(reference.as_str()),
                "{reference} is never used"
            );
        }
    }
}

#[test]
fn every_operation_is_described() {
    let doc = document();
    let mut ids = BTreeSet::new();
    for (method, path) in documented_routes(&doc) {
        let op = operation(&doc, &method, &path);
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        let summary = op["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains('\n'),
            "{id} needs a one-line summary"
        );
        // Every `{name}` in the path is a required path parameter.
        let parameters: Vec<&Value> = [&doc["paths"][&path]["parameters"], &op["parameters"]]
            .into_iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| resolve(&doc, p))
            .collect();
        for segment in path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                assert!(
                    parameters
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true),
                    "{id}: the path parameter {name} is not declared"
                );
            }
        }
        assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
    }
    // Every refusal lists its codes, each explained in its description.
    for (op, status, response) in responses(&doc) {
        let description = response["description"].as_str().unwrap_or_default();
        assert!(!description.is_empty(), "{op} {status} has no description");
        if status.starts_with('4') || status.starts_with('5') {
            let codes = response["x-error-codes"]
                .as_array()
                .unwrap_or_else(|| panic!("{op} {status} lists no x-error-codes"));
            for code in codes {
                let code = code.as_str().unwrap();
                assert!(
                    description.contains(&format!("`{code}`")),
                    "{op} {status}: the description does not explain `{code}`"
                );
            }
            if !codes.is_empty() {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{op} {status}"
                );
            }
        }
    }
}
