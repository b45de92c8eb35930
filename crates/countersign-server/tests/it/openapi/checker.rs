//! Sends requests through the real router and holds every answer against
//! the operation the document lists for it.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

use super::schema::assert_valid;
use super::{document, operation, resolve};
use crate::common::Service;

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
pub(super) struct Checker {
    doc: Value,
    pub(super) succeeded: BTreeSet<(String, String)>,
}

impl Checker {
    pub(super) fn new() -> Self {
        Self {
            doc: document(),
            succeeded: BTreeSet::new(),
        }
    }

    pub(super) async fn get(
        &mut self,
        service: &Service,
        route: &str,
        uri: &str,
    ) -> (StatusCode, Value) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        self.send(service, route, request, None).await
    }

    pub(super) async fn post(
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
    pub(super) async fn send(
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
