//! The audit vocabulary: the document lists every subject and action the
//! service writes (`AuditSubject::KNOWN`, `AuditAction::KNOWN` in core), in
//! core's order, as open lists (`x-extensible-enum`, not `enum`), since a
//! reader must accept values a newer service writes.

use countersign_core::api::{AuditAction, AuditSubject};
use serde_json::Value;

use super::document;

/// The `x-extensible-enum` of the component schema `name`, with its type
/// checked to be an open string.
fn listed(doc: &Value, name: &str) -> Vec<String> {
    let schema = &doc["components"]["schemas"][name];
    assert_eq!(schema["type"], "string", "{name}");
    assert!(schema.get("enum").is_none(), "{name} must stay open");
    schema["x-extensible-enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{name} lists its values in x-extensible-enum"))
        .iter()
        .map(|value| value.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn lists_every_audit_subject_and_action_core_knows() {
    let doc = document();
    let subjects: Vec<String> = AuditSubject::KNOWN.iter().map(|s| s.to_string()).collect();
    assert_eq!(listed(&doc, "AuditSubject"), subjects);
    let actions: Vec<String> = AuditAction::KNOWN.iter().map(|a| a.to_string()).collect();
    assert_eq!(listed(&doc, "AuditAction"), actions);
    let record = &doc["components"]["schemas"]["AuditRecord"]["properties"];
    assert_eq!(
        record["subject"]["$ref"],
        "#/components/schemas/AuditSubject"
    );
    assert_eq!(record["action"]["$ref"], "#/components/schemas/AuditAction");
}
