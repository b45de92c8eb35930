//! Core's route table (`countersign_core::api::paths::ROUTES`), which every
//! client builds its requests with, is the API the router serves and the
//! document describes: the same routes, and for each the body it reads,
//! whether it reads a query, and each successful answer's status and body.

use std::collections::BTreeSet;

use countersign_core::api::paths::{self, API_PREFIX};
use countersign_server::http::ROUTES;
use serde_json::Value;

use super::{document, operation, resolve};

/// The name of the schema `value` refers to (`#/components/schemas/Name`).
fn schema_name(value: &Value) -> Option<&str> {
    value
        .get("$ref")
        .and_then(Value::as_str)?
        .strip_prefix("#/components/schemas/")
}

#[test]
fn the_table_lists_each_route_once_and_every_path_is_the_api_s() {
    let mut seen = BTreeSet::new();
    for route in paths::ROUTES {
        assert!(route.path.starts_with(API_PREFIX), "{route:?}");
        assert!(
            seen.insert((route.method, route.path)),
            "{route:?} is listed twice"
        );
        assert!(!route.answers.is_empty(), "{route:?} answers nothing");
    }
}

#[test]
fn the_router_serves_exactly_the_table_s_routes() {
    let table: BTreeSet<(&str, &str)> = paths::ROUTES
        .iter()
        .map(|route| (route.method.as_str(), route.path))
        .collect();
    let served: BTreeSet<(&str, &str)> = ROUTES
        .iter()
        .filter(|route| route.path.starts_with(API_PREFIX))
        .map(|route| (route.method.as_str(), route.path))
        .collect();
    let unlisted: Vec<_> = served.difference(&table).collect();
    let unserved: Vec<_> = table.difference(&served).collect();
    assert!(
        unlisted.is_empty() && unserved.is_empty(),
        "served but not in core's table: {unlisted:?}; in core's table but not served: {unserved:?}"
    );
}

#[test]
fn the_document_reads_and_answers_what_the_table_says() {
    let doc = document();
    for route in paths::ROUTES {
        let op = operation(&doc, &route.method.as_str().to_lowercase(), route.path);
        let body = op
            .get("requestBody")
            .map(|body| &resolve(&doc, body)["content"]["application/json"]["schema"])
            .and_then(schema_name);
        assert_eq!(body, route.body, "{route:?}: the body it reads");
        let reads_query = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|parameter| resolve(&doc, parameter)["in"] == "query");
        assert_eq!(
            reads_query,
            route.query.is_some(),
            "{route:?}: whether it reads a query"
        );
        let documented: BTreeSet<(u16, String)> = op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(status, response)| {
                let status: u16 = status.parse().ok().filter(|s| (200..300).contains(s))?;
                let schema = &resolve(&doc, response)["content"]["application/json"]["schema"];
                Some((status, schema_name(schema)?.to_owned()))
            })
            .collect();
        let listed: BTreeSet<(u16, String)> = route
            .answers
            .iter()
            .map(|(status, name)| (*status, (*name).to_owned()))
            .collect();
        assert_eq!(documented, listed, "{route:?}: its successful answers");
    }
}
