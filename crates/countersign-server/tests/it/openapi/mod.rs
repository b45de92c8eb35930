//! Keeps `openapi.json`, the OpenAPI description served at `/openapi.json`,
//! true to the service. `shape`: the document itself (version, every `$ref`
//! resolves, every operation described); `routes`: it documents exactly the
//! routes in `http::ROUTES`, which the router serves and nothing more;
//! `codes`: every code of core's `ErrorCode::ALL` is described with its
//! status, and no other, and responses list only codes of their status;
//! `answers`: real answers from the router (status, media type, error
//! code, body shape) are among those it lists, through `checker` and the
//! JSON Schema subset in `schema` (`recovery_answers`: the routes of
//! recovery and the audit trail); `vocabulary`: the audit trail's subjects
//! and actions are core's.

mod answers;
mod checker;
mod codes;
mod contract;
mod recovery_answers;
mod routes;
mod schema;
mod shape;
mod vocabulary;

use std::collections::BTreeSet;

use countersign_server::http::{OPENAPI, ROUTES};
use serde_json::Value;

/// The operations a path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
}

/// Every (method, path) the router serves, from `http::ROUTES`.
fn routes() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|route| (route.method.as_str().to_lowercase(), route.path.to_owned()))
        .collect()
}

fn documented_routes(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("paths is an object");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(|method| ((*method).to_owned(), path.clone()))
        })
        .collect()
}

/// What a reference such as `#/components/schemas/Uid` points at.
fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// `value`, or what its `$ref` points at, followed to the end.
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
        value = lookup(doc, reference).unwrap_or_else(|| panic!("unresolved {reference}"));
    }
    value
}

/// The operation object for `method` on `path`.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    doc["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("{method} {path} is not documented"))
}

/// Every documented response of every operation, resolved, with its status.
fn responses(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (method, path) in documented_routes(doc) {
        let op = operation(doc, &method, &path);
        let listed = op["responses"].as_object().expect("responses");
        for (status, response) in listed {
            all.push((
                format!("{method} {path}"),
                status.clone(),
                resolve(doc, response),
            ));
        }
    }
    all
}
