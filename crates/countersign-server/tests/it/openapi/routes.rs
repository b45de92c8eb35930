//! The document lists exactly the routes in `http::ROUTES`, and the router
//! serves exactly those: each listed route answers its method, and every
//! other method on a documented path is refused.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_server::http::ROUTES;
use tower::ServiceExt as _;

use super::{METHODS, document, documented_routes, routes};
use crate::common::Service;

/// A request path for a path template, with `x` for every parameter.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "x"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn status_of(service: &Service, method: &str, path: &str) -> StatusCode {
    let request = Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(path)
        .body(Body::empty())
        .unwrap();
    service
        .router
        .clone()
        .oneshot(request)
        .await
        .unwrap()
        .status()
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

/// Every entry of `ROUTES` is served: its path is routed (a method that no
/// route uses answers 405, where an unrouted path would get the fallback's
/// 404), and its own method is not refused.
#[tokio::test]
async fn every_listed_route_is_served() {
    let service = crate::common::service().await;
    assert!(ROUTES.len() > 10, "too few routes: {ROUTES:?}");
    for route in ROUTES {
        let path = concrete(route.path);
        assert_eq!(
            status_of(&service, "delete", &path).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "{route:?} is listed but its path is not routed"
        );
        assert_ne!(
            status_of(&service, route.method.as_str(), &path).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "{route:?} is listed but its method is not served"
        );
    }
}

/// A documented path answers 405 to every method it does not document (and
/// `HEAD` only where `GET` is documented): no method goes undocumented.
#[tokio::test]
async fn undocumented_methods_are_not_allowed() {
    let service = crate::common::service().await;
    let doc = document();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let concrete = concrete(path);
        for method in METHODS {
            let documented =
                item.get(method).is_some() || (method == "head" && item.get("get").is_some());
            if documented {
                continue;
            }
            assert_eq!(
                status_of(&service, method, &concrete).await,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {concrete} is served but {method} {path} is not documented"
            );
        }
    }
}
