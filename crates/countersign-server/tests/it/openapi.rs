//! Keeps `openapi.json`, the OpenAPI description served at `/openapi.json`,
//! true to the service: it documents exactly the routes `router()` serves
//! (the list below, the `.route(...)` calls in `http.rs`, and the router's own
//! 405s agree), every `$ref` in it resolves, every stable error code the
//! source writes is documented (and no other), and real answers from the
//! router (status, media type, error code, body shape) are among those it
//! lists for the operation.

use countersign_core::StatementError;

use std::collections::BTreeSet;

use crate::common::{Approver, Requester, Service};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use countersign_core::{Claim, DeviceName, LoginSession};
use countersign_server::http::OPENAPI;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use uuid::Uuid;

/// Every (method, path) that `countersign_server::http::router()` serves.
/// A route added there must be added here, and documented.
const ROUTES: [(&str, &str); 16] = [
    ("get", "/"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/api/sessions"),
    ("post", "/api/sessions"),
    ("get", "/api/sessions/{uid}"),
    ("get", "/api/sessions/{uid}/wait"),
    ("post", "/api/sessions/{uid}/statements"),
    ("get", "/api/approvals/{short_uid}"),
    ("post", "/api/enrollments"),
    ("get", "/api/enrollments/{token}"),
    ("post", "/api/enrollments/{token}"),
    ("post", "/api/devices"),
    ("post", "/api/devices/revoke"),
    ("post", "/api/account"),
];

/// The operations a path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The source of the router.
const HTTP_SOURCE: &str = include_str!("../../src/http.rs");

/// The source files that write the API's stable error codes.
const SOURCES: [&str; 4] = [
    include_str!("../../src/error.rs"),
    HTTP_SOURCE,
    include_str!("../../src/sessions.rs"),
    include_str!("../../src/accounts.rs"),
];

/// Codes the source writes that no route can answer, so none documents them:
/// `ambiguous` is `LoadError::Ambiguous`, which only `Matches::into_single`
/// returns, and no handler calls it.
const UNANSWERED_CODES: [&str; 1] = ["ambiguous"];

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("openapi.json is JSON")
}

fn routes() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
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

/// The (method, path) pairs of the `.route(path, method(handler)...)` calls
/// in `router()`, read from its source.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let start = HTTP_SOURCE
        .find("pub fn router(")
        .expect("http.rs has pub fn router");
    let body = &HTTP_SOURCE[start..];
    let body = &body[..body.find("\n}\n").expect("the end of router()")];
    for unread in [".nest(", ".merge(", ".route_service(", "any(", "on("] {
        assert!(
            !body.contains(unread),
            "router() uses {unread}, which this test cannot read: list its routes by hand"
        );
    }
    let mut found = BTreeSet::new();
    for call in body.split(".route(").skip(1) {
        let path = call
            .trim_start()
            .strip_prefix('"')
            .and_then(|rest| rest.split('"').next())
            .expect("a .route( call starts with a path literal");
        // The method router: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find(|(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a .route( call is closed");
        let methods = &call[..end];
        for method in METHODS {
            let calls = methods.match_indices(&format!("{method}(")).any(|(i, _)| {
                methods[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '_')
            });
            if calls {
                found.insert((method.to_owned(), path.to_owned()));
            }
        }
    }
    found
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

/// The stable error codes the source writes: lower-case literals written
/// after `code:`, `bad(` or `=>`, as `ApiError` and its conversions do.
fn codes_in_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for source in SOURCES {
        let mut rest = source;
        while let Some(start) = rest.find('"') {
            let before = rest[..start].trim_end();
            let after = &rest[start + 1..];
            // The closing quote, skipping escaped characters.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let Some(end) = end else { break };
            let literal = &after[..end];
            let is_code =
                !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if is_code && ["code:", "bad(", "=>"].iter().any(|p| before.ends_with(p)) {
                codes.insert(literal.to_owned());
            }
            rest = &after[end + 1..];
        }
    }
    // The statement errors' codes are written once, in the core, for the
    // service and the JavaScript package alike.
    let t = chrono::DateTime::UNIX_EPOCH;
    for error in [
        StatementError::BadSignature,
        StatementError::Stale(t),
        StatementError::FromTheFuture(t),
        StatementError::WrongSession,
        StatementError::DetailsChanged,
        StatementError::WrongCode,
        StatementError::WrongSigner,
        StatementError::NotAboutASession,
        StatementError::SessionClosed,
    ] {
        codes.insert(error.code().to_string());
    }
    codes
}

