//! The web app's files as a browser caches them: only a file whose name
//! carries its content hash (Trunk's `name-<hash>.ext`) is kept for a year
//! without asking; `index.html`, the example's scripts, the package's
//! unhashed files and the rest are revalidated on every use.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use countersign_server::app::{AppState, Config, Surroundings};
use countersign_server::http;
use countersign_server::store::Store;
use countersign_server::web::WebApp;
use tower::ServiceExt as _;

const YEAR: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn only_files_named_by_their_hash_are_cached_for_a_year() {
    let (url, dir) = crate::common::database(crate::common::Db::Sqlite)
        .await
        .unwrap();
    let web_dir = dir.as_ref().unwrap().join("dist");
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
    let web = WebApp::load(&web_dir).unwrap();
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
    std::fs::remove_dir_all(dir.unwrap()).unwrap();
}
