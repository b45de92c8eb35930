//! The home page: type or paste a short id or a login URL.

use countersign_core::ShortUid;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, InputEvent, SubmitEvent, TargetCast, component, html, use_state};
use yew_router::hooks::use_navigator;

use crate::route::{ApproveQuery, Route};

/// The home page.
#[component]
pub fn Home() -> Html {
    let text = use_state(String::new);
    let problem = use_state(|| None::<String>);
    let navigator = use_navigator();
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            text.set(input.value());
        })
    };
    let onsubmit = {
        let text = text.clone();
        let problem = problem.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match ShortUid::from_url_or_id(&text) {
                Ok(short) => {
                    problem.set(None);
                    if let Some(navigator) = &navigator {
                        let query = ApproveQuery {
                            id: short.to_string(),
                        };
                        let _ = navigator.push_with_query(&Route::Approve, &query);
                    }
                }
                Err(error) => problem.set(Some(error.to_string())),
            }
        })
    };
    html! {
        <article>
            <h1>{ "Open a login request" }</h1>
            <p>{ "A program asking you to log in shows a link and a short id like " }<code>{ "ab.cd.ef.01" }</code>{ ". Open the link, or type the id here." }</p>
            <form class="open" {onsubmit} novalidate=true>
                <label for="short-id">{ "Short id or login link" }</label>
                <div class="row">
                    <input
                        id="short-id"
                        name="short-id"
                        type="text"
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="ab.cd.ef.01"
                        aria-invalid={problem.is_some().to_string()}
                        aria-describedby="short-id-problem"
                        value={(*text).clone()}
                        {oninput}
                    />
                    <button class="primary" type="submit">{ "Open" }</button>
                </div>
                <p id="short-id-problem" class="problem" role="alert">{ (*problem).clone().unwrap_or_default() }</p>
            </form>
        </article>
    }
}
