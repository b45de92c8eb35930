//! Every stable error code the service writes is documented, and no other.

use std::collections::BTreeSet;

use countersign_core::StatementError;

use super::{document, responses};

/// The source files that write the API's stable error codes.
const SOURCES: [&str; 4] = [
    include_str!("../../../src/error.rs"),
    include_str!("../../../src/http.rs"),
    include_str!("../../../src/sessions.rs"),
    include_str!("../../../src/accounts.rs"),
];

/// Codes the source writes that no route can answer, so none documents them:
/// `ambiguous` is `LoadError::Ambiguous`, which only `Matches::into_single`
/// returns, and no handler calls it.
const UNANSWERED_CODES: [&str; 1] = ["ambiguous"];

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
