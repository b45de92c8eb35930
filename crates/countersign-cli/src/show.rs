//! A pending login shown to the approver as the approval page shows it:
//! who asks, from where, for what, until when, and the requester's key
//! fingerprints.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use countersign_core::api::ApprovalView;
use countersign_core::{Fingerprint, LoginSession, TokenSet};
use serde_json::{Map, Value, json};

/// The page as lines of text, at `now`.
pub fn text(page: &ApprovalView, now: DateTime<Utc>) -> Vec<String> {
    let s = &page.session;
    let or_none = |v: Option<&str>, none: &str| v.map_or_else(|| none.to_owned(), safe);
    let tokens = |set: &TokenSet| {
        if set.is_empty() {
            "(none)".to_owned()
        } else {
            safe(&set.joined())
        }
    };
    let fingerprint = |f: Option<&Fingerprint>| f.map_or_else(|| "(none)".into(), |f| f.to_text());
    vec![
        format!("Login request {}", s.short_uid()),
        format!("  User:           {}", safe(s.username().as_str())),
        format!(
            "  From host:      {} (as the requester names itself)",
            or_none(s.hostname(), "(not given)")
        ),
        format!(
            "  From address:   {} (as the service saw it)",
            s.request_source()
        ),
        format!("  Message:        {}", or_none(s.login_message(), "(none)")),
        format!("  Scope:          {}", tokens(s.scope())),
        format!("  Permissions:    {}", tokens(s.permissions())),
        format!("  Requested at:   {}", when(s.request_datetime())),
        format!(
            "  Expires at:     {} ({})",
            when(s.expires_at()),
            left(s.expires_at() - now)
        ),
        format!(
            "  Requester key:  {}",
            fingerprint(page.public_key_fingerprint.as_ref())
        ),
        format!(
            "  Signing key:    {}",
            fingerprint(page.public_certificate_fingerprint.as_ref())
        ),
    ]
}

/// The page as a JSON object, for `--json`.
pub fn json(page: &ApprovalView) -> Map<String, Value> {
    let s: &LoginSession = &page.session;
    let value = json!({
        "uid": s.uid(),
        "short_uid": s.short_uid(),
        "username": s.username(),
        "hostname": s.hostname(),
        "ipaddr": s.request_source(),
        "login_message": s.login_message(),
        "scope": s.scope(),
        "permissions": s.permissions(),
        "request_datetime": s.request_datetime(),
        "expires_at": s.expires_at(),
        "public_key_fingerprint": page.public_key_fingerprint,
        "public_certificate_fingerprint": page.public_certificate_fingerprint,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A time as people read it, in UTC to the second.
pub fn when(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// Time left, in words.
pub fn left(delta: TimeDelta) -> String {
    let seconds = delta.num_seconds();
    match seconds {
        ..=0 => "expired".to_owned(),
        1..=59 => format!("{seconds} s left"),
        _ => format!("{} min {} s left", seconds / 60, seconds % 60),
    }
}

/// Text from the requester or the service, made safe to print: control
/// characters, and the invisible formatting characters (bidirectional
/// overrides and isolates, zero-width marks, tag characters) that could
/// make a name or message look like something it is not, are written as
/// `\u{...}`.
pub fn safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_invisible(c) || c.is_control() {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode's format characters (general category Cf, as of Unicode 15,
/// with the whole U+2060 block, whose gaps may be assigned later), and the
/// line and paragraph separators, which break a line as a control would.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{0600}'..='\u{0605}' | '\u{061c}' | '\u{06dd}' | '\u{070f}'
        | '\u{0890}'..='\u{0891}' | '\u{08e2}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_shown_escaped() {
        assert_eq!(safe("deploy to staging"), "deploy to staging");
        assert_eq!(safe("ada\u{202e}nimda"), "ada\\u{202e}nimda");
        assert_eq!(safe("a\u{200b}b\u{7}"), "a\\u{200b}b\\u{0007}");
        assert_eq!(safe("héllo"), "héllo");
        // Isolates, the separators and tag characters (which can spell a
        // hidden text) too.
        assert_eq!(safe("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(safe("a\u{2028}b\u{2029}"), "a\\u{2028}b\\u{2029}");
        assert_eq!(safe("ok\u{e0041}\u{e007f}"), "ok\\u{e0041}\\u{e007f}");
        assert_eq!(
            safe("\u{180e}\u{061c}\u{fff9}"),
            "\\u{180e}\\u{061c}\\u{fff9}"
        );
        // Visible text of every script stays as it is.
        assert_eq!(safe("日本語 עברית العربية ✓"), "日本語 עברית العربية ✓");
        // What is escaped is escaped once: escaping again changes nothing.
        let once = safe("x\u{202e}\u{1b}[2J");
        assert_eq!(safe(&once), once);
    }

    #[test]
    fn times_read_plainly() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T09:00:00.123Z")
            .unwrap()
            .to_utc();
        assert_eq!(when(t), "2026-11-29 09:00:00 UTC");
        assert_eq!(left(TimeDelta::seconds(581)), "9 min 41 s left");
        assert_eq!(left(TimeDelta::seconds(7)), "7 s left");
        assert_eq!(left(TimeDelta::seconds(0)), "expired");
    }
}
