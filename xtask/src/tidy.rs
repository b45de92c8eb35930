//! `cargo xtask tidy`: the checks that keep the documents true to the code,
//! run first by `cargo xtask test`. Each reads files as text and says what
//! is wrong, with the file and line to mend:
//!
//! - ARCHITECTURE.md's code map names no path that does not exist, and
//!   names every source file of the crates (`crates/*/src/**/*.rs`);
//! - no comment points at an issue by its number: an issue is
//!   closed and forgotten long before the code is, so a comment says the
//!   why itself;
//! - core's route table (`countersign_core::api::paths::ROUTES`) and the
//!   service's router (`http::ROUTES`) list the same routes;
//! - README's table of the pieces lists every top-level folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cmd;

/// Runs every check; the error lists every problem found.
pub fn run() -> Result<(), String> {
    let root = cmd::root();
    let mut problems = Vec::new();
    problems.extend(code_map(&root)?);
    problems.extend(issue_numbers(&root)?);
    problems.extend(routes(&root)?);
    problems.extend(readme_folders(&root)?);
    if problems.is_empty() {
        eprintln!("tidy: ok");
        return Ok(());
    }
    Err(format!(
        "tidy found {} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    ))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every file under `dir` (recursively) whose name ends with `.rs`.
fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, into)?;
        } else if path.extension().is_some_and(|x| x == "rs") {
            into.push(path);
        }
    }
    Ok(())
}

/// The crates' source files, relative to the root.
fn crate_sources(root: &Path) -> Result<BTreeSet<String>, String> {
    let mut files = Vec::new();
    let crates = root.join("crates");
    let entries =
        std::fs::read_dir(&crates).map_err(|e| format!("cannot read {}: {e}", crates.display()))?;
    for entry in entries.flatten() {
        let src = entry.path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files)?;
        }
    }
    Ok(files
        .iter()
        .filter_map(|path| path.strip_prefix(root).ok())
        .map(|path| path.to_string_lossy().replace('\\', "/"))
        .collect())
}

/// The backticked spans of a line.
fn backticked(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// Whether a backticked span names a file or folder: a path ends with `/`
/// or has an extension, and holds none of the characters of code.
fn is_path(span: &str) -> bool {
    let plain = !span.is_empty()
        && span
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
    let named = span.ends_with('/')
        || span.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && matches!(
                    ext,
                    "rs" | "md" | "toml" | "sh" | "mjs" | "json" | "html" | "css" | "ts" | "sql"
                )
        });
    plain && named && !span.starts_with('.')
}

/// `base` joined with `path`, `..` and `.` folded; a path that starts with
/// `/` is the repository's root's.
fn join(base: &str, path: &str) -> String {
    let base = if path.starts_with('/') { "" } else { base };
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if path.ends_with('/') {
        format!("{joined}/")
    } else {
        joined
    }
}

/// The folder a path names things in: itself if a folder, else its parent.
fn folder_of(path: &str) -> String {
    if path.ends_with('/') {
        return path.to_owned();
    }
    match path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => String::new(),
    }
}

