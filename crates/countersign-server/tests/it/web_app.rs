//! The web app's files as a browser caches them: only a file whose name
//! carries its content hash (Trunk's `name-<hash>.ext`) is kept for a year
//! without asking; `index.html`, the example's scripts, the package's
//! unhashed files and the rest are revalidated on every use. The same holds
//! for an app embedded in the binary, which `--web-dir` replaces, and the
//! binary says at start-up which app it serves.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use countersign_server::config::Config;
use countersign_server::http;
use countersign_server::runtime::web::{Origin, WebApp};
use countersign_server::state::{AppState, Surroundings};
use countersign_server::store::Store;
use tower::ServiceExt as _;

use crate::process::{http as http_to, running, serve_command, temp_dir};

const YEAR: &str = "public, max-age=31536000, immutable";

/// A router serving `web` on a fresh SQLite database.
async fn router_with(web: WebApp) -> (axum::Router, std::path::PathBuf) {
    let (url, dir) = crate::common::database(crate::common::Db::Sqlite)
        .await
        .unwrap();
    let store = Store::connect(&url).await.unwrap();
    let state = AppState::with(
        store,
        Config::new(crate::common::PUBLIC_URL),
        Surroundings {
            web,
            ..Surroundings::default()
        },
    );
    let router =
        http::router(state).layer(MockConnectInfo(SocketAddr::from(([203, 0, 113, 5], 1))));
    (router, dir.unwrap())
}

/// The status, a header and the body of a GET of `path`.
async fn get(
    router: &axum::Router,
    path: &str,
    name: header::HeaderName,
) -> (StatusCode, String, String) {
    let request = Request::get(path).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let value = response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, value, String::from_utf8_lossy(&body).into_owned())
}

/// An app as `build.rs` embeds one: a page with an inline start-up script,
/// Trunk's hashed files and an unhashed one.
const EMBEDDED: &[(&str, &[u8])] = &[
    (
        "index.html",
        b"<!doctype html><title>embedded</title><script type=\"module\">start()</script>",
    ),
    (
        "countersign-web-717f81f67c09249b.js",
        b"export function start() {}",
    ),
    (
        "countersign-web-717f81f67c09249b_bg.wasm",
        b"\0asm\x01\0\0\0",
    ),
    ("favicon.svg", b"<svg/>"),
];

