//! A message box: an outcome, a problem and what to do next.

use yew::{Children, Html, Properties, component, html};

/// How the notice looks and is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Something went as asked.
    Good,
    /// Worth knowing, nothing wrong.
    Info,
    /// Something is wrong.
    Bad,
}

/// What the notice says.
#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    /// Its look.
    pub tone: Tone,
    /// Its heading.
    pub title: String,
    /// Its text and any next step.
    #[prop_or_default]
    pub children: Children,
}

/// A notice of plain paragraphs. Most notices say only text: built here
/// once, rather than by an `html!` of their own at every place that shows
/// one (each of which carried its own copy of the building code).
pub fn notice(tone: Tone, title: &str, paragraphs: &[&str]) -> Html {
    html! {
        <Notice {tone} title={title.to_owned()}>
            { for paragraphs.iter().map(|p| html! { <p>{ *p }</p> }) }
        </Notice>
    }
}

/// A notice, announced to screen readers as it appears.
#[component]
pub fn Notice(props: &NoticeProps) -> Html {
    let (class, role) = match props.tone {
        Tone::Good => ("notice good", "status"),
        Tone::Info => ("notice info", "status"),
        Tone::Bad => ("notice bad", "alert"),
    };
    html! {
        <section class={class} role={role}>
            <h2>{ &props.title }</h2>
            { props.children.clone() }
        </section>
    }
}