/// Every path the code map names, resolved from the root, with its line.
///
/// The map is a list. A bullet's first backticked span, when it is a path,
/// is the bullet's own: relative to the folder of the bullet it is nested
/// in (the root at the top). Every other path in the bullet (its first line
/// and the lines that continue it) is relative to the bullet's own folder.
/// A path that starts with `/` is the root's, wherever it stands.
fn code_map_paths(text: &str) -> Vec<(usize, String)> {
    let mut named = Vec::new();
    let mut in_map = false;
    // The folders of the open bullets, by indentation.
    let mut open: Vec<(usize, String)> = Vec::new();
    let mut current = String::new();
    for (at, line) in text.lines().enumerate() {
        let number = at + 1;
        if line.starts_with("## ") {
            in_map = line.trim() == "## Code map";
            continue;
        }
        if !in_map {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let mut spans: Vec<&str> = backticked(line).collect();
        if let Some(bullet) = line.trim_start().strip_prefix("- ") {
            while open.last().is_some_and(|(depth, _)| *depth >= indent) {
                open.pop();
            }
            let parent = open.last().map(|(_, dir)| dir.clone()).unwrap_or_default();
            current = parent.clone();
            let first = backticked(bullet).next();
            if bullet.starts_with('`')
                && let Some(own) = first.filter(|span| is_path(span))
            {
                let path = join(&parent, own);
                named.push((number, path.clone()));
                current = folder_of(&path);
                spans.remove(0);
            }
            open.push((indent, current.clone()));
        }
        for span in spans.into_iter().filter(|span| is_path(span)) {
            named.push((number, join(&current, span)));
        }
    }
    named
}

/// ARCHITECTURE.md's code map against the tree.
fn code_map(root: &Path) -> Result<Vec<String>, String> {
    let text = read(&root.join("ARCHITECTURE.md"))?;
    let named = code_map_paths(&text);
    let mut problems = Vec::new();
    for (line, path) in &named {
        if !root.join(path.trim_end_matches('/')).exists() {
            problems.push(format!(
                "ARCHITECTURE.md:{line}: the code map names `{path}`, which does not exist"
            ));
        }
    }
    let named: BTreeSet<&str> = named.iter().map(|(_, path)| path.as_str()).collect();
    for source in crate_sources(root)? {
        if !named.contains(source.as_str()) {
            problems.push(format!(
                "ARCHITECTURE.md: the code map does not name `{source}`"
            ));
        }
    }
    Ok(problems)
}

/// Whether `line` is a comment (a line of one: `//`, `///` or `//!`)
/// that points at an issue by its number.
fn names_an_issue(line: &str) -> bool {
    let Some(comment) = line.trim_start().strip_prefix("//") else {
        return false;
    };
    let lower = comment.to_lowercase();
    lower.match_indices("issue").any(|(at, word)| {
        let rest = lower[at + word.len()..].trim_start_matches([' ', '#']);
        rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Comments of the crates and the xtask that name an issue by number.
fn issue_numbers(root: &Path) -> Result<Vec<String>, String> {
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files)?;
    rust_files(&root.join("xtask"), &mut files)?;
    let mut problems = Vec::new();
    for file in files {
        let text = read(&file)?;
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (at, line) in text.lines().enumerate() {
            if names_an_issue(line) {
                problems.push(format!(
                    "{shown}:{}: a comment names an issue by number: say the why instead",
                    at + 1
                ));
            }
        }
    }
    Ok(problems)
}

/// The `(method, constant)` pairs of the calls `call(Method, CONST` in
/// `text`, where the constant may be written `prefix CONST`.
fn route_pairs(text: &str, call: &str, prefix: &str) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for (at, _) in text.match_indices(call) {
        let rest = &text[at + call.len()..];
        let mut args = rest.splitn(3, ',').map(str::trim);
        let (Some(method), Some(path)) = (args.next(), args.next()) else {
            continue;
        };
        let Some(constant) = path.strip_prefix(prefix) else {
            continue;
        };
        let is_constant =
            !constant.is_empty() && constant.chars().all(|c| c.is_ascii_uppercase() || c == '_');
        if matches!(method, "Get" | "Post") && is_constant {
            pairs.insert((method.to_owned(), constant.to_owned()));
        }
    }
    pairs
}

/// Core's route table against the service's router.
fn routes(root: &Path) -> Result<Vec<String>, String> {
    let core = read(&root.join("crates/countersign-core/src/api/paths.rs"))?;
    let server = read(&root.join("crates/countersign-server/src/http/mod.rs"))?;
    let table = route_pairs(&core, "route(", "");
    let served = route_pairs(&server, "Route::new(", "paths::");
    let mut problems = Vec::new();
    if table.is_empty() || served.is_empty() {
        problems.push(
            "cannot read the routes of core's api/paths.rs or the server's http/mod.rs".to_owned(),
        );
    }
    for (method, path) in served.difference(&table) {
        problems.push(format!(
            "the server serves {method} paths::{path}, which core's route table does not list"
        ));
    }
    for (method, path) in table.difference(&served) {
        problems.push(format!(
            "core's route table lists {method} {path}, which the server's ROUTES does not serve"
        ));
    }
    Ok(problems)
}

/// README's table against the top-level folders.
fn readme_folders(root: &Path) -> Result<Vec<String>, String> {
    let readme = read(&root.join("README.md"))?;
    let listed: BTreeSet<&str> = readme
        .lines()
        .filter(|line| line.starts_with('|'))
        .flat_map(backticked)
        .collect();
    let tracked = cmd::output("git", &["-C", &root.to_string_lossy(), "ls-files"])
        .ok_or("cannot list the files git tracks")?;
    let folders: BTreeSet<&str> = tracked
        .lines()
        .filter_map(|file| file.split_once('/').map(|(top, _)| top))
        .filter(|top| !top.starts_with('.'))
        .collect();
    Ok(folders
        .into_iter()
        .filter(|folder| !listed.contains(format!("{folder}/").as_str()))
        .map(|folder| format!("README.md: the table of pieces does not list `{folder}/`"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_paths_are_relative_to_their_bullet() {
        let text = "\
# Architecture
## Code map
- `crates/a/`: the crate.
  - `src/lib.rs`: the root; `x/`: x, with `y.rs` and
    `z.rs` and `Thing` and `a::b`.
  - `src/w/`: `v.rs`, and `/README.md` at the root.
- `xtask/`: `src/main.rs`.
## Invariants
- `not/in/map.rs`
";
        let paths: Vec<String> = code_map_paths(text).into_iter().map(|(_, p)| p).collect();
        assert_eq!(
            paths,
            [
                "crates/a/",
                "crates/a/src/lib.rs",
                "crates/a/src/x/",
                "crates/a/src/y.rs",
                "crates/a/src/z.rs",
                "crates/a/src/w/",
                "crates/a/src/w/v.rs",
                "README.md",
                "xtask/",
                "xtask/src/main.rs",
            ]
        );
    }

    #[test]
    fn comments_naming_issues_by_number_are_found() {
        for line in [
            "/// the targets of issue 13",
            "//! Races (Issue #11) on one session",
            "    // see issue12",
        ] {
            assert!(names_an_issue(line), "{line}");
        }
        for line in [
            "/// an issue with the clock",
            "let issue = \"x\"; // a trailing comment is code's, not read",
            "let issue_13 = 1;",
        ] {
            assert!(!names_an_issue(line), "{line}");
        }
    }

    #[test]
    fn routes_are_read_across_lines() {
        let core = "route(Post, SESSIONS, Some(\"A\")), route(\n  Get,\n  SESSION,\n None)";
        let server = "Route::new(Get, paths::SESSION, |m| x), Route::new(Get, \"/healthz\", h)";
        assert_eq!(
            route_pairs(core, "route(", ""),
            BTreeSet::from([
                ("Get".to_owned(), "SESSION".to_owned()),
                ("Post".to_owned(), "SESSIONS".to_owned()),
            ])
        );
        assert_eq!(
            route_pairs(server, "Route::new(", "paths::"),
            BTreeSet::from([("Get".to_owned(), "SESSION".to_owned())])
        );
    }
}