/// Checks `value` against the parts of JSON Schema the document uses:
/// `$ref`, `type`, `const`, `enum`, `required`, `properties`,
/// `additionalProperties: false`, `items`, lengths, bounds, `anyOf`,
/// `oneOf`, and the formats `uuid` and `date-time`. `pattern` is not checked.
fn validate(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
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

fn assert_valid(doc: &Value, schema: &Value, value: &Value, context: &str) {
    let mut errors = Vec::new();
    validate(doc, schema, value, "$", &mut errors);
    assert!(
        errors.is_empty(),
        "{context}: the body does not fit the document:\n{}\n{value:#}",
        errors.join("\n")
    );
}

/// Whether a request path has the shape of a documented path template.
fn fits_template(template: &str, path: &str) -> bool {
    let (template, path): (Vec<_>, Vec<_>) =
        (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template
            .iter()
            .zip(&path)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

/// Sends requests through the real router and checks every answer against
/// the document; remembers which routes answered with success.
struct Checker {
    doc: Value,
    succeeded: BTreeSet<(String, String)>,
}

impl Checker {
    fn new() -> Self {
        Self {
            doc: document(),
            succeeded: BTreeSet::new(),
        }
    }

    async fn get(&mut self, service: &Service, route: &str, uri: &str) -> (StatusCode, Value) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        self.send(service, route, request, None).await
    }

    async fn post(
        &mut self,
        service: &Service,
        route: &str,
        uri: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(service, route, request, Some(body)).await
    }

    /// Sends `request`, which is for the documented `route`, and checks the
    /// answer. `sent` is the JSON body, checked against the document when
    /// the service accepted it.
    async fn send(
        &mut self,
        service: &Service,
        route: &str,
        request: Request<Body>,
        sent: Option<&Value>,
    ) -> (StatusCode, Value) {
        let method = request.method().as_str().to_ascii_lowercase();
        let uri = request.uri().to_string();
        assert!(
            fits_template(route, request.uri().path()),
            "{uri} is not a path of {route}"
        );
        let response = service.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let context = format!("{} {uri} answered {status}", method.to_uppercase());

        let doc = &self.doc;
        let op = operation(doc, &method, route);
        let id = op["operationId"].as_str().unwrap_or_default();
        let listed = op["responses"]
            .get(status.as_str())
            .unwrap_or_else(|| panic!("{context}, which {id} does not list"));
        let listed = resolve(doc, listed);

        let media = headers.get(header::CONTENT_TYPE).map(|value| {
            let value = value.to_str().unwrap();
            value.split(';').next().unwrap_or(value).trim().to_owned()
        });
        let body = match (media, listed.get("content")) {
            (None, None) => {
                assert!(bytes.is_empty(), "{context} with a body of no type");
                Value::Null
            }
            (Some(media), Some(content)) => {
                let entry = content.get(&media).unwrap_or_else(|| {
                    panic!("{context} with {media}, which {id} does not list for it")
                });
                let body = if media == "application/json" {
                    serde_json::from_slice(&bytes)
                        .unwrap_or_else(|e| panic!("{context} with bad JSON: {e}"))
                } else {
                    Value::String(String::from_utf8(bytes.to_vec()).unwrap())
                };
                assert_valid(doc, &entry["schema"], &body, &context);
                body
            }
            (media, content) => {
                panic!("{context} with content type {media:?}; {id} lists {content:?}")
            }
        };

        if status.is_client_error() || status.is_server_error() {
            let codes = listed["x-error-codes"]
                .as_array()
                .unwrap_or_else(|| panic!("{context}: {id} lists no x-error-codes"));
            if let Some(code) = body.pointer("/error/code") {
                assert!(
                    codes.contains(code),
                    "{context} with code {code}, which {id} does not list for it: {body}"
                );
            }
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry = headers
                .get(header::RETRY_AFTER)
                .unwrap_or_else(|| panic!("{context} without Retry-After"));
            let retry: Value = serde_json::from_str(retry.to_str().unwrap()).unwrap();
            let documented = resolve(doc, &listed["headers"]["Retry-After"]);
            assert_valid(doc, &documented["schema"], &retry, &context);
        }
        if status.is_success() {
            if let Some(sent) = sent {
                let schema =
                    &resolve(doc, &op["requestBody"])["content"]["application/json"]["schema"];
                assert_valid(doc, schema, sent, &format!("{context}: the request"));
            }
            self.succeeded.insert((method, route.to_owned()));
        }
        (status, body)
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
fn documents_exactly_the_routes_the_router_serves() {
    let documented = documented_routes(&document());
    let served = routes();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let invented: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && invented.is_empty(),
        "served but not documented: {undocumented:?}; documented but not served: {invented:?}"
    );
}

#[test]
fn the_route_list_is_that_of_the_router_source() {
    let written = routes_in_source();
    assert!(written.len() > 10, "read too few routes: {written:?}");
    let listed = routes();
    let unlisted: Vec<_> = written.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&written).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "in router() but not in ROUTES: {unlisted:?}; in ROUTES but not in router(): {gone:?}"
    );
}

/// A documented path answers 405 to every method it does not document (and
/// `HEAD` only where `GET` is documented): no method goes undocumented.
#[tokio::test]
async fn undocumented_methods_are_not_allowed() {
    let service = crate::common::service().await;
    let doc = document();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete: Vec<String> = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x".to_owned()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        let concrete = concrete.join("/");
        for method in METHODS {
            let documented =
                item.get(method).is_some() || (method == "head" && item.get("get").is_some());
            if documented {
                continue;
            }
            let request = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .body(Body::empty())
                .unwrap();
            let response = service.router.clone().oneshot(request).await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {concrete} is served but {method} {path} is not documented"
            );
        }
    }
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