#[tokio::test]
async fn an_embedded_app_is_served_with_the_same_cache_rules() {
    let (web, origin) = WebApp::choose(None, EMBEDDED).unwrap();
    assert_eq!(origin, Origin::Embedded);
    let (router, dir) = router_with(web).await;
    for page in ["/", "/index.html", "/enroll", "/s"] {
        let (status, cache, body) = get(&router, page, header::CACHE_CONTROL).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(cache, "no-cache", "{page}");
        assert!(body.contains("<title>embedded</title>"), "{page}: {body}");
    }
    let (status, cache, body) = get(
        &router,
        "/countersign-web-717f81f67c09249b.js",
        header::CACHE_CONTROL,
    )
    .await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, YEAR));
    assert_eq!(body, "export function start() {}");
    let (_, kind, _) = get(
        &router,
        "/countersign-web-717f81f67c09249b_bg.wasm",
        header::CONTENT_TYPE,
    )
    .await;
    assert_eq!(kind, "application/wasm");
    let (_, cache, _) = get(&router, "/favicon.svg", header::CACHE_CONTROL).await;
    assert_eq!(cache, "no-cache", "an unhashed name is revalidated");
    // The policy allows the embedded page's inline script, by its hash.
    let (_, csp, _) = get(&router, "/", header::CONTENT_SECURITY_POLICY).await;
    let hash = {
        use base64::Engine as _;
        use sha2::Digest as _;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"start()"))
    };
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    let (status, _, _) = get(
        &router,
        "/missing-0123456789abcdef.js",
        header::CACHE_CONTROL,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn web_dir_replaces_the_embedded_app() {
    let web_dir = temp_dir();
    std::fs::write(
        web_dir.join("index.html"),
        "<title>from the directory</title>",
    )
    .unwrap();
    std::fs::write(web_dir.join("style-6e20fd480b8c7137.css"), "body {}").unwrap();
    let (web, origin) = WebApp::choose(Some(&web_dir), EMBEDDED).unwrap();
    assert_eq!(origin, Origin::Dir(web_dir.clone()));
    let (router, dir) = router_with(web).await;
    let (status, cache, body) = get(&router, "/enroll", header::CACHE_CONTROL).await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, "no-cache"));
    assert!(body.contains("from the directory"), "{body}");
    let (status, cache, _) = get(
        &router,
        "/style-6e20fd480b8c7137.css",
        header::CACHE_CONTROL,
    )
    .await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, YEAR));
    // Replaced, not merged: the embedded files are not served.
    let (status, _, _) = get(
        &router,
        "/countersign-web-717f81f67c09249b.js",
        header::CACHE_CONTROL,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A directory without an app is refused, not served empty.
    std::fs::remove_file(web_dir.join("index.html")).unwrap();
    let refused = WebApp::choose(Some(&web_dir), EMBEDDED).unwrap_err();
    assert!(refused.contains("no index.html"), "{refused}");
    // With neither, no app: the pages are not found.
    let (web, origin) = WebApp::choose(None, &[]).unwrap();
    assert_eq!(origin, Origin::Nothing);
    assert!(!web.is_loaded());
    std::fs::remove_dir_all(web_dir).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// The binary says which app it serves, and serves it: the one in
/// `--web-dir` when given; without it, what it embeds (nothing in a debug
/// build, unless built with `COUNTERSIGN_WEB_DIST`).
#[test]
fn serve_says_which_app_it_serves() {
    let dir = temp_dir();
    let web_dir = dir.join("dist");
    std::fs::create_dir_all(&web_dir).unwrap();
    std::fs::write(
        web_dir.join("index.html"),
        "<title>from the directory</title>",
    )
    .unwrap();
    let log = dir.join("log");
    let args = ["--web-dir", web_dir.to_str().unwrap()];
    let server = running(serve_command(&dir, &args), &log);
    let (status, head, _) = http_to(&server.addr, "GET", "/enroll", None).unwrap();
    assert_eq!(status, 200, "{head}");
    drop(server);
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("serving the web app from") && said.contains("(--web-dir)"),
        "{said}"
    );

    let server = running(serve_command(&dir, &[]), &log);
    let (status, _, _) = http_to(&server.addr, "GET", "/enroll", None).unwrap();
    drop(server);
    let said = std::fs::read_to_string(&log).unwrap();
    if said.contains("embeds no web app") {
        assert_eq!(status, 404, "{said}");
    } else {
        assert!(
            said.contains("serving the web app embedded in this binary"),
            "{said}"
        );
        assert_eq!(status, 200, "{said}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn only_files_named_by_their_hash_are_cached_for_a_year() {
    let web_dir = temp_dir();
    std::fs::create_dir_all(&web_dir).unwrap();
    let files = [
        ("index.html", "no-cache"),
        ("countersign-web-52c10621ca51db22.js", YEAR),
        ("countersign-web-52c10621ca51db22_bg.wasm", YEAR),
        ("style-6e20fd480b8c7137.css", YEAR),
        ("favicon-bdf3d84a1b3b8bf1.svg", YEAR),
        ("example.html", "no-cache"),
        ("main.js", "no-cache"),
        ("countersign_wasm.js", "no-cache"),
        ("countersign_wasm_bg.wasm", "no-cache"),
        ("favicon.svg", "no-cache"),
        // Not a hash: too short, or not hex.
        ("app-1234abcd.js", "no-cache"),
        ("release-notes-for-version-ten.js", "no-cache"),
    ];
    for (name, _) in files {
        std::fs::write(web_dir.join(name), format!("/* {name} */")).unwrap();
    }
    let (router, dir) = router_with(WebApp::load(&web_dir).unwrap()).await;
    for (name, expected) in files {
        let request = Request::get(format!("/{name}"))
            .body(Body::empty())
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            expected,
            "Cache-Control of {name}"
        );
    }
    // The app's pages are index.html, revalidated too.
    let request = Request::get("/enroll").body(Body::empty()).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
    std::fs::remove_dir_all(web_dir).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
