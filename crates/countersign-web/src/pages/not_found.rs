//! The page for paths the app does not know.

use yew::{Html, component, html};
use yew_router::prelude::Link;

use crate::route::Route;

/// Not found.
#[component]
pub fn NotFound() -> Html {
    html! {
        <article>
            <h1>{ "Nothing here" }</h1>
            <p>{ "This address is not a countersign page. " }<Link<Route> to={Route::Home}>{ "Open a login request" }</Link<Route>>{ " instead." }</p>
        </article>
    }
}
