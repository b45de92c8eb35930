//! Everything an approver checks before deciding: who, from where, what,
//! when, and the requester's key.

use chrono::{DateTime, Datelike, Timelike, Utc};
use countersign_core::api::ApprovalView;
use countersign_core::is_format_character;
use yew::{Callback, Html, Properties, component, html};

use crate::components::countdown::Countdown;

/// The request to show.
#[derive(Properties, PartialEq)]
pub struct SessionDetailsProps {
    /// The approval page's data.
    pub view: ApprovalView,
    /// Called when the countdown reaches zero.
    #[prop_or_default]
    pub on_expired: Callback<()>,
}

/// A time, in UTC, to the second: what chrono's `%Y-%m-%d %H:%M:%S UTC`
/// writes, without chrono's format-string reader (8 KB of wasm).
pub fn when(t: DateTime<Utc>) -> String {
    let year = t.year();
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!(
        "{year}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Requester text made safe to show: control and invisible format
/// characters (a right-to-left override, a zero-width space, an isolate,
/// a tag character, ...) written as `\u{...}`. The core refuses them in
/// the hostname, message, scope and permissions; a username may still
/// hold them, and the approver must see the name as it is.
pub fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_format_character(c) {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// A set of tokens, or a word for none.
fn tokens(set: &countersign_core::TokenSet) -> Html {
    if set.is_empty() {
        html! { <span class="muted">{ "none" }</span> }
    } else {
        html! { <ul class="tokens">{ for set.iter().map(|t| html! { <li><code>{ t }</code></li> }) }</ul> }
    }
}

/// The details, as a description list.
#[component]
pub fn SessionDetails(props: &SessionDetailsProps) -> Html {
    let session = &props.view.session;
    let fingerprint = props
        .view
        .public_certificate_fingerprint
        .map(|f| f.to_text())
        .unwrap_or_else(|| "unknown".into());
    html! {
        <dl class="details">
            <dt>{ "Log in as" }</dt>
            <dd><strong>{ shown(session.username().as_str()) }</strong></dd>
            <dt>{ "Requested from" }</dt>
            <dd>
                { session.hostname().map(|h| html! { <><code>{ h }</code>{ " (as the program names its host), " }</> }).unwrap_or_default() }
                { "address " }<code>{ session.request_source().to_string() }</code>{ " (as the service saw it)" }
            </dd>
            <dt>{ "Message" }</dt>
            <dd>{ session.login_message().map(|m| html! { <q>{ m }</q> }).unwrap_or_else(|| html! { <span class="muted">{ "none" }</span> }) }</dd>
            <dt>{ "Scope" }</dt>
            <dd>{ tokens(session.scope()) }</dd>
            <dt>{ "Permissions" }</dt>
            <dd>{ tokens(session.permissions()) }</dd>
            <dt>{ "Requested at" }</dt>
            <dd><time datetime={session.request_datetime().to_rfc3339()}>{ when(session.request_datetime()) }</time></dd>
            <dt>{ "Expires" }</dt>
            <dd>
                <time datetime={session.expires_at().to_rfc3339()}>{ when(session.expires_at()) }</time>
                { " · " }
                <Countdown until={session.expires_at()} on_expired={props.on_expired.clone()} />
            </dd>
            <dt>{ "Program key fingerprint" }</dt>
            <dd><code class="fingerprint">{ fingerprint }</code></dd>
        </dl>
    }
}
