//! The root component: the router, the page frame, and the page for each
//! route (`switch`). The mapping lives here rather than beside `Route`, so
//! that `route.rs`, which the pages import, imports no page back.

use yew::{Html, component, html};
use yew_router::{BrowserRouter, Switch};

use crate::components::layout::Layout;
use crate::pages;
use crate::route::Route;

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

/// The app.
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <Layout>
                <Switch<Route> render={switch} />
            </Layout>
        </BrowserRouter>
    }
}
