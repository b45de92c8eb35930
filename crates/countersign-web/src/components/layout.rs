//! The frame around every page: a header with navigation, the page, a footer.

use yew::{Children, Html, Properties, component, html};
use yew_router::prelude::Link;

use crate::route::Route;

/// The page inside the frame.
#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    /// The page.
    pub children: Children,
}

/// The frame.
#[component]
pub fn Layout(props: &LayoutProps) -> Html {
    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            <header class="top">
                <Link<Route> to={Route::Home} classes="brand">{ "countersign" }</Link<Route>>
                <nav aria-label="Main">
                    <ul>
                        <li><Link<Route> to={Route::Home}>{ "Open a request" }</Link<Route>></li>
                        <li><Link<Route> to={Route::Sessions}>{ "Sessions" }</Link<Route>></li>
                        <li><Link<Route> to={Route::Devices}>{ "Devices" }</Link<Route>></li>
                    </ul>
                </nav>
            </header>
            <main id="main" tabindex="-1">
                { props.children.clone() }
            </main>
            <footer class="bottom">
                <p>{ "Your device key never leaves this browser." }</p>
            </footer>
        </>
    }
}
