//! Every page of the app and its path, in one place.

use serde::{Deserialize, Serialize};
use yew::{Html, html};
use yew_router::Routable;

use crate::pages;

/// The app's pages.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// Paste a short id or login URL.
    #[at("/")]
    Home,
    /// A login URL: `/s?id=xx.xx.xx.xx`.
    #[at("/s")]
    Approve,
    /// An enrollment link: `/enroll?token=...`.
    #[at("/enroll")]
    Enroll,
    /// This user's devices.
    #[at("/devices")]
    Devices,
    /// This user's sessions.
    #[at("/sessions")]
    Sessions,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The query of a login URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveQuery {
    /// The short id as written.
    pub id: String,
}

/// The query of an enrollment link.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EnrollQuery {
    /// The one-time token.
    pub token: String,
}

/// The page for a route.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <pages::home::Home /> },
        Route::Approve => html! { <pages::approve::Approve /> },
        Route::Enroll => html! { <pages::enroll::Enroll /> },
        Route::Devices => html! { <pages::devices::Devices /> },
        Route::Sessions => html! { <pages::sessions::Sessions /> },
        Route::NotFound => html! { <pages::not_found::NotFound /> },
    }
}
