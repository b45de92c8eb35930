//! The root component: the router and the page frame.

use yew::{Html, component, html};
use yew_router::{BrowserRouter, Switch};

use crate::components::layout::Layout;
use crate::route::{Route, switch};

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