#[test]
fn documents_every_error_code_the_source_writes_and_no_other() {
    let documented: BTreeSet<String> = responses(&document())
        .into_iter()
        .flat_map(|(_, _, response)| {
            response["x-error-codes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|code| code.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut written = codes_in_source();
    assert!(written.contains("bad_uid") && written.contains("not_found"));
    for code in UNANSWERED_CODES {
        assert!(
            written.remove(code),
            "{code} is no longer written: unlist it"
        );
    }
    let undocumented: Vec<_> = written.difference(&documented).collect();
    let invented: Vec<_> = documented.difference(&written).collect();
    assert!(
        undocumented.is_empty() && invented.is_empty(),
        "written but not documented: {undocumented:?}; documented but never written: {invented:?}"
    );
}

/// Every route, through the real router: successes first, then refusals.
#[tokio::test]
async fn every_route_answers_as_documented() {
    let service = crate::common::service().await;
    let mut check = Checker::new();

    // The service's own pages.
    for path in ["/", "/healthz", "/metrics"] {
        assert_eq!(check.get(&service, path, path).await.0, StatusCode::OK);
    }
    let (status, served) = check.get(&service, "/openapi.json", "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, document(), "the document is served as it is");

    // A user enrolls a first device with a one-time link.
    let enrollment = "/api/enrollments/{token}";
    let (user, token) = service.add_user("ada").await;
    let link = format!("/api/enrollments/{token}");
    let (status, view) = check.get(&service, enrollment, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["user_uid"], user.to_string());
    let approver = Approver::new(user);
    let (status, device) = check
        .post(&service, enrollment, &link, &approver.enrollment())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    let (status, _) = check.get(&service, enrollment, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link is used up");
    let again = Approver::new(user).enrollment();
    let (status, _) = check.post(&service, enrollment, &link, &again).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = check
        .get(&service, enrollment, "/api/enrollments/%FF")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not UTF-8");
    let bad_name = json!({"statement": {"claim": {"action": "enroll_device"}}});
    let (status, _) = check.post(&service, enrollment, &link, &bad_name).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The first device sponsors a second one.
    let second = Approver::new(user);
    let claim = Claim::EnrollDevice {
        user,
        device: second.device,
        device_key: second.key.public_key(),
        device_name: DeviceName::new("Second browser").unwrap(),
    };
    let sponsored = json!({"sponsor": approver.sign(claim.clone()), "proof": second.sign(claim)});
    let (status, device) = check
        .post(&service, "/api/devices", "/api/devices", &sponsored)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    let (status, _) = check
        .post(&service, "/api/devices", "/api/devices", &sponsored)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already registered");
    let differing = json!({"sponsor": sponsored["sponsor"], "proof": approver.enrollment()});
    let (status, _) = check
        .post(&service, "/api/devices", "/api/devices", &differing)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "claims differ");

    // The first device invites another with a fresh link.
    let enrollments = "/api/enrollments";
    let invite = approver.sign(Claim::InviteDevice { user });
    let (status, invitation) = check
        .post(&service, enrollments, enrollments, &invite)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let url = invitation["enrollment_url"].as_str().unwrap();
    let fresh = url.split("token=").nth(1).unwrap();
    let (status, _) = check
        .get(&service, enrollment, &format!("/api/enrollments/{fresh}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let not_an_invite = approver.sign(Claim::ReadAccount { user });
    let (status, _) = check
        .post(&service, enrollments, enrollments, &not_an_invite)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A program asks for a login.
    let requester = Requester::new();
    let (status, answer) = check
        .post(
            &service,
            "/api/sessions",
            "/api/sessions",
            &requester.request("ada"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let uid = answer["uid"].as_str().unwrap().to_owned();
    let short = answer["short_uid"].as_str().unwrap().to_owned();
    let code = u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap();
    let session = format!("/api/sessions/{uid}");
    let (status, _) = check.get(&service, "/api/sessions/{uid}", &session).await;
    assert_eq!(status, StatusCode::OK);
    let unknown = Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdef);
    for (path, expected) in [
        (
            "/api/sessions/not-a-uid".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (format!("/api/sessions/{unknown}"), StatusCode::NOT_FOUND),
        ("/api/sessions/%FF".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let (status, _) = check.get(&service, "/api/sessions/{uid}", &path).await;
        assert_eq!(status, expected, "{path}");
    }

    // The program waits: answered at once when the status it saw differs,
    // at the timeout otherwise.
    let wait = "/api/sessions/{uid}/wait";
    for query in ["status=approved&timeout_s=5", "timeout_s=0"] {
        let (status, now) = check
            .get(&service, wait, &format!("{session}/wait?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(now["status"], "pending");
    }
    for path in [
        format!("{session}/wait?status=maybe"),
        format!("{session}/wait?timeout_s=-1"),
        "/api/sessions/not-a-uid/wait".to_owned(),
    ] {
        let (status, _) = check.get(&service, wait, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    let (status, _) = check
        .get(&service, wait, &format!("/api/sessions/{unknown}/wait"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The approver looks it up by its short uid and approves.
    let approval = "/api/approvals/{short_uid}";
    let (status, page) = check
        .get(&service, approval, &format!("/api/approvals/{short}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = LoginSession::from_json_value(page["session"].clone()).unwrap();
    assert!(
        page["code_choices"]
            .as_array()
            .unwrap()
            .contains(&json!(code))
    );
    let (status, _) = check.get(&service, approval, "/api/approvals/zz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The seed's load by short uid and status.
    let load = "/api/sessions";
    let (status, found) = check
        .get(
            &service,
            load,
            &format!("{load}?short_uid={short}&status=pending"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["sessions"][0]["uid"], uid);
    for (query, expected) in [
        (
            format!("short_uid={short}&status=approved"),
            StatusCode::NOT_FOUND,
        ),
        (format!("short_uid={short}"), StatusCode::BAD_REQUEST),
        (
            "short_uid=zz&status=pending".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("short_uid={short}&status=pending&scope=deploy"),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (status, _) = check.get(&service, load, &format!("{load}?{query}")).await;
        assert_eq!(status, expected, "{query}");
    }

    let statements = "/api/sessions/{uid}/statements";
    let act = format!("{session}/statements");
    let approve = approver.decide(&shown, "approve", Some(code));
    let (status, after) = check.post(&service, statements, &act, &approve).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "approved");
    let (status, _) = check.post(&service, statements, &act, &approve).await;
    assert_eq!(status, StatusCode::CONFLICT, "approved already");
    let (status, _) = check
        .get(&service, approval, &format!("/api/approvals/{short}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer pending");
    for (query, expected) in [
        ("scope=deploy", StatusCode::OK),
        ("permissions=read,write", StatusCode::FORBIDDEN),
        ("scope=%01", StatusCode::BAD_REQUEST),
    ] {
        let (status, narrowed) = check
            .get(
                &service,
                "/api/sessions/{uid}",
                &format!("{session}?{query}"),
            )
            .await;
        assert_eq!(status, expected, "{query}: {narrowed}");
    }
    let (status, found) = check
        .get(
            &service,
            load,
            &format!("{load}?short_uid={short}&status=approved&scope="),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        found["sessions"][0]["scope"],
        json!([]),
        "narrowed to nothing"
    );
    let elsewhere = format!("/api/sessions/{unknown}/statements");
    let (status, _) = check.post(&service, statements, &elsewhere, &approve).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let wrong = approver.decide(&shown, "deny", None);
    let (status, _) = check
        .post(
            &service,
            statements,
            "/api/sessions/not-a-uid/statements",
            &wrong,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let by_requester = requester.logout(&shown);
    let mut forged = by_requester.clone();
    forged["statement"]["claim"]["action"] = json!("deny");
    let (status, _) = check.post(&service, statements, &act, &forged).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the requester may only log out"
    );

    // Malformed bodies, on the route that takes any statement.
    let raw = |body: &'static str, typed: bool| {
        let request = Request::post(act.clone());
        let request = if typed {
            request.header(header::CONTENT_TYPE, "application/json")
        } else {
            request
        };
        request.body(Body::from(body)).unwrap()
    };
    for (request, expected) in [
        (raw("{", true), StatusCode::BAD_REQUEST),
        (raw("{}", false), StatusCode::BAD_REQUEST),
        (raw("{}", true), StatusCode::BAD_REQUEST),
    ] {
        let (status, _) = check.send(&service, statements, request, None).await;
        assert_eq!(status, expected);
    }
    let huge = json!({ "padding": "x".repeat(countersign_server::http::MAX_BODY_BYTES) });
    let (status, _) = check.post(&service, statements, &act, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // The first device reads the account, then revokes the second device.
    let read = approver.sign(Claim::ReadAccount { user });
    let (status, account) = check
        .post(&service, "/api/account", "/api/account", &read)
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["devices"].as_array().unwrap().len(), 2);
    let someone_else = approver.sign(Claim::ReadAccount { user: unknown });
    let (status, _) = check
        .post(&service, "/api/account", "/api/account", &someone_else)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let revoke = "/api/devices/revoke";
    let revocation = approver.sign(Claim::RevokeDevice {
        user,
        device: second.device,
    });
    let (status, revoked) = check.post(&service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = check.post(&service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::CONFLICT, "revoked already");
    let nothing = approver.sign(Claim::RevokeDevice {
        user,
        device: unknown,
    });
    let (status, _) = check.post(&service, revoke, revoke, &nothing).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = check.post(&service, revoke, revoke, &read).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a revocation");
    let by_revoked = second.sign(Claim::ReadAccount { user });
    let (status, _) = check
        .post(&service, "/api/account", "/api/account", &by_revoked)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the device is revoked");

    // The program logs out; the closed session refuses further statements.
    let (status, after) = check.post(&service, statements, &act, &by_requester).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "logged_out");
    let late = approver.decide(&shown, "suspicious", None);
    let (status, _) = check.post(&service, statements, &act, &late).await;
    assert_eq!(status, StatusCode::CONFLICT, "the session is closed");
    let (status, _) = check
        .get(&service, wait, &format!("{session}/wait?status=approved"))
        .await;
    assert_eq!(status, StatusCode::OK);

    assert_eq!(
        check.succeeded,
        routes(),
        "every route answered with success at least once"
    );
}

/// The rate-limited routes answer 429 with `Retry-After`, as documented.
#[tokio::test]
async fn rate_limits_answer_as_documented() {
    let service = crate::common::service_on(crate::common::Db::Sqlite, |config| {
        config.request_rate = (1, 0.01);
        config.lookup_rate = (1, 0.01);
    })
    .await
    .unwrap();
    let mut check = Checker::new();
    let request = Requester::new().request("ada");
    let route = "/api/sessions";
    assert_eq!(
        check.post(&service, route, route, &request).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        check.post(&service, route, route, &request).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let approval = "/api/approvals/{short_uid}";
    let path = "/api/approvals/00.00.00.00";
    assert_eq!(
        check.get(&service, approval, path).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        check.get(&service, approval, path).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let load = "/api/sessions";
    let query = "/api/sessions?short_uid=00.00.00.00&status=pending";
    assert_eq!(
        check.get(&service, load, query).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "loads share the lookup budget"
    );
}
