//! Serves the approval web app that Trunk built into a directory: its files
//! from memory, `index.html` for the app's own pages, and the content
//! security policy that allows exactly the app's inline start-up script.

use std::collections::HashMap;
use std::path::Path;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

/// The policy for everything the service answers when no app is loaded.
pub const BASE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// One file of the app.
#[derive(Debug, Clone)]
struct Asset {
    bytes: Vec<u8>,
    content_type: &'static str,
    /// Named by its content hash, so it never changes under its name.
    immutable: bool,
}

/// The app's files, read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct WebApp {
    files: HashMap<String, Asset>,
    csp: String,
}

/// The app's client-side routes: each answers with `index.html`.
const PAGES: &[&str] = &["/", "/s", "/enroll", "/devices", "/sessions"];

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Whether Trunk named this file by its content (`style-6e20fd480b8c7137.css`,
/// `app-52c10621ca51db22_bg.wasm`): a `-` then at least 16 hex digits, then
/// `.` or `_`. Only such a file can be cached for good; any other keeps its
/// name when it changes (`index.html`, the example's `main.js`, the
/// package's `countersign_wasm_bg.wasm`), so browsers must revalidate it.
fn named_by_hash(name: &str) -> bool {
    name.match_indices('-').any(|(at, _)| {
        let rest = name.get(at + 1..).unwrap_or_default();
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        digits >= 16 && matches!(rest.as_bytes().get(digits), Some(b'.' | b'_'))
    })
}

/// The `'sha256-...'` sources of every inline `<script>` in a page.
fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let body = &after[body_start..body_start + close];
            hashes.push(format!(
                "'sha256-{}'",
                STANDARD.encode(Sha256::digest(body.as_bytes()))
            ));
        }
        rest = &after[body_start + close..];
    }
    hashes
}

impl WebApp {
    /// Reads every file in `dir` (not recursively: Trunk writes a flat dist).
    pub fn load(dir: &Path) -> Result<Self, String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut files = HashMap::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if !path.is_file() {
                continue;
            }
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let immutable = named_by_hash(&name);
            files.insert(
                format!("/{name}"),
                Asset {
                    bytes,
                    content_type: content_type(&name),
                    immutable,
                },
            );
        }
        let index = files.get("/index.html").ok_or_else(|| {
            format!(
                "{} has no index.html: build the app with trunk first",
                dir.display()
            )
        })?;
        let html = String::from_utf8_lossy(&index.bytes);
        let hashes = inline_script_hashes(&html).join(" ");
        let csp = BASE_CSP.replace(
            "script-src 'self' 'wasm-unsafe-eval'",
            &format!("script-src 'self' 'wasm-unsafe-eval' {hashes}"),
        );
        Ok(Self { files, csp })
    }

    /// The content security policy for everything the service answers.
    pub fn csp(&self) -> &str {
        if self.csp.is_empty() {
            BASE_CSP
        } else {
            &self.csp
        }
    }

    /// Whether the app is loaded.
    pub fn is_loaded(&self) -> bool {
        !self.files.is_empty()
    }

    /// The answer for a GET of `path`, if the app has one.
    pub fn answer(&self, path: &str) -> Option<Response> {
        let key = if PAGES.contains(&path) {
            "/index.html"
        } else {
            path
        };
        let asset = self.files.get(key)?;
        let mut response = asset.bytes.clone().into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        let cache = if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        Some(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_hash_are_trunks() {
        assert!(named_by_hash("countersign-web-52c10621ca51db22_bg.wasm"));
        assert!(named_by_hash("style-6e20fd480b8c7137.css"));
        assert!(!named_by_hash("index.html"));
        assert!(!named_by_hash("countersign_wasm_bg.wasm"));
        assert!(!named_by_hash("app-1234abcd.js"));
        assert!(!named_by_hash("x-52c10621ca51db22"));
    }

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<script type=\"module\">go()</script><script src=\"/x.js\"></script>";
        let hashes = inline_script_hashes(html);
        let expected = format!("'sha256-{}'", STANDARD.encode(Sha256::digest(b"go()")));
        assert_eq!(hashes, vec![expected]);
    }
}
