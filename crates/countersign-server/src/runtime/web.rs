//! Serves the approval web app that Trunk built: its files from memory,
//! `index.html` for the app's own pages, and the content security policy
//! that allows exactly the app's inline start-up script. The files are
//! those embedded in the binary at build time (see `build.rs`), or those
//! of `--web-dir`, which overrides them.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use axum::body::Bytes;
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
    /// Shared, not copied, by each answer (the wasm is hundreds of KiB).
    bytes: Bytes,
    content_type: &'static str,
    /// Named by its content hash, so it never changes under its name.
    immutable: bool,
}

/// The files embedded at build time (`build.rs` writes the table).
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// A table of files as `build.rs` embeds them: name and bytes.
pub type Embedded = &'static [(&'static str, &'static [u8])];

/// Where the web app being served comes from, as `serve` says at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--web-dir`, which overrides what is embedded.
    Dir(PathBuf),
    /// The files embedded in the binary at build time.
    Embedded,
    /// None: the pages answer 404, the API is served.
    Nothing,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dir(dir) => write!(f, "serving the web app from {} (--web-dir)", dir.display()),
            Self::Embedded if embedded::SOURCE.is_empty() => {
                write!(f, "serving the web app embedded in this binary")
            }
            Self::Embedded => write!(
                f,
                "serving the web app embedded in this binary (built from {})",
                embedded::SOURCE
            ),
            Self::Nothing => write!(
                f,
                "this binary embeds no web app, so the approval pages answer 404 (the API \
                 is served): pass --web-dir with a Trunk build, or build the binary after \
                 `trunk build --release` with COUNTERSIGN_WEB_DIST=dist (see the README)"
            ),
        }
    }
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
    /// The app `serve` answers with: `web_dir`'s if given, else the one
    /// embedded at build time, else none; what was chosen is logged.
    pub fn for_serving(web_dir: Option<&Path>) -> Result<Self, String> {
        let (app, origin) = Self::choose(web_dir, embedded::FILES)?;
        match origin {
            Origin::Nothing => tracing::warn!("{origin}"),
            Origin::Dir(_) | Origin::Embedded => tracing::info!("{origin}"),
        }
        Ok(app)
    }

    /// `web_dir`'s app if given, else `embedded`'s if it has files, else
    /// none; and which.
    pub fn choose(web_dir: Option<&Path>, embedded: Embedded) -> Result<(Self, Origin), String> {
        if let Some(dir) = web_dir {
            return Ok((Self::load(dir)?, Origin::Dir(dir.to_owned())));
        }
        if embedded.is_empty() {
            return Ok((Self::default(), Origin::Nothing));
        }
        let files = embedded
            .iter()
            .map(|(name, bytes)| ((*name).to_owned(), Bytes::from_static(bytes)));
        let app = Self::from_files(files)
            .map_err(|e| format!("the web app embedded in this binary {e}"))?;
        Ok((app, Origin::Embedded))
    }

    /// Reads every file in `dir` (not recursively: Trunk writes a flat dist).
    pub fn load(dir: &Path) -> Result<Self, String> {
        let entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let mut files = Vec::new();
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
            files.push((name, Bytes::from(bytes)));
        }
        Self::from_files(files).map_err(|e| format!("{} {e}", dir.display()))
    }

    /// The app made of these files (name, bytes), which must include
    /// `index.html`.
    fn from_files(named: impl IntoIterator<Item = (String, Bytes)>) -> Result<Self, String> {
        let files: HashMap<String, Asset> = named
            .into_iter()
            .map(|(name, bytes)| {
                let asset = Asset {
                    bytes,
                    content_type: content_type(&name),
                    immutable: named_by_hash(&name),
                };
                (format!("/{name}"), asset)
            })
            .collect();
        let index = files
            .get("/index.html")
            .ok_or("has no index.html: build the app with trunk first")?;
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
